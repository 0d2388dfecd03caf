/**
 * `bulkhead infer` benchmark: time and peak RSS to infer a declaration from N generated flow
 * records (default 1,000,000), streamed from generated files: 60% Hubble JSON, 20% Istio/Envoy
 * JSON access-log entries, 20% VPC flow log records, over 400 workloads in 20 namespaces and
 * 2,000 distinct flows (with replies, drops and HTTP paths with identifiers mixed in). The
 * inference runs in a fresh process, so its peak RSS is its own.
 *
 *   npx ts-node --transpile-only bench/infer.ts                         1,000,000 records
 *   npx ts-node --transpile-only bench/infer.ts --records 100000,1000000
 *   npx ts-node --transpile-only bench/infer.ts --seed 7
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateProgram, inferFromFiles } from '../lib/infer';
import { argValue, intOption, loadNote, measure, mib, replyToParent, runChild, scratchDir, sec, table } from './harness';
import { prng } from './generate';

/** One row of the benchmark. */
export interface InferRow {
  /** Records generated. */
  readonly records: number;
  /** Bytes of the input files. */
  readonly bytes: number;
  /** Wall time of reading, mapping and aggregating, in ms. */
  readonly inferMs: number;
  /** CPU time of the same, in ms. */
  readonly cpuMs: number;
  /** Wall time of writing the program, in ms. */
  readonly generateMs: number;
  /** Peak RSS of the process, in bytes. */
  readonly peakRss: number;
  /** RSS before the inference (the process with the library loaded), in bytes. */
  readonly rssBefore: number;
  /** Distinct flows found. */
  readonly flows: number;
  /** Records aggregated (the rest were replies, drops, ...). */
  readonly aggregated: number;
}

const NAMESPACES = 20;
const PER_NAMESPACE = 20;
const FLOWS = 2000;

interface W { ns: string; name: string; ip: string; port: number }

