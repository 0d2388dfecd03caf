/**
 * Cloud benchmark (with `--cloud`): the security groups of a generated topology's AWS network
 * (groups, rules per group, groups that needed sharding, from the prepare step) and the time of
 * the cloud layer's verify (`verifyAws`: the Crossplane objects of the network against the
 * plan's cloud endpoints and flows), in a fresh process that reads the prepared file.
 *
 *   npm run bench -- --cloud                       1,000 VM fleets and 50 managed services per size
 *   npm run bench -- --cloud --vms 200 --managed 10
 */
import * as fs from 'fs';
import { verifyAws } from '../lib';
import { CloudGenerateOptions } from './generate';
import { argValue, intOption, Measurement, measure, mib, replyToParent, runChild, sec, table } from './harness';
import { Prepared, PreparedFile } from './prepare';

/** The cloud part `--cloud` adds: the issue's 1,000 VMs and 50 managed services, or `--vms` / `--managed`. */
export function cloudOption(argv: readonly string[]): CloudGenerateOptions | undefined {
  if (!argv.includes('--cloud')) return undefined;
  return { vms: intOption(argv, '--vms', 1000), managedServices: intOption(argv, '--managed', 50) };
}

/** What one cloud verify child reports. */
export interface CloudVerifyCase {
  /** `verifyAws` of every network's objects. */
  readonly measurement: Measurement;
  /** Ordered pairs of cloud endpoints compared. */
  readonly pairs: number;
  /** Address pieces compared. */
  readonly addressChecks: number;
  /** Findings by kind (zero on a valid generated declaration). */
  readonly findings: Readonly<Record<string, number>>;
  /** The first finding, if any. */
  readonly example?: string;
}

/** One row of the cloud benchmark. */
export interface CloudRow {
  /** The prepared input (with its cloud figures). */
  readonly prepared: Prepared;
  /** The cloud verify run, or its error. */
  readonly verify: CloudVerifyCase | { readonly error: string };
}

/** Runs the cloud verify child of every prepared size that has a cloud part. */
export async function benchCloud(prepared: readonly Prepared[], options: { readonly verify?: boolean; readonly log?: (line: string) => void } = {}): Promise<CloudRow[]> {
  const rows: CloudRow[] = [];
  for (const p of prepared) {
    if (!p.cloud) continue;
    if (options.verify === false) {
      rows.push({ prepared: p, verify: { error: 'not run (--no-verify)' } });
      continue;
    }
    options.log?.(`cloud ${p.size}: verify of the aws layer`);
    try {
      rows.push({ prepared: p, verify: await runChild<CloudVerifyCase>('cloud.ts', ['--child', 'verify', '--input', p.file]) });
    } catch (e) {
      rows.push({ prepared: p, verify: { error: e instanceof Error ? e.message.split('\n')[0] : String(e) } });
    }
  }
  return rows;
}

/** The report of the cloud benchmark. */
export function reportCloud(rows: readonly CloudRow[]): string {
  const out: string[] = [];
  const c0 = rows[0]?.prepared.cloud;
  out.push(`Cloud — one AWS network beside the first cluster: ${c0?.vms ?? 0} VM fleets, ${c0?.managedServices ?? 0} managed services (aws layer, quotas 60 inbound / 60 outbound rules per group)`);
  out.push(table(
    ['workloads', 'cloud flows', 'groups', 'owners', 'sharded owners', 'max groups/owner', 'ingress rules', 'egress rules', 'max in/group', 'max out/group', 'aws objects', 'aws render s'],
    rows.map((r) => {
      const f = r.prepared.cloudFigures;
      return [
        String(r.prepared.size), String(r.prepared.stats.cloudFlows),
        ...(f ? [f.groups, f.owners, f.sharded, f.maxGroupsPerOwner, f.ingressRules, f.egressRules, f.maxIngressPerGroup, f.maxEgressPerGroup, f.objects].map(String) : Array(9).fill('-')),
        f ? sec(f.renderMs) : '-',
      ];
    }),
  ));
  out.push('');
  out.push('verify of the cloud layer — verifyAws(plan, the network\'s Crossplane objects): every ordered pair of cloud endpoints, and each against the address sets it may reach');
  out.push(table(
    ['workloads', 'pairs', 'address checks', 'verify s', 'cpu s', 'peak RSS MiB', 'findings'],
    rows.map((r) => {
      const v = r.verify;
      if ('error' in v) return [String(r.prepared.size), '-', '-', '-', '-', '-', v.error];
      const findings = Object.entries(v.findings).map(([k, n]) => `${k}: ${n}`).join(', ') || '0';
      return [String(r.prepared.size), String(v.pairs), String(v.addressChecks), sec(v.measurement.ms), sec(v.measurement.cpuMs), mib(v.measurement.peakRss), findings];
    }),
  ));
  const bad = rows.filter((r) => !('error' in r.verify) && Object.keys(r.verify.findings).length > 0);
  for (const r of bad) if (!('error' in r.verify) && r.verify.example) out.push(`  e.g. at ${r.prepared.size}: ${r.verify.example}`);
  const over = rows.filter((r) => r.prepared.cloudFigures && (r.prepared.cloudFigures.maxIngressPerGroup > 60 || r.prepared.cloudFigures.maxEgressPerGroup > 60));
  out.push('');
  out.push(`${over.length === 0 ? 'PASS' : 'FAIL'}  every group within its quota (60 rules per direction): ${over.length === 0 ? 'yes' : `no, at ${over.map((r) => r.prepared.size).join(', ')}`}`);
  out.push(`${bad.length === 0 ? 'PASS' : 'FAIL'}  the cloud layer verifies exact: ${bad.length === 0 ? 'no finding' : `findings at ${bad.map((r) => r.prepared.size).join(', ')}`}`);
  return out.join('\n');
}

// ------------------------------------------------------------------ child

function verifyCase(argv: readonly string[]): CloudVerifyCase {
  const input = argValue(argv, '--input');
  if (!input) throw new Error('--input is required');
  const file = JSON.parse(fs.readFileSync(input, 'utf8')) as PreparedFile;
  if (!file.cloudPlan) throw new Error('the prepared input has no cloud part (prepare with --vms / --managed)');
  const plan = file.cloudPlan;
  const manifests = file.networkCharts.flatMap((n) => n.manifests);
  const { result: report, measurement } = measure(() => verifyAws(plan, manifests));
  const findings: Record<string, number> = {};
  for (const f of report.findings) findings[f.kind] = (findings[f.kind] ?? 0) + 1;
  const first = report.findings[0];
  return {
    measurement,
    pairs: report.networks.reduce((n, x) => n + x.pairs, 0),
    addressChecks: report.networks.reduce((n, x) => n + x.addressChecks, 0),
    findings,
    ...(first ? { example: `${first.kind}: ${first.src} => ${first.dst} : ${first.ports} (${first.detail})` } : {}),
  };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argValue(argv, '--child') === 'verify') replyToParent(() => verifyCase(argv));
  else process.stderr.write('bench/cloud.ts runs as a child of bench/run.ts: npm run bench -- --cloud\n');
}
