/**
 * Decodes a `networking.k8s.io/v1` NetworkPolicy into its typed form, reporting malformed
 * input as problems. No evaluation here: see `../netpol.ts`.
 *
 * `policyTypes` defaults to `Ingress`, plus `Egress` when the policy has egress rules; a
 * direction the policy does not isolate has no rules (`undefined`). A rule without peers
 * matches every peer; without ports, every port. A peer with a podSelector only selects pods
 * of the policy's namespace; with a namespaceSelector only, every pod of the selected
 * namespaces; with both, the pods matching both. An `ipBlock` (minus `except`) matches
 * addresses outside the cluster; an IPv6 one matches no IPv4 endpoint. TCP when the protocol
 * of a port is omitted.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
 */
import { subtractIntervals } from '../../../../core/intervals';
import { InputLocation, inputError } from '../../../errors';
import { Ipv4Range, parseCidr } from '../../../ipv4';
import { ManifestObject, describe } from '../../../loader';
import { PortSet } from '../../../portset';
import { fieldNames, namedSchema } from '../../../schema';
import { LabelSelector, isRecord } from '../../../selector';
import { AddressBoundaries, DecodedRule, Dir, NamedPort, PeerMatch, RulePorts } from '../model';
import { item, listField, locator, sub } from './shared';

/** A decoded NetworkPolicy. */
export interface DecodedNetworkPolicy {
  /** `NetworkPolicy ns/name`. */
  readonly label: string;
  /** The namespace of the policy (and of the pods it selects). */
  readonly namespace: string;
  /** The pods it selects. */
  readonly podSelector: LabelSelector;
  /** The ingress rules. @default - the policy does not isolate ingress */
  readonly ingress?: readonly DecodedRule[];
  /** The egress rules. @default - the policy does not isolate egress */
  readonly egress?: readonly DecodedRule[];
  /** The IPv4 ranges its ipBlocks name (cidr and except), per direction. */
  readonly boundaries: AddressBoundaries;
}

/** The fields of a NetworkPolicy peer (upstream `NetworkPolicyPeer`). */
export const NETWORK_POLICY_PEER_FIELDS: readonly string[] = fieldNames(namedSchema('NetworkPolicyPeer'));

