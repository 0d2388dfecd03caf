/**
 * Decodes a `networking.k8s.io/v1` NetworkPolicy into its typed form, reporting malformed
 * input as problems. No evaluation here: see `../netpol.ts`.
 *
 * The spec is first checked against the upstream schema (its shape: lists, mappings, strings,
 * numbers), then read as the generated `NetworkPolicy` type for what the schema cannot say.
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
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { InputLocation, inputError } from '../../../errors';
import { Ipv4Range, parseCidr } from '../../../ipv4';
import { ManifestObject, describe } from '../../../loader';
import { PortSet } from '../../../portset';
import { ShapeSpec, fieldNames, kindSchema, namedSchema, schemaAt } from '../../../schema';
import { LabelSelector } from '../../../selector';
import { AddressBoundaries, DecodedRule, Dir, NamedPort, PeerMatch, RulePorts } from '../model';
import { LABEL_SELECTORS, item, locator, parseSelector, shapedSpec, sub } from './shared';

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

const SPEC_FIX = 'add spec.podSelector ({} selects every pod of the namespace) and the rules';
const PEER = { message: 'a peer must be a mapping', fix: 'write {podSelector: ...}, {namespaceSelector: ...} or {ipBlock: {cidr: ...}}' };
const PORT = { message: 'a port entry must be a mapping', fix: 'write {protocol: TCP, port: 8080}' };
const PROTOCOL = { message: 'unknown protocol', fix: 'use TCP, UDP or SCTP' };

/** The shape of a NetworkPolicy's spec, and how its problems are worded. */
const SHAPE: ShapeSpec = {
  schema: schemaAt(kindSchema(KIND_VERSIONS.NetworkPolicy, 'NetworkPolicy'), 'spec'),
  mistyped: {
    spec: { message: 'a NetworkPolicy needs a spec', fix: SPEC_FIX },
    'spec.policyTypes': { message: 'policyTypes must be a list', fix: 'write policyTypes: [Ingress, Egress]' },
    'spec.policyTypes[]': { message: 'unknown policy type', fix: 'use Ingress or Egress' },
    'spec.ingress[]': { message: 'a rule must be a mapping', fix: 'write {} to allow everything, or {from: [...], ports: [...]}' },
    'spec.egress[]': { message: 'a rule must be a mapping', fix: 'write {} to allow everything, or {to: [...], ports: [...]}' },
    'spec.ingress[].from[]': PEER,
    'spec.egress[].to[]': PEER,
    '*.ipBlock': { message: 'ipBlock must be a mapping with cidr and optional except', fix: 'write ipBlock: {cidr: 10.0.0.0/8}' },
    '*.ipBlock.cidr': { message: 'not a valid CIDR', fix: 'write an address range such as 10.0.0.0/8' },
    '*.ipBlock.except[]': { message: 'not a valid CIDR', fix: 'write an address range such as 10.1.0.0/16' },
    'spec.ingress[].ports[]': PORT,
    'spec.egress[].ports[]': PORT,
    '*.ports[].protocol': PROTOCOL,
    '*.ports[].port': { message: 'a port must be a whole number from 1 to 65535, or a port name', fix: 'write port: 8080 or port: http' },
    '*.ports[].endPort': { message: 'endPort must be a whole number, from port to 65535', fix: 'set endPort to the last port of the range' },
  },
  unknown: (known, place) => (place.endsWith('.from[]') || place.endsWith('.to[]')
    ? { message: 'unknown field in a NetworkPolicy peer', fix: `use ${known.join(', ')}` }
    : undefined),
  opaque: LABEL_SELECTORS,
};

