/**
 * Istio and callers from clusters without Istio: such a caller sends plaintext and has no
 * principal, so it is admitted by its cluster's pod CIDRs (plaintext only) where the destination
 * accepts plaintext, and refused into STRICT workloads; the internet rule of a CIDR external
 * leaves every declared cluster's pods out. Checked on the objects and by verify across clusters.
 */
import { Cluster, External, LAYERS, Port, synthesize, Topology, Workload } from '../../lib';
import { Sensitivity } from '../../lib/core/sensitivity';
import { SensitiveTier } from '../../lib/model/tier';
import { verifySynthesis } from '../../lib/verify';
import { schemaErrors } from '../util/schema';

const NOW = new Date('2026-11-22T21:00:00Z');

function topology(): Topology {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS] });
  const gke = new Cluster(topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
  const edge = new SensitiveTier(topo, 'edge', { level: Sensitivity.PUBLIC });
  const front = new Workload(topo, 'front', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) }, tier: edge });
  const coll = new Workload(topo, 'coll', { cluster: gke, namespace: 'an', ports: { http: Port.tcp(9000) } });
  coll.allowTo(front, Port.named('http'));
  new External(topo, 'partners', { cidrs: ['10.0.0.0/8'] }).allowTo(front, Port.named('http'));
  return topo;
}

type Ap = { kind: string; metadata: { name: string; namespace?: string }; spec: { rules?: { from?: { source: Record<string, string[]> }[]; to?: unknown[] }[] } };

describe('a caller from a cluster without Istio', () => {
  const s = synthesize(topology(), { now: NOW });
  const eks = s.clusters.find((c) => c.cluster.name === 'eks');
  const manifests = (eks?.manifests ?? []) as unknown as Ap[];

  test('is admitted by its cluster\'s pod CIDRs, plaintext only, never by a principal that could not match', () => {
    const ap = manifests.find((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'front');
    const sources = (ap?.spec.rules ?? []).flatMap((r) => (r.from ?? []).map((f) => f.source));
    expect(sources).toContainEqual({ ipBlocks: ['10.9.0.0/16'], notPrincipals: ['*'] });
    expect(JSON.stringify(sources)).not.toContain('ns/an/sa/coll');
    for (const m of manifests) expect(schemaErrors(m as never)).toEqual([]);
  });

  test('its port is PERMISSIVE at port level on the public-tier destination, the rest STRICT', () => {
    const pa = manifests.find((m) => m.kind === 'PeerAuthentication' && m.metadata.name === 'front') as unknown as { spec: { mtls: { mode: string }; portLevelMtls?: Record<string, { mode: string }> } };
    expect(pa.spec.mtls.mode).toBe('STRICT');
    expect(pa.spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' } });
  });

  test('the CIDR external\'s rule leaves out the pods of every declared cluster, the non-mesh cluster\'s included', () => {
    const ap = manifests.find((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'front');
    const ext = (ap?.spec.rules ?? []).flatMap((r) => (r.from ?? []).map((f) => f.source)).find((x) => x.ipBlocks?.includes('10.0.0.0/8'));
    expect(ext).toEqual({ ipBlocks: ['10.0.0.0/8'], notIpBlocks: ['10.1.0.0/16', '10.9.0.0/16'], notPrincipals: ['*'] });
  });

  test('verify across the two clusters judges the flow allowed in the destination\'s istio layer', () => {
    const report = verifySynthesis(s);
    expect(report.findings.filter((f) => f.layer === 'istio')).toEqual([]);
  });
});
