/**
 * verify across clusters: every cross-cluster pair is judged in the egress layers of the
 * source's cluster and the ingress layers of the destination's, and a mutation of one side
 * (a missing federation, a wrong remote principal, a missing remote CIDR, a wrong ClusterMesh
 * cluster label) is reported in that cluster and layer.
 */
import * as fc from 'fast-check';
import { Cluster, ClusterLayerName, KubeManifest, Port, synthesize, Synthesis, Topology, Workload } from '../../lib';
import { verify, verifySynthesis, VerifyFinding } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');

type Json = Record<string, unknown>;

/** A copy of a synthesis with one cluster's manifests changed. */
function altered(s: Synthesis, cluster: string, f: (ms: Json[]) => Json[]): Synthesis {
  return { ...s, clusters: s.clusters.map((c) => (c.cluster.name === cluster ? { ...c, manifests: f(JSON.parse(JSON.stringify(c.manifests)) as Json[]) as unknown as KubeManifest[] } : c)) };
}

const spec = (m: Json): Json => m.spec as Json;

/** Two clusters of their own trust domains, every layer on, one federated flow from a to b. */
function twoClusters(layersB: ClusterLayerName[] = ['kubernetes', 'cilium', 'istio', 'spire']) {
  const topology = new Topology(undefined, 'fed', { trustDomain: 'fed.example.com', clock: NOW });
  const a = new Cluster(topology, 'a', {
    cloud: 'aws', podCidrs: ['10.1.0.0/16'], nodeCidrs: ['172.16.1.0/24'], trustDomain: 'a.example.com', layers: ['kubernetes', 'cilium', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire.a.example.com:8443', profile: 'https_spiffe' },
  });
  const b = new Cluster(topology, 'b', {
    cloud: 'gcp', podCidrs: ['10.2.0.0/16'], nodeCidrs: ['172.16.2.0/24'], trustDomain: 'b.example.com', layers: layersB,
    spireBundleEndpoint: { url: 'https://spire.b.example.com:8443', profile: 'https_web' },
  });
  const api = new Workload(topology, 'api', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const web = new Workload(topology, 'web', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const db = new Workload(topology, 'db', { cluster: b, namespace: 'data', ports: { pg: Port.POSTGRES } });
  const cache = new Workload(topology, 'cache', { cluster: b, namespace: 'data', ports: { redis: Port.tcp(6379) } });
  web.allowTo(api, Port.named('http'));
  api.allowTo(db, Port.named('pg'));
  db.allowTo(cache, Port.named('redis'));
  return { topology, synthesis: synthesize(topology) };
}

const brief = (f: VerifyFinding) => [f.cluster, f.layer, f.kind, f.crossCluster?.direction, f.src, f.dst, f.ports];

describe('verify across clusters', () => {
  const { topology, synthesis } = twoClusters();

  test('a federated flow between two trust domains verifies exact; every layer of both clusters judged cross-cluster pairs', () => {
    const r = verify(topology);
    expect(r.findings).toEqual([]);
    expect(r.exact).toBe(true);
    for (const l of r.layers) expect(l.crossClusterPairs ?? 0).toBeGreaterThan(0);
    // the layers that see the remote pods by identity judge every pair: 2 × 2 both ways
    expect(r.layers.find((l) => l.cluster === 'b' && l.layer === 'cilium')?.crossClusterPairs).toBe(8);
    expect(r.notes.some((n) => /not judged/.test(n) && /cross-cluster/.test(n))).toBe(false);
  });

  test('a missing federation (no ClusterFederatedTrustDomain of a in b) is missing in b\'s istio layer', () => {
    const r = verifySynthesis(altered(synthesis, 'b', (ms) => ms.filter((m) => !(m.kind === 'ClusterFederatedTrustDomain' && spec(m).trustDomain === 'a.example.com'))));
    expect(r.findings.map(brief)).toEqual([
      ['b', 'istio', 'missing', 'ingress', 'a:shop/api[Deployment]', 'b:data/db[Deployment]', 'TCP 5432'],
    ]);
  });

  test('a ClusterSPIFFEID without the peer domain in federatesWith is missing on that side only', () => {
    const r = verifySynthesis(altered(synthesis, 'a', (ms) => ms.map((m) => (m.kind === 'ClusterSPIFFEID' && Array.isArray(spec(m).federatesWith)
      ? { ...m, spec: { ...spec(m), federatesWith: (spec(m).federatesWith as string[]).filter((d) => d !== 'b.example.com') } } : m))));
    expect(r.findings.map(brief)).toEqual([
      ['a', 'istio', 'missing', 'egress', 'a:shop/api[Deployment]', 'b:data/db[Deployment]', 'TCP 5432'],
    ]);
  });

  test('a wrong remote principal (the local trust domain instead of the caller\'s) is missing in b\'s istio layer', () => {
    const r = verifySynthesis(altered(synthesis, 'b', (ms) => ms.map((m) => (m.kind === 'AuthorizationPolicy'
      ? JSON.parse(JSON.stringify(m).split('a.example.com/ns/shop/sa/api').join('b.example.com/ns/shop/sa/api')) as Json : m))));
    expect(r.findings.map(brief)).toEqual([
      ['b', 'istio', 'missing', 'ingress', 'a:shop/api[Deployment]', 'b:data/db[Deployment]', 'TCP 5432'],
    ]);
  });

  test('a missing remote CIDR (b\'s NetworkPolicy without a\'s pod CIDR) is missing in b\'s kubernetes layer, by address', () => {
    // the rules of b's NetworkPolicies that admit a's pod CIDR removed
    const withoutRemote = (m: Json): Json => {
      if (m.kind !== 'NetworkPolicy') return m;
      const keep = (rules: unknown) => (Array.isArray(rules) ? rules.filter((x) => !JSON.stringify(x).includes('10.1.0.0/16')) : rules);
      return { ...m, spec: { ...spec(m), ingress: keep(spec(m).ingress), egress: keep(spec(m).egress) } };
    };
    const r = verifySynthesis(altered(synthesis, 'b', (ms) => ms.map(withoutRemote)));
    expect(r.findings.map(brief)).toEqual([
      ['b', 'kubernetes', 'missing', 'ingress', 'a:pods[10.1.0.0-10.1.255.255]', 'b:data/db[Deployment]', 'TCP 5432'],
    ]);
  });

  test('a missing remote CIDR on the source side is missing in a\'s kubernetes layer (egress)', () => {
    const r = verifySynthesis(altered(synthesis, 'a', (ms) => ms.map((m) => (m.kind === 'NetworkPolicy' && Array.isArray(spec(m).egress)
      ? { ...m, spec: { ...spec(m), egress: (spec(m).egress as Json[]).filter((e) => !JSON.stringify(e).includes('10.2.0.0/16')) } } : m))));
    expect(r.findings.map(brief)).toEqual([
      ['a', 'kubernetes', 'missing', 'egress', 'a:shop/api[Deployment]', 'b:pods[10.2.0.0-10.2.255.255]', 'TCP 5432'],
    ]);
  });

  test('a wrong ClusterMesh cluster label in a\'s egress is missing in a\'s cilium layer', () => {
    const r = verifySynthesis(altered(synthesis, 'a', (ms) => ms.map((m) => (m.kind === 'CiliumNetworkPolicy'
      ? JSON.parse(JSON.stringify(m).replace(/("(?:k8s:)?io\.cilium\.k8s\.policy\.cluster":)"b"/g, '$1"c"')) as Json : m))));
    expect(r.findings.map(brief)).toEqual([
      ['a', 'cilium', 'missing', 'egress', 'a:shop/api[Deployment]', 'b:data/db[Deployment]', 'TCP 5432'],
    ]);
  });

  test('an allow-all ingress rule in b lets every pod of a in: over-permissive in b, per remote workload where the layer sees identities', () => {
    const r = verifySynthesis(altered(synthesis, 'b', (ms) => [...ms, {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'oops', namespace: 'data' },
      spec: { endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'cache' } }, ingress: [{ fromEntities: ['all'] }] },
    }]));
    const over = r.findings.filter((f) => f.kind === 'over-permissive' && f.crossCluster);
    expect(over.map((f) => [f.cluster, f.layer, f.src, f.dst])).toEqual([
      ['b', 'cilium', 'a:shop/api[Deployment]', 'b:data/cache[Deployment]'],
      ['b', 'cilium', 'a:shop/web[Deployment]', 'b:data/cache[Deployment]'],
    ]);
  });

  test('a destination cluster without Cilium: a\'s Cilium addresses it by pod CIDR, and verify judges that by address', () => {
    const r = verify(twoClusters(['kubernetes', 'istio', 'spire']).topology);
    expect(r.findings).toEqual([]);
    expect(r.layers.find((l) => l.cluster === 'a' && l.layer === 'cilium')?.crossClusterPairs).toBe(2 + 2);
  });
});

