/**
 * The platform flow from the SPIRE agents of a VM fleet to the SPIRE server of its identity's
 * cluster (`ClusterProps.spireServer`): the fleet's security group lets the agents out to the
 * declared addresses on the server's port (and verify of the aws layer expects exactly that);
 * where the cluster's layers isolate the server's namespace, the layer admits the fleet's
 * subnets into the server's pods on that port (judged with the analysis engine), and places
 * nothing where no policy of the cluster selects the server's pods.
 */
import { Analysis } from '../../../lib/analysis';
import { verifyAws } from '../../../lib/analysis/verify-aws';
import { LAYERS } from '../../../lib/core/layers';
import { Port } from '../../../lib/core/port';
import { Cluster, SpireServerProps } from '../../../lib/model/cluster';
import { Topology } from '../../../lib/model/topology';
import { Workload } from '../../../lib/model/workload';
import { synthesize } from '../../../lib/synth';
import { spireAgentsPolicyName } from '../../../lib/targets/aws/spire-server';
import { KubeManifest } from '../../../lib/targets/types';
import { loadWithEndpoints } from '../../../lib/verify';
import { NOW } from '../../plan/declare';
import { network, vm } from '../../plan/declare-cloud';
import { schemaErrors } from '../../util/schema';

/** A cluster `eks` running every layer whose SPIRE server is exposed at 10.0.15.32/28, a VM fleet `erp` with an identity held there. */
function declare(server: SpireServerProps | undefined, isolated = false) {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const eks = new Cluster(topo, 'eks', {
    cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], layers: [...LAYERS], ...(server ? { spireServer: server } : {}),
  });
  const vpc = network(topo, 'vpc');
  const erp = vm(topo, 'erp', vpc, { subnetCidrs: ['10.0.32.0/24', '10.0.33.0/24'] });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  web.allowTo(erp, Port.HTTPS);
  // a declared workload in the server's namespace: Bulkhead's default deny then isolates it
  if (isolated) new Workload(topo, 'registrar', { cluster: eks, namespace: server?.namespace ?? 'spire-server', ports: { https: Port.tcp(9443) } });
  return topo;
}

const SERVER: SpireServerProps = { addresses: ['10.0.15.32/28'] };

/** The desired state of a Crossplane object (undefined for other objects). */
const fp = (m: KubeManifest): Record<string, unknown> | undefined => (m as unknown as { spec?: { forProvider?: Record<string, unknown> } }).spec?.forProvider;

