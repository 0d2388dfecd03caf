import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { declareMultiCloud, MULTI_CLOUD_ACCOUNT } from '../../examples/multi-cloud/declaration';
import { buildApp } from '../../examples/multi-cloud/main';
import { KubeManifest, synthesize, Synthesis, toYaml, verifyAws } from '../../lib';
import { verify } from '../../lib/verify';
import { schemaErrors } from '../util/schema';

// Synthesizing and verifying the example takes seconds on a busy machine.
jest.setTimeout(120_000);

type Json = Record<string, unknown>;
const spec = (m: KubeManifest): Json => (m as unknown as { spec: Json }).spec;

/** Every object of a synthesis, with the folder it is written to (cluster or network). */
function objects(s: Synthesis): { where: string; m: KubeManifest }[] {
  return [
    ...s.clusters.flatMap((c) => c.manifests.map((m) => ({ where: c.cluster.name, m }))),
    ...s.networks.flatMap((n) => n.manifests.map((m) => ({ where: n.network.name, m }))),
  ];
}

/** The whole output of a synthesis as text (clusters, then networks). */
function text(s: Synthesis): string {
  return [...s.clusters.map((c) => toYaml(c.manifests)), ...s.networks.map((n) => toYaml(n.manifests))].join('\n---\n');
}

