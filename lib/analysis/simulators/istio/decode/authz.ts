/**
 * Decodes a `security.istio.io` AuthorizationPolicy into its typed form: action (and the
 * provider of a CUSTOM one), selector or targetRef(s), and rules whose conditions keep their
 * values as written (checked: addresses, ports and strings), to be compiled by `../authz.ts`.
 * Fields are checked against those the upstream CRD defines at each place.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
import { ProblemSet, inputError } from '../../../errors';
import { at, cidrRange, optList, optRecord, optString, optStringList, portNumber } from '../../decode';
import { Action, DecodedAuthorizationPolicy, DecodedAuthzRule, DecodedCond, DecodedValue, Meta, PolicyTargetRef } from '../model';
import { checkKeys, readWorkloadSelector } from './shared';

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

/**
 * Decodes one AuthorizationPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeAuthorizationPolicy(obj: Readonly<Record<string, unknown>>, meta: Meta, warnings: ProblemSet): DecodedAuthorizationPolicy {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{rules: [...]}') ?? {};
  checkKeys(spec, AUTHZ_FIELDS.spec, meta.ref, 'spec');
  const actionRaw = spec.action ?? 'ALLOW';
  if (actionRaw !== 'ALLOW' && actionRaw !== 'DENY' && actionRaw !== 'AUDIT' && actionRaw !== 'CUSTOM') {
    inputError(at(meta.ref, 'spec.action'), 'is not an AuthorizationPolicy action', actionRaw, 'use ALLOW, DENY, AUDIT or CUSTOM');
  }
  const action: Action = actionRaw;
  let provider: string | undefined;
  if (action === 'CUSTOM') {
    const prov = optRecord(spec.provider, at(meta.ref, 'spec.provider'), '{name: my-ext-authz}');
    provider = optString(prov?.name, at(meta.ref, 'spec.provider.name'), 'my-ext-authz');
    if (!provider) inputError(at(meta.ref, 'spec.provider.name'), 'a CUSTOM policy needs the name of its extension provider', spec.provider, 'set spec.provider.name to a provider declared in MeshConfig extensionProviders');
  } else if (spec.provider !== undefined) {
    inputError(at(meta.ref, 'spec.provider'), 'provider is only valid with action CUSTOM', spec.provider, 'remove spec.provider, or set action: CUSTOM');
  }
  const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
  const hasTarget = spec.targetRef !== undefined || spec.targetRefs !== undefined;
  if (hasTarget && selector) inputError(at(meta.ref, 'spec.targetRef'), 'only one of selector, targetRef and targetRefs can be set', spec.targetRef ?? spec.targetRefs, 'keep either the selector or the targetRef(s)');
  const rulesRaw = optList(spec.rules, at(meta.ref, 'spec.rules'), '[{from: [...], to: [...]}]') ?? [];
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
function readTargetRefs(spec: Readonly<Record<string, unknown>>, meta: Meta): PolicyTargetRef[] {
  const raw: { v: unknown; path: string }[] = [];
  if (spec.targetRef !== undefined) raw.push({ v: spec.targetRef, path: 'spec.targetRef' });
  (optList(spec.targetRefs, at(meta.ref, 'spec.targetRefs'), '[{kind: Service, group: "", name: web}]') ?? []).forEach((v, i) => raw.push({ v, path: `spec.targetRefs[${i}]` }));
  return raw.map(({ v, path }) => {
    const r = optRecord(v, at(meta.ref, path), '{kind: Service, group: "", name: web}') ?? {};
    checkKeys(r, ['group', 'kind', 'name', 'namespace'], meta.ref, path);
    const kind = optString(r.kind, at(meta.ref, `${path}.kind`), 'Service');
    const name = optString(r.name, at(meta.ref, `${path}.name`), 'web');
    if (!kind || !name) inputError(at(meta.ref, path), 'a target reference needs a kind and a name', v, 'set kind (Service or Gateway) and name');
    return { group: optString(r.group, at(meta.ref, `${path}.group`), '""') ?? '', kind, name, namespace: optString(r.namespace, at(meta.ref, `${path}.namespace`), 'shop') ?? meta.namespace };
  });
}

function readRule(raw: unknown, meta: Meta, path: string, points: Set<number>): DecodedAuthzRule {
  const r = optRecord(raw, at(meta.ref, path), '{from: [...], to: [...], when: [...]}') ?? {};
  checkKeys(r, AUTHZ_FIELDS.rule, meta.ref, path);
  const httpOnly: string[] = [];
  const note = (conds: readonly DecodedCond[]): readonly DecodedCond[] => {
    for (const c of conds) if (c.httpOnly) httpOnly.push(c.field);
    return conds;
  };
  const fromRaw = optList(r.from, at(meta.ref, `${path}.from`), '[{source: {principals: [...]}}]');
  const from = fromRaw && fromRaw.length > 0
    ? fromRaw.map((e, i) => {
      const fp = `${path}.from[${i}]`;
      const entry = optRecord(e, at(meta.ref, fp), '{source: {...}}') ?? {};
      checkKeys(entry, AUTHZ_FIELDS.from, meta.ref, fp);
      const s = optRecord(entry.source, at(meta.ref, `${fp}.source`), '{principals: [...]}');
      return note(s ? readSource(s, meta, `${fp}.source`) : []);
    })
    : undefined;
  const toRaw = optList(r.to, at(meta.ref, `${path}.to`), '[{operation: {ports: ["8080"]}}]');
  const to = toRaw && toRaw.length > 0
    ? toRaw.map((e, i) => {
      const tp = `${path}.to[${i}]`;
      const entry = optRecord(e, at(meta.ref, tp), '{operation: {...}}') ?? {};
      checkKeys(entry, AUTHZ_FIELDS.to, meta.ref, tp);
      const o = optRecord(entry.operation, at(meta.ref, `${tp}.operation`), '{ports: ["8080"]}');
      return note(o ? readOperation(o, meta, `${tp}.operation`, points) : []);
    })
    : undefined;
  const whenRaw = optList(r.when, at(meta.ref, `${path}.when`), '[{key: source.ip, values: ["203.0.113.0/24"]}]') ?? [];
  const when = note(whenRaw.map((c, i) => readCondition(c, meta, `${path}.when[${i}]`, points)));
  return { path, from, to, when, httpOnlyFields: [...new Set(httpOnly)] };
}

function readSource(s: Record<string, unknown>, meta: Meta, path: string): DecodedCond[] {
  checkKeys(s, AUTHZ_FIELDS.source, meta.ref, path);
  const out: DecodedCond[] = [];
  const pair = (pos: string, neg: string, mk: (v: string, field: string) => DecodedValue, httpOnly = false, identity = false): void => {
    const values = optStringList(s[pos], at(meta.ref, `${path}.${pos}`), '["value"]') ?? [];
    const notValues = optStringList(s[neg], at(meta.ref, `${path}.${neg}`), '["value"]') ?? [];
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

function readOperation(o: Record<string, unknown>, meta: Meta, path: string, points: Set<number>): DecodedCond[] {
  checkKeys(o, AUTHZ_FIELDS.operation, meta.ref, path);
  const out: DecodedCond[] = [];
  const pair = (pos: string, neg: string, mk: (v: unknown, field: string) => DecodedValue, httpOnly: boolean): void => {
    const values = optList(o[pos], at(meta.ref, `${path}.${pos}`), '["value"]') ?? [];
    const notValues = optList(o[neg], at(meta.ref, `${path}.${neg}`), '["value"]') ?? [];
    if (values.length === 0 && notValues.length === 0) return;
    out.push({
      field: `${path}.${values.length > 0 ? pos : neg}`,
      httpOnly,
      identity: false,
      values: values.map((v, i) => mk(v, `${path}.${pos}[${i}]`)),
      notValues: notValues.map((v, i) => mk(v, `${path}.${neg}[${i}]`)),
    });
  };
  const str = (v: unknown, f: string): string => (typeof v === 'string' ? v : inputError(at(meta.ref, f), 'must be a string', v, 'quote the value'));
  pair('ports', 'notPorts', (v, f) => portValue(v, meta, f, points), false);
  pair('methods', 'notMethods', (v, f) => ({ t: 'method', value: str(v, f) }), true);
  pair('paths', 'notPaths', (v, f) => ({ t: 'path', value: str(v, f) }), true);
  pair('hosts', 'notHosts', (v, f) => ({ t: 'host', value: str(v, f) }), true);
  return out;
}

function readCondition(raw: unknown, meta: Meta, path: string, points: Set<number>): DecodedCond {
  const c = optRecord(raw, at(meta.ref, path), '{key: source.ip, values: ["203.0.113.0/24"]}') ?? {};
  checkKeys(c, AUTHZ_FIELDS.condition, meta.ref, path);
  const key = optString(c.key, at(meta.ref, `${path}.key`), 'source.ip');
  if (!key) return inputError(at(meta.ref, `${path}.key`), 'a condition needs a key', c.key, 'set key to an Istio attribute such as source.ip or request.headers[x-user]');
  const values = optStringList(c.values, at(meta.ref, `${path}.values`), '["value"]') ?? [];
  const notValues = optStringList(c.notValues, at(meta.ref, `${path}.notValues`), '["value"]') ?? [];
  if (values.length === 0 && notValues.length === 0) {
    inputError(at(meta.ref, path), 'a condition needs values or notValues', raw, 'list at least one value in values or notValues');
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

function portValue(v: unknown, meta: Meta, field: string, points: Set<number>): DecodedValue {
  const port = portNumber(v, at(meta.ref, field));
  points.add(port);
  return { t: 'port', port };
}
