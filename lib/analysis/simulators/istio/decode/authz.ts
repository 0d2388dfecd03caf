/**
 * Decodes a `security.istio.io` AuthorizationPolicy into its typed form: action (and the
 * provider of a CUSTOM one), selector or targetRef(s), and rules whose conditions keep their
 * values as written (checked: addresses, ports and strings), to be compiled by `../authz.ts`.
 * The spec is checked against the upstream schema first (the type of every value, and every
 * field), then read as the generated `AuthorizationPolicy` type.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { ProblemSet, inputError } from '../../../errors';
import { ShapeSpec, decodeShape, exampleWords, kindSchema, schemaAt } from '../../../schema';
import { at, cidrRange, portNumber } from '../../decode';
import { Action, DecodedAuthorizationPolicy, DecodedAuthzRule, DecodedCond, DecodedValue, Meta, PolicyTargetRef } from '../model';
import { readWorkloadSelector, stringItem, unknownIstioField, workloadSelectorWords } from './shared';

type AuthzSpec = NonNullable<K.AuthorizationPolicy['spec']>;
type AuthzRule = NonNullable<AuthzSpec['rules']>[number];
type AuthzSource = NonNullable<NonNullable<AuthzRule['from']>[number]['source']>;
type AuthzOperation = NonNullable<NonNullable<AuthzRule['to']>[number]['operation']>;
type AuthzCondition = NonNullable<AuthzRule['when']>[number];

/**
 * The fields of each place of an AuthorizationPolicy: those the upstream CRD defines (see
 * `lib/imports/schemas.ts`), in the order messages name them.
 */