describe('VM fleets\' SPIRE agents reach the SPIRE server their cluster declares', () => {
  const s = synthesize(declare(SERVER), { now: NOW });
  const manifests = s.networks[0].manifests;
  const erpGroup = manifests.find((m) => m.kind === 'SecurityGroup' && m.metadata.labels?.['bulkhead.io/workload'] === 'erp')!;
  const egress = manifests.filter((m) => m.kind === 'SecurityGroupEgressRule' && (fp(m)?.securityGroupIdRef as { name: string }).name === erpGroup.metadata.name);
  const toServer = egress.filter((m) => fp(m)?.fromPort === 8081);

  test('the plan records the server with its defaults: namespace, selector, port', () => {
    expect(s.plan.clusters.find((c) => c.name === 'eks')?.spireServer).toEqual({
      namespace: 'spire-server', selector: { 'app.kubernetes.io/name': 'server' }, port: 8081, addresses: ['10.0.15.32/28'],
    });
    expect(s.warnings.map((w) => w.code)).not.toContain('BH-VM-SPIRE-SERVER');
  });

  test('the fleet\'s group lets the agents out to the server\'s addresses on its port, naming the platform flow', () => {
    expect(toServer.map(fp)).toEqual([expect.objectContaining({
      ipProtocol: 'tcp', fromPort: 8081, toPort: 8081, cidrIpv4: '10.0.15.32/28', description: 'Bulkhead: platform:eks:spire-server',
    })]);
    for (const m of manifests) expect(schemaErrors(m)).toEqual([]);
  });

  test('verify of the aws layer expects the flow: exact with it, missing without it', () => {
    expect(verifyAws(s.plan, manifests).ok).toBe(true);
    const removed = verifyAws(s.plan, manifests.filter((m) => !toServer.includes(m)));
    expect(removed.findings).toEqual([expect.objectContaining({ kind: 'missing', src: 'cloud:vpc/erp', dst: '10.0.15.32-10.0.15.47', ports: 'TCP 8081' })]);
    // and a server not declared: the rule would be over-permissive
    const undeclared = { ...s.plan, clusters: s.plan.clusters.map((c) => ({ ...c, spireServer: undefined })) };
    expect(verifyAws(undeclared, manifests).findings).toEqual([expect.objectContaining({ kind: 'over-permissive', src: 'cloud:vpc/erp', dst: '10.0.15.32-10.0.15.47', ports: 'TCP 8081' })]);
  });

  test('a declared port and several addresses: one rule per merged address, on that port', () => {
    const t = synthesize(declare({ addresses: ['10.0.15.40/32', '10.0.15.41/32', '10.0.16.9/32'], port: 9081 }), { now: NOW });
    const rules = t.networks[0].manifests.filter((m) => m.kind === 'SecurityGroupEgressRule' && fp(m)?.fromPort === 9081);
    expect(rules.map((m) => fp(m)?.cidrIpv4 as string).sort()).toEqual(['10.0.15.40/31', '10.0.16.9/32']);
    expect(verifyAws(t.plan, t.networks[0].manifests).ok).toBe(true);
  });

  test('without a declared server: no rule to it, and BH-VM-SPIRE-SERVER', () => {
    const t = synthesize(declare(undefined), { now: NOW });
    expect(t.networks[0].manifests.filter((m) => fp(m)?.fromPort === 8081)).toEqual([]);
    expect(t.warnings.filter((w) => w.code === 'BH-VM-SPIRE-SERVER').map((w) => w.path)).toEqual(['shop/erp']);
  });

  test('a server namespace no policy of the cluster selects: nothing is placed (a policy would isolate the server\'s pods)', () => {
    const eks = s.clusters.find((c) => c.cluster.name === 'eks')!;
    expect(eks.manifests.filter((m) => m.metadata.namespace === 'spire-server')).toEqual([]);
  });

  describe('a server namespace the cluster isolates (it holds a declared workload)', () => {
    const t = synthesize(declare(SERVER, true), { now: NOW });
    const eks = t.clusters.find((c) => c.cluster.name === 'eks')!;
    const placed = eks.manifests.filter((m) => m.metadata.name === spireAgentsPolicyName('vpc'));
    // the SPIRE server's pods, as the cluster runs them
    const server: KubeManifest = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'spire-server', namespace: 'spire-server' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'server' } }, template: { metadata: { labels: { 'app.kubernetes.io/name': 'server' } }, spec: { containers: [{ name: 'server', image: 'spire-server' }] } } },
    } as KubeManifest;
    const analysis = Analysis.of(loadWithEndpoints(t.plan, eks.cluster, [...eks.manifests, server]), { trustDomain: eks.cluster.trustDomain, clusterName: eks.cluster.ciliumClusterName, podCidrs: eks.cluster.podCidrs });
    const verdict = (from: string, port: number, layer: 'kubernetes' | 'cilium') =>
      analysis.explain(from, 'spire-server/spire-server', { protocol: 'TCP', port }).layers.find((l) => l.layer === layer)?.allowed;

    test('one NetworkPolicy, in the server\'s namespace, admitting the fleet\'s subnets on the server\'s port; schema-valid', () => {
      expect(placed).toHaveLength(1);
      expect(placed[0]).toMatchObject({
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'spire-server', labels: { 'bulkhead.io/layer': 'aws' } },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'server' } }, policyTypes: ['Ingress'],
          ingress: [{ from: [{ ipBlock: { cidr: '10.0.32.0/23' } }], ports: [{ protocol: 'TCP', port: 8081 }] }],
        },
      });
      expect(schemaErrors(placed[0])).toEqual([]);
    });

    test('kubernetes layer: the fleet\'s addresses reach the server on 8081 only; other addresses do not', () => {
      expect(verdict('10.0.32.7', 8081, 'kubernetes')).toBe(true);
      expect(verdict('10.0.33.250', 8081, 'kubernetes')).toBe(true);
      expect(verdict('10.0.32.7', 8082, 'kubernetes')).toBe(false);
      expect(verdict('10.0.34.7', 8081, 'kubernetes')).toBe(false);
    });

    test('cilium layer: the namespace default deny isolates the server; Cilium also enforces the NetworkPolicy (the simulator judges CiliumNetworkPolicies only)', () => {
      expect(verdict('10.0.32.7', 8081, 'cilium')).toBe(false);
    });
  });
});
