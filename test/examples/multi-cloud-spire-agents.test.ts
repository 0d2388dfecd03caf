/**
 * The multi-cloud example declares where its SPIRE server is reachable (the internal load
 * balancer of eks-orders), so the ERP fleet's SPIRE agents get their path to it: the fleet's
 * group lets them out on TCP 8081 to that address only, verify of the aws layer expects it
 * (exact with it, missing without it), and no BH-VM-SPIRE-SERVER warning is left.
 */
import { synthesize, verifyAws } from '../../lib';
import { KubeManifest } from '../../lib/targets/types';
import { declareMultiCloud, MULTI_CLOUD_NOW } from '../../examples/multi-cloud/declaration';

jest.setTimeout(60_000);

const fp = (m: KubeManifest): Record<string, unknown> | undefined => (m as unknown as { spec?: { forProvider?: Record<string, unknown> } }).spec?.forProvider;

describe('the multi-cloud example: the ERP fleet\'s SPIRE agents reach the SPIRE server', () => {
  const s = synthesize(declareMultiCloud(undefined).topology, { now: MULTI_CLOUD_NOW });
  const manifests = s.networks.flatMap((n) => n.manifests);
  const toServer = manifests.filter((m) => m.kind === 'SecurityGroupEgressRule' && fp(m)?.fromPort === 8081);

  test('the ERP fleet\'s identity is held by eks-orders, which declares its server', () => {
    const erp = s.plan.cloudWorkloads.find((c) => c.name === 'erp');
    expect(erp?.identity?.spireCluster).toBe('eks-orders');
    expect(s.plan.clusters.find((c) => c.name === 'eks-orders')?.spireServer).toMatchObject({ addresses: ['10.0.15.32/28'], port: 8081 });
    expect(s.warnings.map((w) => w.code)).not.toContain('BH-VM-SPIRE-SERVER');
  });

  test('one egress rule of the ERP group, TCP 8081 to the load balancer only', () => {
    expect(toServer.map((m) => [fp(m)?.ipProtocol, fp(m)?.toPort, fp(m)?.cidrIpv4, fp(m)?.description])).toEqual([
      ['tcp', 8081, '10.0.15.32/28', 'Bulkhead: platform:eks-orders:spire-server'],
    ]);
    const group = manifests.find((m) => m.kind === 'SecurityGroup' && m.metadata.labels?.['bulkhead.io/workload'] === 'erp');
    expect((fp(toServer[0])?.securityGroupIdRef as { name: string }).name).toBe(group?.metadata.name);
  });

  test('verify of the aws layer: exact with the rule, missing without it', () => {
    expect(verifyAws(s.plan, manifests).ok).toBe(true);
    const without = verifyAws(s.plan, manifests.filter((m) => !toServer.includes(m)));
    expect(without.findings.map((f) => [f.kind, f.src, f.dst, f.ports])).toEqual([['missing', 'cloud:prod-vpc/erp', '10.0.15.32-10.0.15.47', 'TCP 8081']]);
  });
});
