/**
 * Evaluation of AuthorizationPolicy (decoded by `./decode/authz.ts`): the decoded condition
 * values are compiled into atoms, functions of the facts of a connection. Atoms that depend
 * on the source of the connection (its identity or address) are shared by key, so the bulk
 * queries evaluate each once per class of sources.
 *
 * - Rules are ORed; inside a rule `from`, `to` and `when` are ANDed; the entries of `from`
 *   (and of `to`) are ORed; the fields of a source (or operation) are ANDed; the values of a
 *   field are ORed and `not*` values are excluded.
 * - Strings: `abc` exact, `abc*` prefix, `*abc` suffix, `*` any non-empty value; hosts match
 *   case-insensitively; paths without the query string, with `{*}` / `{**}` templates.
 * - On the TCP filter chain an ALLOW rule with HTTP-only fields matches nothing; the
 *   HTTP-only conditions of the other actions are dropped.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://github.com/istio/istio/blob/master/pilot/pkg/security/authz/model/model.go
 */
import { rangesOverlap, rangeWithin } from '../../ipv4';
import { HttpRequest, WorkloadEndpoint } from '../../types';
import { Tri } from '../common';
import { Action, DecodedAuthorizationPolicy, DecodedAuthzRule, DecodedCond, DecodedValue, selects } from './model';

const ALL_IPV4_RANGE: readonly [number, number] = [0, 0xffffffff];

/** A fact that cannot be known is resolved by the caller to the safe side. */
export type AtomResult = Tri | 'unknown';

/**
 * The source address of a connection: an external range, or a pod whose address lies in
 * one of `ranges` (its known addresses, or the cluster's pod CIDRs), or anywhere when
 * `ranges` is undefined.
 */
export type SourceAddress =
  | { readonly kind: 'external'; readonly range: readonly [number, number] }
  | { readonly kind: 'pod'; readonly ranges?: readonly (readonly [number, number])[] };

/** What the sidecar knows of a connection when it evaluates a policy. */
export interface Facts {
  /** Peer principal, without `spiffe://`. @default - plaintext: no peer identity */
  readonly principal?: string;
  /** Where the connection comes from. */
  readonly source: SourceAddress;
  /** The destination port. */
  readonly port: number;
  /** `http`: HTTP filter chain; `tcp`: TCP filter chain. */
  readonly mode: 'http' | 'tcp';
  /** The HTTP request (only in `http` mode). @default - none given */
  readonly request?: HttpRequest;
}

/** One compiled condition value. */
export type Atom = (f: Facts) => AtomResult;

/** A compiled condition: a decoded condition whose values are compiled. */
export interface Cond extends Omit<DecodedCond, 'values' | 'notValues'> {
  /** The values, ORed. */
  readonly values: readonly Atom[];
  /** The values it must not match. */
  readonly notValues: readonly Atom[];
}

/** A compiled rule: a decoded rule whose conditions are compiled. */
export interface Rule extends Omit<DecodedAuthzRule, 'from' | 'to' | 'when'> {
  /** ORed sources, each an AND of conditions. @default - any source */
  readonly from?: readonly (readonly Cond[])[];
  /** ORed operations, each an AND of conditions. @default - any operation */
  readonly to?: readonly (readonly Cond[])[];
  /** The `when` conditions, ANDed. */
  readonly when: readonly Cond[];
}

/** One AuthorizationPolicy, compiled. */
export class AuthorizationPolicyKind {
  /** `AuthorizationPolicy ns/name`. */
  public readonly ref: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** Its action. */
  public readonly action: Action;
  /** The extension provider of a CUSTOM policy. @default - none */
  public readonly provider?: string;
  /** Annotated `istio.io/dry-run: "true"`: never decides. */
  public readonly dryRun: boolean;
  /** Its compiled rules. */
  public readonly rules: readonly Rule[];
  /** The port numbers its rules name. */
  public readonly points: readonly number[];

