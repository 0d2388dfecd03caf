/**
 * A catalogue of ill-typed arguments of the entry points (synthesize, writeManifests, verify,
 * the cdk8s and Pulumi hosts, the loader, the analysis): each gets a coded problem naming the
 * function or construct, the offending value and a fix, instead of a TypeError or a value
 * silently read as something else; and every such problem of a call is reported at once.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { Testing } from 'cdk8s';
import { Analysis, connectivity, diff, explain } from '../../lib/analysis/engine';
import { loadManifests, loadObjects } from '../../lib/analysis/loader';
import { bindWorkload, TopologyCharts } from '../../lib/cdk8s';
import { Cluster } from '../../lib/model/cluster';
import { Topology } from '../../lib/model/topology';
import { SegmentationStack } from '../../lib/pulumi';
import { synthesize, writeManifests } from '../../lib/synth';
import { verify } from '../../lib/verify';
import { deployment } from '../analysis/util';
import { base, NOW } from './declare';
import { CallCase as Case } from './declare';
import { problemsThrown } from '../util/thrown';

/* eslint-disable @typescript-eslint/no-explicit-any */

pulumi.runtime.setMocks({
  newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
  call: (args) => args.inputs,
}, 'bulkhead', 'errors-entry', false);

const manifests = () => loadObjects([deployment('shop', 'web', { app: 'web' }, [[8080, 'http']])]);
const cdk8sTopology = () => {
  const app = Testing.app();
  const topology = new Topology(app, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW });
  const c1 = new Cluster(topology, 'c1', { cloud: 'aws', layers: ['kubernetes'] });
  return { app, topology, c1 };
};