/**
 * Decodes one NetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeNetworkPolicy(o: ManifestObject): DecodedNetworkPolicy {
  const label = `NetworkPolicy ${o.namespace}/${o.name}`;
  const ns = o.namespace ?? 'default';
  const at = locator(o, describe(o));
  const spec = o.raw.spec;
  if (!isRecord(spec)) inputError(at('spec'), 'a NetworkPolicy needs a spec', spec, 'add spec.podSelector ({} selects every pod of the namespace) and the rules');
  const podSelector = LabelSelector.parse(spec.podSelector, at('spec.podSelector'));
  const ingressRaw = listField(spec.ingress, at('spec.ingress'));
  const egressRaw = listField(spec.egress, at('spec.egress'));
  let types: Set<string>;
  if (spec.policyTypes === undefined || spec.policyTypes === null) {
    types = new Set(['Ingress']);
    if (egressRaw.length > 0) types.add('Egress');
  } else {
    if (!Array.isArray(spec.policyTypes)) inputError(at('spec.policyTypes'), 'policyTypes must be a list', spec.policyTypes, 'write policyTypes: [Ingress, Egress]');
    types = new Set();
    spec.policyTypes.forEach((t: unknown, i: number) => {
      if (t !== 'Ingress' && t !== 'Egress') inputError(at(`spec.policyTypes[${i}]`), 'unknown policy type', t, 'use Ingress or Egress');
      types.add(t);
    });
  }
  const boundaries = { ingress: [] as Ipv4Range[], egress: [] as Ipv4Range[] };
  const decodeRules = (raw: unknown[], dir: Dir): DecodedRule[] =>
    raw.map((r, i) => {
      const path = `spec.${dir}[${i}]`;
      if (!isRecord(r)) return inputError(at(path), 'a rule must be a mapping', r, `write {} to allow everything, or {${dir === 'ingress' ? 'from' : 'to'}: [...], ports: [...]}`);
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const peersRaw = listField(r[peerField], at(`${path}.${peerField}`));
      const peers: PeerMatch[] = peersRaw.length === 0 ? [{ t: 'all' }] : peersRaw.map((p, j) => decodePeer(p, ns, at(`${path}.${peerField}[${j}]`), boundaries[dir]));
      const ports = decodePorts(listField(r.ports, at(`${path}.ports`)), (j) => at(`${path}.ports[${j}]`));
      return { policy: label, path, tierText: 'NetworkPolicy', action: 'allow', peers, ports };
    });
  return {
    label,
    namespace: ns,
    podSelector,
    ingress: types.has('Ingress') ? decodeRules(ingressRaw, 'ingress') : undefined,
    egress: types.has('Egress') ? decodeRules(egressRaw, 'egress') : undefined,
    boundaries,
  };
}

/** One peer of a NetworkPolicy rule; the ranges of an IPv4 ipBlock are added to `bounds`. */
function decodePeer(p: unknown, ns: string, at: InputLocation, bounds: Ipv4Range[]): PeerMatch {
  if (!isRecord(p)) return inputError(at, 'a peer must be a mapping', p, 'write {podSelector: ...}, {namespaceSelector: ...} or {ipBlock: {cidr: ...}}');
  for (const k of Object.keys(p)) {
    if (!NETWORK_POLICY_PEER_FIELDS.includes(k)) inputError(sub(at, k), 'unknown field in a NetworkPolicy peer', k, 'use podSelector, namespaceSelector or ipBlock');
  }
  const hasPod = p.podSelector !== undefined && p.podSelector !== null;
  const hasNs = p.namespaceSelector !== undefined && p.namespaceSelector !== null;
  const hasIp = p.ipBlock !== undefined && p.ipBlock !== null;
  if (hasIp && (hasPod || hasNs)) inputError(at, 'a peer may set ipBlock or selectors, not both', p, 'split it into two peers');
  if (!hasIp && !hasPod && !hasNs) inputError(at, 'a peer must set podSelector, namespaceSelector or ipBlock', p, 'set one, or remove the peer list entirely to match every peer');
  if (hasIp) {
    const ib = p.ipBlock;
    const f = sub(at, 'ipBlock');
    if (!isRecord(ib)) return inputError(f, 'ipBlock must be a mapping with cidr and optional except', ib, 'write ipBlock: {cidr: 10.0.0.0/8}');
    const c = parseCidr(ib.cidr as string);
    if (c.family === 'invalid') inputError(sub(f, 'cidr'), 'not a valid CIDR', ib.cidr, 'write an address range such as 10.0.0.0/8');
    const exceptRaw = listField(ib.except, sub(f, 'except'));
    const excepts: Ipv4Range[] = [];
    exceptRaw.forEach((e, i) => {
      const ec = parseCidr(e as string);
      const ef = item(sub(f, 'except'), i);
      if (ec.family === 'invalid') inputError(ef, 'not a valid CIDR', e, 'write an address range such as 10.1.0.0/16');
      if (ec.family !== c.family) inputError(ef, 'an except range must be of the same address family as the cidr', e, 'use an IPv4 except with an IPv4 cidr');
      if (ec.family === 'ipv4' && c.family === 'ipv4' && !(ec.range[0] >= c.range[0] && ec.range[1] <= c.range[1])) {
        inputError(ef, `the except range is not inside the cidr ${String(ib.cidr)}`, e, 'use an except range inside the cidr');
      }
      if (ec.family === 'ipv4') excepts.push(ec.range);
    });
    if (c.family !== 'ipv4') return { t: 'ips', ranges: [], byAddress: false }; // IPv6: matches no IPv4 endpoint
    bounds.push(c.range, ...excepts);
    return { t: 'ips', ranges: subtractIntervals([c.range], excepts), byAddress: false };
  }
  const podSel = LabelSelector.parse(p.podSelector, sub(at, 'podSelector'));
  if (!hasNs) return { t: 'pods', ns, podSel };
  const nsSel = LabelSelector.parse(p.namespaceSelector, sub(at, 'namespaceSelector'));
  return { t: 'pods', nsSel, podSel };
}

/** The `ports` of a NetworkPolicy rule: numbers, ranges (`endPort`) or names. */
function decodePorts(raw: unknown[], at: (i: number) => InputLocation): RulePorts {
  if (raw.length === 0) return { fixed: PortSet.ALL, named: [] };
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((p, i) => {
    const f = at(i);
    if (!isRecord(p)) inputError(f, 'a port entry must be a mapping', p, 'write {protocol: TCP, port: 8080}');
    const proto = p.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') inputError(sub(f, 'protocol'), 'unknown protocol', proto, 'use TCP, UDP or SCTP');
    const port = p.port;
    const end = p.endPort;
    if (port === undefined || port === null) {
      if (end !== undefined && end !== null) inputError(sub(f, 'endPort'), 'endPort needs port', end, 'set port to the first port of the range');
      fixed = fixed.union(PortSet.allOf(proto));
      return;
    }
    if (typeof port === 'string') {
      if (/^\d+$/.test(port)) inputError(sub(f, 'port'), 'a port number must not be quoted (a quoted port is read as a port name)', port, `write port: ${port}`);
      if (end !== undefined && end !== null) inputError(sub(f, 'endPort'), 'endPort cannot be used with a named port', end, 'use a numbered port with endPort, or remove endPort');
      named.push({ name: port, protocol: proto });
      return;
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      inputError(sub(f, 'port'), 'a port must be a whole number from 1 to 65535, or a port name', port, 'write port: 8080 or port: http');
    }
    let last = port;
    if (end !== undefined && end !== null) {
      if (typeof end !== 'number' || !Number.isInteger(end) || end < port || end > 65535) {
        inputError(sub(f, 'endPort'), `endPort must be a whole number from ${port} to 65535`, end, 'set endPort to the last port of the range');
      }
      last = end;
    }
    fixed = fixed.union(PortSet.of(proto, port, last));
  });
  return { fixed, named };
}
