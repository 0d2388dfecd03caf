/**
 * Decodes the rules of `cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
 * (both kinds write the same rule format; `./cnp.ts` and `./ccnp.ts` say how each scopes it)
 * into their typed form, reporting malformed input as problems and what the analysis does not
 * model as warnings. No evaluation here: see `../rule.ts`.
 *
 * - A CNP's subject selector always applies in the policy's own namespace (a namespace label
 *   it names is replaced), a CCNP's cluster-wide. In a CNP, a peer endpoint selector without
 *   an `io.kubernetes.pod.namespace` key is limited to the policy's namespace. Label keys may
 *   carry the `k8s:` or `any:` source prefix; other sources make a selector foreign.
 * - Combining peer kinds in one rule, `fromRequires` / `toRequires`, unmodeled peers in deny
 *   rules and mixed L7 rule types are errors; unmodeled peers in allow rules are warnings.
 * - `spec` and `specs` are first checked against the upstream schema of the kind: the type of
 *   every value, and every field (a misspelt field is an error even when the loader does not
 *   check schemas); then read as the generated `CiliumNetworkPolicy` type. The field lists
 *   below are those of the schema, in the order messages name them.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @see https://github.com/cilium/cilium/blob/main/pkg/k8s/apis/cilium.io/utils/utils.go
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { ProblemSet, inputError } from '../../../errors';
import { L4Protocol, L4_PROTOCOLS } from '../../../portset';
import { ShapeSpec, ShapeWords, decodeShape, exampleWords, kindSchema, schemaAt } from '../../../schema';
import { LabelSelector, isRecord } from '../../../selector';
import { at, cidrRange, optList, optString, portNumber } from '../../decode';
import { DecodedCiliumPolicy, DecodedCiliumRule, L7, NS_KEY, Peer, PeerRule, PortRule, Section } from '../model';

/** A rule (`spec`, `specs[]`) as the CRD defines it. */
type CiliumRule = NonNullable<K.CiliumNetworkPolicy['spec']>;

/** A `toCIDRSet` entry. */
interface CidrSet {
  readonly cidr?: string | null;
  readonly except?: readonly string[] | null;
  readonly cidrGroupRef?: string | null;
  readonly cidrGroupSelector?: unknown;
}

/** A `toPorts` entry (deny rules: `ports` only). */
type CiliumPortRule = NonNullable<NonNullable<CiliumRule['ingress']>[number]['toPorts']>[number];

/** A rule of a section, with the fields of every section (each section's generated type is one). */
interface SectionRule {
  readonly fromEndpoints?: readonly unknown[] | null;
  readonly toEndpoints?: readonly unknown[] | null;
  readonly fromCIDR?: readonly string[] | null;
  readonly toCIDR?: readonly string[] | null;
  readonly fromCIDRSet?: readonly CidrSet[] | null;
  readonly toCIDRSet?: readonly CidrSet[] | null;
  readonly fromEntities?: readonly string[] | null;
  readonly toEntities?: readonly string[] | null;
  readonly toFQDNs?: readonly { readonly matchName?: string | null; readonly matchPattern?: string | null }[] | null;
  readonly icmps?: readonly unknown[] | null;
  readonly toPorts?: readonly CiliumPortRule[] | null;
  readonly authentication?: { readonly mode?: string | null } | null;
}

const like = exampleWords;

const CIDR: ShapeWords = { message: 'must be an IP address or CIDR string', fix: "write an address range such as '203.0.113.0/24'" };
const PORT: ShapeWords = { message: 'is not a port number (0 to 65535)', fix: "write a port number such as '8080'" };

