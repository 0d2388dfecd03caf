/**
 * The catalogue of the problems a declaration gets at synthesis outside the planner's own
 * checks: the warnings (and information) of the renderers and of the break-glass reaper, and
 * the errors of value types, templates, the construct tree, the target registry, the output
 * folder and the CLI. Each entry produces its code from a real declaration and asserts the
 * problem's code, severity, path, message, value (where there is one) and fix.
 *
 * A few warnings guard states the planner never produces (it refuses the declaration first, or
 * always fills in what the renderer checks for). They are produced here from a plan built from
 * a real declaration and then edited by hand, which says so in the test's name: the renderer
 * must still say what it does with such a plan (it is a public function other tools may call).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Construct } from 'constructs';
import { problemsOf } from '../../lib/cli/main';
import { Duration } from '../../lib/core/duration';
import { Problem } from '../../lib/core/errors';
import { SpiffeId } from '../../lib/core/identity';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { Plan, PlanCluster, PlanWorkload } from '../../lib/plan/types';
import { foldersOf, synthesize, writeManifests } from '../../lib/synth';
import { renderCilium } from '../../lib/targets/cilium';
import { renderIstio } from '../../lib/targets/istio';
import { renderKubernetes } from '../../lib/targets/kubernetes';
import { renderSpire } from '../../lib/targets/spire';
import { TARGETS } from '../../lib/targets/registry';
import { eksCluster } from '../../lib/templates';
import { Base, base, NOW, plan } from './declare';
import { thrown } from '../util/thrown';

/** The warnings (and information) of a synthesis. */
function warnings(topo: Topology): readonly Problem[] {
  return synthesize(topo, { now: NOW }).warnings;
}

/** The one problem with the code (fails when there is none or more than one). */
function one(problems: readonly Problem[], code: string): Problem {
  const hits = problems.filter((p) => p.code === code);
  if (hits.length !== 1) throw new Error(`expected one ${code}, got ${hits.length}: ${JSON.stringify(problems.map((p) => p.code))}`);
  return hits[0];
}


function publicTier(b: Base, props: { mutualAuth?: boolean } = {}): SensitiveTier {
  return new SensitiveTier(b.topo, 'public', { level: Sensitivity.PUBLIC, ...props });
}

function vaultTier(b: Base): SensitiveTier {
  return new SensitiveTier(b.topo, 'pay', { level: Sensitivity.HIGHLY_SENSITIVE });
}

/** A grant in force from web to cart. */
function grant(b: Base, from: Workload = b.web, to: Workload = b.cart, ports: Port = Port.named('grpc')): void {
  new BreakGlass(b.topo, 'restore', {
    from: [from], to: [to], ports, start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'cart is losing orders', approvers: ['alice'],
  });
}

/** The same type, its fields writable (to edit a copy of a plan). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A plain JSON copy of a plan, to edit into states the planner does not produce. */
function editable(p: Plan): Plan {
  return JSON.parse(JSON.stringify(p)) as Plan;
}

function workloadOf(p: Plan, key: string): PlanWorkload {
  const w = p.workloads.find((x) => x.key === key);
  if (!w) throw new Error(`no workload ${key}`);
  return w;
}

/** A topology with two clusters: `eks` (the given layers, pod CIDRs) and `gke` (Istio only, no pod CIDRs). */
function twoClusters(layers: Cluster['layers'][number][]): { topo: Topology; eks: Cluster; gke: Cluster } {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', podCidrs: ['10.1.0.0/16'], layers });
  const gke = new Cluster(topo, 'gke', { cloud: 'gcp', layers: ['istio'] });
  return { topo, eks, gke };
}

/** Removes the DNS platform endpoint and its flows from a plan (the planner always adds them). */
function withoutDns(p0: Plan): Plan {
  const dns = (key: string) => /^platform:[^:]+:dns$/.test(key);
  (p0 as Mutable<Plan>).platform = p0.platform.filter((x) => x.name !== 'dns');
  (p0 as Mutable<Plan>).flows = p0.flows.filter((f) => !dns(f.source.key) && !dns(f.destination.key));
  for (const w of p0.workloads) (w as Mutable<PlanWorkload>).calls = w.calls.filter((e) => !dns(e.peer.key));
  return p0;
}

