/**
 * `bulkhead infer <logs...>`: a declaration program from observed traffic, or, with
 * `--against <declaration>`, the audit before enforcing it.
 *
 * Exit codes: 0 the program was written (or, with `--against`, every observed flow is allowed);
 * 1 with `--against`, an observed flow the declaration would deny (what enforcing would break);
 * declared flows never observed are listed but do not change the exit code unless
 * `--fail-on-unobserved` is given; 2 bad input (a malformed record, an unknown format, a
 * manifest or option that cannot be read), and nothing is written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { BulkheadError, Problem, formatProblems } from '../core/errors';
import { buildPlan } from '../plan/build';
import { Inference } from '../infer/aggregate';
import { AgainstReport, compareWithPlan, flowText } from '../infer/against';
import { generateProgram } from '../infer/generate';
import { inferFromFiles } from '../infer';
import { ManifestSource } from '../infer/inventory';
import { FLOW_FORMATS, FlowFormat, INFER_CODES } from '../infer/types';
import { loadTopology } from './declaration';

/** What the infer command needs from the command it is registered on. */
export interface InferCliContext {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Sets the exit code of the run. */
  readonly exit: (code: number) => void;
}

interface InferCliOptions {
  format: string;
  manifests: string[];
  cluster: string;
  podCidr: string[];
  nodeCidr: string[];
  layers?: string;
  trustDomain?: string;
  domains: boolean;
  foldExternals: string;
  import: string;
  name: string;
  out?: string;
  against?: string;
  export?: string;
  report: 'txt' | 'json';
  failOnUnobserved: boolean;
}

/**
 * Registers `bulkhead infer` on the program.
 *
 * @param context where it writes and how it sets the exit code @default - the process's stdout, stderr and exit code
 */