/** The words of the shape problems of a rule, by place (see {@link ShapeSpec}). */
const RULE_WORDS: Readonly<Record<string, ShapeWords>> = {
  spec: like('a mapping', '{endpointSelector: {}, ingress: [...]}'),
  specs: like('a list', '[{endpointSelector: {}, ingress: [...]}]'),
  'specs[]': like('a mapping', '{endpointSelector: {}, ingress: [...]}'),
  '*.enableDefaultDeny': like('a mapping', '{ingress: false, egress: true}'),
  '*.enableDefaultDeny.ingress': { message: 'must be true or false', fix: 'write true or false (unquoted)' },
  '*.enableDefaultDeny.egress': { message: 'must be true or false', fix: 'write true or false (unquoted)' },
  ...Object.fromEntries(['ingress', 'ingressDeny', 'egress', 'egressDeny'].flatMap((sec) => [
    [`*.${sec}`, like('a list', '[{fromEndpoints: [...], toPorts: [...]}]')],
    [`*.${sec}[]`, like('a mapping', '{fromEndpoints: [{matchLabels: {app: web}}]}')],
  ])),
  '*.fromCIDR[]': CIDR,
  '*.toCIDR[]': CIDR,
  '*.fromCIDRSet[]': like('a mapping', '{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}'),
  '*.toCIDRSet[]': like('a mapping', '{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}'),
  '*.cidr': CIDR,
  '*.except': like('a list', '["10.96.0.0/12"]'),
  '*.except[]': CIDR,
  '*.toFQDNs[]': like('a mapping', '{matchName: api.example.com}'),
  '*.matchName': like('a string', 'api.example.com'),
  '*.matchPattern': like('a string', '"*.example.com"'),
  '*.icmps': like('a list', '[{fields: [{type: 8}]}]'),
  '*.toPorts': like('a list', '[{ports: [{port: "8080", protocol: TCP}]}]'),
  '*.toPorts[]': like('a mapping', '{ports: [{port: "8080", protocol: TCP}]}'),
  '*.toPorts[].ports': like('a list', '[{port: "8080", protocol: TCP}]'),
  '*.toPorts[].ports[]': like('a mapping', '{port: "8080", protocol: TCP}'),
  '*.toPorts[].ports[].protocol': { message: 'must be a string', fix: 'use TCP, UDP, SCTP or ANY' },
  '*.toPorts[].ports[].port': { message: 'must be a string: a port number (0 to 65535) or a port name, quoted', fix: 'write for example port: "8080" or port: http' },
  '*.toPorts[].ports[].endPort': PORT,
  '*.authentication': like('a mapping', '{mode: required}'),
  '*.authentication.mode': like('a string', 'required'),
  '*.serverNames': like('a list', '["api.example.com"]'),
  '*.serverNames[]': like('a string', '"api.example.com"'),
  '*.rules': like('a mapping', '{http: [{method: GET, path: "/"}]}'),
  '*.rules.http': like('a list', '[{method: GET, path: "/api/.*"}]'),
  '*.rules.http[]': like('a mapping', '{method: GET, path: "/public"}'),
  '*.rules.http[].path': like('a string', '"/api/v1/.*"'),
  '*.rules.http[].method': like('a string', 'GET'),
  '*.rules.http[].host': like('a string', 'api.example.com'),
  '*.rules.http[].headers': like('a list', '["X-My-Header: true"]'),
  '*.rules.http[].headers[]': like('a string', '"X-My-Header: true"'),
  '*.rules.http[].headerMatches': like('a list', '[{name: x-token, value: abc}]'),
  '*.rules.dns': like('a list', '[{matchPattern: "*"}]'),
  '*.rules.dns[]': like('a mapping', '{matchPattern: "*"}'),
};

