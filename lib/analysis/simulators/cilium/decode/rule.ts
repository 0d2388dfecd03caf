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
 * - Fields are checked against the fields the upstream CRD defines for each place (the lists
 *   below are those of `lib/imports/schemas.ts`, in the order messages name them), so that a
 *   misspelt field is an error even when schemas are not checked by the loader.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 * @see https://github.com/cilium/cilium/blob/main/pkg/k8s/apis/cilium.io/utils/utils.go
 */
import { ProblemSet, inputError } from '../../../errors';
import { L4Protocol, L4_PROTOCOLS } from '../../../portset';
import { LabelSelector, isRecord } from '../../../selector';
import { at, cidrRange, optBool, optList, optRecord, optString, optStringList, portNumber } from '../../decode';
import { DecodedCiliumPolicy, DecodedCiliumRule, L7, NS_KEY, Peer, PeerRule, PortRule, Section } from '../model';

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
    if (obj.apiVersion !== 'cilium.io/v2') inputError(at(ref, 'apiVersion'), 'is not a served version of this kind', obj.apiVersion, 'use cilium.io/v2');
    const specs: { raw: unknown; path: string }[] = [];
    if (obj.spec !== undefined && obj.spec !== null) specs.push({ raw: obj.spec, path: 'spec' });
    (optList(obj.specs, at(ref, 'specs'), '[{endpointSelector: {}, ingress: [...]}]') ?? []).forEach((s, i) => specs.push({ raw: s, path: `specs[${i}]` }));
    if (specs.length === 0) inputError(at(ref, 'spec'), 'the policy has neither spec nor specs', undefined, 'add spec with an endpointSelector and rules');
    for (const s of specs) {
      const r = this.readRule(s.raw, ref, s.path, namespace);
      rules.push(r);
    }
    return { ref, rules };
  }

  private readRule(raw: unknown, ref: string, path: string, namespace: string | undefined): DecodedCiliumRule {
    const acc: RuleAccumulator = { ingress: [], egress: [], dns: [], fqdn: [] };
    this.acc = acc;
    const spec = optRecord(raw, at(ref, path), '{endpointSelector: {}, ingress: [...]}') ?? {};
    checkKeys(spec, RULE_FIELDS, ref, path);
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
    const edd = optRecord(spec.enableDefaultDeny, at(ref, `${path}.enableDefaultDeny`), '{ingress: false, egress: true}');
    if (edd) checkKeys(edd, ['ingress', 'egress'], ref, `${path}.enableDefaultDeny`);
    const eddIngress = optBool(edd?.ingress, at(ref, `${path}.enableDefaultDeny.ingress`));
    const eddEgress = optBool(edd?.egress, at(ref, `${path}.enableDefaultDeny.egress`));
    const read = (section: Section): PeerRule[] =>
      (optList(spec[section], at(ref, `${path}.${section}`), '[{fromEndpoints: [...], toPorts: [...]}]') ?? []).map((r, i) => this.readPeerRule(r, ref, `${path}.${section}[${i}]`, section, namespace));
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

  private readPeerRule(raw: unknown, ref: string, path: string, section: Section, namespace: string | undefined): PeerRule {
    const r = optRecord(raw, at(ref, path), '{fromEndpoints: [{matchLabels: {app: web}}]}') ?? {};
    const ingress = section === 'ingress' || section === 'ingressDeny';
    const deny = section === 'ingressDeny' || section === 'egressDeny';
    const p = ingress ? 'from' : 'to';
    const l3Fields = PEER_FIELDS[section];
    checkKeys(r, sectionRuleFields(section), ref, path);
    if (r[`${p}Requires`] !== undefined) {
      inputError(at(ref, `${path}.${p}Requires`), `${p}Requires is deprecated since Cilium 1.17 and removed in 1.19; the analysis does not model it`, r[`${p}Requires`], `express the requirement in ${p}Endpoints of every rule instead`);
    }
    const present = l3Fields.filter((f) => r[f] !== undefined && r[f] !== null);
    const kinds = new Set(present.map((f) => (f.endsWith('CIDR') || f.endsWith('CIDRSet') ? 'cidr' : f)));
    if (kinds.size > 1) {
      inputError(at(ref, path), `combining ${present.join(' and ')} in one rule is not supported by Cilium`, present, 'write one rule per kind of peer');
    }
    const peers: Peer[] = [];
    let empty = false;
    const where = (f: string): string => `${path}.${f}`;
    for (const f of present) {
      const list = optList(r[f], at(ref, where(f)), '[...]') ?? [];
      if (list.length === 0) empty = true;
      if (f.endsWith('Endpoints')) {
        list.forEach((s, i) => {
          const sel = this.readSelector(s, ref, `${where(f)}[${i}]`, namespace, false);
          if (sel.foreign) this.warnings.warn('BH-AN-CILIUM-FOREIGN-SELECTOR', `${ref}, ${where(f)}[${i}]`, 'selectors on reserved or non-Kubernetes labels are not modeled; it selects no workload', 'select endpoints by their Kubernetes labels, or check this peer separately');
          peers.push({ kind: 'endpoints', sel: sel.sel, foreign: sel.foreign });
        });
      } else if (f.endsWith('Entities')) {
        list.forEach((e, i) => {
          if (typeof e !== 'string' || !ENTITIES.includes(e)) inputError(at(ref, `${where(f)}[${i}]`), 'is not a Cilium entity', e, `use one of ${ENTITIES.join(', ')}`);
          if (!['world', 'world-ipv4', 'cluster', 'all'].includes(e)) this.warnings.warn('BH-AN-CILIUM-ENTITY', `${ref}, ${where(f)}[${i}]`, `entity ${e} names no workload or external IPv4 range of the analysis; it matches nothing`, 'check what this entity allows separately (host, node and control-plane addresses are outside the analysis)');
          peers.push({ kind: 'entity', name: e });
        });
      } else if (f.endsWith('CIDR')) {
        list.forEach((c, i) => {
          const range = cidrRange(c, at(ref, `${where(f)}[${i}]`));
          if (range !== 'ipv6') (ingress ? this.acc.ingress : this.acc.egress).push(range);
          peers.push({ kind: 'cidr', range, except: [] });
        });
      } else if (f.endsWith('CIDRSet')) {
        list.forEach((c, i) => {
          const fp = `${where(f)}[${i}]`;
          const set = optRecord(c, at(ref, fp), '{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}') ?? {};
          checkKeys(set, ['cidr', 'except', 'cidrGroupRef', 'cidrGroupSelector'], ref, fp);
          if (set.cidr === undefined) {
            if (deny) inputError(at(ref, fp), 'CIDR groups are not modeled, and ignoring them in a deny rule would hide what it denies', set, 'write the CIDRs in the rule');
            this.warnings.warn('BH-AN-CILIUM-CIDR-GROUP', `${ref}, ${fp}`, 'CIDR groups (cidrGroupRef, cidrGroupSelector) are not modeled; the entry selects nothing', 'write the CIDRs in the rule to have them analysed');
            peers.push({ kind: 'nothing' });
            return;
          }
          const range = cidrRange(set.cidr, at(ref, `${fp}.cidr`));
          const except = (optList(set.except, at(ref, `${fp}.except`), '["10.96.0.0/12"]') ?? []).map((e, j) => cidrRange(e, at(ref, `${fp}.except[${j}]`)))
            .filter((e): e is readonly [number, number] => e !== 'ipv6');
          if (range !== 'ipv6') (ingress ? this.acc.ingress : this.acc.egress).push(range, ...except);
          peers.push({ kind: 'cidr', range, except });
        });
      } else if (f === 'toFQDNs') {
        list.forEach((q, i) => {
          const fp = `${where(f)}[${i}]`;
          const sel = optRecord(q, at(ref, fp), '{matchName: api.example.com}') ?? {};
          checkKeys(sel, ['matchName', 'matchPattern'], ref, fp);
          const name = optString(sel.matchName, at(ref, `${fp}.matchName`), 'api.example.com');
          const pattern = optString(sel.matchPattern, at(ref, `${fp}.matchPattern`), '*.example.com');
          if ((name === undefined) === (pattern === undefined)) inputError(at(ref, fp), 'needs exactly one of matchName and matchPattern', q, 'write {matchName: api.example.com} or {matchPattern: "*.example.com"}');
          const test = name !== undefined ? nameTest(name) : patternTest(pattern ?? '');
          this.acc.fqdn.push(test);
          peers.push({ kind: 'fqdn', test });
        });
      } else {
        if (deny && list.length > 0) inputError(at(ref, where(f)), `${f} is not modeled, and ignoring it in a deny rule would hide what it denies`, r[f], 'express the peers with endpoints, entities or CIDRs');
        if (list.length > 0) this.warnings.warn('BH-AN-CILIUM-PEER-NOT-MODELED', `${ref}, ${where(f)}`, `${f} is not modeled; the rule selects nothing through it`, 'express the peers with endpoints, entities or CIDRs to have them analysed');
        peers.push({ kind: 'nothing' });
      }
    }
    const l3: PeerRule['l3'] = empty ? 'none' : present.length === 0 ? 'any' : peers;
    const icmps = optList(r.icmps, at(ref, `${path}.icmps`), '[{fields: [{type: 8}]}]') ?? [];
    const toPortsRaw = optList(r.toPorts, at(ref, `${path}.toPorts`), '[{ports: [{port: "8080", protocol: TCP}]}]');
    const ports = toPortsRaw && toPortsRaw.length > 0 ? toPortsRaw.map((pr, i) => this.readPortRule(pr, ref, `${path}.toPorts[${i}]`, deny)) : undefined;
    const auth = deny ? undefined : optString(optRecord(r.authentication, at(ref, `${path}.authentication`), '{mode: required}')?.mode, at(ref, `${path}.authentication.mode`), 'required');
    if (auth !== undefined && !['disabled', 'required', 'test-always-fail'].includes(auth)) {
      inputError(at(ref, `${path}.authentication.mode`), 'is not an authentication mode', auth, 'use required or disabled');
    }
    // `{}` (no peer field, no ports) allows nothing: Cilium merges an L3-only rule only when it names peers.
    const nothing = l3 === 'any' && !ports && icmps.length === 0;
    return { path, l3: nothing ? 'none' : l3, ports, icmpOnly: !ports && icmps.length > 0, auth: auth === 'test-always-fail' ? 'fail' : auth };
  }

  private readPortRule(raw: unknown, ref: string, path: string, deny: boolean): PortRule {
    const pr = optRecord(raw, at(ref, path), '{ports: [{port: "8080", protocol: TCP}]}') ?? {};
    checkKeys(pr, deny ? ['ports'] : PORT_RULE_FIELDS, ref, path);
    const list = optList(pr.ports, at(ref, `${path}.ports`), '[{port: "8080", protocol: TCP}]') ?? [];
    if (list.length === 0) this.warnings.warn('BH-AN-CILIUM-EMPTY-PORTS', `${ref}, ${path}`, 'a toPorts entry without ports matches no port', 'list the ports, or remove the entry');
    const ports = list.map((p, i) => {
      const fp = `${path}.ports[${i}]`;
      const pp = optRecord(p, at(ref, fp), '{port: "8080", protocol: TCP}') ?? {};
      checkKeys(pp, ['port', 'endPort', 'protocol'], ref, fp);
      const proto = pp.protocol ?? 'ANY';
      if (typeof proto !== 'string') return inputError(at(ref, `${fp}.protocol`), 'must be a string', proto, 'use TCP, UDP, SCTP or ANY');
      const protos = proto === '' || proto === 'ANY' ? L4_PROTOCOLS : ['TCP', 'UDP', 'SCTP'].includes(proto) ? [proto as L4Protocol] : undefined;
      if (protos === undefined) {
        if (!['VRRP', 'IGMP', 'GRE', 'IPIP', 'IPV6', 'ESP', 'AH'].includes(proto)) inputError(at(ref, `${fp}.protocol`), 'is not a protocol Cilium accepts', proto, 'use TCP, UDP, SCTP or ANY');
      }
      const protocols = protos ?? [];
      const portRaw = pp.port ?? '0';
      if (typeof portRaw === 'string' && /[a-zA-Z]/.test(portRaw)) {
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

  private readL7(pr: Record<string, unknown>, ref: string, path: string): L7 {
    if (pr.listener !== undefined) {
      this.warnings.warn('BH-AN-CILIUM-LISTENER', `${ref}, ${path}.listener`, 'traffic redirected to an Envoy listener is taken as allowed; the listener is not modeled', 'check the listener configuration separately');
      return { kind: 'other', what: 'an Envoy listener redirect', httpPasses: true };
    }
    const sni = optStringList(pr.serverNames, at(ref, `${path}.serverNames`), '["api.example.com"]') ?? [];
    const rules = optRecord(pr.rules, at(ref, `${path}.rules`), '{http: [{method: GET, path: "/"}]}');
    if (rules) checkKeys(rules, L7_RULE_FIELDS, ref, `${path}.rules`);
    const http = optList(rules?.http, at(ref, `${path}.rules.http`), '[{method: GET, path: "/api/.*"}]') ?? [];
    const dns = optList(rules?.dns, at(ref, `${path}.rules.dns`), '[{matchPattern: "*"}]') ?? [];
    const kafka = optList(rules?.kafka, at(ref, `${path}.rules.kafka`), '[{topic: orders}]') ?? [];
    const l7proto = optString(rules?.l7proto, at(ref, `${path}.rules.l7proto`), 'myproto');
    const kinds = [http.length > 0, dns.length > 0, kafka.length > 0, l7proto !== undefined].filter(Boolean).length;
    if (kinds > 1) inputError(at(ref, `${path}.rules`), 'mixes L7 rule types; Cilium accepts one type per port', Object.keys(rules ?? {}), 'keep one of http, dns, kafka');
    if (http.length > 0) {
      return {
        kind: 'http',
        rules: http.map((h, i) => {
          const fp = `${path}.rules.http[${i}]`;
          const hr = optRecord(h, at(ref, fp), '{method: GET, path: "/public"}') ?? {};
          checkKeys(hr, ['method', 'path', 'host', 'headers', 'headerMatches'], ref, fp);
          const re = (k: string): RegExp | undefined => {
            const v = optString(hr[k], at(ref, `${fp}.${k}`), k === 'path' ? '"/api/v1/.*"' : 'GET');
            if (v === undefined || v === '') return undefined;
            try {
              return new RegExp(`^(?:${v})$`);
            } catch {
              return inputError(at(ref, `${fp}.${k}`), 'is not a valid regular expression', v, 'write an RE2 regular expression, such as "/api/v1/.*"');
            }
          };
          const headers = optStringList(hr.headers, at(ref, `${fp}.headers`), '["X-My-Header: true"]') ?? [];
          const matchesRaw = optList(hr.headerMatches, at(ref, `${fp}.headerMatches`), '[{name: x-token, value: abc}]') ?? [];
          const needsHeaders = headers.length > 0 || matchesRaw.some((m) => !(isRecord(m) && typeof m.mismatch === 'string' && m.mismatch !== ''));
          return { method: re('method'), path: re('path'), host: re('host'), needsHeaders };
        }),
      };
    }
    if (dns.length > 0) {
      let all = false;
      dns.forEach((d, i) => {
        const fp = `${path}.rules.dns[${i}]`;
        const dr = optRecord(d, at(ref, fp), '{matchPattern: "*"}') ?? {};
        checkKeys(dr, ['matchName', 'matchPattern'], ref, fp);
        const name = optString(dr.matchName, at(ref, `${fp}.matchName`), 'api.example.com');
        const pattern = optString(dr.matchPattern, at(ref, `${fp}.matchPattern`), '"*"');
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

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], ref: string, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      inputError(at(ref, `${path}.${k}`), 'is not a field Cilium accepts here; a misspelt field would silently change the policy', k, `use one of ${allowed.join(', ')}`);
    }
  }
}
