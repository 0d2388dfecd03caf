/**
 * Every pod CIDR of a cluster counts, not its first one: the facts carry all of them, and the
 * analysis of several clusters sees a remote cluster's pods anywhere in any of its IPv4 pod
 * ranges, so a layer that admits only some of them is found (a pod may take an address of any).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cluster, Port, synthesize, Topology, Workload } from '../../lib';
import { CLUSTER_FACTS_FILE, podRangesOf } from '../../lib/analysis/cluster-facts';
import { parseIpv4 } from '../../lib/analysis/ipv4';
import { loadClusters, MultiClusterAnalysis } from '../../lib/analysis/multi-cluster';
import { foldersOf, writeManifests } from '../../lib/synth';
import { standInWorkloads } from '../../lib/verify';

const NOW = () => new Date('2026-11-22T21:00:00Z');
const A_PODS = ['10.11.0.0/16', '10.1.0.0/16'];

function written(dir: string): void {
  const topology = new Topology(undefined, 'fed', { trustDomain: 'fed.example.com', environment: 'prod', clock: NOW });
  const a = new Cluster(topology, 'a', { cloud: 'aws', region: 'eu-west-1', podCidrs: A_PODS, nodeCidrs: ['172.16.1.0/24'], layers: ['kubernetes'] });
  const b = new Cluster(topology, 'b', { cloud: 'gcp', region: 'us-east1', podCidrs: ['10.2.0.0/16', '10.22.0.0/16'], nodeCidrs: ['172.16.2.0/24'], layers: ['kubernetes'] });
  const api = new Workload(topology, 'api', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const db = new Workload(topology, 'db', { cluster: b, namespace: 'data', ports: { pg: Port.POSTGRES } });
  api.allowTo(db, Port.named('pg'));
  const s = synthesize(topology);
  writeManifests(foldersOf(s), dir);
  for (const c of s.clusters) {
    fs.writeFileSync(path.join(dir, c.cluster.name, 'workloads.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: standInWorkloads(s.plan, c.cluster) }));
  }
}

describe('podRangesOf', () => {
  test('every IPv4 pod CIDR as a range, sorted, without repeats; IPv6 ones apart', () => {
    const r = podRangesOf({ podCidrs: ['10.11.0.0/16', '10.1.0.0/16', '10.1.0.0/16', 'fd00:10::/56', '2001:db8::/64'] });
    expect(r.ipv4).toEqual([[parseIpv4('10.1.0.0'), parseIpv4('10.1.255.255')], [parseIpv4('10.11.0.0'), parseIpv4('10.11.255.255')]]);
    expect(r.ipv6).toEqual(['2001:db8::/64', 'fd00:10::/56']);
    expect(podRangesOf({})).toEqual({ ipv4: [], ipv6: [] });
  });
});

describe('a remote cluster with several pod CIDRs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-pod-ranges-'));
  written(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const conn = { protocol: 'TCP' as const, port: 5432 };

  test('the facts file holds every pod CIDR', () => {
    const facts = JSON.parse(fs.readFileSync(path.join(dir, 'a', CLUSTER_FACTS_FILE), 'utf8')) as { podCidrs: string[] };
    expect([...facts.podCidrs].sort()).toEqual([...A_PODS].sort());
  });

  test('every range is seen: the pods of each of a\'s ranges are admitted by b, and the multi-cluster analysis sees all of them', () => {
    const m = MultiClusterAnalysis.of(loadClusters([dir]));
    expect(m.podRanges('a')).toHaveLength(2);
    expect(m.remoteAddresses('a').map((e) => e.id)).toEqual(['10.1.0.0-10.1.255.255', '10.11.0.0-10.11.255.255']);
    expect(m.explain('a:shop/api', 'b:data/db', conn).allowed).toBe(true);
  });

  test('a pod range b does not admit (a\'s second range moved) is found: b\'s kubernetes layer denies, the first range alone would not say so', () => {
    const moved = MultiClusterAnalysis.of(loadClusters([dir], { a: { podCidrs: ['10.1.0.0/16', '10.99.0.0/16'] } }));
    const e = moved.explain('a:shop/api', 'b:data/db', conn);
    expect(e.allowed).toBe(false);
    const k = e.sides.find((s) => s.cluster === 'b')!.layers.find((l) => l.layer === 'kubernetes')!;
    expect(k.allowed).toBe(false);
    // the first range alone is still admitted
    const first = MultiClusterAnalysis.of(loadClusters([dir], { a: { podCidrs: ['10.1.0.0/16'] } }));
    expect(first.explain('a:shop/api', 'b:data/db', conn).allowed).toBe(true);
    // the port arithmetic agrees with explain
    const src = moved.find('a:shop/api').endpoint;
    const dst = moved.find('b:data/db').endpoint;
    if (src.type !== 'workload' || dst.type !== 'workload') throw new Error('expected workloads');
    expect(moved.crossPorts('a', src, 'b', dst).isEmpty()).toBe(true);
    expect(first.crossPorts('a', src, 'b', dst).isEmpty()).toBe(false);
  });

  test('the source side too: a\'s egress must reach every pod range of b', () => {
    const moved = MultiClusterAnalysis.of(loadClusters([dir], { b: { podCidrs: ['10.2.0.0/16', '10.98.0.0/16'] } }));
    const e = moved.explain('a:shop/api', 'b:data/db', conn);
    expect(e.sides.find((s) => s.cluster === 'a')!.layers.find((l) => l.layer === 'kubernetes')!.allowed).toBe(false);
  });
});