/** The shape of a rule of a kind: its schema, the words above, and the fields beyond the schema the decoder reads. */
function ruleShape(kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy', path: 'spec' | 'specs'): ShapeSpec {
  return {
    schema: schemaAt(kindSchema(KIND_VERSIONS[kind], kind), path),
    mistyped: RULE_WORDS,
    defaults: (expected) => ({ message: `must be ${expected}`, fix: `write ${expected}, as the ${kind} CRD defines it` }),
    unknown: (known) => ({ message: 'is not a field Cilium accepts here; a misspelt field would silently change the policy', fix: `use one of ${known.join(', ')}` }),
    extra: { '*.toPorts[].rules': L7_RULE_FIELDS.filter((f) => f !== 'http' && f !== 'dns') },
    // label selectors, read (and checked) by LabelSelector.parse; the requirements, refused whatever they hold
    opaque: ['*.endpointSelector', '*.fromEndpoints[]', '*.toEndpoints[]', '*.fromRequires', '*.toRequires'],
  };
}

/** The entities Cilium defines. */
export const ENTITIES: readonly string[] = ['world', 'world-ipv4', 'world-ipv6', 'cluster', 'all', 'host', 'remote-node', 'kube-apiserver', 'ingress', 'init', 'health', 'unmanaged', 'none'];

/** The fields of a rule (`spec`, `specs[]`), in the order messages name them. */
export const RULE_FIELDS: readonly string[] = ['endpointSelector', 'nodeSelector', 'ingress', 'ingressDeny', 'egress', 'egressDeny', 'labels', 'description', 'enableDefaultDeny', 'log'];