describe('NetworkPolicy warnings: the catalogue', () => {
  test('BH-NP-CROSS-CLUSTER', () => {
    const b = base();
    // gke runs Istio too: a caller outside the mesh into cart (STRICT mTLS) would be refused
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
    const ws = warnings(b.topo).filter((w) => w.code === 'BH-NP-CROSS-CLUSTER');
    expect(ws.map((w) => [w.severity, w.path, w.value])).toEqual([['warning', 'shop/coll', 'eks/shop/cart'], ['warning', 'shop/coll', 'gke/an/coll']]);
    expect(ws[0].message).toBe("NetworkPolicy cannot select pods of another cluster: 'eks/shop/cart' is addressed by the pod CIDRs of its cluster (10.1.0.0/16), which is coarser than the declaration");
    expect(ws[0].fix).toMatch(/rely on the Cilium \(ClusterMesh\) or Istio layers for the exact identity/);
  });

  test('BH-NP-FQDN', () => {
    const b = base();
    b.web.allowTo(new External(b.topo, 'aws', { fqdns: ['*.amazonaws.com'] }), Port.tcp(443));
    const p = one(warnings(b.topo), 'BH-NP-FQDN');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/aws', value: '*.amazonaws.com' });
    expect(p.message).toMatch(/NetworkPolicy cannot match FQDNs: in cluster 'eks' the flows with external 'aws' are allowed to 0.0.0.0\/0 except the private/);
    expect(p.fix).toMatch(/declare the provider's address ranges with `cidrs` on the External/);
  });

  test('BH-NP-UNREACHABLE (a hand-edited plan: the planner refuses a flow into a cluster without pod CIDRs, BH-CROSS-CLUSTER-CIDR)', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes'] });
    b.web.allowTo(new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }), Port.tcp(80));
    const p0 = editable(plan(b.topo));
    (p0.clusters.find((c) => c.name === 'gke') as Mutable<PlanCluster>).podCidrs = [];
    const p = one(renderKubernetes(p0, p0.clusters.find((c) => c.name === 'eks')!).warnings, 'BH-NP-UNREACHABLE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/web', value: 'gke/an/coll' });
    expect(p.message).toBe("NetworkPolicy cannot address 'gke/an/coll' from cluster 'eks' (cluster 'gke' declares no pod CIDRs); the flow is not allowed by this layer");
    expect(p.fix).toBe('declare the pod CIDRs of the remote cluster, or the CIDRs of the External');
  });

  test('BH-NP-NO-DNS (a hand-edited plan: the planner always adds the DNS platform endpoint)', () => {
    const p0 = withoutDns(editable(plan(base().topo)));
    const p = one(renderKubernetes(p0, p0.clusters[0]).warnings, 'BH-NP-NO-DNS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: 'eks' });
    expect(p.message).toBe("cluster 'eks' declares no 'dns' platform endpoint, so the namespace default-deny policies allow no DNS");
    expect(p.fix).toBe('declare the cluster resolver as the `dns` platform flow of the topology');
  });
});