  /**
   * @param decoded the decoded policy
   * @param atoms the atom table of the layer
   */
  public constructor(private readonly decoded: DecodedAuthorizationPolicy, atoms: AtomTable) {
    this.ref = decoded.ref;
    this.namespace = decoded.namespace;
    this.action = decoded.action;
    this.provider = decoded.provider;
    this.dryRun = decoded.dryRun;
    this.points = decoded.points;
    const cond = (c: DecodedCond): Cond => ({
      field: c.field,
      httpOnly: c.httpOnly,
      identity: c.identity,
      values: c.values.map((v) => atoms.atom(v, decoded.ref)),
      notValues: c.notValues.map((v) => atoms.atom(v, decoded.ref)),
    });
    this.rules = decoded.rules.map((r) => ({
      path: r.path,
      ...(r.from ? { from: r.from.map((e) => e.map(cond)) } : {}),
      ...(r.to ? { to: r.to.map((e) => e.map(cond)) } : {}),
      when: r.when.map(cond),
      httpOnlyFields: r.httpOnlyFields,
    }));
  }

  /** Attached to gateways or waypoints (`targetRef` / `targetRefs`) rather than bound to workloads by selector. */
  public get attached(): boolean {
    return this.decoded.attached;
  }

  /**
   * Whether the policy applies to a workload's sidecar: a policy of its namespace (or of the
   * root namespace) whose selector selects it, not attached to a gateway or waypoint.
   */
  public selects(w: WorkloadEndpoint, rootNamespace: string): boolean {
    return !this.decoded.attached && (this.namespace === w.namespace || this.namespace === rootNamespace) && selects(this.decoded.selector, w.labels);
  }

  /**
   * Whether the policy is attached (`targetRefs`) to one of the Services (`group: ""`,
   * `kind: Service`, by name in the policy's namespace) or to the waypoint Gateway itself
   * (`group: gateway.networking.k8s.io`, `kind: Gateway`): ambient mode, where the waypoint
   * enforces it for the traffic it forwards.
   *
   * @see https://istio.io/latest/docs/ambient/usage/l7-features/
   */
  public attachedTo(services: readonly { readonly namespace: string; readonly name: string }[], waypoint: { readonly namespace: string; readonly name: string }): boolean {
    return this.decoded.targetRefs.some((t) => (t.group === '' && t.kind === 'Service' && services.some((s) => s.namespace === t.namespace && s.name === t.name))
      || (t.group === 'gateway.networking.k8s.io' && t.kind === 'Gateway' && t.namespace === waypoint.namespace && t.name === waypoint.name));
  }

  /** The Gateways the policy attaches to (`namespace/name`). */
  public gatewayRefs(): string[] {
    return this.decoded.targetRefs.filter((t) => t.group === 'gateway.networking.k8s.io' && t.kind === 'Gateway').map((t) => `${t.namespace}/${t.name}`);
  }
}

/**
 * Compiles condition values into atoms, sharing the atoms that depend on the source of the
 * connection by key, and records the source addresses the rules name.
 */
export class AtomTable {
  /** The atoms that depend on the source, by key. */
  public readonly sourceAtomByKey = new Map<string, Atom>();
  /** The key of each atom that depends on the source. */
  public readonly sourceAtomKeys = new Map<Atom, string>();
  /** IPv4 ranges the rules match source addresses against. */
  public readonly ingressRanges: (readonly [number, number])[] = [];
  /** Where rules match source addresses other than 0.0.0.0/0 (`AuthorizationPolicy ns/name, field`), for the warning. */
  public readonly addressRules = new Set<string>();
  /** Some rule matches source addresses other than 0.0.0.0/0. */
  public namesAddresses = false;

  /**
   * @param trustDomain the local trust domain (a policy's `cluster.local` principals name it)
   * @param trustDomainAliases the mesh's `trustDomainAliases` (MeshConfig): a principal of the
   *   local trust domain, of an alias or of `cluster.local` matches the local trust domain and
   *   every alias; a principal of any other trust domain (a federated one) matches itself only
   */
  public constructor(private readonly trustDomain: string, private readonly trustDomainAliases: readonly string[] = []) {}

