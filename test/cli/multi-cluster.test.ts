/**
 * connlist and explain across clusters: a folder holding cluster folders (or several cluster
 * folders), with facts from each folder's facts file or `--cluster-fact`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cluster, Port, synthesize, Topology, Workload } from '../../lib';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';
import { CLUSTER_FACTS_FILE } from '../../lib/analysis/multi-cluster';
import { foldersOf, writeManifests } from '../../lib/synth';
import { standInWorkloads } from '../../lib/verify';

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-cli-multi-'));

beforeAll(() => {
  const topology = new Topology(undefined, 'fed', { trustDomain: 'fed.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
  const a = new Cluster(topology, 'a', {
    cloud: 'aws', podCidrs: ['10.1.0.0/16'], trustDomain: 'a.example.com', layers: ['kubernetes', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire.a.example.com:8443', profile: 'https_spiffe' },
  });
  const b = new Cluster(topology, 'b', {
    cloud: 'gcp', podCidrs: ['10.2.0.0/16'], trustDomain: 'b.example.com', layers: ['kubernetes', 'istio', 'spire'],
    spireBundleEndpoint: { url: 'https://spire.b.example.com:8443', profile: 'https_web' },
  });
  const api = new Workload(topology, 'api', { cluster: a, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const db = new Workload(topology, 'db', { cluster: b, namespace: 'data', ports: { pg: Port.POSTGRES } });
  api.allowTo(db, Port.named('pg'));
  const s = synthesize(topology);
  writeManifests(foldersOf(s), dir);
  for (const c of s.clusters) {
    fs.writeFileSync(path.join(dir, c.cluster.name, 'workloads.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: standInWorkloads(s.plan, c.cluster) }));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bulkhead connlist / explain across clusters', () => {
  test('connlist of the output folder lists the cross-cluster connection with cluster-qualified ids', () => {
    const r = cli('connlist', dir, '--format', 'json');
    expect(r.err.split('\n').filter((l) => /error/.test(l))).toEqual([]);
    expect(r.code).toBe(EXIT_OK);
    const conns = JSON.parse(r.out) as { src: string; dst: string }[];
    expect(conns.some((c) => c.src === 'a:shop/api[Deployment]' && c.dst === 'b:data/db[Deployment]')).toBe(true);
    expect(conns.some((c) => c.src === 'b:data/db[Deployment]' && c.dst === 'a:shop/api[Deployment]')).toBe(false);
  });

  test('explain to an address of the other cluster\'s pods: the source\'s egress layers, and a note on what is not judged; connlist prints its notes', () => {
    const r = cli('explain', dir, '--from', 'a:shop/api', '--to', '10.2.0.9', '--port', 'tcp/5432');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/^a:shop\/api\[Deployment\] => 10\.2\.0\.9 : TCP\/5432: (allowed|denied)$/m);
    expect(r.out).toMatch(/^ {2}a kubernetes \(egress\): /m);
    expect(r.out).not.toMatch(/^ {2}b /m);
    expect(r.out).toMatch(/^ {2}note: 10\.2\.0\.9 lies in the pod CIDRs of b: only a's egress layers are judged for an address; name the workload \(b:<namespace>\/<name>\)/m);
    const list = cli('connlist', dir);
    expect(list.err).toMatch(/^note: connections with addresses \(external or not\) are each cluster's own/m);
  });

  test('explain names both sides, per cluster and layer', () => {
    const r = cli('explain', path.join(dir, 'a'), path.join(dir, 'b'), '--from', 'a:shop/api', '--to', 'b:data/db', '--port', 'tcp/pg');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/^a:shop\/api\[Deployment\] => b:data\/db\[Deployment\] : TCP\/5432: allowed/);
    expect(r.out).toMatch(/ {2}a kubernetes \(egress\): allowed/);
    expect(r.out).toMatch(/ {2}b istio \(ingress\): allowed/);
  });

  test('--cluster-fact overrides a fact of a folder: a wrong pod CIDR for a makes b\'s NetworkPolicy deny (exit 1 with --exit-code)', () => {
    const r = cli('explain', dir, '--from', 'a:shop/api', '--to', 'b:data/db', '--port', 'tcp/5432', '--cluster-fact', 'a.podCidrs=10.9.0.0/16', '--exit-code');
    expect(r.code).toBe(EXIT_FINDING);
    expect(r.out).toMatch(/b kubernetes \(ingress\): denied/);
  });

  test('a folder written by another tool: facts given on the command line', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-cli-other-'));
    try {
      for (const c of ['a', 'b']) {
        fs.mkdirSync(path.join(other, c));
        for (const f of fs.readdirSync(path.join(dir, c))) if (f !== CLUSTER_FACTS_FILE) fs.copyFileSync(path.join(dir, c, f), path.join(other, c, f));
      }
      const facts = ['--cluster-fact', 'a.podCidrs=10.1.0.0/16', '--cluster-fact', 'a.trustDomain=a.example.com', '--cluster-fact', 'b.trustDomain=b.example.com', '--cluster-fact', 'b.podCidrs=10.2.0.0/16'];
      const r = cli('explain', path.join(other, 'a'), path.join(other, 'b'), '--from', 'a:shop/api', '--to', 'b:data/db', '--port', 'tcp/5432', ...facts);
      expect(r.out).toMatch(/: allowed/);
      const bad = cli('explain', path.join(other, 'a'), path.join(other, 'b'), '--from', 'a:shop/api', '--to', 'b:data/db', '--port', 'tcp/5432', '--cluster-fact', 'a.podCidrs=10.1.0.0/99');
      expect(bad.code).toBe(EXIT_BAD_INPUT);
      expect(bad.err).toMatch(/\[BH-IN-FIELD\].*podCidrs holds a value that is not a CIDR/);
      const usage = cli('connlist', path.join(other, 'a'), path.join(other, 'b'), '--trust-domain', 'x.example.com');
      expect(usage.code).toBe(EXIT_BAD_INPUT);
      expect(usage.err).toMatch(/--cluster-fact <cluster>\.trustDomain/);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  test('one cluster folder is analysed as before (ids without a cluster)', () => {
    const r = cli('connlist', path.join(dir, 'a'), '--format', 'json');
    expect(r.code).toBe(EXIT_OK);
    expect((JSON.parse(r.out) as { src: string }[]).every((c) => !c.src.startsWith('a:'))).toBe(true);
  });
});