export function registerInfer(program: Command, context: InferCliContext = processContext()): void {
  program
    .command('infer')
    .description('write a declaration program from observed traffic (Cilium Hubble JSON, Istio/Envoy JSON access logs, AWS VPC flow logs), or with --against, list what enforcing a declaration would break')
    .argument('<logs...>', 'flow-log files, read one line at a time')
    .addOption(new Option('--format <format>', 'the format of every file (default: detected per file from its first record)').choices(['auto', ...FLOW_FORMATS]).default('auto'))
    .option('--manifests <[cluster=]path>', 'manifests of a cluster (repeatable): a file or folder of Deployments, StatefulSets, DaemonSets, Pods (status.podIP maps addresses) and Services (clusterIP); a .bulkhead-cluster.json beside them gives the cluster name, pod and node CIDRs and layers', collect, [])
    .option('--cluster <name>', 'the cluster of --manifests paths that name none and have no facts file', 'cluster')
    .option('--pod-cidr <[cluster=]cidr>', "a cluster's pod CIDR (repeatable): addresses in it are pods, never externals", collect, [])
    .option('--node-cidr <[cluster=]cidr>', "a cluster's node CIDR (repeatable): traffic of nodes is left out", collect, [])
    .option('--layers <list>', 'the layers of every cluster of the program, comma-separated (default: the facts file, else kubernetes)')
    .option('--trust-domain <domain>', 'the trust domain of the program (default: the facts file, else cluster.local)')
    .option('--no-domains', 'do not suggest a DomainBoundary per namespace')
    .option('--fold-externals <n>', 'fold more than n distinct outside addresses on one workload port into one internet External', '16')
    .option('--import <module>', 'the module the program imports Bulkhead from', 'bulkhead')
    .option('--name <id>', "the topology's construct id", 'inferred')
    .option('--out <file>', 'write the program to a file (default: standard output)')
    .option('--against <declaration>', 'compare the observed flows with a declaration program instead: the observed flows it would deny, and its flows never observed')
    .option('--export <name>', 'with --against: the export holding the Topology')
    .addOption(new Option('--report <format>', 'with --against: the report format').choices(['txt', 'json']).default('txt'))
    .option('--fail-on-unobserved', 'with --against: exit 1 also when a declared flow was never observed', false)
    .action((logs: string[], opts: InferCliOptions) => {
      const problems: Problem[] = [];
      const usage = (message: string, value: string, fix: string): void => { problems.push({ severity: 'error', code: INFER_CODES.cluster, path: 'bulkhead infer', message, value, fix }); };
      const sources: ManifestSource[] = opts.manifests.map((m) => {
        const eq = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)=(.+)$/.exec(m);
        return eq && !fs.existsSync(m) ? { cluster: eq[1], path: eq[3] } : { path: m };
      });
      const cidrs = (list: string[], flag: string): Record<string, string[]> => {
        const out: Record<string, string[]> = {};
        for (const x of list) {
          const m = /^(?:([a-z0-9]([a-z0-9-]*[a-z0-9])?)=)?([0-9a-fA-F.:]+\/\d+)$/.exec(x.trim());
          if (!m) {
            usage(`${flag} is not [cluster=]cidr`, x, `write ${flag} 10.20.0.0/16 or ${flag} eks=10.20.0.0/16`);
            continue;
          }
          const c = m[1] ?? defaultCluster(sources, opts.cluster);
          out[c] = [...(out[c] ?? []), m[3]];
        }
        return out;
      };
      const podCidrs = cidrs(opts.podCidr, '--pod-cidr');
      const nodeCidrs = cidrs(opts.nodeCidr, '--node-cidr');
      const fold = Number(opts.foldExternals);
      if (!Number.isInteger(fold) || fold < 0) usage('--fold-externals is not a whole number', opts.foldExternals, 'write --fold-externals 16');
      if (opts.against === undefined && (opts.export !== undefined || opts.failOnUnobserved)) usage('--export and --fail-on-unobserved go with --against', opts.export ?? '--fail-on-unobserved', 'add --against <declaration>, or leave them out');
      if (problems.length > 0) throw new BulkheadError(problems, `${problems.length} problem(s) with the options:`);
      const inference = inferFromFiles(logs, {
        manifests: sources, defaultCluster: opts.cluster, podCidrs, nodeCidrs, foldExternalsAbove: fold,
        ...(opts.format !== 'auto' ? { format: opts.format as FlowFormat } : {}),
      });
      context.stderr(formatProblems(inference.warnings));
      context.stderr(summary(inference));
      if (opts.against !== undefined) {
        const report = compareWithPlan(inference, buildPlan(loadTopology(opts.against, opts.export)));
        context.stdout(opts.report === 'json' ? `${JSON.stringify(report, null, 2)}\n` : againstText(report));
        if (report.denied.length > 0 || (opts.failOnUnobserved && report.unobserved.length > 0)) context.exit(1);
        if (opts.out === undefined) return;
      }
      const program = generateProgram(inference, {
        importFrom: opts.import, name: opts.name, domains: opts.domains,
        ...(opts.trustDomain ? { trustDomain: opts.trustDomain } : {}),
        ...(opts.layers ? { layers: opts.layers.split(',').map((l) => l.trim()).filter((l) => l) } : {}),
        header: summary(inference).trim().split('\n'),
      });
      if (opts.out === undefined) {
        context.stdout(program);
        return;
      }
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      fs.writeFileSync(opts.out, program);
      context.stderr(`wrote ${opts.out}\n`);
    });
}

function defaultCluster(sources: readonly ManifestSource[], fallback: string): string {
  const named = sources.find((s) => s.cluster !== undefined)?.cluster;
  return named ?? fallback;
}

/** The counts, for standard error and the program's header. */
function summary(i: Inference): string {
  const c = i.counts;
  const formats = Object.entries(c.byFormat).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`).join(', ');
  const skipped = Object.entries(c.skipped).filter(([k, n]) => n > 0 && k !== 'header').map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `observed: ${c.records} record(s) in ${c.lines} line(s) (${formats || 'none'}) -> ${i.flows.length} distinct flow(s), ${i.workloads.length} workload(s), ${i.externals.length} external(s)`,
    `left out: ${skipped || 'nothing'} (denied = Hubble DROPPED/ERROR, VPC REJECT, Istio RBAC denials: traffic that did not flow)`,
  ].join('\n') + '\n';
}

function againstText(r: AgainstReport): string {
  const lines = [
    `observed flows the declaration would deny (enforcing would break them): ${r.denied.length}`,
    ...r.denied.map((d) => `  deny ${flowText(d.flow)} (${d.flow.records} record(s)): ${d.reason}`),
    `declared flows never observed (candidates to remove): ${r.unobserved.length}`,
    ...r.unobserved.map((u) => `  unobserved ${u.source} => ${u.destination} : ${u.ports.join(', ')} (${u.path})`),
    `observed flows allowed: ${r.allowed}`,
  ];
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function processContext(): InferCliContext {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), exit: (c) => { process.exitCode = c; } };
}
