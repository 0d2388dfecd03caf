import { ProblemSet } from '../../../lib/analysis/errors';
import { decodeCiliumNetworkPolicy } from '../../../lib/analysis/simulators/cilium/decode/cnp';
import { CiliumDecoder } from '../../../lib/analysis/simulators/cilium/decode/rule';
import { CiliumPeerWorld, l7Match, peerMatches, portsMatch, selects } from '../../../lib/analysis/simulators/cilium/rule';
import { WorkloadEndpoint } from '../../../lib/analysis/types';
import { external, workload } from '../decode/objects';

const rule = (spec: unknown) => decodeCiliumNetworkPolicy({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec }, new CiliumDecoder(new ProblemSet())).rules[0];
const world = (resolved: Record<string, [number, number][]> = {}, visible = true): CiliumPeerWorld => ({
  labelsOf: (w: WorkloadEndpoint) => ({ ...w.labels, 'io.kubernetes.pod.namespace': w.namespace }),
  resolved: new Map(Object.entries(resolved)),
  dnsVisible: () => visible,
});

describe('Cilium rule evaluation', () => {
  const api = workload('shop', 'api', { app: 'api' }, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const far = workload('other', 'api', { app: 'api' });

  test('selects the endpoints of its subject selector', () => {
    const r = rule({ endpointSelector: { matchLabels: { app: 'api' } } });
    expect(selects(r, world().labelsOf(api))).toBe(true);
    expect(selects(r, world().labelsOf(far))).toBe(false);
    expect(selects(rule({ nodeSelector: {} }), {})).toBe(false);
  });

  test('peers: endpoints of the namespace, entities, CIDRs (a straddling range matches deny rules only), FQDNs', () => {
    const r = rule({
      endpointSelector: {},
      ingress: [{ fromEndpoints: [{ matchLabels: { app: 'api' } }] }, { fromEntities: ['world'] }, { fromCIDR: ['203.0.113.0/24'] }],
      egress: [{ toFQDNs: [{ matchPattern: '*.example.com' }] }],
    });
    expect(peerMatches(r.ingress[0], api, false, world())).toBe(true);
    expect(peerMatches(r.ingress[0], far, false, world())).toBe(false);
    expect(peerMatches(r.ingress[1], external(1), false, world())).toBe(true);
    expect(peerMatches(r.ingress[1], api, false, world())).toBe(false);
    expect(peerMatches(r.ingress[2], external(0xcb007101), false, world())).toBe(true);
    expect(peerMatches(r.ingress[2], external(0xcb0070ff, 0xcb007101), false, world())).toBe(false);
    expect(peerMatches(r.ingress[2], external(0xcb0070ff, 0xcb007101), true, world())).toBe(true);
    const resolved = { 'api.example.com': [[0xc6336407, 0xc6336407]] as [number, number][] };
    expect(peerMatches(r.egress[0], external(0xc6336407), false, world(resolved))).toBe(true);
    expect(peerMatches(r.egress[0], external(0xc6336407), false, world(resolved, false))).toBe(false);
  });

  test('ports: numbers, named ports on the destination, ICMP only, L7 without a request', () => {
    const r = rule({
      endpointSelector: {},
      ingress: [
        { toPorts: [{ ports: [{ port: '8000', endPort: 8100, protocol: 'TCP' }] }] },
        { toPorts: [{ ports: [{ port: 'http' }] }] },
        { icmps: [{ fields: [{ type: 8 }] }] },
        { toPorts: [{ ports: [{ port: '80' }], rules: { http: [{ method: 'GET' }] } }] },
      ],
    });
    expect(portsMatch(r.ingress[0], { protocol: 'TCP', port: 8050 }, api)).toBe('yes');
    expect(portsMatch(r.ingress[0], { protocol: 'UDP', port: 8050 }, api)).toBe('no');
    expect(portsMatch(r.ingress[1], { protocol: 'TCP', port: 8080 }, api)).toBe('yes');
    expect(portsMatch(r.ingress[1], { protocol: 'TCP', port: 8080 }, far)).toBe('no');
    expect(portsMatch(r.ingress[2], { protocol: 'TCP', port: 1 }, api)).toBe('no');
    expect(portsMatch(r.ingress[3], { protocol: 'TCP', port: 80 }, api)).toBe('some');
    expect(portsMatch(r.ingress[3], { protocol: 'TCP', port: 80, http: { method: 'GET', path: '/' } }, api)).toBe('yes');
    expect(l7Match({ kind: 'dns', all: false }, { protocol: 'UDP', port: 53 })).toBe('some');
  });
});