export const AUTHZ_FIELDS = {
  spec: ['selector', 'targetRef', 'targetRefs', 'rules', 'action', 'provider'],
  rule: ['from', 'to', 'when'],
  from: ['source'],
  to: ['operation'],
  source: ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks',
    'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'],
  operation: ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'],
  condition: ['key', 'values', 'notValues'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** The shape of an AuthorizationPolicy's spec, and the words of its problems. */
const SHAPE: ShapeSpec = {
  schema: schemaAt(kindSchema(KIND_VERSIONS.AuthorizationPolicy, 'AuthorizationPolicy'), 'spec'),
  mistyped: {
    spec: exampleWords('a mapping', '{rules: [...]}'),
    'spec.action': { message: 'is not an AuthorizationPolicy action', fix: 'use ALLOW, DENY, AUDIT or CUSTOM' },
    'spec.provider': exampleWords('a mapping', '{name: my-ext-authz}'),
    'spec.provider.name': exampleWords('a string', 'my-ext-authz'),
    ...workloadSelectorWords('spec.selector', 'matchLabels'),
    'spec.rules': exampleWords('a list', '[{from: [...], to: [...]}]'),
    'spec.rules[]': exampleWords('a mapping', '{from: [...], to: [...], when: [...]}'),
    'spec.rules[].from': exampleWords('a list', '[{source: {principals: [...]}}]'),
    'spec.rules[].from[]': exampleWords('a mapping', '{source: {...}}'),
    'spec.rules[].from[].source': exampleWords('a mapping', '{principals: [...]}'),
    'spec.rules[].to': exampleWords('a list', '[{operation: {ports: ["8080"]}}]'),
    'spec.rules[].to[]': exampleWords('a mapping', '{operation: {...}}'),
    'spec.rules[].to[].operation': exampleWords('a mapping', '{ports: ["8080"]}'),
    ...Object.fromEntries(AUTHZ_FIELDS.source.flatMap((f) => [[`*.source.${f}`, exampleWords('a list', '["value"]')], [`*.source.${f}[]`, stringItem('["value"]')]])),
    ...Object.fromEntries(AUTHZ_FIELDS.operation.flatMap((f) => [[`*.operation.${f}`, exampleWords('a list', '["value"]')], [`*.operation.${f}[]`, { message: 'must be a string', fix: 'quote the value' }]])),
    '*.operation.ports[]': { message: 'must be a string: a port number, quoted', fix: "write a port number such as '8080'" },
    '*.operation.notPorts[]': { message: 'must be a string: a port number, quoted', fix: "write a port number such as '8080'" },
    'spec.rules[].when': exampleWords('a list', '[{key: source.ip, values: ["203.0.113.0/24"]}]'),
    'spec.rules[].when[]': exampleWords('a mapping', '{key: source.ip, values: ["203.0.113.0/24"]}'),
    'spec.rules[].when[].key': exampleWords('a string', 'source.ip'),
    'spec.rules[].when[].values': exampleWords('a list', '["value"]'),
    'spec.rules[].when[].values[]': stringItem('["value"]'),
    'spec.rules[].when[].notValues': exampleWords('a list', '["value"]'),
    'spec.rules[].when[].notValues[]': stringItem('["value"]'),
  },
  unknown: unknownIstioField,
};

/**
 * Decodes one AuthorizationPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeAuthorizationPolicy(obj: Readonly<Record<string, unknown>>, meta: Meta, warnings: ProblemSet): DecodedAuthorizationPolicy {
  const spec: AuthzSpec = decodeShape<AuthzSpec>(obj.spec, SHAPE, { object: meta.ref }, 'spec') ?? {};
  const actionRaw = spec.action ?? 'ALLOW';
  if (actionRaw !== 'ALLOW' && actionRaw !== 'DENY' && actionRaw !== 'AUDIT' && actionRaw !== 'CUSTOM') {
    inputError(at(meta.ref, 'spec.action'), 'is not an AuthorizationPolicy action', actionRaw, 'use ALLOW, DENY, AUDIT or CUSTOM');
  }
  const action: Action = actionRaw;
  let provider: string | undefined;
  if (action === 'CUSTOM') {
    provider = spec.provider?.name ?? undefined;
    if (!provider) inputError(at(meta.ref, 'spec.provider.name'), 'a CUSTOM policy needs the name of its extension provider', spec.provider, 'set spec.provider.name to a provider declared in MeshConfig extensionProviders');
  } else if (spec.provider !== undefined) {
    inputError(at(meta.ref, 'spec.provider'), 'provider is only valid with action CUSTOM', spec.provider, 'remove spec.provider, or set action: CUSTOM');
  }
  const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
  const hasTarget = spec.targetRef !== undefined || spec.targetRefs !== undefined;
  if (hasTarget && selector) inputError(at(meta.ref, 'spec.targetRef'), 'only one of selector, targetRef and targetRefs can be set', spec.targetRef ?? spec.targetRefs, 'keep either the selector or the targetRef(s)');
  const rulesRaw = spec.rules ?? [];
  const seen = new Set<number>();
  const rules = rulesRaw.map((r, i) => readRule(r, meta, `spec.rules[${i}]`, seen));
  const points = [...seen].sort((a, b) => a - b);
  const dryRun = meta.annotations['istio.io/dry-run'] === 'true';
  const targetRefs = readTargetRefs(spec, meta);
  const unmodelled = targetRefs.filter((t) => !(t.group === '' && t.kind === 'Service') && !(t.group === 'gateway.networking.k8s.io' && t.kind === 'Gateway'));
  if (unmodelled.length > 0) {
    warnings.warn('BH-AN-ISTIO-TARGET-REF', meta.ref, `targetRef/targetRefs name ${unmodelled.map((t) => `${t.kind} ${t.name}`).join(', ')}: the analysis applies policies attached to Services and waypoint Gateways only (ambient waypoints), not to other gateways or kinds`, 'nothing to do for the workloads analysed; check gateway policies separately', 'info');
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, action, provider, selector, dryRun, attached: hasTarget, targetRefs, rules, points };
}

/** `targetRef` and `targetRefs[]`: group (core when not given), kind, name, namespace (the policy's when not given). */
function readTargetRefs(spec: AuthzSpec, meta: Meta): PolicyTargetRef[] {
  const raw: { v: NonNullable<AuthzSpec['targetRef']>; path: string }[] = [];
  if (spec.targetRef) raw.push({ v: spec.targetRef, path: 'spec.targetRef' });
  (spec.targetRefs ?? []).forEach((v, i) => raw.push({ v, path: `spec.targetRefs[${i}]` }));
  return raw.map(({ v, path }) => {
    const kind = v.kind ?? undefined;
    const name = v.name ?? undefined;
    if (!kind || !name) inputError(at(meta.ref, path), 'a target reference needs a kind and a name', v, 'set kind (Service or Gateway) and name');
    return { group: v.group ?? '', kind, name, namespace: v.namespace ?? meta.namespace };
  });
}

function readRule(r: AuthzRule, meta: Meta, path: string, points: Set<number>): DecodedAuthzRule {
  const httpOnly: string[] = [];
  const note = (conds: readonly DecodedCond[]): readonly DecodedCond[] => {
    for (const c of conds) if (c.httpOnly) httpOnly.push(c.field);
    return conds;
  };
  const fromRaw = r.from;
  const from = fromRaw && fromRaw.length > 0
    ? fromRaw.map((entry, i) => {
      const fp = `${path}.from[${i}]`;
      const s = entry.source;
      return note(s ? readSource(s, meta, `${fp}.source`) : []);
    })
    : undefined;
  const toRaw = r.to;
  const to = toRaw && toRaw.length > 0
    ? toRaw.map((entry, i) => {
      const tp = `${path}.to[${i}]`;
      const o = entry.operation;
      return note(o ? readOperation(o, meta, `${tp}.operation`, points) : []);
    })
    : undefined;
  const whenRaw = r.when ?? [];
  const when = note(whenRaw.map((c, i) => readCondition(c, meta, `${path}.when[${i}]`, points)));
  return { path, from, to, when, httpOnlyFields: [...new Set(httpOnly)] };
}

function readSource(s: AuthzSource, meta: Meta, path: string): DecodedCond[] {
  const out: DecodedCond[] = [];
  const pair = (pos: keyof AuthzSource, neg: keyof AuthzSource, mk: (v: string, field: string) => DecodedValue, httpOnly = false, identity = false): void => {
    const values = s[pos] ?? [];
    const notValues = s[neg] ?? [];
    if (values.length === 0 && notValues.length === 0) return;
    out.push({
      field: `${path}.${values.length > 0 ? pos : neg}`,
      httpOnly,
      identity,
      values: values.map((v, i) => mk(v, `${path}.${pos}[${i}]`)),
      notValues: notValues.map((v, i) => mk(v, `${path}.${neg}[${i}]`)),
    });
  };
  pair('principals', 'notPrincipals', (v) => ({ t: 'principal', value: v }), false, true);
  pair('requestPrincipals', 'notRequestPrincipals', () => ({ t: 'jwt' }), true);
  pair('namespaces', 'notNamespaces', (v) => ({ t: 'namespace', value: v }), false, true);
  pair('ipBlocks', 'notIpBlocks', (v, f) => ipValue(v, meta, f));
  pair('remoteIpBlocks', 'notRemoteIpBlocks', (v, f) => ipValue(v, meta, f));
  pair('serviceAccounts', 'notServiceAccounts', (v) => ({ t: 'serviceAccount', value: v, policyNamespace: meta.namespace }), false, true);
  pair('trustDomains', 'notTrustDomains', (v) => ({ t: 'trustDomain', value: v }), false, true);
  return out;
}

function readOperation(o: AuthzOperation, meta: Meta, path: string, points: Set<number>): DecodedCond[] {
  const out: DecodedCond[] = [];
  const pair = (pos: keyof AuthzOperation, neg: keyof AuthzOperation, mk: (v: string, field: string) => DecodedValue, httpOnly: boolean): void => {
    const values = o[pos] ?? [];
    const notValues = o[neg] ?? [];
    if (values.length === 0 && notValues.length === 0) return;
    out.push({
      field: `${path}.${values.length > 0 ? pos : neg}`,
      httpOnly,
      identity: false,
      values: values.map((v, i) => mk(v, `${path}.${pos}[${i}]`)),
      notValues: notValues.map((v, i) => mk(v, `${path}.${neg}[${i}]`)),
    });
  };
  pair('ports', 'notPorts', (v, f) => portValue(v, meta, f, points), false);
  pair('methods', 'notMethods', (v) => ({ t: 'method', value: v }), true);
  pair('paths', 'notPaths', (v) => ({ t: 'path', value: v }), true);
  pair('hosts', 'notHosts', (v) => ({ t: 'host', value: v }), true);
  return out;
}

function readCondition(c: AuthzCondition, meta: Meta, path: string, points: Set<number>): DecodedCond {
  const key = c.key;
  if (!key) return inputError(at(meta.ref, `${path}.key`), 'a condition needs a key', c.key, 'set key to an Istio attribute such as source.ip or request.headers[x-user]');
  const values = c.values ?? [];
  const notValues = c.notValues ?? [];
  if (values.length === 0 && notValues.length === 0) {
    inputError(at(meta.ref, path), 'a condition needs values or notValues', c, 'list at least one value in values or notValues');
  }
  let mk: (v: string, field: string) => DecodedValue;
  let httpOnly = false;
  if (key === 'source.ip' || key === 'remote.ip') mk = (v, f) => ipValue(v, meta, f);
  else if (key === 'source.namespace') mk = (v) => ({ t: 'namespace', value: v });
  else if (key === 'source.principal') mk = (v) => ({ t: 'principal', value: v });
  else if (key === 'destination.port') mk = (v, f) => portValue(v, meta, f, points);
  else if (key === 'destination.ip') {
    mk = (v, f) => {
      cidrRange(v, at(meta.ref, f));
      return { t: 'unknown' };
    };
  } else if (key === 'connection.sni' || key.startsWith('experimental.envoy.filters.')) mk = () => ({ t: 'unknown' });
  else if (key === 'request.auth.principal' || key === 'request.auth.audiences' || key === 'request.auth.presenter' || /^request\.auth\.claims\[.+\]$/.test(key)) {
    httpOnly = true;
    mk = () => ({ t: 'jwt' });
  } else {
    const header = /^request\.headers\[(.+)\]$/.exec(key);
    if (!header) {
      return inputError(at(meta.ref, `${path}.key`), 'is not an attribute Istio supports in conditions', key,
        'use one of source.ip, remote.ip, source.namespace, source.principal, request.headers[<name>], request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[<name>], destination.ip, destination.port, connection.sni');
    }
    httpOnly = true;
    const name = header[1].toLowerCase();
    mk = (v) => ({ t: 'header', name, value: v });
  }
  return {
    field: `${path}`,
    httpOnly,
    identity: key === 'source.namespace' || key === 'source.principal',
    values: values.map((v, i) => mk(v, `${path}.values[${i}]`)),
    notValues: notValues.map((v, i) => mk(v, `${path}.notValues[${i}]`)),
  };
}

function ipValue(v: string, meta: Meta, field: string): DecodedValue {
  return { t: 'ip', range: cidrRange(v, at(meta.ref, field)), field };
}

function portValue(v: string, meta: Meta, field: string, points: Set<number>): DecodedValue {
  const port = portNumber(v, at(meta.ref, field));
  points.add(port);
  return { t: 'port', port };
}