/** Rules of a manifest that name another cluster: NetworkPolicy / Cilium CIDR peers of remote pod CIDRs, Cilium ClusterMesh peers, Istio principals of other trust domains. */
interface CrossRule {
  readonly cluster: string;
  readonly layer: 'kubernetes' | 'cilium' | 'istio';
  readonly remove: (ms: Json[]) => Json[];
}

function crossRules(s: Synthesis): CrossRule[] {
  const out: CrossRule[] = [];
  const clusters = s.plan.clusters;
  for (const c of s.clusters) {
    const me = c.cluster;
    const remoteCidrs = clusters.filter((x) => x.name !== me.name).flatMap((x) => x.podCidrs);
    const remoteDomains = clusters.filter((x) => x.trustDomain !== me.trustDomain).map((x) => x.trustDomain);
    const remoteMesh = clusters.filter((x) => x.name !== me.name).map((x) => x.ciliumClusterName);
    (c.manifests as unknown as Json[]).forEach((m, mi) => {
      const sp = spec(m);
      if (!sp) return;
      const edit = (f: (copy: Json) => void) => (ms: Json[]) => ms.map((x, i) => {
        if (i !== mi) return x;
        const copy = JSON.parse(JSON.stringify(x)) as Json;
        f(copy);
        return copy;
      });
      if (m.kind === 'NetworkPolicy') {
        for (const dir of ['ingress', 'egress'] as const) {
          const field = dir === 'ingress' ? 'from' : 'to';
          ((sp[dir] as Json[] | undefined) ?? []).forEach((rule, ri) => {
            ((rule[field] as Json[] | undefined) ?? []).forEach((peer, pi) => {
              const cidr = (peer.ipBlock as Json | undefined)?.cidr;
              if (typeof cidr !== 'string' || !remoteCidrs.includes(cidr)) return;
              out.push({
                cluster: me.name, layer: 'kubernetes', remove: edit((x) => {
                  const rules = spec(x)[dir] as Json[];
                  const peers = rules[ri][field] as Json[];
                  peers.splice(pi, 1);
                  // an empty peer list would allow every peer: drop the rule instead
                  if (peers.length === 0) rules.splice(ri, 1);
                }),
              });
            });
          });
        }
      }
      if (m.kind === 'CiliumNetworkPolicy') {
        for (const dir of ['ingress', 'egress'] as const) {
          const field = dir === 'ingress' ? 'fromEndpoints' : 'toEndpoints';
          const cidrField = dir === 'ingress' ? 'fromCIDRSet' : 'toCIDRSet';
          ((sp[dir] as Json[] | undefined) ?? []).forEach((rule, ri) => {
            const peerLists: [string, (p: Json) => boolean][] = [
              [field, (p) => {
                const labels = (p.matchLabels ?? {}) as Record<string, string>;
                const cl = labels['io.cilium.k8s.policy.cluster'] ?? labels['k8s:io.cilium.k8s.policy.cluster'];
                return cl !== undefined && cl !== me.ciliumClusterName && remoteMesh.includes(cl);
              }],
              [cidrField, (p) => typeof p.cidr === 'string' && remoteCidrs.includes(p.cidr)],
            ];
            for (const [f, isRemote] of peerLists) {
              ((rule[f] as Json[] | undefined) ?? []).forEach((peer, pi) => {
                if (!isRemote(peer)) return;
                out.push({
                  cluster: me.name, layer: 'cilium', remove: edit((x) => {
                    const rules = spec(x)[dir] as Json[];
                    const peers = rules[ri][f] as Json[];
                    peers.splice(pi, 1);
                    if (peers.length === 0) rules.splice(ri, 1);
                  }),
                });
              });
            }
          });
        }
      }
      if (m.kind === 'AuthorizationPolicy') {
        ((sp.rules as Json[] | undefined) ?? []).forEach((rule, ri) => {
          ((rule.from as Json[] | undefined) ?? []).forEach((from, fi) => {
            const principals = (((from.source as Json | undefined)?.principals as string[] | undefined) ?? []);
            principals.forEach((p, pi) => {
              if (!remoteDomains.some((d) => p.startsWith(`${d}/`))) return;
              out.push({
                cluster: me.name, layer: 'istio', remove: edit((x) => {
                  const rules = spec(x).rules as Json[];
                  const froms = rules[ri].from as Json[];
                  const ps = (froms[fi].source as Json).principals as string[];
                  ps.splice(pi, 1);
                  if (ps.length === 0) froms.splice(fi, 1);
                  if (froms.length === 0) rules.splice(ri, 1);
                }),
              });
            });
          });
        });
      }
    });
  }
  return out;
}

