/**
 * Istio rules for CIDR externals. Istio matches `ipBlocks` on the connection's source address,
 * pods included, so an External's rule must say more than its range: only plaintext
 * (`notPrincipals: ["*"]` matches exactly the connections without an authenticated peer) and
 * never from the clusters' own pod and node ranges (`notIpBlocks`). And a public-tier workload
 * that the external calls accepts plaintext on every declared port, ranges written port by port.
 */
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { synthesize } from '../../lib/synth';
import { AuthorizationPolicy, ISTIO_MAX_PLAINTEXT_PORTS, ISTIO_WARNINGS, PeerAuthentication } from '../../lib/targets/istio';
import { KubeManifest } from '../../lib/targets/types';
import { NOW } from '../plan/declare';
import { schemaErrors } from '../util/schema';

function declare(opts: { podCidrs?: string[]; cidrs?: string[]; except?: string[]; ports?: Port } = {}) {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', layers: ['kubernetes', 'istio'], ...(opts.podCidrs ? { podCidrs: opts.podCidrs } : {}), nodeCidrs: ['10.0.0.0/20'] });
  new Cluster(topo, 'gke', { cloud: 'gcp', layers: ['kubernetes', 'istio'], podCidrs: ['10.40.0.0/14'] });
  const edge = new Workload(topo, 'edge', { cluster: eks, namespace: 'edge', tier: new SensitiveTier(topo, 'public', { level: Sensitivity.PUBLIC }) });
  const partner = new External(topo, 'partner', { cidrs: opts.cidrs ?? ['0.0.0.0/0'], ...(opts.except ? { except: opts.except } : {}) });
  partner.allowTo(edge, opts.ports ?? Port.tcp(8443));
  const s = synthesize(topo);
  return { s, manifests: s.clusters.find((c) => c.cluster.name === 'eks')?.manifests ?? [] };
}

const policy = (ms: readonly KubeManifest[], name: string) => ms.find((m): m is AuthorizationPolicy => m.kind === 'AuthorizationPolicy' && m.metadata.name === name);
const peerAuth = (ms: readonly KubeManifest[], name: string) => ms.find((m): m is PeerAuthentication => m.kind === 'PeerAuthentication' && m.metadata.name === name);

describe('Istio: the rule of a CIDR external admits only the external', () => {
  test('plaintext only, and never from the pod ranges of the topology\'s clusters that the range covers', () => {
    const { manifests } = declare({ podCidrs: ['10.20.0.0/16'] });
    const source = policy(manifests, 'edge')?.spec.rules?.[0].from?.[0].source;
    expect(source).toEqual({ ipBlocks: ['0.0.0.0/0'], notIpBlocks: ['10.20.0.0/16', '10.40.0.0/14'], notPrincipals: ['*'] });
    // no field admits a principal: a pod of the mesh (which presents one) never matches
    expect(source?.principals).toBeUndefined();
    for (const m of manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
  });

  test('ranges the external does not cover are not listed; its except ranges are', () => {
    const { manifests } = declare({ podCidrs: ['10.20.0.0/16'], cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/25'] });
    expect(policy(manifests, 'edge')?.spec.rules?.[0].from?.[0].source).toEqual({ ipBlocks: ['203.0.113.0/24'], notIpBlocks: ['203.0.113.128/25'], notPrincipals: ['*'] });
  });

  test('a cluster without pod CIDRs: its pods outside the mesh cannot be left out, and a warning says so', () => {
    const { s } = declare();
    const w = s.warnings.find((x) => x.code === ISTIO_WARNINGS.externalPodRange);
    expect(w?.message).toMatch(/cluster eks declares no pod CIDRs.*admitted too/);
    expect(w?.fix).toBe('set podCidrs on cluster eks');
    expect(declare({ podCidrs: ['10.20.0.0/16'] }).s.warnings.map((x) => x.code)).not.toContain(ISTIO_WARNINGS.externalPodRange);
  });
});

describe('Istio: plaintext from an external on a port range', () => {
  test('a range wider than 32 ports gets one PERMISSIVE entry per port', () => {
    const { manifests } = declare({ podCidrs: ['10.20.0.0/16'], ports: Port.tcpRange(30000, 30039) });
    const pa = peerAuth(manifests, 'edge');
    expect(pa?.spec.mtls).toEqual({ mode: 'STRICT' });
    expect(Object.keys(pa?.spec.portLevelMtls ?? {}).map(Number)).toEqual(Array.from({ length: 40 }, (_, i) => 30000 + i));
    expect(Object.values(pa?.spec.portLevelMtls ?? {}).every((v) => v.mode === 'PERMISSIVE')).toBe(true);
    expect(schemaErrors(pa as KubeManifest)).toEqual([]);
  });

  test(`up to ${ISTIO_MAX_PLAINTEXT_PORTS} ports are rendered; more are refused (see the error catalogue)`, () => {
    const { manifests } = declare({ podCidrs: ['10.20.0.0/16'], ports: Port.tcpRange(30000, 30000 + ISTIO_MAX_PLAINTEXT_PORTS - 1) });
    expect(Object.keys(peerAuth(manifests, 'edge')?.spec.portLevelMtls ?? {})).toHaveLength(ISTIO_MAX_PLAINTEXT_PORTS);
    expect(() => declare({ podCidrs: ['10.20.0.0/16'], ports: Port.tcpRange(30000, 30000 + ISTIO_MAX_PLAINTEXT_PORTS) })).toThrow(/BH-ISTIO-PLAINTEXT-RANGE/);
  });
});
