import { ProblemSet } from '../../../lib/analysis/errors';
import { PortSet } from '../../../lib/analysis/portset';
import { ClusterNetworkPolicyKind, decideTier, domainMatches } from '../../../lib/analysis/simulators/kubernetes/cnp';
import { decodeAdminNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/anp';
import { decodeClusterNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/cnp';
import { Endpoint, Reason } from '../../../lib/analysis/types';
import { PeerMatch, PeerSpec, Rule, RuleBuilder, matchPeer, peerKey } from '../../../lib/analysis/simulators/kubernetes/model';
import { context, external, manifest, workload } from '../decode/objects';

const build: RuleBuilder = (r, tier, peers: readonly PeerMatch[]): Rule => ({
  id: 0, policy: r.policy, path: r.path, tier, tierText: r.tierText, action: r.action,
  peers: peers.map((match, i): PeerSpec => ({ id: i, key: peerKey(match), match })), ports: r.ports,
});
const web = workload('shop', 'web');
const db = workload('shop', 'db', { app: 'db' }, [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
const query = (subject: typeof web, peer: Endpoint, dir: 'ingress' | 'egress' = 'egress') => ({
  dir, subject, peer, dstPorts: peer.type === 'workload' ? peer.ports : undefined, peerIn: (p: PeerSpec) => matchPeer(p.match, peer, undefined),
});

describe('ClusterNetworkPolicyKind', () => {
  test('selects its subject in both directions', () => {
    const w = new ProblemSet();
    const k = new ClusterNetworkPolicyKind(decodeClusterNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'c', { tier: 'Baseline', priority: 5, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } } } }), w), context(), w, build);
    expect([k.tier, k.priority, k.name]).toEqual(['baseline', 5, 'c']);
    expect(k.selects(web, 'ingress') && k.selects(web, 'egress')).toBe(true);
    expect(k.selects(db, 'egress')).toBe(false);
  });

  test('the first matching rule decides each port: accept, deny, pass', () => {
    const w = new ProblemSet();
    const k = new ClusterNetworkPolicyKind(decodeAdminNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', 'a', {
      priority: 1, subject: { namespaces: {} },
      egress: [
        { action: 'Pass', to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }], ports: [{ namedPort: 'pg' }] },
        { action: 'Deny', to: [{ namespaces: {} }], ports: [{ portRange: { start: 5000, end: 6000 } }] },
        { action: 'Allow', to: [{ namespaces: {} }] },
      ],
    }), w), context(), w, build);
    const d = decideTier(k.rules('egress'), PortSet.ALL, query(web, db), 'the NetworkPolicy tier');
    expect(d.passed.toString()).toBe(PortSet.of('TCP', 5432).toString());
    expect(d.allowed.toString()).toBe(PortSet.ALL.subtract(PortSet.of('TCP', 5000, 6000)).toString());
    expect(d.undecided.isEmpty()).toBe(true);
    const trace: Reason[] = [];
    decideTier(k.rules('egress'), PortSet.of('TCP', 5432), query(web, db), 'the NetworkPolicy tier', trace);
    expect(trace).toEqual([{ policy: 'AdminNetworkPolicy a', rule: 'spec.egress[0]', effect: 'pass', detail: 'Admin tier, priority 1: passes egress from shop/web[Deployment] to shop/db[Deployment] on TCP 5432 to the NetworkPolicy tier' }]);
  });

  test('networks match external addresses, and pods by address, with a warning when pod addresses are unknown', () => {
    const w = new ProblemSet();
    const k = new ClusterNetworkPolicyKind(decodeClusterNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'c', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }] }] }), w), context([web]), w, build);
    const d = (peer: Endpoint) => decideTier(k.rules('egress'), PortSet.ALL, query(web, peer), 'x');
    expect(d(external(0x0a000001)).undecided.isEmpty()).toBe(true);
    expect(d(external(0x0b000001)).undecided.toString()).toBe(PortSet.ALL.toString());
    expect(d(workload('shop', 'pod', {}, [], { addresses: [0x0a000005] })).undecided.isEmpty()).toBe(true);
    expect(w.list().map((p) => [p.code, p.path])).toEqual([['BH-AN-NETWORKS-POD-ADDRESS', 'ClusterNetworkPolicy c spec.egress[0].to[0].networks']]);
  });

  test('domain names match their resolved addresses, which become boundaries; an unresolved name warns', () => {
    const w = new ProblemSet();
    const spec = { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Accept', to: [{ domainNames: ['*.example.com'] }] }, { action: 'Accept', to: [{ domainNames: ['unknown.test'] }] }] };
    const k = new ClusterNetworkPolicyKind(decodeClusterNetworkPolicy(manifest('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'c', spec), w), context([], { resolve: { 'api.example.com': ['198.51.100.7', '2001:db8::1'] } }), w, build);
    expect(k.rules('egress')[0].peers[0].match).toEqual({ t: 'ips', ranges: [[0xc6336407, 0xc6336407]], byAddress: false });
    expect(k.boundaries().egress).toEqual([[0xc6336407, 0xc6336407]]);
    expect(w.list().map((p) => [p.code, p.path])).toEqual([['BH-AN-UNRESOLVED', 'ClusterNetworkPolicy c, spec.egress[1].to[0].domainNames']]);
  });

  test('domain name patterns: exact, or *. for one or more labels', () => {
    expect(domainMatches('API.example.com.', 'api.example.com')).toBe(true);
    expect(domainMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(domainMatches('*.example.com', 'example.com')).toBe(false);
  });
});
