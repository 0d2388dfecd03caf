/**
 * The part the decoders of the cluster-wide kinds share (ClusterNetworkPolicy v1alpha2 and
 * its v1alpha1 predecessors AdminNetworkPolicy and BaselineAdminNetworkPolicy): subject,
 * rules with an action and peers. Each kind's file says how it reads its tier, priority,
 * actions and ports.
 *
 * A peer with no known field fails closed (a warning): an Accept rule's peer matches nothing,
 * a Deny or Pass rule's peer matches everything. `networks` keep their merged IPv4 ranges (the
 * evaluator matches pods by address too); `nodes` peers match nothing (a warning: node
 * addresses are not modelled); `domainNames` are kept as names, resolved by the evaluator.
 */
import { InputLocation, ProblemSet, inputError } from '../../../errors';
import { Ipv4Range, parseCidr } from '../../../ipv4';
import { mergeIntervals } from '../../../../core/intervals';
import { ManifestObject } from '../../../loader';
import { ShapeSpec, ShapeWords } from '../../../schema';
import { Action, AddressBoundaries, DecodedPeer, DecodedRule, Dir, PeerMatch, RulePorts } from '../model';
import { LABEL_SELECTORS, decodeNamespacedPod, decodeNamespaces, item, locator, setKeys, shapedSpec, sub } from './shared';

/** A decoded ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy. */
export interface DecodedTieredPolicy {
  /** `Kind name`. */
  readonly label: string;
  /** `metadata.name`. */
  readonly name: string;
  /** The tier it is evaluated in. */
  readonly tier: 'admin' | 'baseline';
  /** The priority within the tier (lower first). */
  readonly priority: number;
  /** The pods it applies to. */
  readonly subject: PeerMatch;
  /** The ingress rules, in the order written. */
  readonly ingress: readonly DecodedRule[];
  /** The egress rules, in the order written. */
  readonly egress: readonly DecodedRule[];
  /** The IPv4 ranges its `networks` peers name (egress). */
  readonly boundaries: AddressBoundaries;
}

/** A `pods` subject or peer, as the three kinds define it. */
interface TieredPods {
  readonly namespaceSelector?: unknown;
  readonly podSelector?: unknown;
}

/** A subject or peer, as the three kinds define it (the fields every one of them has). */
interface TieredPeer {
  readonly namespaces?: unknown;
  readonly pods?: TieredPods | null;
  readonly networks?: readonly string[] | null;
}

/** A rule, as the three kinds define it (their ports are read by each kind). */
export interface TieredRule {
  /** The action word. @default - none (a problem) */
  readonly action?: string | null;
  /** The rule's name. @default - none */
  readonly name?: string | null;
  /** The ingress peers. @default - none */
  readonly from?: readonly TieredPeer[] | null;
  /** The egress peers. @default - none */
  readonly to?: readonly TieredPeer[] | null;
}

/** The spec, as the three kinds define it; each generated spec type is one. */
export interface TieredSpec {
  /** The tier (ClusterNetworkPolicy). @default - none */
  readonly tier?: string | null;
  /** The priority (not the Baseline kind). @default - none */
  readonly priority?: number | null;
  /** The pods the policy applies to. @default - none (a problem) */
  readonly subject?: TieredPeer | null;
  /** The ingress rules. @default - none */
  readonly ingress?: readonly TieredRule[] | null;
  /** The egress rules. @default - none */
  readonly egress?: readonly TieredRule[] | null;
}

/** What distinguishes one cluster-wide kind from another when decoding. */
export interface TieredKindSpec {
  /** The apiVersion version the analysis reads (`v1alpha2`, `v1alpha1`). */
  readonly version: string;
  /** The fix when the spec is missing. */
  readonly specFix: string;
  /** The shape of the spec (its upstream schema) and the words of its problems; see {@link tieredShape}. */
  readonly shape: ShapeSpec;
  /** Reads the tier and its text (`Admin tier, priority 10`) from the spec. */
  readonly tier: (spec: TieredSpec, at: (field: string) => InputLocation) => { readonly tier: 'admin' | 'baseline'; readonly priority: number; readonly text: string };
  /** The action word that allows (`Accept`, `Allow`). */
  readonly accept: string;
  /** Every action word, in the order messages list them. */
  readonly actions: readonly string[];
  /** Reads the ports of a rule (of the kind's generated rule type, once the shape is checked). */
  readonly ports: (rule: TieredRule, path: string, at: (field: string) => InputLocation) => RulePorts;
}