describe('the multi-cloud example', () => {
  const ex = declareMultiCloud(undefined);
  const s = synthesize(ex.topology);
  const all = objects(s);
  const eks = s.clusters.find((c) => c.cluster.name === 'eks-orders')!;

  test('three clouds with the layers their templates give, and the EKS cluster in the AWS network', () => {
    expect(s.clusters.map((c) => [c.cluster.name, c.cluster.cloud, c.cluster.region, c.cluster.layers, c.cluster.network])).toEqual([
      ['aks-support', 'azure', 'westeurope', ['kubernetes'], undefined],
      ['eks-orders', 'aws', 'eu-west-1', ['kubernetes', 'cilium', 'istio', 'spire'], 'prod-vpc'],
      ['gke-analytics', 'gcp', 'us-east1', ['kubernetes', 'istio', 'spire'], undefined],
    ]);
    expect(s.plan.networks.map((n) => [n.name, n.account, n.region, n.vpcId, n.cidrs])).toEqual([
      ['prod-vpc', MULTI_CLOUD_ACCOUNT, 'eu-west-1', 'vpc-0a1b2c3d4e5f67890', ['10.0.0.0/16', '10.20.0.0/16']],
    ]);
  });

  test('the ERP fleet and its RDS database are cloud workloads of the network, in the ERP domain', () => {
    expect(s.plan.cloudWorkloads.map((w) => [w.key, w.kind, w.subnetCidrs, w.domain, w.tier.level])).toEqual([
      ['cloud:prod-vpc/erp', 'vm', ['10.0.32.0/24', '10.0.33.0/24'], 'erp', 'highly-sensitive'],
      ['cloud:prod-vpc/erp-db', 'managed-service', ['10.0.64.0/24', '10.0.65.0/24'], 'erp', 'highly-sensitive'],
    ]);
    const db = s.plan.cloudWorkloads.find((w) => w.name === 'erp-db')!;
    expect(db.calls).toEqual([]);
    expect(db.calledBy.map((c) => [c.peer.key, c.ports.map((p) => `${p.protocol} ${p.port}`)])).toEqual([['cloud:prod-vpc/erp', ['TCP 5432']]]);
    const erp = s.plan.cloudWorkloads.find((w) => w.name === 'erp')!;
    expect(erp.calledBy.map((c) => [c.peer.key, c.ports.map((p) => `${p.protocol} ${p.port}`)])).toEqual([['eks-orders/orders/orders-service', ['TCP 443']]]);
  });

  test('every emitted object validates against its upstream schema', () => {
    const errors = all.flatMap(({ where, m }) => schemaErrors(m as never).map((e) => `${where} ${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}: ${e}`));
    expect(errors).toEqual([]);
    expect(all.length).toBeGreaterThan(40);
  });

  test('the EKS NetworkPolicy of the orders service admits the ERP subnets on 443, and nothing else of them', () => {
    const np = eks.manifests.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'orders-service')!;
    const egress = spec(np).egress as { to: { ipBlock?: { cidr: string; except?: string[] } }[]; ports: { protocol: string; port: number }[] }[];
    const toErp = egress.filter((r) => r.to.some((p) => p.ipBlock?.cidr.startsWith('10.0.3')));
    expect(toErp).toHaveLength(1);
    expect(toErp[0].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(toErp[0].to.filter((p) => p.ipBlock && !p.ipBlock.except).map((p) => p.ipBlock?.cidr)).toEqual(['10.0.32.0/24', '10.0.33.0/24']);
    // the database of the ERP is reached by no pod
    expect(JSON.stringify(eks.manifests)).not.toContain('10.0.64.0/24');
  });

  test('the Cilium policy of the orders service admits the ERP subnets on 443', () => {
    const cnp = eks.manifests.find((m) => m.kind === 'CiliumNetworkPolicy' && m.metadata.name === 'orders-service')!;
    const egress = spec(cnp).egress as { toCIDRSet?: { cidr: string }[]; toPorts: { ports: { port: string; protocol: string }[] }[] }[];
    const rule = egress.find((r) => r.toCIDRSet?.some((c) => c.cidr === '10.0.32.0/24'));
    expect(rule).toEqual({ toCIDRSet: [{ cidr: '10.0.32.0/24' }, { cidr: '10.0.33.0/24' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
  });

  test('the ERP fleet has its SPIRE entries on the EKS cluster\'s server: a node alias on its tag, and its identity with the tier\'s TTL', () => {
    const entries = eks.manifests.filter((m) => m.kind === 'ClusterStaticEntry');
    expect(entries.map((m) => [m.metadata.name, spec(m)])).toEqual([
      ['bulkhead.node-alias.prod-vpc.erp', {
        spiffeID: 'spiffe://prod.multi.example.com/node/aws/prod-vpc/erp',
        parentID: 'spiffe://prod.multi.example.com/spire/server',
        selectors: ['aws_iid:tag:app:erp'],
      }],
      ['bulkhead.vm.prod-vpc.erp', {
        spiffeID: 'spiffe://prod.multi.example.com/ns/prod-vpc/sa/erp',
        parentID: 'spiffe://prod.multi.example.com/node/aws/prod-vpc/erp',
        selectors: ['systemd:id:erp.service'],
        x509SVIDTTL: '30m0s',
      }],
    ]);
    // the managed database runs no SPIRE agent: it has no entry
    expect(all.filter(({ m }) => m.kind === 'ClusterStaticEntry').map(({ where }) => where)).toEqual(['eks-orders', 'eks-orders']);
    // the identity is the one the plan names
    expect(s.plan.cloudWorkloads.find((w) => w.name === 'erp')?.identity?.spiffeId).toBe('spiffe://prod.multi.example.com/ns/prod-vpc/sa/erp');
  });

  describe('the aws layer (Crossplane objects of the network)', () => {
    const net = s.networks.find((n) => n.network.name === 'prod-vpc')!;
    const fp = (m: KubeManifest) => spec(m).forProvider as Json;
    const group = (workload: string) => net.manifests.find((m) => m.kind === 'SecurityGroup' && m.metadata.labels?.['bulkhead.io/workload'] === workload)!;
    const rulesOf = (kind: string, g: KubeManifest) => net.manifests.filter((m) => m.kind === kind && (fp(m).securityGroupIdRef as { name: string }).name === g.metadata.name);
    const erp = group('erp');
    const db = group('erp-db');

    test('one security group per cloud workload, in the VPC, through the provider config of the account', () => {
      expect(net.manifests.filter((m) => m.kind === 'SecurityGroup').map((m) => m.metadata.labels?.['bulkhead.io/workload']).sort()).toEqual(['erp', 'erp-db']);
      for (const g of [erp, db]) {
        expect(fp(g)).toMatchObject({ region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890' });
        expect(spec(g).providerConfigRef).toEqual({ name: `bulkhead-aws-${MULTI_CLOUD_ACCOUNT}` });
      }
      expect(erp.metadata.annotations?.['bulkhead.io/member-cidrs']).toBe('10.0.32.0/24,10.0.33.0/24');
    });

    test('the ERP\'s group admits the orders pods\' source range on 443, and nothing else', () => {
      expect(rulesOf('SecurityGroupIngressRule', erp).map((m) => fp(m))).toEqual([expect.objectContaining({
        ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.20.0.0/16',
      })]);
      expect(net.manifests.filter((m) => m.kind === 'SecurityGroupIngressRule' && fp(m).cidrIpv4 === '10.20.0.0/16')).toHaveLength(1);
    });

    test('the ERP\'s group lets it out to its database by group reference, and to the platform destinations only', () => {
      const egress = rulesOf('SecurityGroupEgressRule', erp).map((m) => fp(m));
      expect(egress.filter((r) => r.referencedSecurityGroupIdRef)).toEqual([expect.objectContaining({
        ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, referencedSecurityGroupIdRef: { name: db.metadata.name },
      })]);
      expect(egress.filter((r) => !r.referencedSecurityGroupIdRef).map((r) => `${r.ipProtocol as string} ${r.fromPort as number} ${r.cidrIpv4 as string}`).sort()).toEqual([
        'tcp 53 10.0.0.2/32', 'tcp 53 169.254.169.253/32', 'tcp 80 169.254.169.254/32',
        // the SPIRE agents to the SPIRE server's load balancer (spireServer of eks-orders)
        'tcp 8081 10.0.15.32/28',
        'udp 123 169.254.169.123/32', 'udp 53 10.0.0.2/32', 'udp 53 169.254.169.253/32',
      ]);
    });

    test('the RDS group admits the ERP\'s group on 5432 and nothing else, and has no egress (a managed service opens no connections)', () => {
      expect(rulesOf('SecurityGroupIngressRule', db).map((m) => fp(m))).toEqual([expect.objectContaining({
        ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, referencedSecurityGroupIdRef: { name: erp.metadata.name },
      })]);
      expect(rulesOf('SecurityGroupIngressRule', db).map((m) => Object.keys(fp(m)).filter((k) => /^cidr|prefixList|referenced/.test(k)))).toEqual([['referencedSecurityGroupIdRef']]);
      expect(rulesOf('SecurityGroupEgressRule', db)).toEqual([]);
    });

    test('no group is near its quota, none needed sharding', () => {
      for (const g of [erp, db]) {
        expect(rulesOf('SecurityGroupIngressRule', g).length).toBeLessThanOrEqual(60);
        expect(rulesOf('SecurityGroupEgressRule', g).length).toBeLessThanOrEqual(60);
      }
      expect(net.manifests.filter((m) => m.kind === 'SecurityGroup')).toHaveLength(2);
    });

    test('no pod of the example has a group of its own: no SecurityGroupPolicy', () => {
      expect(all.filter(({ m }) => m.kind === 'SecurityGroupPolicy')).toEqual([]);
    });

    test('the aws layer warns that the orders pods are addressed by the cluster\'s pod range', () => {
      expect(s.warnings.filter((w) => w.code === 'BH-AWS-POD-CIDRS').map((w) => [w.path, w.value])).toEqual([['multi/orders-service', '["10.20.0.0/16"]']]);
    });
  });

  test('clusters without Cilium get no cilium.io objects, and only the EKS cluster gets them', () => {
    for (const c of s.clusters) {
      const cilium = c.manifests.filter((m) => m.apiVersion.startsWith('cilium.io/'));
      if (c.cluster.layers.includes('cilium')) expect(cilium.length).toBeGreaterThan(0);
      else expect(cilium).toEqual([]);
    }
    expect(s.clusters.filter((c) => c.manifests.some((m) => m.apiVersion.startsWith('cilium.io/'))).map((c) => c.cluster.name)).toEqual(['eks-orders']);
  });

  test('no cluster gets ClusterNetworkPolicy objects (no template opted in)', () => {
    expect(all.filter(({ m }) => m.kind === 'ClusterNetworkPolicy')).toEqual([]);
  });

  test('the cluster without a mesh gets no Istio or SPIRE objects', () => {
    const aks = s.clusters.find((c) => c.cluster.name === 'aks-support');
    expect(aks?.manifests.filter((m) => /istio\.io|spiffe\.io/.test(m.apiVersion))).toEqual([]);
  });

  test('verify: every layer of every cluster and network allows exactly the declaration (only the FQDN fallback of NetworkPolicy is approximate)', () => {
    const report = verify(declareMultiCloud(undefined).topology);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.layers.map((l) => `${l.cluster}/${l.layer} ${l.status}`)).toEqual([
      'aks-support/kubernetes exact', 'eks-orders/kubernetes approximate', 'eks-orders/cilium exact', 'eks-orders/istio exact',
      'gke-analytics/kubernetes exact', 'gke-analytics/istio exact', 'prod-vpc/aws exact',
    ]);
    const aws = report.layers.find((l) => l.layer === 'aws')!;
    expect([aws.scope, aws.pairs]).toEqual(['network', 2]);
  });

  test('verify: the aws layer allows exactly the declaration', () => {
    const report = verifyAws(s.plan, s.networks.flatMap((n) => n.manifests));
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.networks.map((n) => [n.network, n.layer, n.status, n.pairs])).toEqual([['prod-vpc', 'aws', 'exact', 2]]);
    expect(report.networks[0].addressChecks).toBeGreaterThan(0);
  });

  test('verify of the aws layer finds a widened rule in the manifests (over-permissive) and a removed one (missing)', () => {
    const manifests = JSON.parse(JSON.stringify(s.networks.flatMap((n) => n.manifests))) as KubeManifest[];
    const fromPods = manifests.find((m) => m.kind === 'SecurityGroupIngressRule' && (spec(m).forProvider as Json).cidrIpv4 === '10.20.0.0/16')!;
    (spec(fromPods).forProvider as Json).cidrIpv4 = '10.0.0.0/8';
    const widened = verifyAws(s.plan, manifests);
    expect(widened.ok).toBe(false);
    expect(widened.findings.map((f) => f.kind)).toContain('over-permissive');
    expect(widened.findings.every((f) => f.dst === 'cloud:prod-vpc/erp' && f.ports === 'TCP 443')).toBe(true);

    const toDb = manifests.findIndex((m) => m.kind === 'SecurityGroupIngressRule' && (spec(m).forProvider as Json).fromPort === 5432);
    const removed = verifyAws(s.plan, manifests.filter((_, i) => i !== toDb));
    expect(removed.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'missing', src: 'cloud:prod-vpc/erp', dst: 'cloud:prod-vpc/erp-db', ports: 'TCP 5432' })]));
  });

  test('same declaration, statements in any order: byte-identical output in every folder', () => {
    const reference = text(s);
    const n = declareMultiCloud(undefined).topology.flows.length;
    const indices = [...Array(n).keys()];
    fc.assert(fc.property(fc.shuffledSubarray(indices, { minLength: n, maxLength: n }), (order) => {
      const other = declareMultiCloud(undefined);
      const flows = other.topology.flows as unknown as unknown[];
      const original = [...flows];
      order.forEach((from, to) => { flows[to] = original[from]; });
      return text(synthesize(other.topology)) === reference;
    }), { numRuns: 10 });
  });
});