describe('Cilium warnings: the catalogue', () => {
  test('BH-CILIUM-AUDIT-MODE', () => {
    const p = one(warnings(base({ mode: EnforcementMode.AUDIT }).topo), 'BH-CILIUM-AUDIT-MODE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop', value: 'audit' });
    expect(p.message).toMatch(/audit mode, and Cilium has no per-policy audit action: .*rendered with default deny off.*so they deny nothing/);
    expect(p.fix).toMatch(/policyAuditMode: true.*Hubble policy verdicts/);
  });

  test('BH-CILIUM-FQDN-SOURCE: an FQDN-only source is not allowed by Cilium', () => {
    const b = base();
    const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: publicTier(b) });
    new External(b.topo, 'partner', { fqdns: ['api.partner.com'] }).allowTo(edge, Port.tcp(8443));
    const p = one(warnings(b.topo), 'BH-CILIUM-FQDN-SOURCE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: 'api.partner.com' });
    expect(p.message).toMatch(/the external partner is a source known only by name; Cilium cannot match sources by name, so this layer does not allow the flow/);
    expect(p.fix).toBe('give external partner the CIDRs its traffic comes from');
  });

  test('BH-CILIUM-FQDN-SOURCE: an FQDN source with fallback CIDRs is matched by them', () => {
    const b = base();
    const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: publicTier(b) });
    new External(b.topo, 'partner', { fqdns: ['api.partner.com'], cidrs: ['203.0.113.0/24'] }).allowTo(edge, Port.tcp(8443));
    const p = one(warnings(b.topo), 'BH-CILIUM-FQDN-SOURCE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: '203.0.113.0/24' });
    expect(p.message).toMatch(/the external partner is a source known by name; Cilium matches it by its fallback CIDRs/);
    expect(p.fix).toMatch(/keep the fallback CIDRs of the external up to date/);
  });

  test('BH-CILIUM-AUTH-UNMANAGED: a CIDR source of a mutual-authentication tier', () => {
    const b = base();
    const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: publicTier(b, { mutualAuth: true }) });
    new External(b.topo, 'partner', { cidrs: ['203.0.113.0/24'] }).allowTo(edge, Port.tcp(8443));
    const p = one(warnings(b.topo), 'BH-CILIUM-AUTH-UNMANAGED');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: 'external:partner' });
    expect(p.message).toMatch(/tier public demands mutual authentication, but the source of flow external:partner->eks\/edge\/edge is addressed by CIDR and has no Cilium identity: this rule is rendered without authentication/);
    expect(p.fix).toMatch(/route the source through a Cilium-managed workload/);
  });

  test('BH-CILIUM-REMOTE-UNREACHABLE (a hand-edited plan: the planner refuses a peer in a cluster without Cilium and without pod CIDRs, BH-CROSS-CLUSTER-CIDR)', () => {
    const { topo, eks, gke } = twoClusters(['cilium']);
    const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop' });
    const coll = new Workload(topo, 'coll', { cluster: gke, namespace: 'an' });
    web.allowTo(coll, Port.tcp(80));
    const refused = thrown(() => synthesize(topo)).problems.find((x) => x.code === 'BH-CROSS-CLUSTER-CIDR');
    expect(refused?.message).toMatch(/Cilium selects remote pods by ClusterMesh identity, which cluster 'gke' lacks without Cilium/);
    // the render's own guard, on a plan where the peer's cluster lost its pod CIDRs
    (gke.props as { podCidrs?: string[] }).podCidrs = ['10.9.0.0/16'];
    const p0 = editable(plan(topo));
    (p0.clusters.find((c) => c.name === 'gke') as Mutable<PlanCluster>).podCidrs = [];
    const p = one(renderCilium(p0, p0.clusters.find((c) => c.name === 'eks')!).warnings, 'BH-CILIUM-REMOTE-UNREACHABLE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/web', value: 'gke/an/coll' });
    expect(p.message).toMatch(/the peer gke\/an\/coll is in cluster gke, which runs no Cilium and declares no pod CIDRs: Cilium cannot select it, so this layer does not allow the flow/);
    expect(p.fix).toBe('declare podCidrs on cluster gke, or run Cilium ClusterMesh there');
  });

  test('BH-CILIUM-REMOTE-CIDR: a peer in a cluster without Cilium is addressed by its pod CIDRs', () => {
    const b = base();
    // gke runs Istio: a caller outside the mesh into a STRICT workload is refused (BH-ISTIO-NON-MESH-PLAINTEXT)
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
    const p = one(warnings(b.topo), 'BH-CILIUM-REMOTE-CIDR');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: '10.9.0.0/16' });
    expect(p.message).toMatch(/the peer gke\/an\/coll is in cluster gke, which runs no Cilium: it is addressed by that cluster's pod CIDRs, so any pod of that cluster matches/);
    expect(p.fix).toBe('run Cilium ClusterMesh in cluster gke for label-based selection');
  });

  test('BH-CILIUM-GUARDRAIL-SKIPPED (information)', () => {
    const b = base();
    // gke runs Istio: a caller outside the mesh into a STRICT workload is refused (BH-ISTIO-NON-MESH-PLAINTEXT)
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    const vault = new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier: vaultTier(b) });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(vault, Port.tcp(8200), { justification: 'reads its secret' });
    const p = one(warnings(b.topo), 'BH-CILIUM-GUARDRAIL-SKIPPED');
    expect(p).toMatchObject({ severity: 'info', path: 'shop/vault', value: 'ingress' });
    expect(p.message).toMatch(/tier pay asks for guardrails, but declared flows of eks\/vault\/vault need the world entity \(ingress\): no clusterwide deny is emitted for that direction/);
    expect(p.fix).toMatch(/^nothing to do/);
  });

  test('BH-CILIUM-L7-NON-TCP (a hand-edited plan: the planner refuses HTTP rules on UDP, BH-HTTP-PROTOCOL)', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.named('grpc'), { http: [{ methods: ['POST'] }] });
    const p0 = editable(plan(b.topo));
    const edge = workloadOf(p0, 'eks/shop/cart').calledBy.find((e) => e.http.length > 0)!;
    (edge.ports as unknown as object[]).push({ protocol: 'UDP', port: 9091 });
    const p = one(renderCilium(p0, p0.clusters[0]).warnings, 'BH-CILIUM-L7-NON-TCP');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'UDP/9091' });
    expect(p.message).toMatch(/HTTP rules apply to TCP only: the non-TCP ports of flow eks\/shop\/web->eks\/shop\/cart(#[0-9a-f]+)? are allowed at L4/);
    expect(p.fix).toBe('declare HTTP constraints on TCP ports only');
  });

  test('BH-CILIUM-DNS-DEFAULT (a hand-edited plan: the planner always adds the DNS platform endpoint)', () => {
    const p0 = withoutDns(editable(plan(base().topo)));
    const p = one(renderCilium(p0, p0.clusters[0]).warnings, 'BH-CILIUM-DNS-DEFAULT');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks' });
    expect(p.value).toBeUndefined();
    expect(p.message).toMatch(/cluster eks declares no DNS platform endpoint: the default-deny policy allows DNS to kube-system\/k8s-app=kube-dns/);
    expect(p.fix).toBe('declare the DNS platform flow of the topology');
  });

  test('BH-CILIUM-GRANT-MISSING (a hand-edited plan: the planner emits no flow of a grant not in force)', () => {
    const b = base();
    grant(b);
    const p0 = editable(plan(b.topo));
    (p0 as Mutable<Plan>).breakGlass = [];
    const ws = renderCilium(p0, p0.clusters[0]).warnings.filter((w) => w.code === 'BH-CILIUM-GRANT-MISSING');
    expect(ws.map((w) => w.path)).toEqual(['shop/cart', 'shop/web']);
    for (const p of ws) {
      expect(p).toMatchObject({ severity: 'warning', value: 'restore' });
      expect(p.message).toBe('a flow names a BreakGlass grant that is not in force; it is not rendered');
      expect(p.fix).toBe('remove the flow, or keep the grant in force');
    }
  });
});

