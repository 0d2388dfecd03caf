import * as fc from 'fast-check';
import { BulkheadError, buildPlan, Cluster, Network, Topology } from '../../lib';
import { awsNetwork, eksCluster } from '../../lib/templates';

function topo(): Topology {
  return new Topology(undefined, 't', { trustDomain: 't.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
}

const VPC = { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] };

/** The planned networks of a topology holding an awsNetwork (and a cluster, as every topology needs one). */
function planned(t: Topology) {
  new Cluster(t, 'c', { cloud: 'gcp' });
  return buildPlan(t).networks;
}

describe('awsNetwork', () => {
  test('creates an AWS Network with the platform destinations and quotas written out', () => {
    const t = topo();
    const n = awsNetwork(t, 'prod-vpc', VPC);
    expect(Network.isNetwork(n)).toBe(true);
    expect(n.networkName).toBe('prod-vpc');
    expect(n.props).toEqual({ ...VPC, cloud: 'aws', platform: { dns: true, ntp: true, imds: true }, quotas: { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 } });
  });

  test('the plan gets the VPC resolver, the Time Sync Service and the metadata service, and AWS\'s quotas', () => {
    const t = topo();
    awsNetwork(t, 'prod-vpc', VPC);
    const [n] = planned(t);
    expect(n).toMatchObject({ name: 'prod-vpc', cloud: 'aws', account: VPC.account, region: 'eu-west-1', vpcId: VPC.vpcId, cidrs: ['10.0.0.0/16'] });
    expect(n.platform.map((p) => [p.name, p.cidrs, p.ports.map((x) => `${x.protocol} ${x.port}`)])).toEqual([
      ['dns', ['10.0.0.2/32', '169.254.169.253/32'], ['TCP 53', 'UDP 53']],
      ['imds', ['169.254.169.254/32'], ['TCP 80']],
      ['ntp', ['169.254.169.123/32'], ['UDP 123']],
    ]);
    expect(n.quotas).toEqual({ inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 });
  });

  test('other resolvers and time servers replace the Amazon-provided ones; the metadata service can be turned off', () => {
    const t = topo();
    awsNetwork(t, 'prod-vpc', { ...VPC, name: 'prod', dnsResolvers: ['10.0.0.10/32', '10.0.1.10/32'], timeServers: ['10.0.0.20/32'], instanceMetadata: false });
    const [n] = planned(t);
    expect(n.name).toBe('prod');
    expect(n.platform.map((p) => [p.name, p.cidrs])).toEqual([
      ['dns', ['10.0.0.10/32', '10.0.1.10/32']],
      ['ntp', ['10.0.0.20/32']],
    ]);
  });

  test('raised quotas replace only the fields given', () => {
    fc.assert(fc.property(
      fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      (inbound, outbound, groups) => {
        const t = topo();
        awsNetwork(t, 'prod-vpc', { ...VPC, quotas: { inboundRulesPerGroup: inbound, outboundRulesPerGroup: outbound, groupsPerInterface: groups } });
        expect(planned(t)[0].quotas).toEqual({ inboundRulesPerGroup: inbound ?? 60, outboundRulesPerGroup: outbound ?? 60, groupsPerInterface: groups ?? 5 });
      },
    ), { numRuns: 30 });
  });

  test('ill-typed quotas reach the planner, which reports them', () => {
    const t = topo();
    awsNetwork(t, 'prod-vpc', { ...VPC, quotas: 100 as never });
    let error: unknown;
    try {
      planned(t);
    } catch (e) {
      error = e;
    }
    expect(BulkheadError.isBulkheadError(error) && error.problems.map((p) => [p.code, p.path])).toEqual([[expect.stringMatching(/^BH-/), 't/prod-vpc']]);
  });
});

describe('eksCluster in a network', () => {
  test('the cluster lives in the network (nodes and pods members of its VPC)', () => {
    const t = topo();
    const vpc = awsNetwork(t, 'prod-vpc', { ...VPC, cidrs: ['10.0.0.0/16', '10.20.0.0/16'] });
    const eks = eksCluster(t, 'eks', { region: 'eu-west-1', network: vpc, podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'], dataplane: 'cilium', mesh: true });
    expect(eks.props.network).toBe(vpc);
    expect(eks.layers).toEqual(['kubernetes', 'cilium', 'istio', 'spire']);
    const plan = buildPlan(t);
    expect(plan.clusters.map((c) => [c.name, c.network])).toEqual([['eks', 'prod-vpc']]);
  });

  test('without a network the cluster is in none', () => {
    const t = topo();
    const eks = eksCluster(t, 'eks', { region: 'eu-west-1', podCidrs: ['10.20.0.0/16'], dataplane: 'vpc-cni' });
    expect('network' in eks.props).toBe(false);
    expect(buildPlan(t).clusters[0].network).toBeUndefined();
  });

  test('a network of another Region, or nodes outside its VPC, are errors of the plan naming the fix', () => {
    const t = topo();
    const vpc = awsNetwork(t, 'prod-vpc', VPC);
    eksCluster(t, 'eks', { region: 'us-east-1', network: vpc, podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.1.0.0/20'], dataplane: 'vpc-cni' });
    let error: unknown;
    try {
      buildPlan(t);
    } catch (e) {
      error = e;
    }
    const problems = BulkheadError.isBulkheadError(error) ? error.problems : [];
    expect(problems.map((p) => [p.code, p.path, p.value])).toEqual(expect.arrayContaining([
      ['BH-CLUSTER-NETWORK-REGION', 't/eks', '"us-east-1"'],
      ['BH-CLUSTER-NETWORK-CIDR', 't/eks', '"10.1.0.0/20"'],
    ]));
    expect(problems.find((p) => p.code === 'BH-CLUSTER-NETWORK-REGION')?.fix).toMatch(/region: 'eu-west-1'/);
  });
});
