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
import { isRecord } from '../../../selector';
import { Action, AddressBoundaries, DecodedPeer, DecodedRule, Dir, PeerMatch, RulePorts } from '../model';
import { decodeNamespacedPod, decodeNamespaces, item, listField, locator, setKeys, sub } from './shared';

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

/** What distinguishes one cluster-wide kind from another when decoding. */
export interface TieredKindSpec {
  /** The apiVersion version the analysis reads (`v1alpha2`, `v1alpha1`). */
  readonly version: string;
  /** The fix when the spec is missing. */
  readonly specFix: string;
  /** Reads the tier and its text (`Admin tier, priority 10`) from the spec. */
  readonly tier: (spec: Readonly<Record<string, unknown>>, at: (field: string) => InputLocation) => { readonly tier: 'admin' | 'baseline'; readonly priority: number; readonly text: string };
  /** The action word that allows (`Accept`, `Allow`). */
  readonly accept: string;
  /** Every action word, in the order messages list them. */
  readonly actions: readonly string[];
  /** Reads the ports of a rule. */
  readonly ports: (rule: Readonly<Record<string, unknown>>, path: string, at: (field: string) => InputLocation) => RulePorts;
}

/** A priority as the cluster-wide kinds define it: a whole number from 0 to 1000. */
export function readPriority(priority: unknown, at: InputLocation): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 1000) {
    return inputError(at, 'priority must be a whole number from 0 to 1000', priority, 'set spec.priority (lower values are evaluated first)');
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
  const spec = o.raw.spec;
  if (!isRecord(spec)) inputError(at('spec'), `a ${o.kind} needs a spec`, spec, kind.specFix);
  if (!o.apiVersion.endsWith(`/${kind.version}`)) warnings.warn('BH-AN-CNP-VERSION', label, `${label} has apiVersion ${o.apiVersion}; the analysis reads it as ${kind.version}`, `write apiVersion policy.networking.k8s.io/${kind.version}, or check that the fields mean the same in ${o.apiVersion}`);
  const { tier, priority, text: tierText } = kind.tier(spec, at);
  const subject = decodeSubject(spec.subject, at('spec.subject'));
  const egressRanges: Ipv4Range[] = [];
  const decodeRules = (dir: Dir): DecodedRule[] =>
    listField(spec[dir], at(`spec.${dir}`)).map((r, i) => {
      const path = `spec.${dir}[${i}]`;
      if (!isRecord(r)) return inputError(at(path), 'a rule must be a mapping', r, 'write {action: Deny, ' + (dir === 'ingress' ? 'from' : 'to') + ': [...]}');
      const act = r.action;
      if (typeof act !== 'string' || !kind.actions.includes(act)) inputError(at(`${path}.action`), `action must be ${kind.actions.join(', ').replace(/, (\w+)$/, ' or $1')}`, act, `set action: ${kind.actions.join(', ')}`);
      const action: Action = act === kind.accept ? 'allow' : act === 'Deny' ? 'deny' : 'pass';
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const peersRaw = listField(r[peerField], at(`${path}.${peerField}`));
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

function decodeSubject(v: unknown, at: InputLocation): PeerMatch {
  if (!isRecord(v)) return inputError(at, 'subject must be a mapping with namespaces or pods', v, 'write subject: {namespaces: {}} or subject: {pods: {namespaceSelector: ..., podSelector: ...}}');
  const keys = setKeys(v);
  if (keys.length !== 1 || (keys[0] !== 'namespaces' && keys[0] !== 'pods')) inputError(at, 'subject must set exactly one of namespaces or pods', v, 'write subject: {namespaces: {...}} or subject: {pods: {...}}');
  if (keys[0] === 'namespaces') return decodeNamespaces(v.namespaces, sub(at, 'namespaces'));
  return decodeNamespacedPod(v.pods, sub(at, 'pods'));
}

/** One peer; `undefined` when it matches nothing. The IPv4 ranges of `networks` are added to `egressRanges`. */
function decodePeer(p: unknown, dir: Dir, action: Action, at: InputLocation, warnings: ProblemSet, label: string, egressRanges: Ipv4Range[]): DecodedPeer | undefined {
  const failClosed = (why: string): DecodedPeer | undefined => {
    warnings.warn('BH-AN-CNP-FAIL-CLOSED', `${label}, ${at.field}`, `${why}; it fails closed (${action === 'allow' ? 'the Accept rule matches nothing' : 'the rule matches every peer'})`, 'write the peer with one field the API version defines (namespaces, pods, networks, nodes or domainNames)');
    return action === 'allow' ? undefined : { t: 'all' };
  };
  if (!isRecord(p)) return inputError(at, 'a peer must be a mapping', p, 'write {namespaces: ...}, {pods: ...} or {networks: [...]}');
  const keys = setKeys(p);
  if (keys.length === 0) return failClosed('the peer sets no field');
  if (keys.length > 1) inputError(at, 'a peer must set exactly one field', keys, 'split it into one peer per field');
  const k = keys[0];
  const f = sub(at, k);
  if (k === 'namespaces') return decodeNamespaces(p.namespaces, f);
  if (k === 'pods') return decodeNamespacedPod(p.pods, f);
  if (dir === 'egress' && k === 'networks') {
    const nets = listField(p.networks, f);
    const ranges: Ipv4Range[] = [];
    nets.forEach((c, i) => {
      const pc = parseCidr(c as string);
      if (pc.family === 'invalid') inputError(item(f, i), 'not a valid CIDR', c, 'write an address range such as 10.0.0.0/8');
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
    const names = listField(p.domainNames, f);
    names.forEach((dn, i) => {
      if (typeof dn !== 'string' || dn.length === 0) inputError(item(f, i), 'a domain name must be a non-empty string', dn, 'write a name such as api.example.com or *.example.com');
    });
    return { t: 'domains', names: names as string[], field: `${f.field}` };
  }
  return failClosed(`unknown ${dir} peer type ${JSON.stringify(k)}`);
}