describe('Istio warnings: the catalogue', () => {
  test('BH-ISTIO-AUDIT-MODE', () => {
    const p = one(warnings(base({ mode: EnforcementMode.AUDIT }).topo), 'BH-ISTIO-AUDIT-MODE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop', value: 'audit' });
    expect(p.message).toMatch(/the topology is in audit mode: PeerAuthentication is PERMISSIVE, .*so Istio denies nothing/);
    expect(p.fix).toBe("switch the topology to mode 'enforce' to enforce the declared flows");
  });

  test('BH-ISTIO-AUDIT-PLUGIN', () => {
    const p = one(warnings(base({ mode: EnforcementMode.AUDIT }).topo), 'BH-ISTIO-AUDIT-PLUGIN');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks' });
    expect(p.value).toBeUndefined();
    expect(p.message).toMatch(/AUDIT policies only mark requests for auditing; nothing is recorded unless an audit plugin is configured/);
    expect(p.fix).toMatch(/enable an Istio audit plugin/);
  });

  test('BH-ISTIO-PORT-RANGE: a flow on a range wider than Istio expands', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.tcpRange(10000, 10100));
    const p = one(warnings(b.topo), 'BH-ISTIO-PORT-RANGE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: '10000-10100' });
    expect(p.message).toMatch(/flow eks\/shop\/web->eks\/shop\/cart has a port range wider than 32 ports, which Istio cannot express: its rule does not constrain ports/);
    expect(p.fix).toBe('declare the few ports the flow needs instead of a wide range');
  });

  test('BH-ISTIO-PORT-RANGE and BH-ISTIO-EXTERNAL-NO-PORTS: an external called on a wide range only', () => {
    const b = base();
    b.web.allowTo(new External(b.topo, 'net', { cidrs: ['203.0.113.0/24'] }), Port.tcpRange(10000, 10100));
    const ws = warnings(b.topo);
    const range = ws.filter((w) => w.code === 'BH-ISTIO-PORT-RANGE').find((w) => w.path === 'shop/net');
    expect(range).toMatchObject({ severity: 'warning', path: 'shop/net' });
    expect(range?.value).toBeUndefined();
    expect(range?.message).toMatch(/a port range to external net is wider than 32 ports; a ServiceEntry lists single ports, so the range is left out/);
    expect(range?.fix).toBe('declare the few ports the external serves');
    const none = one(ws, 'BH-ISTIO-EXTERNAL-NO-PORTS');
    expect(none).toMatchObject({ severity: 'warning', path: 'shop/net' });
  });

  test('BH-ISTIO-EXTERNAL-NO-PORTS: an external called on UDP only', () => {
    const b = base();
    b.web.allowTo(new External(b.topo, 'ntp', { cidrs: ['203.0.113.0/24'] }), Port.udp(123));
    const p = one(warnings(b.topo), 'BH-ISTIO-EXTERNAL-NO-PORTS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/ntp' });
    expect(p.value).toBeUndefined();
    expect(p.message).toBe('external ntp is called on no TCP port Istio can list: no ServiceEntry is emitted');
    expect(p.fix).toBe('declare the TCP ports of the external');
  });

  test('BH-ISTIO-NON-TCP (information)', () => {
    const b = base();
    b.web.allowTo(b.cart, Port.udp(9999));
    const p = one(warnings(b.topo), 'BH-ISTIO-NON-TCP');
    expect(p).toMatchObject({ severity: 'info', path: 'shop/cart', value: 'UDP/9999' });
    expect(p.message).toMatch(/Istio authorizes TCP traffic only: the non-TCP ports of flow eks\/shop\/web->eks\/shop\/cart are left to the network layers/);
    expect(p.fix).toMatch(/^nothing to do/);
  });

  test('BH-ISTIO-FQDN-SOURCE', () => {
    const b = base();
    const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: publicTier(b) });
    new External(b.topo, 'partner', { fqdns: ['api.partner.com'] }).allowTo(edge, Port.tcp(8443));
    const p = one(warnings(b.topo), 'BH-ISTIO-FQDN-SOURCE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: 'api.partner.com' });
    expect(p.message).toMatch(/the external partner is a source known only by name; Istio cannot match sources by name, so this layer does not allow the flow/);
    expect(p.fix).toBe('give external partner the CIDRs its traffic comes from');
  });

  test('BH-ISTIO-EXTERNAL-MTLS (a hand-edited plan: the planner refuses a CIDR source into a STRICT tier, BH-TIER-PLAINTEXT)', () => {
    const b = base();
    const edge = new Workload(b.topo, 'edge', { cluster: b.eks, namespace: 'edge', tier: publicTier(b) });
    new External(b.topo, 'partner', { cidrs: ['203.0.113.0/24'] }).allowTo(edge, Port.tcp(8443));
    const p0 = editable(plan(b.topo));
    const w = workloadOf(p0, 'eks/edge/edge');
    (w as Mutable<PlanWorkload>).tier = workloadOf(p0, 'eks/shop/cart').tier;
    const p = one(renderIstio(p0, p0.clusters[0]).warnings, 'BH-ISTIO-EXTERNAL-MTLS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: '203.0.113.0/24' });
    expect(p.message).toMatch(/the external partner calls eks\/edge\/edge, whose mTLS mode is STRICT: plaintext connections from outside the mesh are rejected before authorization/);
    expect(p.fix).toMatch(/route external traffic through an ingress gateway/);
  });

  test('BH-ISTIO-PLATFORM-NO-SA (a hand-edited plan: the planner gives every platform service a valid service account)', () => {
    const b = base({ platform: { metricsScraper: { namespace: 'mon', selector: { app: 'prom' }, serviceAccount: 'prometheus' } } });
    new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', ports: { metrics: Port.tcp(9100) } });
    const p0 = editable(plan(b.topo));
    const scraper = p0.platform.find((x) => x.key === 'platform:eks:metrics') as Mutable<Plan['platform'][number]>;
    scraper.serviceAccount = '';
    const p = one(renderIstio(p0, p0.clusters[0]).warnings, 'BH-ISTIO-PLATFORM-NO-SA');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/api', value: 'platform:eks:metrics' });
    expect(p.message).toMatch(/the platform source platform:eks:metrics has no service account, so it has no mesh identity: this layer does not allow its flow/);
    expect(p.fix).toBe('give the platform endpoint its service account');
  });

  test('BH-NAME: an invalid service account of a platform service (its principal would name no real identity)', () => {
    for (const serviceAccount of ['', 'Prom_SA']) {
      const b = base({ platform: { metricsScraper: { namespace: 'mon', selector: { app: 'prom' }, serviceAccount } } });
      const e = thrown(() => plan(b.topo));
      const p = one(e.problems, 'BH-NAME');
      expect(p).toMatchObject({ severity: 'error', path: 'shop', value: JSON.stringify(serviceAccount) });
      expect(p.message).toMatch(/^the service account of the metrics platform service is invalid: /);
      expect(p.fix).toMatch(/use lowercase letters, digits, - and \./);
    }
  });

  test('BH-ISTIO-CIDR-EXTERNAL', () => {
    const b = base();
    b.web.allowTo(new External(b.topo, 'net', { cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/25'] }), Port.tcp(443));
    const p = one(warnings(b.topo), 'BH-ISTIO-CIDR-EXTERNAL');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/net', value: '203.0.113.0/24,!203.0.113.128/25' });
    expect(p.message).toMatch(/external net is a CIDR: Istio can only register its addresses so REGISTRY_ONLY lets them through; it cannot restrict them further, and the except ranges are not expressible/);
    expect(p.fix).toMatch(/rely on NetworkPolicy \/ Cilium for CIDR precision/);
  });

  test('BH-ISTIO-WILDCARD-HOST', () => {
    const b = base();
    b.web.allowTo(new External(b.topo, 'aws', { fqdns: ['*.amazonaws.com'] }), Port.tcp(443));
    const p = one(warnings(b.topo), 'BH-ISTIO-WILDCARD-HOST');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/aws', value: '*.amazonaws.com' });
    expect(p.message).toMatch(/external aws has a wildcard host, which DNS resolution cannot serve: its ServiceEntry uses resolution NONE/);
    expect(p.fix).toBe('list the exact host names if you want DNS resolution');
  });

  test('BH-ISTIO-FOREIGN-TRUST-DOMAIN', () => {
    const b = base();
    // gke runs no SPIRE (Istio's own CA) and declares no bundle endpoint: nothing federates the two trust domains
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'], trustDomain: 'us.example.com' });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(b.cart, Port.tcp(9090));
    const p = one(warnings(b.topo), 'BH-ISTIO-FOREIGN-TRUST-DOMAIN');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'us.example.com/ns/an/sa/coll' });
    expect(p.message).toMatch(/the source gke\/an\/coll belongs to trust domain us.example.com, not shop.example.com: the mesh of cluster eks must trust that domain's root/);
    expect(p.fix).toMatch(/federate the trust domains/);
  });

  test('BH-ISTIO-EXTERNAL-POD-RANGE', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: ['kubernetes', 'istio'] });
    const edge = new Workload(b.topo, 'edge', { cluster: gke, namespace: 'edge', tier: publicTier(b) });
    new External(b.topo, 'internet', { cidrs: ['0.0.0.0/0'] }).allowTo(edge, Port.tcp(8443));
    const p = one(warnings(b.topo), 'BH-ISTIO-EXTERNAL-POD-RANGE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/edge', value: 'internet' });
    expect(p.message).toMatch(/cluster gke declares no pod CIDRs, so the rule for external internet cannot leave out its pods that run outside the mesh: those whose address lies in 0.0.0.0\/0 are admitted too/);
    expect(p.fix).toBe('set podCidrs on cluster gke');
  });

  test('BH-ISTIO-GRANT-MISSING (a hand-edited plan: the planner emits no flow of a grant not in force)', () => {
    const b = base();
    grant(b);
    const p0 = editable(plan(b.topo));
    (p0 as Mutable<Plan>).breakGlass = [];
    const p = one(renderIstio(p0, p0.clusters[0]).warnings, 'BH-ISTIO-GRANT-MISSING');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'restore' });
    expect(p.message).toBe('a flow names a BreakGlass grant that is not in force; it is not rendered');
    expect(p.fix).toBe('remove the flow, or keep the grant in force');
  });
});