const CASES: Case[] = [
  // ---------------------------------------------------------------- synthesize
  {
    name: 'synthesize of something that is not a Topology',
    call: () => synthesize({ node: 'x' } as any),
    code: 'BH-INPUT-TYPE', path: 'synthesize(topology)', message: /^topology must be a Topology, not an object$/, value: /^\{"node":"x"\}$/, fix: /pass the Topology: new Topology\(app, 'shop'/,
  },
  {
    name: 'synthesize with null options',
    call: () => synthesize(base().topo, null as any),
    code: 'BH-INPUT-PROPS', path: 'synthesize(options)', message: /^options must be an object, not null$/, value: /^null$/, fix: /pass an object: \{ now: new Date\(\), targets/,
  },
  {
    name: 'synthesize with targets that are a number',
    call: () => synthesize(base().topo, { now: NOW, targets: 5 as any }),
    code: 'BH-INPUT-TYPE', path: 'synthesize(options)', message: /^options\.targets must be an object of renderers by layer, not a number$/, value: /^5$/, fix: /leave options\.targets out for the built-in renderers/,
  },
  {
    name: 'synthesize with a targets key that names no layer',
    call: () => synthesize(base().topo, { now: NOW, targets: { kubernets: {} } as any }),
    code: 'BH-INPUT-KEY', path: 'synthesize(options)', message: /options\.targets has the key 'kubernets', which names no layer/, value: /^"kubernets"$/, fix: /key each renderer by a layer name: kubernetes, /,
  },
  {
    name: 'synthesize with a target that is not a Target',
    call: () => synthesize(base().topo, { now: NOW, targets: { kubernetes: 'np' } as any }),
    code: 'BH-INPUT-TYPE', path: 'synthesize(options)', message: /^options\.targets\.kubernetes must be a Target/, value: /^"np"$/, fix: /TARGETS\['kubernetes'\]/,
  },
  {
    name: 'synthesize at a time given as text',
    call: () => synthesize(base().topo, { now: 'yesterday' as any }),
    code: 'BH-NOW', path: 'shop', message: /not a valid Date/, value: /^"yesterday"$/, fix: /pass a valid Date/,
  },
  // ---------------------------------------------------------------- writeManifests
  {
    name: 'writeManifests onto an output path that is not text',
    call: () => writeManifests([], 5 as any),
    code: 'BH-INPUT-TYPE', path: 'writeManifests(outdir)', message: /^outdir must be a non-empty string, not a number$/, value: /^5$/, fix: /'dist\/manifests'/,
  },
  {
    name: 'writeManifests of folders that are not a list',
    call: () => writeManifests({ name: 'eks', manifests: [] } as any, 'out'),
    code: 'BH-INPUT-TYPE', path: 'writeManifests(folders)', message: /^folders must be a list, not an object$/, value: /"name":"eks"/, fix: /foldersOf\(synthesis\)/,
  },
  {
    name: 'writeManifests of a folder whose name leads out of the output folder',
    call: () => writeManifests([{ name: '../etc', manifests: [] }], 'out'),
    code: 'BH-OUT-NAME', path: 'writeManifests(folders)', message: /folder name of folders\[0\] is not one plain path segment/, value: /^"\.\.\/etc"$/, fix: /without '\/', '\\' or '\.\.'/,
  },
  {
    name: 'writeManifests of two folders of one name',
    call: () => writeManifests([{ name: 'eks', manifests: [] }, { name: 'eks', manifests: [] }], 'out'),
    code: 'BH-OUT-NAME', path: 'writeManifests(folders)', message: /two folders are named 'eks'/, value: /^"eks"$/, fix: /one folder per cluster/,
  },
  {
    name: 'writeManifests of an object without metadata',
    call: () => writeManifests([{ name: 'eks', manifests: [{ apiVersion: 'v1', kind: 'Namespace' } as any] }], 'out'),
    code: 'BH-INPUT-TYPE', path: 'writeManifests(folders)', message: /^folders\[0\]\.manifests\[0\]\.metadata must be an object, not missing \(undefined\)$/, value: /^undefined$/, fix: /name: 'web'/,
  },
  // ---------------------------------------------------------------- verify
  {
    name: 'verify with objects that are a list',
    call: () => verify(base().topo, { now: NOW, objects: [] as any }),
    code: 'BH-INPUT-TYPE', path: 'verify(options)', message: /^options\.objects must be an object of object lists by cluster name, not a list$/, value: /^\[\]$/, fix: /\{ eks: \[deployment, service\] \}/,
  },
  {
    name: 'verify with objects of a cluster the topology does not have',
    call: () => verify(base().topo, { now: NOW, objects: { 'eks-prod': [] } }),
    code: 'BH-INPUT-KEY', path: 'verify(options)', message: /options\.objects has the key 'eks-prod', which names no cluster of the topology/, value: /^"eks-prod"$/, fix: /key the objects by cluster name: 'eks'/,
  },
  {
    name: 'verify of something that is not a Topology',
    call: () => verify(undefined as any),
    code: 'BH-INPUT-TYPE', path: 'verify(topology)', message: /^topology must be a Topology, not missing \(undefined\)$/, value: /^undefined$/, fix: /pass the Topology/,
  },
  // ---------------------------------------------------------------- cdk8s
  {
    name: 'TopologyCharts without a topology',
    call: () => new TopologyCharts(Testing.app(), 'segmentation', {} as any),
    code: 'BH-INPUT-TYPE', path: 'segmentation', message: /^topology must be a Topology, not missing \(undefined\)$/, value: /^undefined$/, fix: /pass the Topology/,
  },
  {
    name: 'TopologyCharts in a scope that is not a construct',
    call: () => new TopologyCharts({} as any, 'segmentation', {} as any),
    code: 'BH-CONSTRUCT-SCOPE', path: 'new TopologyCharts', message: /the scope of a TopologyCharts must be a construct/, value: /an object/, fix: /^pass the cdk8s App as the first argument$/,
  },
  {
    name: 'TopologyCharts with printWarnings as text',
    call: () => { const { app, topology } = cdk8sTopology(); return new TopologyCharts(app, 'segmentation', { topology, printWarnings: 'no' as any }); },
    code: 'BH-INPUT-TYPE', path: 'segmentation', message: /^printWarnings must be true or false, not a string$/, value: /^"no"$/, fix: /false \(the boolean, not a string\)/,
  },
  {
    name: 'TopologyCharts with chartProps that are not an object',
    call: () => { const { app, topology } = cdk8sTopology(); return new TopologyCharts(app, 'segmentation', { topology, chartProps: 'labels' as any }); },
    code: 'BH-INPUT-PROPS', path: 'segmentation', message: /^chartProps must be an object, not a string$/, value: /^"labels"$/, fix: /pass an object: \{ labels/,
  },
  {
    name: 'TopologyCharts at an invalid time',
    call: () => { const { app, topology } = cdk8sTopology(); return new TopologyCharts(app, 'segmentation', { topology, now: new Date('soon') }); },
    code: 'BH-NOW', path: 'segmentation', message: /^now \(the time to synthesize at\) is not a valid Date$/, value: /^Invalid Date$/, fix: /pass a valid Date/,
  },
  {
    name: 'bindWorkload of a target that is not a workload',
    call: () => { const { topology, c1 } = cdk8sTopology(); return bindWorkload(topology, 'web', 'web' as any, { cluster: c1 }); },
    code: 'BH-INPUT-TYPE', path: 'shop/web', message: /^target must be a cdk8s-plus workload, not a string$/, value: /^"web"$/, fix: /cdk8s-plus Deployment, StatefulSet or DaemonSet/,
  },
  {
    name: 'bindWorkload without options',
    call: () => { const { topology } = cdk8sTopology(); return (bindWorkload as any)(topology, 'web', { name: 'web', metadata: {}, matchLabels: {}, containers: [], podMetadata: { addLabel: () => undefined } }); },
    code: 'BH-INPUT-PROPS', path: 'shop/web', message: /^options must be an object, not missing \(undefined\)$/, value: /^undefined$/, fix: /\{ cluster: eks \}/,
  },
  {
    name: 'bindWorkload of a container port with a protocol cdk8s-plus does not have',
    call: () => {
      const { topology, c1 } = cdk8sTopology();
      return bindWorkload(topology, 'web', { name: 'web', metadata: {}, matchLabels: {}, containers: [{ ports: [{ number: 53, name: 'dns', protocol: 'udp' }] }], podMetadata: { addLabel: () => undefined } }, { cluster: c1 });
    },
    code: 'BH-INPUT-TYPE', path: 'shop/web', message: /^target\.containers\[0\]\.ports\[0\]\.protocol must be 'TCP', 'UDP' or 'SCTP', not a string$/, value: /^"udp"$/, fix: /Protocol\.UDP/,
  },
  // ---------------------------------------------------------------- Pulumi
  {
    name: 'SegmentationStack with providers that are text',
    call: () => new SegmentationStack('shop', { topology: base().topo, providers: 'eks' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/providers', message: /^providers must be an object of Kubernetes providers by cluster name, not a string$/, value: /^"eks"$/, fix: /\{ 'eks-eu': new k8s\.Provider/,
  },
  {
    name: "SegmentationStack with defaultProviders: 'yes'",
    call: () => new SegmentationStack('shop', { topology: base().topo, defaultProviders: 'yes' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /^defaultProviders must be true or false, not a string$/, value: /^"yes"$/, fix: /true or false \(a boolean, not a string\)/,
  },
  {
    name: 'SegmentationStack without args',
    call: () => new SegmentationStack('shop', undefined as any),
    code: 'BH-INPUT-PROPS', path: 'shop', message: /^args must be an object, not missing \(undefined\)$/, value: /^undefined$/, fix: /\{ topology, providers/,
  },
  {
    name: 'SegmentationStack of something that is not a Topology',
    call: () => new SegmentationStack('shop', { topology: 'shop' as any, providers: {} }),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /^args\.topology must be a Topology, not a string$/, value: /^"shop"$/, fix: /pass the Topology/,
  },
  // ---------------------------------------------------------------- loader and analysis
  {
    name: 'loadManifests of one path given as text (it would be read letter by letter)',
    call: () => loadManifests('deploy' as any),
    code: 'BH-INPUT-TYPE', path: 'loadManifests(paths)', message: /^paths must be a list, not a string$/, value: /^"deploy"$/, fix: /a list, also for one value: \["deploy"\]/,
  },
  {
    name: 'loadManifests with strict as text',
    call: () => loadManifests(['deploy'], { strict: 'no' as any }),
    code: 'BH-INPUT-TYPE', path: 'loadManifests(options)', message: /^options\.strict must be true or false, not a string$/, value: /^"no"$/, fix: /false \(the boolean/,
  },
  {
    name: 'loadObjects of objects that are not a list',
    call: () => loadObjects({ kind: 'Pod' } as any),
    code: 'BH-INPUT-TYPE', path: 'loadObjects(objects)', message: /^objects must be a list, not an object$/, value: /"kind":"Pod"/, fix: /parsed Kubernetes objects/,
  },
  {
    name: 'Analysis.of with a trust domain that is a number',
    call: () => Analysis.of(manifests(), { trustDomain: 5 as any }),
    code: 'BH-INPUT-TYPE', path: 'Analysis.of(options)', message: /^options\.trustDomain must be a non-empty string, not a number$/, value: /^5$/, fix: /'prod\.shop\.example\.com'/,
  },
  {
    name: 'Analysis.of with resolve as text',
    call: () => Analysis.of(manifests(), { resolve: 'x' as any }),
    code: 'BH-INPUT-TYPE', path: 'Analysis.of(options)', message: /^options\.resolve must be an object of IPv4 address lists by name, not a string$/, value: /^"x"$/, fix: /'api\.example\.com': \['198\.51\.100\.10'\]/,
  },
  {
    name: 'Analysis.of of something that is not loaded manifests',
    call: () => Analysis.of(['deploy/'] as any),
    code: 'BH-INPUT-TYPE', path: 'Analysis.of(manifests)', message: /^manifests must be loaded manifests, not a list$/, value: /^\["deploy\/"\]$/, fix: /loadManifests/,
  },
  {
    name: 'connectivity with options that are text',
    call: () => connectivity(manifests(), 'kubernetes' as any),
    code: 'BH-INPUT-PROPS', path: 'connectivity(options)', message: /^options must be an object, not a string$/, value: /^"kubernetes"$/, fix: /pass an object/,
  },
  {
    name: 'explain of a connection without a protocol',
    call: () => explain(manifests(), 'shop/web', 'shop/web', { port: 8080 } as any),
    code: 'BH-INPUT-TYPE', path: 'explain(conn)', message: /^conn\.protocol must be 'TCP', 'UDP' or 'SCTP', not missing \(undefined\)$/, value: /^undefined$/, fix: /protocol: 'TCP', port: 5432/,
  },
  {
    name: 'explain from a number',
    call: () => explain(manifests(), 5 as any, 'shop/web', { protocol: 'TCP', port: 8080 }),
    code: 'BH-INPUT-TYPE', path: 'explain(from)', message: /^from must be a workload or an address/, value: /^5$/, fix: /analysis\.endpoint\('shop\/web'\)/,
  },
  {
    name: 'diff against something that is not loaded manifests',
    call: () => diff(manifests(), null as any),
    code: 'BH-INPUT-TYPE', path: 'diff(after)', message: /^after must be loaded manifests, not null$/, value: /^null$/, fix: /loadManifests/,
  },
];

let cwd = '';
let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-errors-entry-'));
  cwd = process.cwd();
  process.chdir(tmp);
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('catalogue: ill-typed arguments of the entry points', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsThrown(c.call);
    const p = problems.find((x) => x.code === c.code && x.path === c.path && c.message.test(x.message));
    expect(p).toBeDefined();
    expect(p!.severity).toBe('error');
    expect(p!.value).toMatch(c.value);
    expect(p!.fix).toMatch(c.fix);
    // nothing was written into the working folder
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('every ill-typed argument of a call is reported at once', () => {
    const problems = problemsThrown(() => Analysis.of(manifests(), { trustDomain: 5 as any, resolve: 'x' as any, podCidrs: '10.0.0.0/8' as any, clusterName: 1 as any }));
    expect(problems.map((p) => p.message.split(' ')[0]).sort()).toEqual(['options.clusterName', 'options.podCidrs', 'options.resolve', 'options.trustDomain']);
  });

  test('SegmentationStack: ill-typed props and the declaration problems together, nothing registered', async () => {
    const registered: string[] = [];
    pulumi.runtime.setMocks({ newResource: (args) => { registered.push(args.name); return { id: 'x', state: args.inputs }; }, call: (a) => a.inputs }, 'bulkhead', 'errors-entry', false);
    const b = base();
    b.web.allowTo(b.cart, 'grpc' as any);
    const problems = problemsThrown(() => new SegmentationStack('together', { topology: b.topo, providers: { eks: new k8s.Provider('eks', { context: 'eks' }) }, defaultProviders: 'yes' as any, now: NOW }));
    expect(problems.some((p) => p.path === 'together' && /defaultProviders/.test(p.message))).toBe(true);
    expect(problems.some((p) => p.path.startsWith('shop'))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(registered.filter((n) => n.startsWith('together'))).toEqual([]);
  });
});
