/**
 * The layer registry: every list of layers derives from the definitions (and agrees with the
 * names in LAYER_TABLE), and a network-scoped layer flows through synthesis, the YAML writer,
 * the cdk8s host and the Pulumi host (see pulumi-host.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { Testing } from 'cdk8s';
import { SIMULATORS } from '../../lib/analysis/simulators';
import { AnalysisLayer } from '../../lib/analysis/types';
import { TopologyCharts } from '../../lib/cdk8s';
import { layerChoices } from '../../lib/cli/main';
import { CLUSTER_LAYERS, judgedBy, LAYER_NAMES, LAYER_TABLE, LAYERS, NETWORK_LAYERS, SIMULATED_LAYERS, isLayerName } from '../../lib/core/layers';
import { CRD_KINDS, KINDS } from '../../lib/imports/schemas';
import { LayerDefinition } from '../../lib/layers/types';
import { CLUSTER_LAYER_DEFINITIONS, judgingLayer, LAYER_DEFINITIONS, layerDefinition, NETWORK_LAYER_DEFINITIONS, simulatorsOf, TARGETS, targetsOf } from '../../lib/layers/registry';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { SensitiveTier } from '../../lib/model/tier';
import { Workload } from '../../lib/model/workload';
import { Sensitivity } from '../../lib/core/sensitivity';
import { Port } from '../../lib/core/port';
import { Duration } from '../../lib/core/duration';
import { foldersOf, layerOf, OUTPUT_RECORD_FILE, synthesize, writeManifests } from '../../lib/synth';
import { REAPER_NAME, REAPER_NAMESPACE } from '../../lib/targets/kubernetes/reaper';
import { TARGETS as TARGETS_OF_TARGETS } from '../../lib/targets/registry';
import { KubeManifest } from '../../lib/targets/types';
import { verify } from '../../lib/verify';
import { base, NOW } from '../plan/declare';
import { network, TEST_LAYER, testNetworkLayer, withNetworks } from './network-layer';
import { tempDir } from '../util/tmp';

afterEach(() => jest.restoreAllMocks());

/** A break-glass grant in force at NOW, from cart to web. */
const grant = (b: ReturnType<typeof base>) => new BreakGlass(b.topo, 'incident', {
  from: [b.cart], to: [b.web], ports: Port.tcp(9999), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'restore a ledger row', approvers: ['alice', 'bob'],
});