describe('ClusterNetworkPolicy, SPIRE and reaper warnings: the catalogue', () => {
  test('BH-CNP-FQDN', () => {
    const b = base();
    const vault = new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier: vaultTier(b) });
    vault.allowTo(new External(b.topo, 'kms', { fqdns: ['kms.eu-west-1.amazonaws.com'] }), Port.tcp(443), { justification: 'unwraps its key' });
    const p = one(warnings(b.topo), 'BH-CNP-FQDN');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/kms', value: 'kms.eu-west-1.amazonaws.com' });
    expect(p.message).toMatch(/ClusterNetworkPolicy cannot match FQDNs: in cluster 'eks' the guardrails pass flows to external 'kms' to the public IPv4 space/);
    expect(p.fix).toMatch(/declare the provider's address ranges with `cidrs` on the External/);
  });

  test('BH-CNP-UNREACHABLE (a hand-edited plan: the planner refuses a guarded workload calling a cluster without pod CIDRs, BH-CROSS-CLUSTER-CIDR)', () => {
    const { topo, eks, gke } = twoClusters(['cluster-network-policy']);
    const vault = new Workload(topo, 'vault', { cluster: eks, namespace: 'vault', tier: new SensitiveTier(topo, 'pay', { level: Sensitivity.HIGHLY_SENSITIVE }) });
    vault.allowTo(new Workload(topo, 'coll', { cluster: gke, namespace: 'an' }), Port.tcp(80), { justification: 'ships its audit log' });
    const refused = thrown(() => synthesize(topo)).problems.find((x) => x.code === 'BH-CROSS-CLUSTER-CIDR');
    expect(refused?.message).toMatch(/the ClusterNetworkPolicy guardrail passes declared peers by address/);
    (gke.props as { podCidrs?: string[] }).podCidrs = ['10.9.0.0/16'];
    const p0 = editable(plan(topo));
    (p0.clusters.find((c) => c.name === 'gke') as Mutable<PlanCluster>).podCidrs = [];
    const target = TARGETS['cluster-network-policy'];
    const p = one(target.render(p0, p0.clusters.find((c) => c.name === 'eks')!).warnings, 'BH-CNP-UNREACHABLE');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/vault', value: 'gke/an/coll' });
    expect(p.message).toMatch(/the guardrail of 'eks\/vault\/vault' cannot address 'gke\/an\/coll' from cluster 'eks' \(cluster 'gke' declares no pod CIDRs\), so its final Deny blocks the flow/);
    expect(p.fix).toBe('declare the pod CIDRs of the remote cluster, or the CIDRs of the External');
  });

  test('BH-CNP-INGRESS-UNSCOPED', () => {
    const b = base();
    // gke runs Istio: a caller outside the mesh into a STRICT workload is refused (BH-ISTIO-NON-MESH-PLAINTEXT)
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['kubernetes', 'istio'] });
    const vault = new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier: vaultTier(b) });
    new Workload(b.topo, 'coll', { cluster: gke, namespace: 'an' }).allowTo(vault, Port.tcp(8200), { justification: 'reads its secret' });
    const p = one(warnings(b.topo), 'BH-CNP-INGRESS-UNSCOPED');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/coll', value: 'gke/an/coll' });
    expect(p.message).toMatch(/ClusterNetworkPolicy ingress peers cannot be addresses: the guardrail of 'eks\/vault\/vault' neither passes nor denies traffic from 'gke\/an\/coll'/);
    expect(p.fix).toMatch(/rely on the NetworkPolicy, Cilium and Istio layers for this source/);
  });

  test('BH-SPIRE-ID-MISMATCH (a hand-edited plan: the planner derives every SPIFFE ID from its cluster)', () => {
    const p0 = editable(plan(base().topo));
    (workloadOf(p0, 'eks/shop/cart') as Mutable<PlanWorkload>).spiffeId = 'spiffe://other.example.com/ns/shop/sa/cart';
    const p = one(renderSpire(p0, p0.clusters[0]).warnings, 'BH-SPIRE-ID-MISMATCH');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'spiffe://other.example.com/ns/shop/sa/cart' });
    expect(p.message).toMatch(/the plan names eks\/shop\/cart spiffe:\/\/other.example.com\/ns\/shop\/sa\/cart, but SPIRE in cluster eks \(trust domain shop.example.com\) issues spiffe:\/\/shop.example.com\/ns\/shop\/sa\/cart/);
    expect(p.fix).toBe("make the workload's trust domain equal its cluster's (shop.example.com)");
  });

  test('BH-REAPER-API-SERVER', () => {
    const b = base();
    grant(b);
    const p = one(warnings(b.topo), 'BH-REAPER-API-SERVER');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: '0.0.0.0/0' });
    expect(p.message).toMatch(/cluster 'eks' does not say where its API server is, so the break-glass reaper's NetworkPolicy allows every address on TCP 443 and 6443/);
    expect(p.fix).toMatch(/set apiServerCidrs on the Cluster/);
  });

  test('BH-REAPER-UNISOLATED', () => {
    const b = base();
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.9.0.0/16'], layers: ['istio'] });
    const a = new Workload(b.topo, 'a', { cluster: gke, namespace: 'n' });
    const t = new Workload(b.topo, 't', { cluster: gke, namespace: 'n', ports: { http: Port.tcp(80) } });
    grant(b, a, t, Port.tcp(80));
    const p = one(warnings(b.topo), 'BH-REAPER-UNISOLATED');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/gke', value: 'istio' });
    expect(p.message).toMatch(/cluster 'gke' runs no network layer \(kubernetes or cilium\), so the break-glass reaper's pods in bulkhead-system are not isolated/);
    expect(p.fix).toBe("add the 'kubernetes' (NetworkPolicy) or 'cilium' layer to the cluster");
  });
});