const PRIORITY = { message: 'priority must be a whole number from 0 to 1000', fix: 'set spec.priority (lower values are evaluated first)' };
const PODS = { message: 'pods must be a mapping with namespaceSelector and podSelector', fix: 'write pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}' };
const PEER = { message: 'a peer must be a mapping', fix: 'write {namespaces: ...}, {pods: ...} or {networks: [...]}' };
const NETWORK = { message: 'not a valid CIDR', fix: 'write an address range such as 10.0.0.0/8' };

/**
 * The shape of a cluster-wide kind's spec: its schema, with the words the three kinds share
 * and those of the kind (`words`, for its tier, actions and ports).
 */
export function tieredShape(schema: ShapeSpec['schema'], kind: string, specFix: string, actions: readonly string[], words: Readonly<Record<string, ShapeWords>>): ShapeSpec {
  const action: ShapeWords = { message: `action must be ${actions.join(', ').replace(/, (\w+)$/, ' or $1')}`, fix: `set action: ${actions.join(', ')}` };
  return {
    schema,
    mistyped: {
      spec: { message: `a ${kind} needs a spec`, fix: specFix },
      'spec.priority': PRIORITY,
      'spec.subject': { message: 'subject must be a mapping with namespaces or pods', fix: 'write subject: {namespaces: {}} or subject: {pods: {namespaceSelector: ..., podSelector: ...}}' },
      '*.pods': PODS,
      'spec.ingress[]': { message: 'a rule must be a mapping', fix: 'write {action: Deny, from: [...]}' },
      'spec.egress[]': { message: 'a rule must be a mapping', fix: 'write {action: Deny, to: [...]}' },
      'spec.ingress[].action': action,
      'spec.egress[].action': action,
      'spec.ingress[].from[]': PEER,
      'spec.egress[].to[]': PEER,
      '*.networks[]': NETWORK,
      ...words,
    },
    opaque: LABEL_SELECTORS,
  };
}

/** A priority as the cluster-wide kinds define it: a whole number from 0 to 1000. */
export function readPriority(priority: number | null | undefined, at: InputLocation): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 1000) {
    return inputError(at, PRIORITY.message, priority, PRIORITY.fix);
  }
  return priority;
}

/**
 * Decodes one object of a cluster-wide kind.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeTieredPolicy(o: ManifestObject, kind: TieredKindSpec, warnings: ProblemSet): DecodedTieredPolicy {
  const label = `${o.kind} ${o.name}`;
  const at = locator(o, label);
  const spec = shapedSpec<TieredSpec>(o, label, kind.shape);
  if (!spec) return inputError(at('spec'), `a ${o.kind} needs a spec`, o.raw.spec, kind.specFix);
  if (!o.apiVersion.endsWith(`/${kind.version}`)) warnings.warn('BH-AN-CNP-VERSION', label, `${label} has apiVersion ${o.apiVersion}; the analysis reads it as ${kind.version}`, `write apiVersion policy.networking.k8s.io/${kind.version}, or check that the fields mean the same in ${o.apiVersion}`);
  const { tier, priority, text: tierText } = kind.tier(spec, at);
  const subject = decodeSubject(spec.subject, at('spec.subject'));
  const egressRanges: Ipv4Range[] = [];
  const decodeRules = (dir: Dir): DecodedRule[] =>
    (spec[dir] ?? []).map((r, i) => {
      const path = `spec.${dir}[${i}]`;
      const act = r.action;
      if (typeof act !== 'string' || !kind.actions.includes(act)) inputError(at(`${path}.action`), `action must be ${kind.actions.join(', ').replace(/, (\w+)$/, ' or $1')}`, act, `set action: ${kind.actions.join(', ')}`);
      const action: Action = act === kind.accept ? 'allow' : act === 'Deny' ? 'deny' : 'pass';
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const peersRaw = r[peerField] ?? [];
      if (peersRaw.length === 0) inputError(at(`${path}.${peerField}`), `a ${o.kind} rule needs at least one peer in ${peerField}`, r[peerField], `list the peers, for example ${peerField}: [{namespaces: {}}]`);
      const peers: DecodedPeer[] = [];
      peersRaw.forEach((p, j) => {
        const peer = decodePeer(p, dir, action, at(`${path}.${peerField}[${j}]`), warnings, label, egressRanges);
        if (peer) peers.push(peer);
      });
      const ports = kind.ports(r, path, at);
      const name = typeof r.name === 'string' && r.name.length > 0 ? `, rule "${r.name}"` : '';
      return { policy: label, path, tierText: `${tierText}${name}`, action, peers, ports };
    });
  const ingress = decodeRules('ingress');
  const egress = decodeRules('egress');
  return { label, name: o.name, tier, priority, subject, ingress, egress, boundaries: { ingress: [], egress: egressRanges } };
}

function decodeSubject(v: TieredPeer | null | undefined, at: InputLocation): PeerMatch {
  if (!v) return inputError(at, 'subject must be a mapping with namespaces or pods', v, 'write subject: {namespaces: {}} or subject: {pods: {namespaceSelector: ..., podSelector: ...}}');
  const keys = setKeys(v);
  if (keys.length !== 1 || (keys[0] !== 'namespaces' && keys[0] !== 'pods')) inputError(at, 'subject must set exactly one of namespaces or pods', v, 'write subject: {namespaces: {...}} or subject: {pods: {...}}');
  if (keys[0] === 'namespaces') return decodeNamespaces(v.namespaces, sub(at, 'namespaces'));
  return decodeNamespacedPod(v.pods ?? {}, sub(at, 'pods'));
}

/**
 * One peer; `undefined` when it matches nothing. The IPv4 ranges of `networks` are added to
 * `egressRanges`. `nodes` and `domainNames` are read when present, although the standard
 * channel's schema does not define them (the loader drops them when it checks schemas).
 */
