/**
 * The analysis of several clusters: cluster folders as synthesis writes them (with their facts
 * file), facts given or overridden, any list of cluster folders (also below environment
 * folders), and cross-cluster connections allowed only when the source's egress layers and the
 * destination's ingress layers both allow them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cluster, Port, synthesize, Topology, Workload } from '../../lib';
import { CLUSTER_FACTS_FILE, clusterFolders, loadClusters, MultiClusterAnalysis, parseClusterFacts } from '../../lib/analysis/multi-cluster';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { foldersOf, writeManifests } from '../../lib/synth';
import { standInWorkloads } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');

function declaration() {
  const topology = new Topology(undefined, 'fed', { trustDomain: 'fed.example.com', environment: 'prod', clock: NOW });
  const a = new Cluster(topology, 'a', {
    cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], nodeCidrs: ['172.16.1.0/24'], trustDomain: 'a.example.com', layers: ['kubernetes', 'cilium', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire.a.example.com:8443', profile: 'https_spiffe' },
  });
  const b = new Cluster(topology, 'b', {
    cloud: 'gcp', region: 'us-east1', podCidrs: ['10.2.0.0/16'], nodeCidrs: ['172.16.2.0/24'], trustDomain: 'b.example.com', layers: ['kubernetes', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire.b.example.com:8443', profile: 'https_web' },
  });
  const api = new Workload(topology, 'api', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const web = new Workload(topology, 'web', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const db = new Workload(topology, 'db', { cluster: b, namespace: 'data', ports: { pg: Port.POSTGRES } });
  web.allowTo(api, Port.named('http'));
  api.allowTo(db, Port.named('pg'));
  return synthesize(topology);
}

/** Writes the synthesis (and stand-in Deployments for its workloads) under `dir`. */
function written(dir: string, under: string[] = []) {
  const s = declaration();
  const folders = foldersOf(s).map((f) => ({ ...f, under: [...under, ...(f.under ?? [])] }));
  writeManifests(folders, dir);
  for (const c of s.clusters) {
    const deployments = standInWorkloads(s.plan, c.cluster);
    fs.writeFileSync(path.join(dir, ...under, c.cluster.name, 'workloads.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: deployments }));
  }
  return s;
}

describe('cluster folders and their facts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-multi-'));
  const s = written(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('synthesis writes the facts of every cluster beside its layer files', () => {
    const facts = JSON.parse(fs.readFileSync(path.join(dir, 'a', CLUSTER_FACTS_FILE), 'utf8')) as Record<string, unknown>;
    expect(facts).toEqual({
      generator: 'bulkhead', kind: 'cluster', version: 1, name: 'a', environment: 'prod', cloud: 'aws', region: 'eu-west-1',
      podCidrs: ['10.1.0.0/16'], nodeCidrs: ['172.16.1.0/24'], trustDomain: 'a.example.com', ciliumClusterName: 'a', layers: ['kubernetes', 'cilium', 'istio', 'spire'],
    });
    // the record of the output lists it, so a second synthesis replaces it
    const record = JSON.parse(fs.readFileSync(path.join(dir, '.bulkhead-manifest.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(record.files)).toContain(`b/${CLUSTER_FACTS_FILE}`);
    expect(s.clusters).toHaveLength(2);
  });

  test('a root folder stands for the cluster folders below it, at any depth (environment folders too)', () => {
    expect(clusterFolders([dir])).toEqual([path.join(dir, 'a'), path.join(dir, 'b')]);
    const env = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-env-'));
    try {
      written(env, ['prod']);
      expect(clusterFolders([env])).toEqual([path.join(env, 'prod', 'a'), path.join(env, 'prod', 'b')]);
      expect(loadClusters([env]).map((c) => c.facts.name)).toEqual(['a', 'b']);
    } finally {
      fs.rmSync(env, { recursive: true, force: true });
    }
  });

  test('loadClusters: facts from each folder, overridden by name or folder; a folder without facts is named after itself', () => {
    const cs = loadClusters([path.join(dir, 'a'), path.join(dir, 'b')], { b: { trusts: ['x.example.com'] } });
    expect(cs.map((c) => [c.facts.name, c.facts.trustDomain, c.facts.podCidrs, c.facts.trusts])).toEqual([
      ['a', 'a.example.com', ['10.1.0.0/16'], undefined],
      ['b', 'b.example.com', ['10.2.0.0/16'], ['x.example.com']],
    ]);
    expect(cs[0].manifests.workloads.map((w) => w.id)).toEqual(['istio-system/platform-mesh-control-plane[Deployment]', 'kube-system/platform-dns[Deployment]', 'shop/api[Deployment]', 'shop/web[Deployment]']);
  });

  test('bad facts are input errors naming the field; unknown clusters in overrides and repeated clusters too', () => {
    expect(() => parseClusterFacts({ podCidrs: ['10.1.0.0/33'], trustDomain: 3, colour: 'red' }, 'facts')).toThrow(AnalysisInputError);
    try {
      parseClusterFacts({ podCidrs: ['10.1.0.0/33'], trustDomain: 3, colour: 'red' }, 'facts');
    } catch (e) {
      const p = (e as AnalysisInputError).problems[0];
      expect(p.code).toBe('BH-IN-FIELD');
      expect(p.message).toMatch(/unknown cluster fact 'colour'/);
      expect(p.message).toMatch(/podCidrs holds a value that is not a CIDR/);
      expect(p.message).toMatch(/trustDomain must be a non-empty string/);
    }
    expect(() => loadClusters([dir], { c: { podCidrs: ['10.3.0.0/16'] } })).toThrow(/facts are given for c, which is no cluster or folder of the input/);
    expect(() => loadClusters([path.join(dir, 'a'), dir], { [path.join(dir, 'b')]: { name: 'a' } })).toThrow(/two folders hold cluster a/);
  });
});

describe('cross-cluster connections', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-multi-'));
  written(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const multi = MultiClusterAnalysis.of(loadClusters([dir]));

  test('connectivity: each cluster\'s own connections, and between the declared workloads the declared cross-cluster one only', () => {
    const declared = /^[ab]:(shop|data)\//;
    const cross = multi.connectivity({ crossOnly: true }).filter((c) => declared.test(c.src) && declared.test(c.dst)).map((c) => `${c.src} => ${c.dst} : ${c.ports.toString()}`);
    expect(cross).toEqual(['a:shop/api[Deployment] => b:data/db[Deployment] : TCP 5432']);
    // the platform namespaces no policy guards are open across clusters too, by address where a's egress allows it
    expect(multi.connectivity({ crossOnly: true }).map((c) => `${c.src} => ${c.dst} : ${c.ports.toString()}`)).toContain('a:shop/api[Deployment] => b:kube-system/platform-dns[Deployment] : TCP 5432');
    const all = multi.connectivity().map((c) => `${c.src} => ${c.dst}`);
    expect(all).toContain('a:shop/web[Deployment] => a:shop/api[Deployment]');
  });

  test('explain: both sides, layer by layer: a by ClusterMesh? no (b runs no Cilium): by b\'s pod CIDR; b by the principal of a\'s trust domain', () => {
    const e = multi.explain('a:shop/api', 'b:data/db', { protocol: 'TCP', port: 5432 });
    expect(e.allowed).toBe(true);
    expect(e.sides.map((s) => [s.cluster, s.direction, s.layers.map((l) => `${l.layer}:${l.allowed}`).join(',')])).toEqual([
      ['a', 'egress', 'kubernetes:true,cilium:true,istio:true'],
      ['b', 'ingress', 'kubernetes:true,istio:true'],
    ]);
    expect(multi.viewOf('cilium', 'a', 'b', 'egress')).toBe('address');
    expect(multi.viewOf('istio', 'b', 'a', 'ingress')).toBe('identity');
    // the workload of the other side is written with its cluster; an unambiguous name alone is found too
    expect(multi.explain('shop/web', 'data/db', { protocol: 'TCP', port: 5432 }).allowed).toBe(false);
  });

  test('explain with an address at one end: the workload\'s cluster decides alone, and the notes say what is not judged', () => {
    // an address in b's pod CIDR: a's egress layers only (b's pods by address); b's layers are named as not consulted
    const toPods = multi.explain('a:shop/api', '10.2.3.4', { protocol: 'TCP', port: 5432 });
    expect(toPods.sides.map((s) => [s.cluster, s.direction])).toEqual([['a', 'egress']]);
    expect(toPods.dst).toBe('10.2.3.4');
    expect(toPods.allowed).toBe(toPods.sides[0].layers.every((l) => l.allowed));
    expect(toPods.notes).toEqual(["10.2.3.4 lies in the pod CIDRs of b: only a's egress layers are judged for an address; name the workload (b:<namespace>/<name>) to judge b's ingress layers too"]);
    // an address outside every cluster, as the source: b's ingress layers; Istio denies a caller without an identity
    const fromOutside = multi.explain('198.51.100.7', 'b:data/db', { protocol: 'TCP', port: 5432 });
    expect(fromOutside.sides.map((s) => [s.cluster, s.direction])).toEqual([['b', 'ingress']]);
    expect(fromOutside.allowed).toBe(false);
    expect(fromOutside.notes?.[0]).toMatch(/^198\.51\.100\.7 is outside the pod CIDRs of the other clusters: only b's ingress layers are judged; what lies beyond the address/);
    expect(multi.endpointOf('198.51.100.7')).toMatchObject({ type: 'external', id: '198.51.100.7' });
    // the same decision as the cluster's own analysis makes
    const own = multi.cluster('a').analysis.explain(multi.cluster('a').analysis.find('shop/api'), multi.cluster('a').analysis.find('10.2.3.4'), { protocol: 'TCP', port: 5432 });
    expect(toPods.allowed).toBe(own.allowed);
    expect(() => multi.explain('198.51.100.7', '198.51.100.8', { protocol: 'TCP', port: 80 })).toThrow(/neither end is a workload of the clusters given/);
  });

  test('notes: what the multi-cluster connectivity does not judge, with every cluster\'s pod CIDRs', () => {
    expect(multi.notes.join('\n')).toMatch(/judged by the source cluster's egress layers and the destination cluster's ingress layers/);
    expect(multi.notes.join('\n')).toMatch(/pod CIDRs: a 10\.1\.0\.0\/16; b 10\.2\.0\.0\/16/);
    expect(multi.notes.join('\n')).toMatch(/cloud endpoints are judged only where a cluster's input names them/);
  });

  test('without the federation in b, b\'s istio layer denies: the caller\'s trust domain is not trusted', () => {
    const cs = loadClusters([dir]).map((c) => (c.facts.name !== 'b' ? c : {
      ...c, manifests: { ...c.manifests, objects: c.manifests.objects.filter((o) => o.kind !== 'ClusterFederatedTrustDomain') },
    }));
    const e = MultiClusterAnalysis.of(cs).explain('a:shop/api', 'b:data/db', { protocol: 'TCP', port: 5432 });
    expect(e.allowed).toBe(false);
    const istio = e.sides[1].layers.find((l) => l.layer === 'istio')!;
    expect(istio.allowed).toBe(false);
    expect(istio.reasons.at(-1)?.detail).toMatch(/does not trust trust domain a\.example\.com/);
    // a trust given in the facts (such as a shared root) stands in for it
    const trusted = MultiClusterAnalysis.of(cs.map((c) => (c.facts.name === 'b' ? { ...c, facts: { ...c.facts, trusts: ['a.example.com'] } } : c)));
    expect(trusted.explain('a:shop/api', 'b:data/db', { protocol: 'TCP', port: 5432 }).allowed).toBe(true);
  });

  test('a wrong pod CIDR given for a folder moves a\'s pods out of b\'s ipBlock: b\'s kubernetes layer denies', () => {
    const m = MultiClusterAnalysis.of(loadClusters([dir], { a: { podCidrs: ['10.9.0.0/16'] } }));
    const e = m.explain('a:shop/api', 'b:data/db', { protocol: 'TCP', port: 5432 });
    expect(e.sides[1].layers.find((l) => l.layer === 'kubernetes')?.allowed).toBe(false);
  });
});