/** A random multi-cluster declaration: 2 or 3 clusters of their own trust domains, random layers, workloads and flows. */
const declaration = fc.record({
  // Istio is mesh-wide: a caller without a sidecar has no principal to be authorized by
  istio: fc.boolean(),
  clusters: fc.array(fc.record({ cilium: fc.boolean() }), { minLength: 2, maxLength: 3 }),
  workloads: fc.array(fc.record({ cluster: fc.nat(2), ns: fc.constantFrom('shop', 'data'), port: fc.constantFrom(8080, 5432, 9090) }), { minLength: 2, maxLength: 6 }),
  flows: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { minLength: 1, maxLength: 8 }),
  pick: fc.nat(),
});

type Declaration = typeof declaration extends fc.Arbitrary<infer T> ? T : never;

function build(d: Declaration) {
  const topology = new Topology(undefined, 'prop', { trustDomain: 'prop.example.com', clock: NOW });
  const clusters = d.clusters.map((c, i) => new Cluster(topology, `c${i}`, {
    cloud: 'aws', podCidrs: [`10.${i + 1}.0.0/16`], nodeCidrs: [`172.16.${i}.0/24`], trustDomain: `c${i}.example.com`,
    layers: ['kubernetes', ...(c.cilium ? ['cilium' as const] : []), ...(d.istio ? ['istio' as const, 'spire' as const] : [])],
    spireBundleEndpoint: { url: `https://spire.c${i}.example.com:8443`, profile: 'https_web' },
  }));
  const workloads = d.workloads.map((w, i) => new Workload(topology, `w${i}`, { cluster: clusters[w.cluster % clusters.length], namespace: w.ns, ports: { main: Port.tcp(w.port) } }));
  const seen = new Set<string>();
  let cross = 0;
  for (const [s, t] of d.flows) {
    const src = workloads[s % workloads.length];
    const dst = workloads[t % workloads.length];
    if (src === dst || seen.has(`${src.node.id}>${dst.node.id}`)) continue;
    seen.add(`${src.node.id}>${dst.node.id}`);
    if (d.workloads[s % workloads.length].cluster % clusters.length !== d.workloads[t % workloads.length].cluster % clusters.length) cross++;
    src.allowTo(dst, Port.named('main'));
  }
  return { topology, cross };
}

describe('property: random multi-cluster declarations', () => {
  test('verify exact across clusters; removing any one cross-cluster rule yields a finding in that cluster and layer', () => {
    fc.assert(fc.property(declaration, (d) => {
      const { topology } = build(d);
      const s = synthesize(topology);
      const r = verifySynthesis(s);
      expect(r.findings).toEqual([]);
      expect(r.exact).toBe(true);
      const rules = crossRules(s);
      if (rules.length === 0) return;
      const rule = rules[d.pick % rules.length];
      const m = verifySynthesis(altered(s, rule.cluster, rule.remove));
      const hits = m.findings.filter((f) => f.cluster === rule.cluster && f.layer === rule.layer && f.crossCluster !== undefined);
      expect(hits.length).toBeGreaterThan(0);
      // nothing is reported in a cluster or layer that was not changed
      expect(m.findings.filter((f) => f.crossCluster !== undefined && !(f.cluster === rule.cluster && f.layer === rule.layer))).toEqual([]);
    }), { numRuns: 25, seed: 8 });
  });
});