  /** The atom of one decoded value of a policy. */
  public atom(v: DecodedValue, ref: string): Atom {
    switch (v.t) {
      case 'principal':
        return this.principalAtom(v.value);
      case 'namespace':
        return this.sourceAtom(`n:${v.value}`, namespaceAtom(v.value));
      case 'serviceAccount':
        return this.sourceAtom(`sa:${v.policyNamespace}:${v.value}`, serviceAccountAtom(v.value, v.policyNamespace));
      case 'trustDomain':
        return this.sourceAtom(`td:${v.value}`, trustDomainAtom(v.value));
      case 'ip':
        return this.ipAtom(v.range, ref, v.field);
      case 'port': {
        const n = v.port;
        return (f) => (f.port === n ? 'yes' : 'no');
      }
      case 'method': {
        const m = istioMatcher(v.value);
        return httpAtom(v.value, (r) => r.method, (x) => matches(m, x));
      }
      case 'path':
        return httpAtom(v.value, (r) => r.path, pathMatcher(v.value));
      case 'host': {
        const m = istioMatcher(v.value);
        return httpAtom(v.value, (r) => r.host, (x) => matches(m, x, true));
      }
      case 'header': {
        const m = istioMatcher(v.value);
        const name = v.name;
        const get = (r: NonNullable<Facts['request']>): string | undefined => (name === ':method' ? r.method : name === ':path' ? r.path : name === ':authority' || name === 'host' ? r.host : r.headers?.[name]);
        return (f) => (f.request ? (matches(m, get(f.request)) ? 'yes' : 'no') : 'some');
      }
      case 'jwt':
        return () => 'no';
      case 'unknown':
        return () => 'unknown';
    }
  }

  private principalAtom(v: string): Atom {
    const values = policyPrincipals(v, this.trustDomain, this.trustDomainAliases);
    const ms = values.map(istioMatcher);
    // `p:<principal>` is the key of one principal (the bulk query reads an exact one from it)
    const key = values.length === 1 ? `p:${values[0]}` : `ps:${values.join('|')}`;
    return this.sourceAtom(key, (f) => (f.principal !== undefined && ms.some((m) => matches(m, f.principal)) ? 'yes' : 'no'));
  }

  /**
   * `ipBlocks`, `remoteIpBlocks`, `source.ip`, `remote.ip`: Istio matches them on the source
   * address of the connection, pods included. A pod's address is its known one, else
   * somewhere in the pod CIDRs, else anywhere (IPv4): a range that may or may not hold it
   * is unknown (resolved to the safe side by the caller). An IPv6 block never matches IPv4.
   */
  private ipAtom(r: readonly [number, number] | 'ipv6', ref: string, field: string): Atom {
    if (r !== 'ipv6') this.ingressRanges.push(r);
    if (r !== 'ipv6' && !(r[0] === ALL_IPV4_RANGE[0] && r[1] === ALL_IPV4_RANGE[1])) {
      this.namesAddresses = true;
      this.addressRules.add(`${ref}, ${field}`);
    }
    return this.sourceAtom(`ip:${r === 'ipv6' ? r : `${r[0]}-${r[1]}`}`, (f) => {
      if (r === 'ipv6') return 'no';
      const ranges = f.source.kind === 'external' ? [f.source.range] : f.source.ranges ?? [ALL_IPV4_RANGE];
      if (ranges.every(([a, b]) => rangeWithin(a, b, r[0], r[1]))) return 'yes';
      return ranges.some(([a, b]) => rangesOverlap(a, b, r[0], r[1])) ? 'unknown' : 'no';
    });
  }

  /**
   * Registers an atom that depends on the source of the connection (its peer identity or
   * its address) under a key: atoms with the same key give the same answers. Every other
   * atom depends only on the port and the HTTP request.
   */
  private sourceAtom(key: string, atom: Atom): Atom {
    const known = this.sourceAtomByKey.get(key);
    if (known) return known;
    this.sourceAtomByKey.set(key, atom);
    this.sourceAtomKeys.set(atom, key);
    return atom;
  }
}

