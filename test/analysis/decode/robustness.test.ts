/**
 * Every decoder answers malformed input with a coded problem: whatever the spec holds, it
 * returns a decoded form or throws an AnalysisInputError, never another error.
 */
import * as fc from 'fast-check';
import { AnalysisInputError, ProblemSet } from '../../../lib/analysis/errors';
import { decodeCiliumNetworkPolicy } from '../../../lib/analysis/simulators/cilium/decode/cnp';
import { CiliumDecoder } from '../../../lib/analysis/simulators/cilium/decode/rule';
import { decodeAuthorizationPolicy } from '../../../lib/analysis/simulators/istio/decode/authz';
import { decodePeerAuthentication } from '../../../lib/analysis/simulators/istio/decode/peerauthn';
import { decodeServiceEntry } from '../../../lib/analysis/simulators/istio/decode/serviceentry';
import { readMeta } from '../../../lib/analysis/simulators/istio/decode/shared';
import { decodeSidecar } from '../../../lib/analysis/simulators/istio/decode/sidecar';
import { decodeAdminNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/anp';
import { decodeBaselineAdminNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/banp';
import { decodeClusterNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/cnp';
import { decodeNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/netpol';
import { manifest } from './objects';

/** Values that look like parts of a policy: the field names decoders read, with values of every shape. */
const KEYS = ['podSelector', 'namespaceSelector', 'ipBlock', 'cidr', 'except', 'ingress', 'egress', 'from', 'to', 'ports', 'port', 'endPort', 'protocol', 'policyTypes',
  'tier', 'priority', 'subject', 'namespaces', 'pods', 'networks', 'domainNames', 'action', 'protocols', 'tcp', 'destinationPort', 'number', 'range', 'start', 'end',
  'portNumber', 'portRange', 'namedPort', 'matchLabels', 'matchExpressions', 'endpointSelector', 'fromEndpoints', 'toCIDRSet', 'toFQDNs', 'matchName', 'toPorts', 'rules',
  'http', 'dns', 'method', 'selector', 'source', 'operation', 'principals', 'ipBlocks', 'when', 'key', 'values', 'mtls', 'mode', 'portLevelMtls', 'hosts', 'addresses',
  'endpoints', 'address', 'outboundTrafficPolicy', 'workloadSelector', 'labels'];
const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 70000 }), fc.constantFrom('', 'TCP', 'Admin', 'Allow', 'Accept', 'Deny', '10.0.0.0/8', '80', 'http', '*', 'ALLOW', 'STRICT', 'x/y'));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 })),
}));

function codedOrFine(decode: () => unknown): void {
  try {
    decode();
  } catch (e) {
    if (!(e instanceof AnalysisInputError)) throw e;
  }
}

describe('decoders', () => {
  const runs = { numRuns: 300 };
  test('kubernetes kinds', () => {
    fc.assert(fc.property(value, (spec) => {
      codedOrFine(() => decodeNetworkPolicy(manifest('networking.k8s.io/v1', 'NetworkPolicy', 'p', spec, 'ns')));
      codedOrFine(() => decodeClusterNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'c', spec), new ProblemSet()));
      codedOrFine(() => decodeAdminNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', 'a', spec), new ProblemSet()));
      codedOrFine(() => decodeBaselineAdminNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'b', spec), new ProblemSet()));
    }), runs);
  });

  test('cilium kinds', () => {
    fc.assert(fc.property(value, (spec) => {
      codedOrFine(() => decodeCiliumNetworkPolicy({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace: 'ns' }, spec }, new CiliumDecoder(new ProblemSet())));
    }), runs);
  });

  test('istio kinds', () => {
    fc.assert(fc.property(value, (spec) => {
      const o = (kind: string) => ({ apiVersion: 'security.istio.io/v1', kind, metadata: { name: 'p', namespace: 'ns' }, spec });
      codedOrFine(() => decodeAuthorizationPolicy(o('AuthorizationPolicy'), readMeta(o('AuthorizationPolicy')), new ProblemSet()));
      codedOrFine(() => decodePeerAuthentication(o('PeerAuthentication'), readMeta(o('PeerAuthentication'))));
      codedOrFine(() => decodeSidecar(o('Sidecar'), readMeta(o('Sidecar'))));
      codedOrFine(() => decodeServiceEntry(o('ServiceEntry'), readMeta(o('ServiceEntry')), {}));
    }), runs);
  });
});