describe('the definitions and the lists derived from them', () => {
  test('every definition names a layer of LAYER_TABLE, with its scope, in the table order', () => {
    for (const d of LAYER_DEFINITIONS) {
      expect(isLayerName(d.name)).toBe(true);
      expect(d.scope).toBe(LAYER_TABLE[d.name].scope);
      expect(d.target.layer).toBe(d.name);
    }
    const names = LAYER_DEFINITIONS.map((d) => d.name);
    expect(names).toEqual(LAYER_NAMES.filter((n) => names.includes(n)));
    expect(new Set(names).size).toBe(names.length);
  });

  test('every cluster layer has a definition; the cluster lists are its names', () => {
    expect(CLUSTER_LAYER_DEFINITIONS.map((d) => d.name)).toEqual([...CLUSTER_LAYERS]);
    expect(LAYERS).toEqual(CLUSTER_LAYERS);
    expect(CLUSTER_LAYERS).toEqual(LAYER_NAMES.filter((n) => LAYER_TABLE[n].scope === 'cluster'));
    expect(NETWORK_LAYERS).toEqual(LAYER_NAMES.filter((n) => LAYER_TABLE[n].scope === 'network'));
    for (const d of NETWORK_LAYER_DEFINITIONS) expect(NETWORK_LAYERS).toContain(d.name);
    for (const l of CLUSTER_LAYERS) expect(layerDefinition(l)?.scope).toBe('cluster');
  });

  test('TARGETS is the renderers of the definitions, by layer (and lib/targets/registry re-exports it)', () => {
    expect(Object.keys(TARGETS)).toEqual([...CLUSTER_LAYERS]);
    for (const d of CLUSTER_LAYER_DEFINITIONS) expect(TARGETS[d.name]).toBe(d.target);
    expect(TARGETS_OF_TARGETS).toBe(TARGETS);
    expect(targetsOf([])).toEqual({});
  });

  test("the analysis' simulators are those of the definitions, in the same order; --layer offers exactly them", () => {
    expect(simulatorsOf(LAYER_DEFINITIONS)).toEqual([...SIMULATORS]);
    simulatorsOf(LAYER_DEFINITIONS).forEach((s, i) => expect(s).toBe(SIMULATORS[i]));
    expect(layerChoices()).toEqual(SIMULATORS.map((s) => s.layer));
    for (const d of LAYER_DEFINITIONS) {
      if (d.simulator) expect(d.simulator.layer).toBe(d.name);
      expect(judgingLayer(d)).toBe(judgedBy(d.name));
    }
    // every simulated layer is the judge of some layer; the type of analysis layers is the table's
    const judges: AnalysisLayer[] = [...SIMULATED_LAYERS];
    expect(judges).toEqual([...new Set(LAYER_NAMES.map((n) => LAYER_TABLE[n].judgedBy).filter((j) => j !== null))]);
    for (const s of SIMULATORS) expect(SIMULATED_LAYERS).toContain(s.layer);
  });

  test('"kubernetes" is one layer: cluster-network-policy is a part of it, judged by the kubernetes simulator', () => {
    expect(judgedBy('kubernetes')).toBe('kubernetes');
    expect(judgedBy('cluster-network-policy')).toBe('kubernetes');
    expect(judgedBy('spire')).toBeUndefined();
    expect(layerDefinition('cluster-network-policy')?.simulator).toBeUndefined();
    // verify of a cluster that runs both parts reports one kubernetes result, no cluster-network-policy one
    const b = base();
    b.web.allowFrom(b.cart, Port.tcp(8080));
    const report = verify(b.topo, { now: NOW });
    const layers = report.layers.map((l) => l.layer);
    expect(layers).toContain('kubernetes');
    expect(layers).not.toContain('cluster-network-policy');
    expect(report.ok).toBe(true);
  });

  test('every kind a layer emits has a schema, from its CRD set when it is a custom kind', () => {
    for (const d of LAYER_DEFINITIONS) {
      expect(d.emits.length).toBeGreaterThan(0);
      for (const k of d.emits) {
        expect(KINDS[`${k.apiVersion}/${k.kind}`]).toBeDefined();
        const group = k.apiVersion.includes('/') ? k.apiVersion.split('/')[0] : '';
        const crd = CRD_KINDS.find((c) => c.group === group && c.kind === k.kind);
        if (crd) expect(crd.set).toBe(k.crds ?? d.crds);
      }
      if (d.crds) expect(d.emits.some((k) => CRD_KINDS.some((c) => c.set === d.crds && c.kind === k.kind))).toBe(true);
    }
  });

  test('every object a layer renders is of a kind its definition lists (the reaper apart)', () => {
    const b = base();
    b.web.allowFrom(b.cart, Port.tcp(8080));
    grant(b);
    const tier = new SensitiveTier(b.topo, 'ledger', { level: Sensitivity.HIGHLY_SENSITIVE });
    new Workload(b.topo, 'db', { cluster: b.eks, namespace: 'data', ports: { postgres: Port.tcp(5432) }, tier });
    const s = synthesize(b.topo, { now: NOW });
    expect(s.clusters[0].reaper).toBeGreaterThan(0);
    const reaper = (m: KubeManifest) => m.metadata.namespace === REAPER_NAMESPACE || m.metadata.name === REAPER_NAME || m.metadata.name === REAPER_NAMESPACE;
    expect(s.clusters[0].manifests.filter(reaper)).toHaveLength(s.clusters[0].reaper);
    const seen = new Set<string>();
    for (const m of s.clusters[0].manifests) {
      const kind = `${m.apiVersion}/${m.kind}`;
      if (reaper(m)) continue;
      const d = layerDefinition(layerOf(m) as never);
      expect(d?.emits.map((k) => `${k.apiVersion}/${k.kind}`)).toContain(kind);
      seen.add(layerOf(m));
    }
    expect([...seen].sort()).toEqual([...CLUSTER_LAYERS].sort());
  });

  test('a Cluster runs every cluster layer, and no network layer', () => {
    const b = base();
    expect(b.eks.layers).toEqual([...CLUSTER_LAYERS]);
    const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: [TEST_LAYER as never] });
    expect(() => synthesize(b.topo, { now: NOW })).toThrow(/BH-LAYER/);
    expect(gke.layers).toEqual([TEST_LAYER]);
  });
});