/** Writes the manifests and the three log files; returns their paths and size. */
export function generateInput(dir: string, records: number, seed: number): { manifests: string; logs: string[]; bytes: number } {
  const rand = prng(seed);
  const workloads: W[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    for (let i = 0; i < PER_NAMESPACE; i++) workloads.push({ ns: `ns${n}`, name: `svc${i}`, ip: `10.20.${n}.${i + 10}`, port: 8000 + (i % 7) });
  }
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests, { recursive: true });
  fs.writeFileSync(path.join(manifests, '.bulkhead-cluster.json'), JSON.stringify({ generator: 'bulkhead', kind: 'cluster', version: 1, name: 'bench', podCidrs: ['10.20.0.0/16'], nodeCidrs: ['10.0.0.0/20'] }));
  const docs: string[] = [];
  for (const w of workloads) {
    docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${w.name}, namespace: ${w.ns} }\nspec:\n  selector: { matchLabels: { app: ${w.name} } }\n  template:\n    metadata: { labels: { app: ${w.name} } }\n    spec: { serviceAccountName: ${w.name}, containers: [{ name: app, image: app, ports: [{ containerPort: ${w.port} }] }] }`);
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: { name: ${w.name}-7c9d8f6b5-x2k4p, namespace: ${w.ns}, labels: { app: ${w.name} } }\nspec: { containers: [{ name: app, image: app }] }\nstatus: { podIP: ${w.ip} }`);
  }
  fs.writeFileSync(path.join(manifests, 'all.yaml'), docs.join('\n---\n') + '\n');
  const flows = Array.from({ length: FLOWS }, () => {
    const s = workloads[Math.floor(rand() * workloads.length)];
    let d = workloads[Math.floor(rand() * workloads.length)];
    if (d === s) d = workloads[(workloads.indexOf(s) + 1) % workloads.length];
    return { s, d, external: rand() < 0.05 ? `198.51.${Math.floor(rand() * 4)}.${Math.floor(rand() * 250) + 1}` : undefined, http: rand() < 0.5 };
  });
  const files = { hubble: path.join(dir, 'hubble.jsonl'), envoy: path.join(dir, 'envoy.jsonl'), vpc: path.join(dir, 'vpc.log') };
  const fds = { hubble: fs.openSync(files.hubble, 'w'), envoy: fs.openSync(files.envoy, 'w'), vpc: fs.openSync(files.vpc, 'w') };
  const buffers: Record<keyof typeof fds, string[]> = { hubble: [], envoy: [], vpc: ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'] };
  const flush = (k: keyof typeof fds, force = false): void => {
    if (buffers[k].length >= 2000 || (force && buffers[k].length > 0)) {
      fs.writeSync(fds[k], buffers[k].join('\n') + '\n');
      buffers[k] = [];
    }
  };
  const ep = (w: W) => ({ ID: 1, identity: 1, cluster_name: 'bench', namespace: w.ns, labels: [`k8s:app=${w.name}`, `k8s:io.kubernetes.pod.namespace=${w.ns}`], pod_name: `${w.name}-7c9d8f6b5-x2k4p`, workloads: [{ name: w.name, kind: 'Deployment' }] });
  for (let r = 0; r < records; r++) {
    const f = flows[Math.floor(rand() * flows.length)];
    const sport = 32768 + Math.floor(rand() * 28000);
    const dstIp = f.external ?? f.d.ip;
    const dport = f.external ? 443 : f.d.port;
    const kind = rand();
    const path_ = `/api/v1/items/${Math.floor(rand() * 100000)}`;
    if (kind < 0.6) {
      const roll = rand();
      const flow: Record<string, unknown> = {
        time: '2026-11-30T09:00:00.000000000Z', verdict: roll < 0.02 ? 'DROPPED' : 'FORWARDED',
        IP: { source: f.s.ip, destination: dstIp, ipVersion: 'IPv4' },
        l4: { TCP: { source_port: sport, destination_port: dport, flags: { SYN: true } } },
        source: ep(f.s), destination: f.external ? { identity: 2, labels: ['reserved:world'] } : ep(f.d),
        Type: f.http && !f.external ? 'L7' : 'L3_L4', node_name: 'bench/n1', traffic_direction: 'EGRESS', is_reply: roll > 0.8,
        ...(f.http && !f.external ? { l7: { type: 'REQUEST', http: { method: rand() < 0.7 ? 'GET' : 'POST', url: `http://x${path_}` } } } : {}),
        ...(f.external ? { destination_names: [`api${f.external.split('.')[2]}.example.com`] } : {}),
      };
      buffers.hubble.push(JSON.stringify({ flow, node_name: 'bench/n1', time: flow.time }));
      flush('hubble');
    } else if (kind < 0.8) {
      buffers.envoy.push(JSON.stringify({
        start_time: '2026-11-30T09:01:00.000Z', method: f.http ? 'GET' : null, path: f.http ? path_ : null, protocol: f.http ? 'HTTP/1.1' : null, response_code: 200, response_flags: '-', response_code_details: 'via_upstream',
        authority: null, upstream_host: `${dstIp}:${dport}`, upstream_cluster: `outbound|${dport}||${f.d.name}.${f.d.ns}.svc.cluster.local`, upstream_local_address: `${f.s.ip}:${sport}`,
        downstream_local_address: `${dstIp}:${dport}`, downstream_remote_address: `${f.s.ip}:${sport - 1}`, requested_server_name: null, bytes_received: 0, bytes_sent: 100, duration: 2,
      }));
      flush('envoy');
    } else {
      const reply = rand() < 0.5;
      buffers.vpc.push(reply
        ? `2 123456789012 eni-0a1 ${dstIp} ${f.s.ip} ${dport} ${sport} 6 9 1204 1764493200 1764493260 ACCEPT OK`
        : `2 123456789012 eni-0a1 ${f.s.ip} ${dstIp} ${sport} ${dport} 6 10 840 1764493200 1764493260 ${rand() < 0.02 ? 'REJECT' : 'ACCEPT'} OK`);
      flush('vpc');
    }
  }
  for (const k of Object.keys(fds) as (keyof typeof fds)[]) {
    flush(k, true);
    fs.closeSync(fds[k]);
  }
  const logs = Object.values(files);
  return { manifests, logs, bytes: logs.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

/** In the child: infer from the generated files and measure. */
function child(dir: string, records: number, bytes: number): InferRow {
  const logs = ['hubble.jsonl', 'envoy.jsonl', 'vpc.log'].map((f) => path.join(dir, f));
  const { result, measurement } = measure(() => inferFromFiles(logs, { manifests: [{ path: path.join(dir, 'manifests') }] }));
  const t0 = process.hrtime.bigint();
  generateProgram(result);
  const generateMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { records, bytes, inferMs: measurement.ms, cpuMs: measurement.cpuMs, generateMs, peakRss: process.resourceUsage().maxRSS * 1024, rssBefore: measurement.rssBefore, flows: result.flows.length, aggregated: result.counts.records };
}

/** Generates the input for each size and measures the inference in a fresh process. */
export async function benchInfer(sizes: readonly number[], seed: number, log: (line: string) => void = () => undefined): Promise<InferRow[]> {
  const rows: InferRow[] = [];
  for (const records of sizes) {
    const dir = scratchDir();
    try {
      log(`infer: generating ${records} records`);
      const { bytes } = generateInput(dir, records, seed);
      log(`infer: inferring from ${mib(bytes)} MiB`);
      rows.push(await runChild<InferRow>('infer.ts', ['--child', dir, String(records), String(bytes)], { maxOldSpaceMb: 4096 }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The table of the rows. */
export function reportInfer(rows: readonly InferRow[]): string {
  return table(
    ['records', 'input MiB', 'infer s', 'CPU s', 'records/s', 'program s', 'peak RSS MiB', 'RSS before MiB', 'distinct flows', 'aggregated'],
    rows.map((r) => [r.records.toLocaleString('en-US'), mib(r.bytes), sec(r.inferMs), sec(r.cpuMs), Math.round(r.records / (r.inferMs / 1000)).toLocaleString('en-US'), sec(r.generateMs), mib(r.peakRss), mib(r.rssBefore), String(r.flows), r.aggregated.toLocaleString('en-US')]),
  );
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    replyToParent(() => child(argv[1], Number(argv[2]), Number(argv[3])));
  } else {
    const sizes = (argValue(argv, '--records') ?? '1000000').split(',').map((x) => Number(x.trim()));
    const seed = intOption(argv, '--seed', 1);
    benchInfer(sizes, seed, (l) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${l}\n`)).then((rows) => {
      process.stdout.write(`bulkhead infer: ${NAMESPACES * PER_NAMESPACE} workloads, ${FLOWS} generated flows\n${reportInfer(rows)}\n`);
      const note = loadNote();
      if (note) process.stdout.write(`${note}\n`);
    }, (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
  }
}