/**
 * The principals a policy principal stands for once istiod has applied the mesh's trust domain
 * and aliases (`ReplaceTrustDomainAliases`): a principal `<td>/ns/<ns>/sa/<sa>` whose trust domain
 * is the local one, one of its aliases, or `cluster.local` (the name of the local trust domain in
 * a policy) stands for the same path in the local trust domain and in every alias; any other
 * principal (another trust domain, such as a federated one; `*` as trust domain; not five
 * segments) stands for itself. A federated trust domain is never an alias: its principals match
 * only identities of that trust domain.
 *
 * @param principal the value of `source.principals` (or `notPrincipals`)
 * @param trustDomain the local trust domain
 * @param aliases the mesh's `trustDomainAliases` @default - none
 *
 * @see https://github.com/istio/istio/blob/master/pilot/pkg/security/trustdomain/bundle.go
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/
 */
export function policyPrincipals(principal: string, trustDomain: string, aliases: readonly string[] = []): string[] {
  const parts = principal.split('/');
  // "*" as trust domain, or not a SPIFFE-shaped principal: the trust domain is not enforced.
  if (parts.length !== 5 || parts[0] === '*') return [principal];
  const td = parts[0];
  const domains = [trustDomain, ...aliases];
  const known = domains.some((d) => td === d || d === '*' || prefixPattern(td, d) || suffixPattern(td, d));
  if (!known && td !== 'cluster.local') return [principal];
  const out: string[] = [];
  for (const d of domains) {
    // a trust domain pattern of the principal (`*-td`) that covers this domain keeps the principal as written
    const p = suffixPattern(d, td) ? principal : [d, ...parts.slice(1)].join('/');
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** istiod `prefixMatch`: `pattern` ends with `*` and `a` starts with the rest. */
function prefixPattern(a: string, pattern: string): boolean {
  return pattern.endsWith('*') && a.startsWith(pattern.slice(0, -1));
}

/** istiod `suffixMatch`: `pattern` starts with `*` and `a` ends with the rest. */
function suffixPattern(a: string, pattern: string): boolean {
  return pattern.startsWith('*') && a.endsWith(pattern.slice(1));
}

/** Whether a condition matches; an unknown value resolves to the safe side (`wantMatch`). */
export function evalCond(c: Cond, f: Facts, wantMatch: boolean): Tri {
  // values ORed (`yes` when there are none), then AND NOT (notValues ORed); atoms are pure, so
  // the first `yes` decides a disjunction
  let pos: Tri = 'yes';
  if (c.values.length > 0) {
    pos = 'no';
    for (const a of c.values) {
      const x = a(f);
      const v: Tri = x === 'unknown' ? (wantMatch ? 'yes' : 'no') : x;
      if (v === 'yes') {
        pos = 'yes';
        break;
      }
      if (v === 'some') pos = 'some';
    }
    if (pos === 'no') return 'no';
  }
  if (c.notValues.length === 0) return pos;
  let neg: Tri = 'no';
  for (const a of c.notValues) {
    const x = a(f);
    const v: Tri = x === 'unknown' ? (wantMatch ? 'no' : 'yes') : x;
    if (v === 'yes') return 'no';
    if (v === 'some') neg = 'some';
  }
  // not(neg): `no` → `yes`, `some` → `some`
  return neg === 'some' ? 'some' : pos;
}

/** The conjunction of the conditions a filter chain keeps (`yes` when there are none). */
function allConds(conds: readonly Cond[], f: Facts, wantMatch: boolean, tcp: boolean): Tri {
  let out: Tri = 'yes';
  for (const c of conds) {
    if (tcp && c.httpOnly) continue;
    const v = evalCond(c, f, wantMatch);
    if (v === 'no') return 'no';
    if (v === 'some') out = 'some';
  }
  return out;
}

/** The disjunction of the entries of `from` or `to`, each a conjunction of conditions (`no` when there are none). */
function anyEntry(entries: readonly (readonly Cond[])[], f: Facts, wantMatch: boolean, tcp: boolean): Tri {
  let out: Tri = 'no';
  for (const e of entries) {
    const v = allConds(e, f, wantMatch, tcp);
    if (v === 'yes') return 'yes';
    if (v === 'some') out = 'some';
  }
  return out;
}

/**
 * Whether a rule matches. On the TCP filter chain an ALLOW rule with HTTP-only fields is
 * skipped, and the HTTP-only conditions of other actions are dropped (istiod `checkError`).
 */
export function evalRule(r: Rule, f: Facts, action: Action): Tri {
  const wantMatch = action !== 'ALLOW';
  const tcp = f.mode === 'tcp';
  if (tcp && action === 'ALLOW' && r.httpOnlyFields.length > 0) return 'no';
  const from = r.from ? anyEntry(r.from, f, wantMatch, tcp) : 'yes';
  if (from === 'no') return 'no';
  const to = r.to ? anyEntry(r.to, f, wantMatch, tcp) : 'yes';
  if (to === 'no') return 'no';
  const when = allConds(r.when, f, wantMatch, tcp);
  if (when === 'no') return 'no';
  return from === 'yes' && to === 'yes' && when === 'yes' ? 'yes' : 'some';
}

/** Whether a policy has conditions that need the peer identity. */
export function usesIdentity(p: AuthorizationPolicyKind): boolean {
  return p.rules.some((r) => [...(r.from ?? []).flat(), ...r.when].some((c) => c.identity));
}

function namespaceAtom(v: string): Atom {
  // istiod: regex `.*/ns/<value with * as .*>/.*` on the peer principal.
  const re = new RegExp(`^.*/ns/${v.split('*').map(escapeRegex).join('.*')}/.*$`);
  return (f) => (f.principal !== undefined && re.test(f.principal) ? 'yes' : 'no');
}

function serviceAccountAtom(v: string, policyNamespace: string): Atom {
  const slash = v.indexOf('/');
  const ns = slash >= 0 ? v.slice(0, slash) : policyNamespace;
  const sa = slash >= 0 ? v.slice(slash + 1) : v;
  const re = new RegExp(`^spiffe://.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`);
  return (f) => (f.principal !== undefined && re.test(`spiffe://${f.principal}`) ? 'yes' : 'no');
}

function trustDomainAtom(v: string): Atom {
  const m = istioMatcher(v);
  return (f) => (f.principal !== undefined && matches(m, f.principal.split('/')[0]) ? 'yes' : 'no');
}

interface Matcher {
  readonly kind: 'any' | 'exact' | 'prefix' | 'suffix';
  readonly text: string;
}

function istioMatcher(v: string): Matcher {
  if (v === '*') return { kind: 'any', text: '' };
  if (v.startsWith('*')) return { kind: 'suffix', text: v.slice(1) };
  if (v.endsWith('*')) return { kind: 'prefix', text: v.slice(0, -1) };
  return { kind: 'exact', text: v };
}

function matches(m: Matcher, s: string | undefined, ignoreCase = false): boolean {
  if (s === undefined) return false;
  const a = ignoreCase ? s.toLowerCase() : s;
  const t = ignoreCase ? m.text.toLowerCase() : m.text;
  switch (m.kind) {
    case 'any':
      return a.length > 0;
    case 'exact':
      return a === t;
    case 'prefix':
      return a.startsWith(t);
    default:
      return a.endsWith(t);
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An HTTP attribute: known from the request, `some` without one (`yes` for `*`). */
function httpAtom(value: string, get: (r: NonNullable<Facts['request']>) => string | undefined, test: (s: string | undefined) => boolean): Atom {
  return (f) => (f.request ? (test(get(f.request)) ? 'yes' : 'no') : value === '*' ? 'yes' : 'some');
}

function pathOnly(p: string): string {
  const q = p.search(/[?#]/);
  return q < 0 ? p : p.slice(0, q);
}

function pathMatcher(value: string): (path: string | undefined) => boolean {
  if (value.includes('{*}') || value.includes('{**}')) {
    const re = new RegExp(`^${value.split(/(\{\*\*\}|\{\*\})/).map((part) => (part === '{**}' ? '.+' : part === '{*}' ? '[^/]+' : escapeRegex(part))).join('')}$`);
    return (p) => p !== undefined && re.test(pathOnly(p));
  }
  const m = istioMatcher(value);
  return (p) => p !== undefined && matches(m, pathOnly(p));
}