describe('a network layer through synthesize', () => {
  const declare = () => {
    const b = base();
    b.web.allowFrom(b.cart, Port.tcp(8080));
    return b;
  };

  test('no network: the output is that of the built-in layers, and networks is empty', () => {
    const b = declare();
    const plain = synthesize(b.topo, { now: NOW });
    const withLayer = synthesize(declare().topo, { now: NOW, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
    expect(withLayer.clusters).toEqual(plain.clusters);
    expect(withLayer.networks).toEqual([]);
    expect(plain.networks).toEqual([]);
  });

  test('per-network results: cloud resources sorted, as manifests; objects placed into the cluster join its manifests and counts', () => {
    withNetworks([network('vpc-a')], { eks: 'vpc-a' });
    const s = synthesize(declare().topo, { now: NOW, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
    expect(s.networks).toHaveLength(1);
    const [n] = s.networks;
    expect(n.network.name).toBe('vpc-a');
    expect(n.artifacts.map((a) => [a.layer, a.artifact.type, a.artifact.resource.key])).toEqual([
      [TEST_LAYER, 'aws', 'vpc-a-eks-cart'],
      [TEST_LAYER, 'aws', 'vpc-a-eks-web'],
    ]);
    // the built-in aws layer renders the network too: nothing, as it holds no cloud endpoint
    expect(n.counts).toEqual(Object.fromEntries([['aws', 0], [TEST_LAYER, 2]]));
    expect(n.manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['SecurityGroup/vpc-a-eks-cart', 'SecurityGroup/vpc-a-eks-web']);
    const c = s.clusters[0];
    expect(c.counts[TEST_LAYER as never]).toBe(2);
    expect(c.manifests.filter((m) => m.kind === 'SecurityGroupPolicy').map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['shop/cart-sg', 'shop/web-sg']);
    // the cluster layers' objects are unchanged
    jest.restoreAllMocks();
    const plain = synthesize(declare().topo, { now: NOW });
    expect(c.manifests.filter((m) => m.kind !== 'SecurityGroupPolicy')).toEqual(plain.clusters[0].manifests);
    expect(s.warnings.map((w) => w.code)).toContain('BH-TEST');
  });

  test('a network of another cloud, or no network layer in the layers given, renders nothing', () => {
    withNetworks([network('vpc-a')], { eks: 'vpc-a' });
    const other = { ...testNetworkLayer(), cloud: 'gcp' as never };
    const s = synthesize(declare().topo, { now: NOW, layers: [...LAYER_DEFINITIONS, other] });
    expect(s.networks[0].artifacts).toEqual([]);
    // only the built-in aws layer renders the aws network (nothing here), not the layer of another cloud
    expect(s.networks[0].counts).toEqual({ aws: 0 });
    const t = synthesize(declare().topo, { now: NOW });
    expect(t.networks.map((n) => n.artifacts.length)).toEqual([0]);
  });

  test("the network layer's validate runs before anything is rendered; its errors come with the others", () => {
    withNetworks([network('vpc-a')], { eks: 'vpc-a' });
    const render = jest.fn();
    const layer = testNetworkLayer({ validate: (_p, net) => [{ severity: 'error', code: 'BH-TEST', path: net.path, message: 'over quota', fix: 'less' }] });
    const spied = { ...layer, target: { ...layer.target, render } };
    expect(() => synthesize(declare().topo, { now: NOW, layers: [...LAYER_DEFINITIONS, spied] })).toThrow(/\[BH-TEST\] error at shop\/vpc-a: over quota/);
    expect(render).not.toHaveBeenCalled();
  });

  test('the reaper of a cluster may delete the break-glass kinds of the network layers that placed objects in it', () => {
    withNetworks([network('vpc-a')], { eks: 'vpc-a' });
    const b = declare();
    grant(b);
    const s = synthesize(b.topo, { now: NOW, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
    const role = s.clusters[0].manifests.find((m) => m.kind === 'ClusterRole') as unknown as { rules: { apiGroups: string[]; resources: string[] }[] };
    expect(role.rules.flatMap((r) => r.apiGroups)).toContain('vpcresources.k8s.aws');
  });

  test('the targets option keeps working beside layers (it replaces the cluster renderers)', () => {
    const { istio: _istio, ...rest } = TARGETS;
    expect(() => synthesize(declare().topo, { now: NOW, targets: rest })).toThrow(/BH-NO-TARGET/);
    expect(() => synthesize(declare().topo, { now: NOW, layers: LAYER_DEFINITIONS.filter((d) => d.name !== 'istio') })).toThrow(/BH-NO-TARGET/);
    expect(synthesize(declare().topo, { now: NOW, targets: TARGETS }).clusters).toEqual(synthesize(declare().topo, { now: NOW }).clusters);
  });
});

describe('determinism', () => {
  test('the order of the layer definitions given changes nothing (property)', () => {
    const second = testNetworkLayer({ name: 'test-net-b', clusterObjects: false });
    const all = [...LAYER_DEFINITIONS, testNetworkLayer(), second];
    const render = (layers: readonly LayerDefinition[]) => {
      withNetworks([network('vpc-a'), network('vpc-b', { region: 'eu-central-1' })], { eks: 'vpc-a' });
      const b = base();
      b.web.allowFrom(b.cart, Port.tcp(8080));
      const s = synthesize(b.topo, { now: NOW, layers });
      jest.restoreAllMocks();
      return JSON.stringify({ clusters: s.clusters, networks: s.networks, warnings: s.warnings, folders: foldersOf(s) });
    };
    const expected = render(all);
    expect(JSON.parse(expected).networks[0].counts).toEqual({ aws: 0, 'test-net': 2, 'test-net-b': 2 });
    fc.assert(fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (layers) => render(layers) === expected), { numRuns: 15 });
  });
});

describe('a network layer through writeManifests and the cdk8s host', () => {
  const tmp = () => tempDir('bulkhead-layers-');

  test('writes <out>/<cloud>/<account>/<region>/<layer>.yaml, recorded; networks of one account and region share the folder', () => {
    withNetworks([network('vpc-a'), network('vpc-b', { vpcId: 'vpc-b' }), network('vpc-c', { region: 'us-east-1' })], { eks: 'vpc-a' });
    const b = base();
    const s = synthesize(b.topo, { now: NOW, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
    const folders = foldersOf(s);
    expect(folders.map((f) => [...(f.under ?? []), f.name].join('/'))).toEqual(['eks', 'aws/123456789012/eu-west-1']);
    const dir = path.join(tmp(), 'out');
    const files = writeManifests(folders, dir);
    expect(files).toEqual(expect.arrayContaining(['aws/123456789012/eu-west-1/test-net.yaml', 'eks/test-net.yaml', 'eks/kubernetes.yaml']));
    const record = JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_RECORD_FILE), 'utf8'));
    expect(Object.keys(record.files)).toEqual(files);
    const text = fs.readFileSync(path.join(dir, 'aws/123456789012/eu-west-1/test-net.yaml'), 'utf8');
    expect(text).toMatch(/kind: SecurityGroup\n[^]*name: vpc-a-eks-cart/);
    // a file of someone else's in the network folder is left alone, and the second run replaces only its own
    fs.writeFileSync(path.join(dir, 'aws/123456789012/eu-west-1/mine.yaml'), 'kind: Mine\n');
    expect(writeManifests(folders, dir)).toEqual(files);
    expect(fs.readFileSync(path.join(dir, 'aws/123456789012/eu-west-1/mine.yaml'), 'utf8')).toBe('kind: Mine\n');
    // without the network layer, its files go (the foreign one stays)
    jest.restoreAllMocks();
    writeManifests(foldersOf(synthesize(base().topo, { now: NOW })), dir);
    expect(fs.existsSync(path.join(dir, 'aws/123456789012/eu-west-1/test-net.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'aws/123456789012/eu-west-1/mine.yaml'))).toBe(true);
  });

  test('a folder above a folder must be plain path segments (BH-OUT-NAME)', () => {
    expect(() => writeManifests([{ name: 'r', under: ['aws', '..'], manifests: [] }], path.join(tmp(), 'o'))).toThrow(/BH-OUT-NAME[^]*under/);
    expect(() => writeManifests([{ name: 'r', under: ['a'], manifests: [] }, { name: 'r', under: ['a'], manifests: [] }], path.join(tmp(), 'o'))).toThrow(/two folders are named 'a\/r'/);
  });

  test('cdk8s: one chart per account and region with the converted objects; placed objects in the cluster chart', () => {
    withNetworks([network('vpc-a')], { eks: 'vpc-a' });
    const app = Testing.app();
    const b = base();
    b.web.allowFrom(b.cart, Port.tcp(8080));
    const charts = new TopologyCharts(app, 'seg', { topology: b.topo, now: NOW, printWarnings: false, layers: [...LAYER_DEFINITIONS, testNetworkLayer()] });
    app.synth();
    const net = Testing.synth(charts.networkChart('vpc-a'));
    expect(charts.networkChart('vpc-a').node.id).toBe('aws.123456789012.eu-west-1');
    expect(net.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`)).toEqual(['SecurityGroup/vpc-a-eks-cart', 'SecurityGroup/vpc-a-eks-web']);
    const eks = Testing.synth(charts.chart('eks'));
    expect(eks.filter((o: { kind: string }) => o.kind === 'SecurityGroupPolicy')).toHaveLength(2);
    expect(eks.length).toBe(charts.synthesis.clusters[0].manifests.length);
    expect(() => charts.networkChart('nope')).toThrow(/BH-CDK8S-CHART-UNKNOWN[^]*names no network[^]*'vpc-a'/);
  });
});

describe('the names load without the renderers', () => {
  /** Every lib module a module imports, transitively (static imports, relative paths). */
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
        if (/^import\s+type\s/.test(m[0])) continue;
        const base = path.resolve(path.dirname(file), m[1]);
        const next = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
        if (next) visit(next);
      }
    };
    visit(start);
    return seen;
  };
  const lib = path.join(__dirname, '..', '..', 'lib');
  const rel = (files: Set<string>) => [...files].map((f) => path.relative(lib, f)).sort();

  test.each(['core/layers.ts', 'model/cluster.ts', 'analysis/types.ts'])('%s imports no renderer and no layer definition', (file) => {
    const reached = rel(reach(path.join(lib, file)));
    expect(reached.filter((f) => f.startsWith('targets/') || f.startsWith('layers/'))).toEqual([]);
  });

  test('(the walk follows imports: synthesis reaches the registry and every renderer)', () => {
    const reached = rel(reach(path.join(lib, 'synth.ts')));
    expect(reached).toEqual(expect.arrayContaining(['layers/registry.ts', 'targets/kubernetes/index.ts', 'targets/spire/index.ts', 'core/layers.ts']));
  });
});