/** The peer fields of each section, in the order messages name them. */
export const PEER_FIELDS: Readonly<Record<Section, readonly string[]>> = {
  ingress: ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes'],
  ingressDeny: ['fromEndpoints', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes'],
  egress: ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toGroups', 'toNodes', 'toServices', 'toFQDNs'],
  egressDeny: ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toGroups', 'toNodes', 'toServices'],
};

/** The fields of one rule of a section, in the order messages name them. */
export function sectionRuleFields(section: Section): readonly string[] {
  const ingress = section === 'ingress' || section === 'ingressDeny';
  const deny = section === 'ingressDeny' || section === 'egressDeny';
  return [...PEER_FIELDS[section], `${ingress ? 'from' : 'to'}Requires`, 'toPorts', 'icmps', ...(deny ? [] : ['authentication'])];
}

/** The fields of a `toPorts` entry (allow rules; deny rules have `ports` only), in the order messages name them. */
export const PORT_RULE_FIELDS: readonly string[] = ['ports', 'rules', 'serverNames', 'listener', 'terminatingTLS', 'originatingTLS'];

/**
 * The L7 rule types of `toPorts[].rules`. The standard CRD defines `http` and `dns`; `kafka`
 * and the generic `l7proto` / `l7` (beta, enabled separately) are read too, when the loader
 * does not check schemas.
 */
export const L7_RULE_FIELDS: readonly string[] = ['http', 'dns', 'kafka', 'l7proto', 'l7'];

const SHAPES = {
  CiliumNetworkPolicy: { spec: ruleShape('CiliumNetworkPolicy', 'spec'), specs: ruleShape('CiliumNetworkPolicy', 'specs') },
  CiliumClusterwideNetworkPolicy: { spec: ruleShape('CiliumClusterwideNetworkPolicy', 'spec'), specs: ruleShape('CiliumClusterwideNetworkPolicy', 'specs') },
};

/** Decoding state shared by every policy of one input: warnings and a cache of selectors. */
export class CiliumDecoder {
  private points = new Set<number>();
  private acc: RuleAccumulator = { ingress: [], egress: [], dns: [], fqdn: [] };
  private readonly selectorCache = new Map<string, { sel: LabelSelector; foreign: boolean }>();

  /** @param warnings where warnings go */
  public constructor(private readonly warnings: ProblemSet) {}

  /**
   * Decodes one policy object: its `spec` and `specs`, scoped to its namespace unless it is
   * `clusterwide`.
   */
  public readPolicy(obj: Readonly<Record<string, unknown>>, clusterwide: boolean): DecodedCiliumPolicy {
    const rules: DecodedCiliumRule[] = [];
    const meta = isRecord(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : undefined;
    const namespace = clusterwide ? undefined : typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    const ref = clusterwide ? `${obj.kind} ${name ?? '?'}` : `${obj.kind} ${namespace}/${name ?? '?'}`;
    if (!name) inputError(at(ref, 'metadata.name'), 'the policy has no name', meta.name, 'set metadata.name');
    const version = KIND_VERSIONS[clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy'];
    if (obj.apiVersion !== version) inputError(at(ref, 'apiVersion'), 'is not a served version of this kind', obj.apiVersion, `use ${version}`);
    const shapes = SHAPES[clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy'];
    const spec = decodeShape<CiliumRule>(obj.spec, shapes.spec, { object: ref }, 'spec');
    const more = decodeShape<readonly CiliumRule[]>(obj.specs, shapes.specs, { object: ref }, 'specs') ?? [];
    const specs: { raw: CiliumRule; path: string }[] = [];
    if (spec) specs.push({ raw: spec, path: 'spec' });
    more.forEach((s, i) => specs.push({ raw: s, path: `specs[${i}]` }));
    if (specs.length === 0) inputError(at(ref, 'spec'), 'the policy has neither spec nor specs', undefined, 'add spec with an endpointSelector and rules');
    for (const s of specs) {
      const r = this.readRule(s.raw, ref, s.path, namespace);
      rules.push(r);
    }
    return { ref, rules };
  }

  private readRule(spec: CiliumRule, ref: string, path: string, namespace: string | undefined): DecodedCiliumRule {
    const acc: RuleAccumulator = { ingress: [], egress: [], dns: [], fqdn: [] };
    this.acc = acc;
    let subjectSel: LabelSelector | undefined;
    if (spec.nodeSelector !== undefined && spec.nodeSelector !== null) {
      if (spec.endpointSelector !== undefined) inputError(at(ref, `${path}.nodeSelector`), 'a rule has either an endpointSelector or a nodeSelector', spec.nodeSelector, 'split it into two rules');
      this.warnings.warn('BH-AN-CILIUM-HOST-POLICY', `${ref}, ${path}`, 'nodeSelector (host policy) is not modeled; the rule selects no workload', 'check host policies separately: the analysis covers pod endpoints only');
    } else {
      if (spec.endpointSelector === undefined || spec.endpointSelector === null) {
        inputError(at(ref, `${path}.endpointSelector`), 'a rule needs an endpointSelector', undefined, 'write endpointSelector: {} to select every endpoint, or matchLabels to select some');
      }
      const sel = this.readSelector(spec.endpointSelector, ref, `${path}.endpointSelector`, namespace, true);
      if (!sel.foreign) subjectSel = sel.sel;
    }
    const eddIngress = spec.enableDefaultDeny?.ingress ?? undefined;
    const eddEgress = spec.enableDefaultDeny?.egress ?? undefined;
    const read = (section: Section): PeerRule[] =>
      ((spec[section] ?? []) as readonly SectionRule[]).map((r, i) => this.readPeerRule(r, ref, `${path}.${section}[${i}]`, section, namespace));
    this.points = new Set<number>();
    const ingress = read('ingress');
    const ingressDeny = read('ingressDeny');
    const ingressPoints = [...this.points].sort((a, b) => a - b);
    this.points = new Set<number>();
    const egress = read('egress');
    const egressDeny = read('egressDeny');
    const egressPoints = [...this.points].sort((a, b) => a - b);
    const hasIn = ingress.length + ingressDeny.length > 0;
    const hasEg = egress.length + egressDeny.length > 0;
    return {
      policy: ref,
      path,
      subjectSel,
      ingress,
      ingressDeny,
      egress,
      egressDeny,
      defaultDeny: { ingress: hasIn && eddIngress !== false, egress: hasEg && eddEgress !== false },
      points: { ingress: ingressPoints, egress: egressPoints },
      optOut: { ingress: hasIn && eddIngress === false, egress: hasEg && eddEgress === false },
      boundaries: { ingress: acc.ingress, egress: acc.egress },
      dnsPatterns: acc.dns,
      fqdnTests: acc.fqdn,
    };
  }

  private readPeerRule(r: SectionRule, ref: string, path: string, section: Section, namespace: string | undefined): PeerRule {
    const fields = r as Readonly<Record<string, unknown>>;
    const ingress = section === 'ingress' || section === 'ingressDeny';
    const deny = section === 'ingressDeny' || section === 'egressDeny';
    const p = ingress ? 'from' : 'to';
    const l3Fields = PEER_FIELDS[section];
    if (fields[`${p}Requires`] !== undefined) {
      inputError(at(ref, `${path}.${p}Requires`), `${p}Requires is deprecated since Cilium 1.17 and removed in 1.19; the analysis does not model it`, fields[`${p}Requires`], `express the requirement in ${p}Endpoints of every rule instead`);
    }
    // the peer fields set, in the order of l3Fields (a rule sets few fields: look at those it has)
    const present: string[] = [];
    for (const k of Object.keys(fields)) if (fields[k] !== undefined && fields[k] !== null && l3Fields.includes(k)) present.push(k);
    if (present.length > 1) present.sort((a, b) => l3Fields.indexOf(a) - l3Fields.indexOf(b));
    const kinds = new Set(present.map((f) => (f.endsWith('CIDR') || f.endsWith('CIDRSet') ? 'cidr' : f)));
    if (kinds.size > 1) {
      inputError(at(ref, path), `combining ${present.join(' and ')} in one rule is not supported by Cilium`, present, 'write one rule per kind of peer');
    }
    const peers: Peer[] = [];
    let empty = false;
    const where = (f: string): string => `${path}.${f}`;
    for (const f of present) {
      // every peer field is a list (the shape check saw to it)
      const list = fields[f] as readonly unknown[];
      if (list.length === 0) empty = true;
      if (f.endsWith('Endpoints')) {
        list.forEach((s, i) => {
          const sel = this.readSelector(s, ref, `${where(f)}[${i}]`, namespace, false);
          if (sel.foreign) this.warnings.warn('BH-AN-CILIUM-FOREIGN-SELECTOR', `${ref}, ${where(f)}[${i}]`, 'selectors on reserved or non-Kubernetes labels are not modeled; it selects no workload', 'select endpoints by their Kubernetes labels, or check this peer separately');
          peers.push({ kind: 'endpoints', sel: sel.sel, foreign: sel.foreign });
        });
      } else if (f.endsWith('Entities')) {
        ((ingress ? r.fromEntities : r.toEntities) ?? []).forEach((e, i) => {
          if (!ENTITIES.includes(e)) inputError(at(ref, `${where(f)}[${i}]`), 'is not a Cilium entity', e, `use one of ${ENTITIES.join(', ')}`);
          if (!['world', 'world-ipv4', 'cluster', 'all'].includes(e)) this.warnings.warn('BH-AN-CILIUM-ENTITY', `${ref}, ${where(f)}[${i}]`, `entity ${e} names no workload or external IPv4 range of the analysis; it matches nothing`, 'check what this entity allows separately (host, node and control-plane addresses are outside the analysis)');
          peers.push({ kind: 'entity', name: e });
        });
      } else if (f.endsWith('CIDR')) {
        ((ingress ? r.fromCIDR : r.toCIDR) ?? []).forEach((c, i) => {
          const range = cidrRange(c, at(ref, `${where(f)}[${i}]`));
          if (range !== 'ipv6') (ingress ? this.acc.ingress : this.acc.egress).push(range);
          peers.push({ kind: 'cidr', range, except: [] });
        });
      } else if (f.endsWith('CIDRSet')) {
        ((ingress ? r.fromCIDRSet : r.toCIDRSet) ?? []).forEach((set, i) => {
          const fp = `${where(f)}[${i}]`;
          if (set.cidr === undefined || set.cidr === null) {
            if (deny) inputError(at(ref, fp), 'CIDR groups are not modeled, and ignoring them in a deny rule would hide what it denies', set, 'write the CIDRs in the rule');
            this.warnings.warn('BH-AN-CILIUM-CIDR-GROUP', `${ref}, ${fp}`, 'CIDR groups (cidrGroupRef, cidrGroupSelector) are not modeled; the entry selects nothing', 'write the CIDRs in the rule to have them analysed');
            peers.push({ kind: 'nothing' });
            return;
          }
          const range = cidrRange(set.cidr, at(ref, `${fp}.cidr`));
          const except = (set.except ?? []).map((e, j) => cidrRange(e, at(ref, `${fp}.except[${j}]`)))
            .filter((e): e is readonly [number, number] => e !== 'ipv6');
          if (range !== 'ipv6') (ingress ? this.acc.ingress : this.acc.egress).push(range, ...except);
          peers.push({ kind: 'cidr', range, except });
        });
      } else if (f === 'toFQDNs') {
        (r.toFQDNs ?? []).forEach((q, i) => {
          const fp = `${where(f)}[${i}]`;
          const name = q.matchName ?? undefined;
          const pattern = q.matchPattern ?? undefined;
          if ((name === undefined) === (pattern === undefined)) inputError(at(ref, fp), 'needs exactly one of matchName and matchPattern', q, 'write {matchName: api.example.com} or {matchPattern: "*.example.com"}');
          const test = name !== undefined ? nameTest(name) : patternTest(pattern ?? '');
          this.acc.fqdn.push(test);
          peers.push({ kind: 'fqdn', test });
        });
      } else {
        if (deny && list.length > 0) inputError(at(ref, where(f)), `${f} is not modeled, and ignoring it in a deny rule would hide what it denies`, list, 'express the peers with endpoints, entities or CIDRs');
        if (list.length > 0) this.warnings.warn('BH-AN-CILIUM-PEER-NOT-MODELED', `${ref}, ${where(f)}`, `${f} is not modeled; the rule selects nothing through it`, 'express the peers with endpoints, entities or CIDRs to have them analysed');
        peers.push({ kind: 'nothing' });
      }
    }
    const l3: PeerRule['l3'] = empty ? 'none' : present.length === 0 ? 'any' : peers;
    const icmps = r.icmps ?? [];
    const toPortsRaw = r.toPorts;
    const ports = toPortsRaw && toPortsRaw.length > 0 ? toPortsRaw.map((pr, i) => this.readPortRule(pr, ref, `${path}.toPorts[${i}]`, deny)) : undefined;
    const auth = deny ? undefined : r.authentication?.mode ?? undefined;
    if (auth !== undefined && !['disabled', 'required', 'test-always-fail'].includes(auth)) {
      inputError(at(ref, `${path}.authentication.mode`), 'is not an authentication mode', auth, 'use required or disabled');
    }
    // `{}` (no peer field, no ports) allows nothing: Cilium merges an L3-only rule only when it names peers.
    const nothing = l3 === 'any' && !ports && icmps.length === 0;
    return { path, l3: nothing ? 'none' : l3, ports, icmpOnly: !ports && icmps.length > 0, auth: auth === 'test-always-fail' ? 'fail' : auth };
  }

  private readPortRule(pr: CiliumPortRule, ref: string, path: string, deny: boolean): PortRule {
    const list = pr.ports ?? [];
    if (list.length === 0) this.warnings.warn('BH-AN-CILIUM-EMPTY-PORTS', `${ref}, ${path}`, 'a toPorts entry without ports matches no port', 'list the ports, or remove the entry');
    const ports = list.map((pp, i) => {
      const fp = `${path}.ports[${i}]`;
      const proto = pp.protocol ?? 'ANY';
      const protos = proto === '' || proto === 'ANY' ? L4_PROTOCOLS : ['TCP', 'UDP', 'SCTP'].includes(proto) ? [proto as L4Protocol] : undefined;
      if (protos === undefined) {
        if (!['VRRP', 'IGMP', 'GRE', 'IPIP', 'IPV6', 'ESP', 'AH'].includes(proto)) inputError(at(ref, `${fp}.protocol`), 'is not a protocol Cilium accepts', proto, 'use TCP, UDP, SCTP or ANY');
      }
      const protocols = protos ?? [];
      const portRaw = pp.port ?? '0';
      if (/[a-zA-Z]/.test(portRaw)) {
        if (!/^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(portRaw)) inputError(at(ref, `${fp}.port`), 'is not a valid port name', portRaw, 'use a container port name such as http');
        return { protocols, name: portRaw.toLowerCase() };
      }
      const port = portNumber(portRaw, at(ref, `${fp}.port`));
      if (port === 0) return { protocols, range: [1, 65535] as const };
      const endRaw = pp.endPort;
      const end = endRaw === undefined || endRaw === null ? port : portNumber(endRaw, at(ref, `${fp}.endPort`));
      const last = end > port ? end : port;
      this.points.add(port);
      this.points.add(last + 1);
      return { protocols, range: [port, last] as const };
    });
    return { ports, l7: deny ? { kind: 'none' } : this.readL7(pr, ref, path) };
  }

  private readL7(pr: CiliumPortRule, ref: string, path: string): L7 {
    if (pr.listener !== undefined) {
      this.warnings.warn('BH-AN-CILIUM-LISTENER', `${ref}, ${path}.listener`, 'traffic redirected to an Envoy listener is taken as allowed; the listener is not modeled', 'check the listener configuration separately');
      return { kind: 'other', what: 'an Envoy listener redirect', httpPasses: true };
    }
    const sni = pr.serverNames ?? [];
    const rules = pr.rules ?? undefined;
    const http = rules?.http ?? [];
    const dns = rules?.dns ?? [];
    // beyond the standard CRD (read when the loader does not check schemas): checked here
    const beyond = (rules ?? {}) as { readonly kafka?: unknown; readonly l7proto?: unknown };
    const kafka = optList(beyond.kafka, at(ref, `${path}.rules.kafka`), '[{topic: orders}]') ?? [];
    const l7proto = optString(beyond.l7proto, at(ref, `${path}.rules.l7proto`), 'myproto');
    const kinds = [http.length > 0, dns.length > 0, kafka.length > 0, l7proto !== undefined].filter(Boolean).length;
    if (kinds > 1) inputError(at(ref, `${path}.rules`), 'mixes L7 rule types; Cilium accepts one type per port', Object.keys(rules ?? {}), 'keep one of http, dns, kafka');
    if (http.length > 0) {
      return {
        kind: 'http',
        rules: http.map((hr, i) => {
          const fp = `${path}.rules.http[${i}]`;
          const re = (k: 'method' | 'path' | 'host'): RegExp | undefined => {
            const v = hr[k];
            if (v === undefined || v === null || v === '') return undefined;
            try {
              return new RegExp(`^(?:${v})$`);
            } catch {
              return inputError(at(ref, `${fp}.${k}`), 'is not a valid regular expression', v, 'write an RE2 regular expression, such as "/api/v1/.*"');
            }
          };
          const headers = hr.headers ?? [];
          const matches = hr.headerMatches ?? [];
          const needsHeaders = headers.length > 0 || matches.some((m) => !m.mismatch);
          return { method: re('method'), path: re('path'), host: re('host'), needsHeaders };
        }),
      };
    }
    if (dns.length > 0) {
      let all = false;
      dns.forEach((d, i) => {
        const fp = `${path}.rules.dns[${i}]`;
        const name = d.matchName ?? undefined;
        const pattern = d.matchPattern ?? undefined;
        if ((name === undefined) === (pattern === undefined)) inputError(at(ref, fp), 'needs exactly one of matchName and matchPattern', d, 'write {matchName: api.example.com} or {matchPattern: "*"}');
        if (pattern === '*') all = true;
        this.acc.dns.push(name !== undefined ? nameRegex(name) : patternRegex(pattern ?? ''));
      });
      return { kind: 'dns', all };
    }
    if (kafka.length > 0) return { kind: 'other', what: 'Kafka rules', httpPasses: false };
    if (l7proto !== undefined) return { kind: 'other', what: `${l7proto} rules`, httpPasses: false };
    if (sni.length > 0) return { kind: 'other', what: 'TLS server names', httpPasses: false };
    return { kind: 'none' };
  }

  private readSelector(raw: unknown, ref: string, path: string, namespace: string | undefined, subject: boolean): { sel: LabelSelector; foreign: boolean } {
    // Generated policies repeat the same selectors many times: read each one once (a
    // malformed one throws before it is remembered, so every occurrence is checked).
    const key = `${subject}|${namespace ?? ''}|${JSON.stringify(raw) ?? ''}`;
    const known = this.selectorCache.get(key);
    if (known) return known;
    const read = this.parseSelector(raw, ref, path, namespace, subject);
    this.selectorCache.set(key, read);
    return read;
  }

  private parseSelector(raw: unknown, ref: string, path: string, namespace: string | undefined, subject: boolean): { sel: LabelSelector; foreign: boolean } {
    let value = raw;
    if (subject && namespace !== undefined && isRecord(raw) && isRecord(raw.matchLabels)) {
      // Cilium always scopes a CNP's endpointSelector to the policy's namespace, replacing a namespace label the selector names.
      const ml = { ...raw.matchLabels };
      for (const k of Object.keys(ml)) if (stripSource(k).key === NS_KEY) delete ml[k];
      value = { ...raw, matchLabels: ml };
    }
    const parsed = LabelSelector.parse(value, at(ref, path));
    let foreign = false;
    let hasNs = false;
    const reqs = parsed.requirements.map((r) => {
      const { key, known } = stripSource(r.key);
      if (!known) foreign = true;
      if (key === NS_KEY) hasNs = true;
      return { ...r, key };
    });
    if (namespace !== undefined && (subject || !hasNs)) reqs.push({ key: NS_KEY, operator: 'In', values: [namespace] });
    else if (namespace === undefined && !subject && !hasNs) reqs.push({ key: NS_KEY, operator: 'Exists', values: [] });
    return { sel: LabelSelector.of(reqs), foreign };
  }
}

interface RuleAccumulator {
  readonly ingress: (readonly [number, number])[];
  readonly egress: (readonly [number, number])[];
  readonly dns: RegExp[];
  readonly fqdn: ((name: string) => boolean)[];
}

function stripSource(key: string): { key: string; known: boolean } {
  const i = key.indexOf(':');
  if (i < 0) return { key, known: true };
  const source = key.slice(0, i);
  return { key: key.slice(i + 1), known: source === 'k8s' || source === 'any' };
}

/** A DNS name in the form names are compared in: lower case, without the final dot. */
export function normName(n: string): string {
  return n.toLowerCase().replace(/\.$/, '');
}

function nameRegex(name: string): RegExp {
  return new RegExp(`^${normName(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function patternRegex(pattern: string): RegExp {
  const p = normName(pattern);
  if (p === '*') return /^.*$/;
  let rest = p;
  let head = '';
  if (rest.startsWith('**.')) {
    head = '(?:[-a-z0-9_]+\\.)+';
    rest = rest.slice(3);
  }
  const body = rest.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-z0-9_]*');
  return new RegExp(`^${head}${body}$`);
}

function nameTest(name: string): (n: string) => boolean {
  const re = nameRegex(name);
  return (n) => re.test(n);
}

function patternTest(pattern: string): (n: string) => boolean {
  const re = patternRegex(pattern);
  return (n) => re.test(n);
}
