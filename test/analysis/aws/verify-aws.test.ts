/**
 * verifyAws: the security groups of the Crossplane manifests against the plan's cloud workloads,
 * networks and flows. Zero findings when they agree; the precise finding when they do not.
 */
import { verifyAws, AwsVerifyPlan } from '../../../lib/analysis/verify-aws';
import { PlanCloudWorkload, PlanCluster, PlanExternal, PlanFlow, PlanNetwork, PlanWorkload } from '../../../lib/plan/types';
import { egress, erpExample, group, ingress } from './crossplane';

const network: PlanNetwork = {
  key: 'network:prod', path: 'topo/prod', name: 'prod', cloud: 'aws', account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1', cidrs: ['10.0.0.0/16'], links: [],
  platform: [{ name: 'dns', cidrs: ['10.0.0.2/32'], ports: [{ protocol: 'UDP', port: 53 }] }],
  quotas: { inboundRulesPerGroup: 60, outboundRulesPerGroup: 60, groupsPerInterface: 5 },
} as PlanNetwork;

const cloudWorkload = (name: string, kind: 'vm' | 'managed-service', subnet: string): PlanCloudWorkload => ({
  key: `cloud:prod/${name}`, path: `topo/${name}`, kind, name, network: 'prod', subnetCidrs: [subnet], ports: [], tags: {}, calls: [], calledBy: [],
  tier: { level: 'internal', name: 'internal', mtls: 'STRICT', mutualAuth: false, maxSvidTtlSeconds: 3600, internetEgress: 'none', auditLogging: false, guardrails: false },
} as unknown as PlanCloudWorkload);

const cluster = { name: 'eks', podCidrs: ['10.1.0.0/16'], nodeCidrs: [] } as unknown as PlanCluster;
const web = { key: 'eks/shop/web', cluster: 'eks', namespace: 'shop', name: 'web' } as unknown as PlanWorkload;

const flow = (id: string, source: PlanFlow['source'], destination: PlanFlow['destination'], port: number, protocol: 'TCP' | 'UDP' = 'TCP'): PlanFlow => ({
  id, path: `topo/${id}`, source, destination, ports: [{ protocol, port }], http: [], origin: 'declared',
} as unknown as PlanFlow);

const plan = (flows: readonly PlanFlow[], externals: readonly PlanExternal[] = []): AwsVerifyPlan => ({
  networks: [network],
  cloudWorkloads: [cloudWorkload('erp', 'vm', '10.0.1.0/24'), cloudWorkload('orders-db', 'managed-service', '10.0.2.0/24')],
  workloads: [web],
  clusters: [cluster],
  externals,
  flows,
});

const declared = [
  flow('erp->db', { kind: 'cloud', key: 'cloud:prod/erp' }, { kind: 'cloud', key: 'cloud:prod/orders-db' }, 5432),
  flow('web->db', { kind: 'workload', key: 'eks/shop/web' }, { kind: 'cloud', key: 'cloud:prod/orders-db' }, 5432),
];

