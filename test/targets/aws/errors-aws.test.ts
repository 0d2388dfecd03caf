/**
 * The problems of the `aws` layer, each asserted whole (code, severity, path, message, value,
 * fix): what security groups cannot express, what is wider than the declaration, quotas, the
 * SecurityGroupPolicy of a group whose id is not known yet, and the Pulumi host's AWS providers.
 */
import * as aws from '@pulumi/aws';
import { Problem } from '../../../lib/core/errors';
import { Protocol } from '../../../lib/core/port';
import { awsProviderProblems } from '../../../lib/pulumi/aws';
import { groupKey, manifestSecurityGroupPolicies, planAwsNetwork } from '../../../lib/targets/aws';
import { Plan, PlanExternal } from '../../../lib/plan/types';
import { assemble, awsFixturePlan, cloud, cluster, fixtureParts, net, network, ref, tcp, workload } from './fixture';

const problems = (plan: Plan, name: string): Problem[] => [...planAwsNetwork(plan, net(plan, name)).problems];
const one = (plan: Plan, name: string, code: string): Problem | undefined => problems(plan, name).find((p) => p.code === code);

describe('aws layer problem catalogue', () => {
  test('BH-AWS-PROTOCOL: an SCTP port at a security group', () => {
    const p = assemble({ ...fixtureParts(), flows: [{ source: ref.cloud('cloud:prod-eu/erp'), destination: ref.cloud('cloud:prod-eu/orders-db'), ports: [{ protocol: Protocol.SCTP, port: 5000, endPort: 5001 }], path: 'fixture/erp-db' }] });
    expect(one(p, 'prod-eu', 'BH-AWS-PROTOCOL')).toEqual({
      severity: 'error', code: 'BH-AWS-PROTOCOL', path: 'fixture/erp-db',
      message: 'security groups match SCTP only as a whole protocol (every port), so the flow cannot be allowed on its ports alone',
      value: 'SCTP 5000-5001',
      fix: 'use TCP or UDP ports for flows that reach a VM, a managed service or pods with their own security group',
    });
  });

  test('BH-AWS-UNADDRESSABLE: pods of a cluster without pod or node CIDRs call a VM', () => {
    const parts = fixtureParts();
    const p = assemble({
      ...parts, clusters: [...parts.clusters, cluster('onprem', 'on-prem', '', [], [])], workloads: [...parts.workloads, workload('onprem', 'legacy', 'batch')],
      flows: [{ source: ref.pod('onprem/legacy/batch'), destination: ref.cloud('cloud:prod-eu/erp'), ports: [tcp(8080)], path: 'fixture/batch-erp' }],
    });
    expect(one(p, 'prod-eu', 'BH-AWS-UNADDRESSABLE')).toEqual({
      severity: 'error', code: 'BH-AWS-UNADDRESSABLE', path: 'fixture/batch-erp',
      message: 'security groups cannot address the other side of the flow: the pods of onprem/legacy/batch have no address ranges: the cluster onprem declares neither pod nor node CIDRs',
      value: 'onprem/legacy/batch->cloud:prod-eu/erp#TCP/8080',
      fix: 'declare the address ranges (pod or node CIDRs of the cluster, subnet CIDRs of the VM, cidrs of the External)',
    });
  });

  test('BH-AWS-POD-CIDRS: pods without their own group, addressed by their cluster\'s pod CIDRs', () => {
    expect(problems(awsFixturePlan(), 'prod-eu').find((x) => x.code === 'BH-AWS-POD-CIDRS' && x.path === 'fixture/eks-eu/shop/web')).toEqual({
      severity: 'warning', code: 'BH-AWS-POD-CIDRS', path: 'fixture/eks-eu/shop/web',
      message: 'security groups address the pods of eks-eu/shop/web by the pod CIDRs of cluster eks-eu, which is wider than the workload: every pod of the cluster matches',
      value: '["10.0.64.0/18"]',
      fix: 'give the workload its own security group (EKS security groups for pods) so that the rules reference it',
    });
  });

  test('BH-AWS-MEMBER-CIDRS: a group in another Region, addressed by its members\' ranges', () => {
    expect(problems(awsFixturePlan(), 'prod-eu').find((x) => x.code === 'BH-AWS-MEMBER-CIDRS')).toEqual({
      severity: 'warning', code: 'BH-AWS-MEMBER-CIDRS', path: 'fixture/prod-us/reports',
      message: 'the rules of cloud:prod-eu/erp address cloud:prod-us/reports by its address ranges, not by its security group: the transit-gateway between prod-eu (eu-west-1) and prod-us (us-east-1) crosses Regions; every instance in those ranges matches',
      value: '["10.2.3.0/24"]',
      fix: 'link the networks with a peering in one Region to let the rules reference the group, or give the workload subnets of its own',
    });
  });

  test('BH-AWS-FQDN: an External known by name only', () => {
    expect(one(awsFixturePlan(), 'prod-eu', 'BH-AWS-FQDN')).toEqual({
      severity: 'warning', code: 'BH-AWS-FQDN', path: 'fixture/stripe',
      message: 'security groups cannot match domain names, so the rules for stripe allow every IPv4 address on the flow\'s ports (destinations with a security group of their own still need their inbound rules)',
      value: '["api.stripe.com"]',
      fix: 'give the External its address ranges (cidrs) so that the rules name them, or send the traffic through an egress proxy or AWS Network Firewall that filters by name',
    });
  });

  test('BH-AWS-QUOTA: more inbound rules than the groups of an interface can hold', () => {
    const n = network('n', '111111111111', 'eu-west-1', 'vpc-1', ['10.0.0.0/16'], [], { quotas: { inboundRulesPerGroup: 2, outboundRulesPerGroup: 60, groupsPerInterface: 2 } });
    const target = cloud('n', 'vault', 'vm', ['10.0.0.0/24'], []);
    const externals: PlanExternal[] = Array.from({ length: 5 }, (_, i) => ({ key: `external:e${i}`, path: `fixture/e${i}`, name: `e${i}`, fqdns: [], cidrs: [`198.51.${i * 2}.0/24`], except: [] }));
    const p = assemble({ networks: [n], cloudWorkloads: [target], clusters: [], workloads: [], externals, flows: externals.map((e) => ({ source: ref.ext(e.name), destination: ref.cloud(target.key), ports: [tcp(443)] })) });
    expect(one(p, 'n', 'BH-AWS-QUOTA')).toEqual({
      severity: 'error', code: 'BH-AWS-QUOTA', path: 'fixture/n/vault',
      message: 'cloud:n/vault needs 5 inbound IPv4 security-group rules after merging ports and CIDRs: 3 groups of at most 2, more than the 2 groups a network interface may carry in network n',
      value: '5 inbound IPv4 rules; quota 2 per group × 2 groups per interface',
      fix: 'reach fewer peers or ports (declare one External with a covering range instead of many), or raise the account\'s quotas with AWS and declare them on the network (quotas.inboundRulesPerGroup, quotas.groupsPerInterface; rules per group × groups per interface ≤ 1,000)',
    });
  });

  test('BH-AWS-QUOTA-PRODUCT: quotas AWS cannot grant', () => {
    const n = network('n', '111111111111', 'eu-west-1', 'vpc-1', ['10.0.0.0/16'], [], { quotas: { inboundRulesPerGroup: 100, outboundRulesPerGroup: 60, groupsPerInterface: 16 } });
    const p = assemble({ networks: [n], cloudWorkloads: [], clusters: [], workloads: [], externals: [], flows: [] });
    expect(one(p, 'n', 'BH-AWS-QUOTA-PRODUCT')).toEqual({
      severity: 'error', code: 'BH-AWS-QUOTA-PRODUCT', path: 'fixture/n',
      message: 'the network\'s quotas allow 100 rules per group and 16 groups per interface, but AWS allows at most 1,000 rules per interface (rules per group × groups per interface)',
      value: '{"inboundRulesPerGroup":100,"outboundRulesPerGroup":60,"groupsPerInterface":16}',
      fix: 'declare the quotas the account really has: rules per group × groups per interface must not exceed 1,000',
    });
  });

  test('BH-AWS-POD-GROUP-ID: a manifest host cannot name a group Crossplane has not created yet', () => {
    const plan = awsFixturePlan();
    const r = planAwsNetwork(plan, net(plan, 'prod-eu'));
    const key = groupKey('prod-eu', 'orders', 'eks-eu/shop/orders');
    expect(manifestSecurityGroupPolicies(r.podGroups, r.resources).warnings).toEqual([{
      severity: 'warning', code: 'BH-AWS-POD-GROUP-ID', path: 'fixture/eks-eu/shop/orders',
      message: 'manifest output (cdk8s, the CLI) holds no SecurityGroupPolicy for the pods of eks-eu/shop/orders yet: Crossplane creates their security group, so its id is not known at synthesis; until the policy is applied the pods keep the node\'s groups, and the flows that reference their group stay closed (the Pulumi host creates the policy with the group\'s id: nothing to do there)',
      value: JSON.stringify([key]),
      fix: `two steps: (1) apply the aws layer and read the group's id (kubectl get securitygroups.ec2.aws.upbound.io ${key} -o jsonpath='{.status.atProvider.id}'); (2) declare it on the workload (securityGroup: { adoptId: '<that id>' }) and synthesize again: the SecurityGroupPolicy is then written into the manifests of cluster eks-eu. Or deploy with the Pulumi host`,
    }]);
  });

  test('BH-PULUMI-AWS-PROVIDER-UNKNOWN and BH-PULUMI-AWS-PROVIDER-TYPE: user-supplied AWS providers', () => {
    const plan = awsFixturePlan();
    const resources = plan.networks.flatMap((n) => planAwsNetwork(plan, n).resources);
    expect(awsProviderProblems('shop', resources, { '111111111111/eu-west-2': {} as aws.Provider, '222222222222/eu-west-1': { region: 'eu-west-1' } })).toEqual([
      {
        severity: 'error', code: 'BH-PULUMI-AWS-PROVIDER-UNKNOWN', path: 'shop/awsProviders',
        message: 'the AWS providers key \'111111111111/eu-west-2\' names no account and region of the synthesis',
        value: '"111111111111/eu-west-2"',
        fix: 'key each AWS provider by \'<account>/<region>\' of a network: \'111111111111/eu-west-1\', \'111111111111/us-east-1\', \'222222222222/eu-west-1\' (or remove the key)',
      },
      {
        severity: 'error', code: 'BH-PULUMI-AWS-PROVIDER-TYPE', path: 'shop/awsProviders/222222222222/eu-west-1',
        message: 'the AWS provider of \'222222222222/eu-west-1\' is not a @pulumi/aws Provider',
        value: '{"region":"eu-west-1"}',
        fix: 'pass new aws.Provider(\'222222222222-eu-west-1\', { region: \'eu-west-1\', allowedAccountIds: [\'222222222222\'] })',
      },
    ]);
  });
});
