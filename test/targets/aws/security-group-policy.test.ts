import { groupKey, manifestSecurityGroupPolicies, planAwsNetwork, securityGroupPolicy } from '../../../lib/targets/aws';
import { schemaErrors } from '../../util/schema';
import { assemble, awsFixturePlan, fixtureParts, net, workload } from './fixture';

const ORDERS = groupKey('prod-eu', 'orders', 'eks-eu/shop/orders');

describe('EKS SecurityGroupPolicy', () => {
  test('a pod workload with its own group: the pods, their cluster and namespace, the group keys', () => {
    const plan = awsFixturePlan();
    expect(planAwsNetwork(plan, net(plan, 'prod-eu')).podGroups).toEqual([{
      workload: 'eks-eu/shop/orders', path: 'fixture/eks-eu/shop/orders', cluster: 'eks-eu', namespace: 'shop', name: 'orders', selector: { app: 'orders' }, groups: [ORDERS],
    }]);
  });

  test('the manifest: namespaced, selects the workload\'s pods, names the group ids; it validates', () => {
    const plan = awsFixturePlan();
    const [pg] = planAwsNetwork(plan, net(plan, 'prod-eu')).podGroups;
    const p = securityGroupPolicy(pg, ['sg-0aaaaaaaaaaaaaaaa']);
    expect(p).toEqual({
      cluster: 'eks-eu',
      manifest: {
        apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy',
        metadata: { name: 'bulkhead-orders', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.io/layer': 'aws', 'bulkhead.io/workload': 'orders' } },
        spec: { podSelector: { matchLabels: { app: 'orders' } }, securityGroups: { groupIds: ['sg-0aaaaaaaaaaaaaaaa'] } },
      },
    });
    expect(schemaErrors(p.manifest)).toEqual([]);
  });

  test('manifest hosts: an adopted group\'s id is known, so its policy is written', () => {
    const parts = fixtureParts();
    const plan = assemble({ ...parts, workloads: [...parts.workloads.filter((w) => w.name !== 'orders'), workload('eks-eu', 'shop', 'orders', { network: 'prod-eu', adoptId: 'sg-0bbbbbbbbbbbbbbbb' })] });
    const r = planAwsNetwork(plan, net(plan, 'prod-eu'));
    const out = manifestSecurityGroupPolicies(r.podGroups, r.resources);
    expect(out.warnings).toEqual([]);
    expect(out.policies.map((p) => [p.cluster, p.manifest.metadata.namespace, p.manifest.spec.securityGroups.groupIds])).toEqual([['eks-eu', 'shop', ['sg-0bbbbbbbbbbbbbbbb']]]);
  });

  test('manifest hosts: a group Crossplane creates has no id yet, so the policy waits (BH-AWS-POD-GROUP-ID, the two-step flow)', () => {
    const plan = awsFixturePlan();
    const r = planAwsNetwork(plan, net(plan, 'prod-eu'));
    const out = manifestSecurityGroupPolicies(r.podGroups, r.resources);
    expect(out.policies).toEqual([]);
    expect(out.warnings).toEqual([expect.objectContaining({ code: 'BH-AWS-POD-GROUP-ID', severity: 'warning', path: 'fixture/eks-eu/shop/orders' })]);
  });
});