describe('verifyAws', () => {
  test('zero over-permissive and zero missing flows when the groups and the plan agree', () => {
    const r = verifyAws(plan(declared), erpExample());
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.networks).toEqual([{ network: 'prod', layer: 'aws', status: 'exact', pairs: 2, addressChecks: expect.any(Number), findings: [] }]);
    expect(r.networks[0].addressChecks).toBeGreaterThan(0);
  });

  test('a flow the groups do not allow: missing, with the pair and the ports', () => {
    const objects = erpExample().filter((o) => (o.metadata as { name: string }).name !== 'orders-db-from-erp-tcp-5432');
    const r = verifyAws(plan(declared), objects);
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([{ network: 'prod', layer: 'aws', kind: 'missing', src: 'cloud:prod/erp', dst: 'cloud:prod/orders-db', ports: 'TCP 5432', detail: 'a flow declares these ports, and the groups do not allow them' }]);
  });

  test('a rule no flow declares: over-permissive, to the addresses it opens', () => {
    const r = verifyAws(plan(declared), [...erpExample(), ingress('orders-db-ssh', 'orders-db', { cidrIpv4: '0.0.0.0/0' }, { from: 22 })]);
    expect(r.findings).toEqual([{
      network: 'prod', layer: 'aws', kind: 'over-permissive', src: '0.0.0.0-255.255.255.255', dst: 'cloud:prod/orders-db', ports: 'TCP 22',
      detail: 'the ingress rules allow these ports from these addresses, and no flow declares them',
    }]);
  });

  test('a managed service opens no connections: an egress rule of its own is over-permissive', () => {
    const r = verifyAws(plan(declared), [...erpExample(), egress('db-out', 'orders-db', { ref: 'erp' }, { from: 8080 }), ingress('erp-in', 'erp', { ref: 'orders-db' }, { from: 8080 })]);
    expect(r.findings.map((f) => [f.kind, f.src, f.dst, f.ports])).toEqual([['over-permissive', 'cloud:prod/orders-db', 'cloud:prod/erp', 'TCP 8080']]);
  });

  test('a declared external whose CIDRs the egress rules do not cover is missing; a cloud workload no group names is missing', () => {
    const ext = { key: 'external:partner', path: 'topo/partner', name: 'partner', fqdns: [], cidrs: ['192.0.2.0/24'], except: [] } as PlanExternal;
    const r = verifyAws(plan([...declared, flow('erp->partner', { kind: 'cloud', key: 'cloud:prod/erp' }, { kind: 'external', key: 'external:partner' }, 443)], [ext]), [
      ...erpExample(), egress('erp-partner-half', 'erp', { cidrIpv4: '192.0.2.0/25' }, { from: 443 }),
    ]);
    expect(r.findings.map((f) => [f.kind, f.src, f.dst, f.ports])).toEqual([['missing', 'cloud:prod/erp', '192.0.2.0-192.0.2.255', 'TCP 443']]);
    const none = verifyAws(plan(declared), [group('erp', { members: ['cloud:prod/erp'], memberCidrs: ['10.0.1.0/24'] })]);
    expect(none.findings.filter((f) => f.src === 'cloud:prod/orders-db' && f.dst === 'cloud:prod/orders-db')).toEqual([
      { network: 'prod', layer: 'aws', kind: 'missing', src: 'cloud:prod/orders-db', dst: 'cloud:prod/orders-db', ports: '', detail: 'no security group of the manifests names cloud:prod/orders-db as a member (bulkhead.io/members)' },
    ]);
  });

  test('an FQDN-only external cannot be checked: a note says so', () => {
    const ext = { key: 'external:stripe', path: 'topo/stripe', name: 'stripe', fqdns: ['api.stripe.com'], cidrs: [], except: [] } as PlanExternal;
    const r = verifyAws(plan([...declared, flow('erp->stripe', { kind: 'cloud', key: 'cloud:prod/erp' }, { kind: 'external', key: 'external:stripe' }, 443)], [ext]), erpExample());
    expect(r.ok).toBe(true);
    expect(r.notes).toEqual(['erp->stripe: not checked exactly in the aws layer (external:stripe has no CIDRs: security groups cannot name an FQDN)']);
  });
});

describe('verifyAws on the aws renderer\'s own output', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { awsFixturePlan } = require('../../targets/aws/fixture') as typeof import('../../targets/aws/fixture');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderAwsNetwork } = require('../../../lib/targets/aws/render') as typeof import('../../../lib/targets/aws/render');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { toCrossplane } = require('../../../lib/targets/aws/crossplane') as typeof import('../../../lib/targets/aws/crossplane');

  test('the rendered Crossplane manifests of the fixture plan allow exactly its flows (the FQDN external: an approximation)', () => {
    const p = awsFixturePlan();
    const objects = p.networks.flatMap((n) => toCrossplane(renderAwsNetwork(p, n).resources));
    const r = verifyAws(p, objects);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.networks.map((n) => [n.network, n.status])).toEqual(p.networks.map((n) => [n.name, 'exact']));
    expect(r.approximations.map((a) => [a.src, a.ports, a.externals])).toEqual([
      ['cloud:prod-eu/erp', 'TCP 443', ['external:stripe']],
      ['cloud:prod-eu/erp', 'TCP 443', ['external:stripe']],
    ]);
    // removing one rule of the output is found, precisely
    const cut = objects.filter((o) => !(o.kind === 'SecurityGroupIngressRule' && JSON.stringify(o).includes('5432')));
    expect(verifyAws(p, cut).findings.some((f) => f.kind === 'missing' && f.ports.includes('5432'))).toBe(true);
  });
});
