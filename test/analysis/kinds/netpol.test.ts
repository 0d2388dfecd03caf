import { PortSet } from '../../../lib/analysis/portset';
import { decodeNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/netpol';
import { PeerMatch, PeerSpec, Rule, RuleBuilder, matchPeer, peerKey } from '../../../lib/analysis/simulators/kubernetes/model';
import { NetworkPolicyKind, allowedByNetworkPolicies } from '../../../lib/analysis/simulators/kubernetes/netpol';
import { Reason } from '../../../lib/analysis/types';
import { external, manifest, workload } from '../decode/objects';

let ids = 0;
const build: RuleBuilder = (r, tier, peers: readonly PeerMatch[]): Rule => ({
  id: ids++, policy: r.policy, path: r.path, tier, tierText: r.tierText, action: r.action,
  peers: peers.map((match, i): PeerSpec => ({ id: i, key: peerKey(match), match })), ports: r.ports,
});
const kind = (spec: unknown, ns = 'shop') => new NetworkPolicyKind(decodeNetworkPolicy(manifest('networking.k8s.io/v1', 'NetworkPolicy', 'p', spec, ns)), build);

describe('NetworkPolicyKind', () => {
  const db = workload('shop', 'db', { app: 'db' }, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
  const api = workload('shop', 'api', { app: 'api' });
  const other = workload('other', 'db', { app: 'db' });

  test('selects the pods of its namespace it isolates, per direction', () => {
    const k = kind({ podSelector: { matchLabels: { app: 'db' } } });
    expect(k.tier).toBe('np');
    expect(k.selects(db, 'ingress')).toBe(true);
    expect(k.selects(db, 'egress')).toBe(false); // egress not isolated
    expect(k.selects(api, 'ingress')).toBe(false);
    expect(k.selects(other, 'ingress')).toBe(false);
    expect(k.rules('egress')).toEqual([]);
  });

  test('allows the union of its rules, named ports resolved against the destination; the rest is denied by isolation', () => {
    const k = kind({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'pg' }] }, { from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 22 }] }] });
    const q = (peer: typeof api | ReturnType<typeof external>) => ({ dir: 'ingress' as const, subject: db, peer, dstPorts: db.ports, peerIn: (p: PeerSpec) => matchPeer(p.match, peer, undefined) });
    expect(allowedByNetworkPolicies(k.rules('ingress'), [k.label], PortSet.ALL, q(api)).toString()).toBe(PortSet.of('TCP', 5432).toString());
    expect(allowedByNetworkPolicies(k.rules('ingress'), [k.label], PortSet.ALL, q(external(0xcb007107))).toString()).toBe(PortSet.of('TCP', 22).toString());
    const trace: Reason[] = [];
    const scope = PortSet.of('TCP', 80);
    expect(allowedByNetworkPolicies(k.rules('ingress'), [k.label], scope, q(api), trace).isEmpty()).toBe(true);
    expect(trace).toEqual([{ policy: 'NetworkPolicy shop/p', effect: 'default-deny', detail: 'selects shop/db[Deployment] for ingress, and no ingress rule of the NetworkPolicies selecting it allows ingress to shop/db[Deployment] from shop/api[Deployment] on TCP 80' }]);
  });

  test('names its ipBlock ranges as boundaries', () => {
    expect(kind({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/16'] } }] }] }).boundaries().egress).toEqual([[0x0a000000, 0x0affffff], [0x0a000000, 0x0a00ffff]]);
  });
});
