import { BulkheadError } from '../../../lib/core/errors';
import { Protocol } from '../../../lib/core/port';
import { awsNetworkManifests } from '../../../lib/targets/aws';
import { schemaErrors } from '../../util/schema';
import { assemble, awsFixturePlan, fixtureParts, net, ref, workload } from './fixture';

describe('the aws layer for manifest hosts', () => {
  test('Crossplane objects of the network, SecurityGroupPolicies per cluster, warnings; all schema-valid', () => {
    const parts = fixtureParts();
    const plan = assemble({ ...parts, workloads: [...parts.workloads.filter((w) => w.name !== 'orders'), workload('eks-eu', 'shop', 'orders', { network: 'prod-eu', adoptId: 'sg-0bbbbbbbbbbbbbbbb' })] });
    const out = awsNetworkManifests(plan, net(plan, 'prod-eu'));
    expect([out.account, out.region]).toEqual(['111111111111', 'eu-west-1']);
    expect(out.manifests.filter((m) => m.kind === 'SecurityGroup')).toHaveLength(3);
    expect(out.clusterManifests.map((p) => [p.cluster, p.manifest.metadata.namespace, p.manifest.metadata.name])).toEqual([['eks-eu', 'shop', 'bulkhead-orders']]);
    for (const m of [...out.manifests, ...out.clusterManifests.map((p) => p.manifest)]) expect(schemaErrors(m)).toEqual([]);
    expect(out.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['BH-AWS-FQDN', 'BH-AWS-POD-CIDRS']));
    expect(out.warnings.map((w) => w.code)).not.toContain('BH-AWS-POD-GROUP-ID');
  });

  test('a group Crossplane creates: no policy, the two-step warning', () => {
    const plan = awsFixturePlan();
    const out = awsNetworkManifests(plan, net(plan, 'prod-eu'));
    expect(out.clusterManifests).toEqual([]);
    expect(out.warnings.map((w) => w.code)).toContain('BH-AWS-POD-GROUP-ID');
  });

  test('errors throw, all at once, and nothing is returned', () => {
    const p = assemble({ ...fixtureParts(), flows: [
      { source: ref.cloud('cloud:prod-eu/erp'), destination: ref.cloud('cloud:prod-eu/orders-db'), ports: [{ protocol: Protocol.SCTP, port: 1 }], path: 'a' },
      { source: ref.cloud('cloud:prod-eu/erp'), destination: ref.cloud('cloud:prod-eu/orders-db'), ports: [{ protocol: Protocol.SCTP, port: 2 }], path: 'b' },
    ] });
    let error: unknown;
    try {
      awsNetworkManifests(p, net(p, 'prod-eu'));
    } catch (e) {
      error = e;
    }
    expect(BulkheadError.isBulkheadError(error) && error.problems.map((x) => [x.code, x.path])).toEqual([['BH-AWS-PROTOCOL', 'a'], ['BH-AWS-PROTOCOL', 'b']]);
  });
});