/**
 * Decodes one NetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeNetworkPolicy(o: ManifestObject): DecodedNetworkPolicy {
  const label = `NetworkPolicy ${o.namespace}/${o.name}`;
  const ns = o.namespace ?? 'default';
  const at = locator(o, describe(o));
  const spec = shapedSpec<K.NetworkPolicySpec>(o, describe(o), SHAPE);
  if (!spec) return inputError(at('spec'), 'a NetworkPolicy needs a spec', o.raw.spec, SPEC_FIX);
  const podSelector = parseSelector(spec.podSelector, () => at('spec.podSelector'));
  const ingressRaw = spec.ingress ?? [];
  const egressRaw = spec.egress ?? [];
  let types: Set<string>;
  if (spec.policyTypes === undefined || spec.policyTypes === null) {
    types = new Set(['Ingress']);
    if (egressRaw.length > 0) types.add('Egress');
  } else {
    types = new Set();
    spec.policyTypes.forEach((t, i) => {
      if (t !== 'Ingress' && t !== 'Egress') inputError(at(`spec.policyTypes[${i}]`), 'unknown policy type', t, 'use Ingress or Egress');
      types.add(t);
    });
  }
  const boundaries = { ingress: [] as Ipv4Range[], egress: [] as Ipv4Range[] };
  const decodeRules = (raw: readonly (K.NetworkPolicyIngressRule & K.NetworkPolicyEgressRule)[], dir: Dir): DecodedRule[] =>
    raw.map((r, i) => {
      const path = `spec.${dir}[${i}]`;
      const peerField = dir === 'ingress' ? 'from' : 'to';
      const peersRaw = r[peerField] ?? [];
      const peers: PeerMatch[] = peersRaw.length === 0 ? [{ t: 'all' }] : peersRaw.map((p, j) => decodePeer(p, ns, at(`${path}.${peerField}[${j}]`), boundaries[dir]));
      const ports = decodePorts(r.ports ?? [], (j) => at(`${path}.ports[${j}]`));
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
function decodePeer(p: K.NetworkPolicyPeer, ns: string, at: InputLocation, bounds: Ipv4Range[]): PeerMatch {
  const hasPod = p.podSelector !== undefined && p.podSelector !== null;
  const hasNs = p.namespaceSelector !== undefined && p.namespaceSelector !== null;
  const ib = p.ipBlock;
  if (ib && (hasPod || hasNs)) inputError(at, 'a peer may set ipBlock or selectors, not both', p, 'split it into two peers');
  if (!ib && !hasPod && !hasNs) inputError(at, 'a peer must set podSelector, namespaceSelector or ipBlock', p, 'set one, or remove the peer list entirely to match every peer');
  if (ib) {
    const f = sub(at, 'ipBlock');
    const c = parseCidr(ib.cidr ?? '');
    if (c.family === 'invalid') inputError(sub(f, 'cidr'), 'not a valid CIDR', ib.cidr, 'write an address range such as 10.0.0.0/8');
    const excepts: Ipv4Range[] = [];
    (ib.except ?? []).forEach((e, i) => {
      const ec = parseCidr(e);
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
  const podSel = parseSelector(p.podSelector, () => sub(at, 'podSelector'));
  if (!hasNs) return { t: 'pods', ns, podSel };
  const nsSel = parseSelector(p.namespaceSelector, () => sub(at, 'namespaceSelector'));
  return { t: 'pods', nsSel, podSel };
}

/** The `ports` of a NetworkPolicy rule: numbers, ranges (`endPort`) or names. */
function decodePorts(raw: readonly K.NetworkPolicyPort[], at: (i: number) => InputLocation): RulePorts {
  if (raw.length === 0) return { fixed: PortSet.ALL, named: [] };
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((p, i) => {
    const f = at(i);
    const proto = p.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return inputError(sub(f, 'protocol'), 'unknown protocol', proto, 'use TCP, UDP or SCTP');
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
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      inputError(sub(f, 'port'), 'a port must be a whole number from 1 to 65535, or a port name', port, 'write port: 8080 or port: http');
    }
    let last = port;
    if (end !== undefined && end !== null) {
      if (!Number.isInteger(end) || end < port || end > 65535) {
        inputError(sub(f, 'endPort'), `endPort must be a whole number from ${port} to 65535`, end, 'set endPort to the last port of the range');
      }
      last = end;
    }
    fixed = fixed.union(PortSet.of(proto, port, last));
  });
  return { fixed, named };
}
