/**
 * verify judges Istio `ipBlocks` on pods too: the AuthorizationPolicy reference matches
 * `ipBlocks` against the source address of the IP packet, so an ALLOW rule for an external
 * CIDR that covers pod addresses (0.0.0.0/0 covers all of them) admits those pods as well.
 * The cluster's pod CIDRs (from the declaration) tell verify where pods are. The policies
 * here are written by hand next to the synthesized ones.
 */
import { Cluster, KubeManifest, Port, synthesize, Synthesis, Topology, Workload } from '../../lib';
import { verifySynthesis } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');

function shop(podCidrs?: string[]): Synthesis {
  const topology = new Topology(undefined, 'ipb', { trustDomain: 'ipb.example.com', clock: NOW });
  const c = new Cluster(topology, 'c', { cloud: 'aws', layers: ['kubernetes', 'istio'], ...(podCidrs ? { podCidrs } : {}) });
  const web = new Workload(topology, 'web', { cluster: c, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const api = new Workload(topology, 'api', { cluster: c, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
  new Workload(topology, 'worker', { cluster: c, namespace: 'jobs', ports: { metrics: Port.tcp(9100) } });
  web.allowTo(api, Port.named('grpc'));
  return synthesize(topology);
}

function withPolicy(s: Synthesis, ipBlocks: string[]): Synthesis {
  const ap = {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'web-from-clients', namespace: 'shop' },
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, action: 'ALLOW', rules: [{ from: [{ source: { ipBlocks } }], to: [{ operation: { ports: ['8080'] } }] }] },
  } as unknown as KubeManifest;
  return { ...s, clusters: s.clusters.map((c) => ({ ...c, manifests: [...c.manifests, ap] })) };
}

const istioOver = (s: Synthesis): string[] =>
  verifySynthesis(s).findings.filter((f) => f.layer === 'istio' && f.kind === 'over-permissive').map((f) => `${f.src} => ${f.dst} : ${f.ports}`).sort();

describe('verify: Istio ipBlocks admit pods too', () => {
  test('the synthesized policies alone are exact', () => {
    expect(istioOver(shop(['10.20.0.0/16']))).toEqual([]);
  });

  test('an ALLOW from ipBlocks 0.0.0.0/0 admits every pod of the mesh: over-permissive', () => {
    const over = istioOver(withPolicy(shop(['10.20.0.0/16']), ['0.0.0.0/0']));
    // the declared workloads and the platform services (their pods are mesh pods too)
    expect(over).toEqual([
      'istio-system/platform-mesh-control-plane[Deployment] => shop/web[Deployment] : TCP 8080',
      'jobs/worker[Deployment] => shop/web[Deployment] : TCP 8080',
      'kube-system/platform-dns[Deployment] => shop/web[Deployment] : TCP 8080',
      'shop/api[Deployment] => shop/web[Deployment] : TCP 8080',
    ]);
  });

  test('an ALLOW from the cluster\'s pod CIDR: over-permissive (verify passes the pod CIDRs to the analysis)', () => {
    expect(istioOver(withPolicy(shop(['10.20.0.0/16']), ['10.0.0.0/8']))).toHaveLength(4);
  });

  test('an ALLOW from a range outside the pod CIDRs admits no pod: exact', () => {
    expect(istioOver(withPolicy(shop(['10.20.0.0/16']), ['198.51.100.0/24']))).toEqual([]);
  });

  test('without pod CIDRs, a range that may or may not hold pods is not taken to admit them (ALLOW, safe side), 0.0.0.0/0 still is', () => {
    expect(istioOver(withPolicy(shop(), ['10.0.0.0/8']))).toEqual([]);
    expect(istioOver(withPolicy(shop(), ['0.0.0.0/0']))).toHaveLength(4);
  });
});