describe('the multi-cloud cdk8s program', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-multi-cloud-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('cdk8s synth writes one chart per cluster (and per AWS account and Region) holding exactly the synthesized objects', () => {
    const { app } = buildApp({ outdir }, { printWarnings: false });
    app.synth();
    const files = fs.readdirSync(outdir).sort();
    const byChart = new Map(files.map((f) => [f, YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJSON() as KubeManifest)]));
    const expected = synthesize(declareMultiCloud(undefined).topology);
    const charts = [
      ...expected.clusters.map((c) => ({ id: c.cluster.name, manifests: c.manifests })),
      ...expected.networks.filter((n) => n.manifests.length > 0).map((n) => ({ id: `aws.${n.network.account}.${n.network.region}`, manifests: n.manifests })),
    ];
    expect(files).toHaveLength(charts.length);
    for (const c of charts) {
      const file = files.find((f) => f.startsWith(`segmentation-${c.id}-`));
      expect(file).toBeDefined();
      const key = (m: KubeManifest) => `${m.apiVersion} ${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`;
      const written = new Map(byChart.get(file!)!.map((m) => [key(m), m]));
      expect([...written.keys()].sort()).toEqual(c.manifests.map(key).sort());
      for (const m of c.manifests) expect(written.get(key(m))).toEqual(JSON.parse(JSON.stringify(m)));
    }
  });
});