function decodePeer(p: TieredPeer, dir: Dir, action: Action, at: InputLocation, warnings: ProblemSet, label: string, egressRanges: Ipv4Range[]): DecodedPeer | undefined {
  const failClosed = (why: string): DecodedPeer | undefined => {
    warnings.warn('BH-AN-CNP-FAIL-CLOSED', `${label}, ${at.field}`, `${why}; it fails closed (${action === 'allow' ? 'the Accept rule matches nothing' : 'the rule matches every peer'})`, 'write the peer with one field the API version defines (namespaces, pods, networks, nodes or domainNames)');
    return action === 'allow' ? undefined : { t: 'all' };
  };
  const keys = setKeys(p);
  if (keys.length === 0) return failClosed('the peer sets no field');
  if (keys.length > 1) inputError(at, 'a peer must set exactly one field', keys, 'split it into one peer per field');
  const k = keys[0];
  const f = sub(at, k);
  if (k === 'namespaces') return decodeNamespaces(p.namespaces, f);
  if (k === 'pods') return decodeNamespacedPod(p.pods ?? {}, f);
  if (dir === 'egress' && k === 'networks') {
    const ranges: Ipv4Range[] = [];
    (p.networks ?? []).forEach((c, i) => {
      const pc = parseCidr(c);
      if (pc.family === 'invalid') inputError(item(f, i), NETWORK.message, c, NETWORK.fix);
      if (pc.family === 'ipv4') ranges.push(pc.range);
    });
    egressRanges.push(...ranges);
    return { t: 'networks', ranges: mergeIntervals(ranges), field: `${f.field}` };
  }
  if (dir === 'egress' && k === 'nodes') {
    warnings.warn('BH-AN-CNP-NODES', `${label}, ${f.field}`, 'nodes peers select node addresses, which the analysis does not model; the peer matches nothing', 'check what node peers allow separately');
    return undefined;
  }
  if (dir === 'egress' && k === 'domainNames') {
    if (action !== 'allow') return failClosed('domainNames is only valid in Accept rules');
    const names = (p as { readonly domainNames?: unknown }).domainNames;
    if (!Array.isArray(names)) return inputError(f, 'this field must be a list', names, 'write it as a YAML list (- item)');
    names.forEach((dn: unknown, i) => {
      if (typeof dn !== 'string' || dn.length === 0) inputError(item(f, i), 'a domain name must be a non-empty string', dn, 'write a name such as api.example.com or *.example.com');
    });
    return { t: 'domains', names: names as string[], field: `${f.field}` };
  }
  return failClosed(`unknown ${dir} peer type ${JSON.stringify(k)}`);
}