describe('errors outside the planner: the catalogue', () => {
  test('BH-NO-TARGET: a layer without a renderer', () => {
    const b = base();
    const { istio: _istio, ...rest } = TARGETS;
    const e = thrown(() => synthesize(b.topo, { now: NOW, targets: rest }));
    const p = one(e.problems, 'BH-NO-TARGET');
    expect(p).toMatchObject({ severity: 'error', path: 'shop', value: 'istio' });
    expect(p.message).toBe("no renderer is registered for layer 'istio'");
    expect(p.fix).toBe('remove the layer from the cluster, or register a target for it');
  });

  test('BH-NO-TOPOLOGY: a flow statement on a construct outside a Topology', () => {
    const b = base();
    const root = new Construct(undefined as unknown as Construct, '');
    const stray = new External(new Construct(root, 'stray'), 'partner', { cidrs: ['203.0.113.0/24'] });
    const p = one(thrown(() => stray.allowTo(b.web, Port.tcp(8080))).problems, 'BH-NO-TOPOLOGY');
    expect(p).toMatchObject({ severity: 'error', path: 'stray/partner' });
    expect(p.value).toBeUndefined();
    expect(p.message).toBe('this construct is not inside a Topology');
    expect(p.fix).toBe('create it with a Topology (or a construct inside one) as its scope');
  });

  test('BH-TEMPLATE-LAYER: ClusterNetworkPolicy on the VPC CNI', () => {
    const b = base();
    const e = thrown(() => eksCluster(b.topo, 'eks2', { region: 'eu-west-1', podCidrs: ['10.2.0.0/16'], dataplane: 'vpc-cni', clusterNetworkPolicy: true }));
    const p = one(e.problems, 'BH-TEMPLATE-LAYER');
    expect(p).toMatchObject({ severity: 'error', path: 'shop/eks2', value: 'clusterNetworkPolicy: true' });
    expect(p.message).toMatch(/ClusterNetworkPolicy enforcement by the Amazon VPC CNI network policy agent is not a verified, released feature/);
    expect(p.fix).toBe("remove clusterNetworkPolicy, or use dataplane: 'cilium' (Cilium 1.20 or later)");
  });

  test.each([
    { uri: 'http://shop.example.com/ns/shop', message: 'not a SPIFFE ID', fix: /write 'spiffe:\/\/<trust-domain>\/<path>'/ },
    { uri: 'spiffe://shop.example.com/ns//sa', message: 'the SPIFFE ID path has an empty, dot or invalid segment', fix: /use segments of letters, digits/ },
    { uri: 'spiffe://shop.example.com/ns/../sa', message: 'the SPIFFE ID path has an empty, dot or invalid segment', fix: /use segments of letters, digits/ },
  ])('BH-SPIFFE-ID: $uri', ({ uri, message, fix }) => {
    const p = one(thrown(() => SpiffeId.of(uri)).problems, 'BH-SPIFFE-ID');
    expect(p).toMatchObject({ severity: 'error', path: 'SpiffeId.of', value: JSON.stringify(uri), message });
    expect(p.fix).toMatch(fix);
  });

  test('BH-OUT-WRITE: the output folder cannot be created', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-out-write-'));
    try {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
      const out = path.join(dir, 'notes.txt', 'manifests');
      const e = thrown(() => writeManifests(foldersOf(synthesize(base().topo, { now: NOW })), out));
      const p = one(e.problems, 'BH-OUT-WRITE');
      expect(p).toMatchObject({ severity: 'error', path: out });
      expect(p.value).toBeUndefined();
      expect(p.message).toMatch(/^cannot create the parent folder: /);
      expect(p.fix).toBe('check the output path and its permissions');
      expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('BH-CLI-INTERNAL (the CLI\'s error conversion: an unexpected failure is a problem, not a stack trace)', () => {
    const saved = process.env.BULKHEAD_DEBUG;
    delete process.env.BULKHEAD_DEBUG;
    try {
      const p = one(problemsOf(new RangeError('boom')), 'BH-CLI-INTERNAL');
      expect(p).toMatchObject({ severity: 'error', path: 'bulkhead', message: 'unexpected failure: boom' });
      expect(p.value).toBeUndefined();
      expect(p.fix).toMatch(/this is a bug in bulkhead: report it with the command line \(set BULKHEAD_DEBUG=1/);
    } finally {
      if (saved !== undefined) process.env.BULKHEAD_DEBUG = saved;
    }
  });
});
