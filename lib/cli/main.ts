#!/usr/bin/env node
/**
 * The `bulkhead` command: `connlist`, `explain`, `diff` and `verify`.
 *
 * Exit codes: 0 fine, 1 a finding (verify found a mismatch; diff found changes, or explain
 * found the connection denied, when asked with `--exit-code`), 2 bad input.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AnalysisInputError } from '../analysis/errors';
import { Analysis, AnalysisOptions, diff } from '../analysis/engine';
import { OutputFormat, formatConnectivity, formatExplanation, formatLayerDiff } from '../analysis/format';
import { SIMULATORS } from '../analysis/simulators';
import { L4Protocol } from '../analysis/portset';
import { AnalysisLayer, CloudEndpoint, Connection, Endpoint } from '../analysis/types';
import { loadCloudEndpoints } from '../analysis/aws-endpoints';
import { ClusterFacts, MultiClusterAnalysis, clusterFolders, formatMultiClusterExplanation, loadClusters, parseClusterFacts } from '../analysis/multi-cluster';
import * as fs from 'fs';
import * as path from 'path';
import { BulkheadError, Problem, formatProblems } from '../core/errors';
import { foldersOf, synthesize, writeManifests } from '../synth';
import { loadWithEndpoints, VerifyReport } from '../verify';
import { LoadedManifests, loadManifests, loadObjects } from '../analysis/loader';
import { DeclarationLoadError, isProgram, loadTopology } from './declaration';
import { addGitOpsOptions, declaredControlPlanes, GitOpsCliOptions, gitopsFromCli } from '../gitops/cli';
import { environmentDiffCommand, isEnvironmentDiff, synthesizeProgram } from './environments';
import { registerVerify } from './verify';
import { registerReport } from './report';
import { registerInfer } from './infer';

/** Where the command writes. */
export interface CliIo {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
}

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: a finding (verify mismatch, or diff changes with `--exit-code`). */
export const EXIT_FINDING = 1;
/** Exit code: bad input. */
export const EXIT_BAD_INPUT = 2;

/** The layers `--layer` offers: those the analysis simulates (its registered simulators), in report order. */
export function layerChoices(): AnalysisLayer[] {
  return SIMULATORS.map((r) => r.layer);
}

/** Codes of the command's own problems. */
export const CLI_CODES = {
  /** Bad command-line input (an option value, a missing argument). */
  usage: 'BH-CLI-USAGE',
  /** A declaration program that cannot be loaded or does not yield a Topology. */
  declaration: 'BH-CLI-DECLARATION',
  /** An unexpected failure inside the command (a bug). */
  internal: 'BH-CLI-INTERNAL',
} as const;

/** Thrown inside the command for bad command-line input. */
class UsageError extends Error {}

/** The problems an error stands for: its own, or one made from its message. */
export function problemsOf(e: unknown): readonly Problem[] {
  if (BulkheadError.isBulkheadError(e)) return e.problems;
  if (e instanceof UsageError) return [{ severity: 'error', code: CLI_CODES.usage, path: 'bulkhead', message: e.message, fix: 'run bulkhead <command> --help for the usage' }];
  if (e instanceof DeclarationLoadError) return [{ severity: 'error', code: CLI_CODES.declaration, path: e.file, message: e.message, fix: e.fix }];
  const err = e instanceof Error ? e : new Error(String(e));
  const debug = process.env.BULKHEAD_DEBUG ? `\n${err.stack ?? ''}` : '';
  return [{ severity: 'error', code: CLI_CODES.internal, path: 'bulkhead', message: `unexpected failure: ${err.message}${debug}`, fix: 'this is a bug in bulkhead: report it with the command line (set BULKHEAD_DEBUG=1 to print the stack trace)' }];
}

/**
 * Runs the command with the given arguments (without `node` and the script name) and returns
 * the exit code. Never calls `process.exit`.
 *
 * @param argv the arguments, for example `['connlist', 'deploy/', '--format', 'json']`
 * @param io where to write @default - the process's stdout and stderr
 */
export function run(argv: readonly string[], io: CliIo = processIo()): number {
  let code = EXIT_OK;
  const program = new Command('bulkhead')
    .description('Bulkhead: synthesize and verify zero-trust segmentation, and analyse what Kubernetes manifests allow (NetworkPolicy, ClusterNetworkPolicy, Cilium, Istio)')
    .version(packageVersion(), '-V, --version', 'print the version of the bulkhead package')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // command-line errors are problems too, printed by the one formatter
      outputError: (text, write) => write(formatProblems([{ severity: 'error', code: CLI_CODES.usage, path: 'bulkhead', message: text.replace(/^error: /, '').trim(), fix: 'run bulkhead <command> --help for the usage' }])),
    })
    .showHelpAfterError('(run bulkhead --help for usage)');

  const common = (cmd: Command): Command =>
    cmd
      .option('--resolve <name=ip>', 'resolve an FQDN for FQDN rules (repeatable), for example api.example.com=198.51.100.10', collect, [])
      .option('--trust-domain <domain>', 'SPIFFE trust domain of the mesh principals (default: inferred from the input — ClusterSPIFFEID templates, AuthorizationPolicy principals — else cluster.local)')
      .option('--cluster-name <name>', 'the ClusterMesh name of the cluster the manifests belong to (Cilium cluster-aware selectors; default: the cluster the Cilium endpoint selectors of the input name most, else default)')
      .option('--pod-cidr <cidr>', "the cluster's pod CIDR (repeatable): where pods without a known address may be, for rules that match source addresses (Istio ipBlocks, ClusterNetworkPolicy networks)", collect, [])
      .option('--strict', 'treat every loader warning (unknown or missing fields, kinds not simulated, templates skipped) as an error', false)
      .option('--endpoints <file>', 'cloud endpoints for the aws layer (YAML or JSON: endpoints: [{ name, address, ipv6, groups, network, public }]), besides the members the security groups name')
      .option('--clusters', 'analyse several clusters together: each path is a cluster folder, or a folder holding cluster folders (found by their .bulkhead-cluster.json); implied when the paths hold more than one cluster folder', false)
      .option('--cluster-fact <cluster.fact=value>', 'give or override a fact of one cluster of a multi-cluster analysis (repeatable): podCidrs, nodeCidrs, trusts, layers (comma-separated), trustDomain, ciliumClusterName, name, clusterMesh (true/false); the cluster is named by its name or its folder, for example --cluster-fact gke.podCidrs=10.40.0.0/14', collect, []);

  common(
    program
      .command('connlist')
      .description('list every allowed connection: src => dst : connections')
      .argument('<paths...>', 'manifest folders (read recursively) or files (YAML or JSON)')
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md', 'dot']).default('txt'))
      .addOption(layerOption()),
  ).action((paths: string[], opts: { format: OutputFormat; layer?: AnalysisLayer; resolve: string[]; trustDomain?: string; strict: boolean } & MultiOpts) => {
    const multi = multiClusterOf(paths, opts);
    if (multi) {
      warn(io, multi.warnings);
      io.stderr(multi.notes.map((n) => `note: ${n}\n`).join(''));
      io.stdout(formatConnectivity(multi.connectivity({ layer: opts.layer }), opts.format, { endpoints: multi.endpointIds }));
      return;
    }
    const analysis = Analysis.of(loadManifests(paths, { strict: opts.strict }), analysisOptions(opts));
    warn(io, analysis.warnings);
    if (analysis.presentLayers.includes('istio')) io.stderr(`trust domain: ${analysis.context.trustDomain} (${analysis.trustDomainOrigin})\n`);
    const conns = analysis.connectivity({ layer: opts.layer });
    io.stdout(formatConnectivity(conns, opts.format, { endpoints: [...analysis.context.workloads.map((w) => w.id), ...analysis.cloudEndpoints.map((e) => e.id)] }));
  });

  common(
    program
      .command('explain')
      .description('decide one connection in every layer and name the rules that decided it')
      .argument('<paths...>', 'manifest folders or files')
      .requiredOption('--from <endpoint>', 'source: ns/name, ns/name[Kind], a cloud endpoint (cloud:<network>/<name>, or a name of --endpoints), or an IPv4 address outside the cluster')
      .requiredOption('--to <endpoint>', 'destination: ns/name, ns/name[Kind], a cloud endpoint, or an IPv4 address outside the cluster')
      .requiredOption('--port <protocol/port>', 'destination port, for example tcp/5432, udp/53 or tcp/http (a named port of the destination)')
      .option('--http-method <method>', 'HTTP method of the request (L7 layers)')
      .option('--http-path <path>', 'HTTP path of the request (L7 layers)')
      .option('--http-host <host>', 'HTTP host of the request (L7 layers)')
      .option('--http-header <name=value>', 'HTTP request header (repeatable), for example --http-header x-user=alice', collect, [])
      .option('--plaintext', 'the connection is not mutual TLS', false)
      .option('--ipv6', 'judge the connection over IPv6 (cloud layers: security-group rules name one IP family each)', false)
      .option('--exit-code', 'exit with 1 when the connection is denied', false)
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md']).default('txt')),
  ).action(
    (
      paths: string[],
      opts: {
        from: string; to: string; port: string; httpMethod?: string; httpPath?: string; httpHost?: string; httpHeader: string[]; plaintext: boolean; ipv6: boolean; exitCode: boolean;
        format: 'txt' | 'json' | 'md'; resolve: string[]; trustDomain?: string; strict: boolean;
      } & MultiOpts,
    ) => {
      const multi = multiClusterOf(paths, opts);
      const analysis = multi ? undefined : Analysis.of(loadManifests(paths, { strict: opts.strict }), analysisOptions(opts));
      warn(io, multi ? multi.warnings : analysis!.warnings);
      const src = multi ? multi.endpointOf(opts.from) : analysis!.find(opts.from);
      const dst = multi ? multi.endpointOf(opts.to) : analysis!.find(opts.to);
      const { protocol, port } = parsePort(opts.port, dst);
      if ((opts.httpPath !== undefined || opts.httpHost !== undefined || opts.httpHeader.length > 0) && opts.httpMethod === undefined) {
        throw new UsageError('--http-path, --http-host and --http-header need --http-method (for example --http-method GET)');
      }
      const headers: Record<string, string> = {};
      for (const h of opts.httpHeader) {
        const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*[=:]\s?(.*)$/.exec(h);
        if (!m) throw new UsageError(`--http-header ${JSON.stringify(h)}: write name=value, for example --http-header x-user=alice`);
        const name = m[1].toLowerCase();
        // repeated headers are joined with a comma, as HTTP does
        headers[name] = headers[name] === undefined ? m[2] : `${headers[name]},${m[2]}`;
      }
      const conn: Connection = {
        protocol,
        port,
        ...(opts.httpMethod !== undefined
          ? { http: { method: opts.httpMethod.toUpperCase(), path: opts.httpPath ?? '/', ...(opts.httpHost ? { host: opts.httpHost } : {}), ...(opts.httpHeader.length > 0 ? { headers } : {}) } }
          : {}),
        ...(opts.plaintext ? { plaintext: true } : {}),
        ...(opts.ipv6 ? { ipFamily: 'ipv6' as const } : {}),
      };
      if (multi) {
        const e = multi.explain(opts.from, opts.to, conn);
        io.stdout(formatMultiClusterExplanation(e, opts.format));
        if (opts.exitCode && !e.allowed) code = EXIT_FINDING;
        return;
      }
      const explanation = analysis!.explain(src, dst, conn);
      io.stdout(formatExplanation(explanation, opts.format));
      if (opts.exitCode && !explanation.allowed) code = EXIT_FINDING;
    },
  );

  common(
    program
      .command('diff')
      .description('connections added, removed and changed from <before> to <after>')
      .argument('<before>', 'manifest folder or file before the change, or a declaration program (<program>#<environment> for an environment of an Environments)')
      .argument('<after>', 'manifest folder or file after the change, or a declaration program')
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md']).default('txt'))
      .addOption(layerOption())
      .option('--exit-code', 'exit with 1 when anything changed', false),
  ).action((before: string, after: string, opts: { format: 'txt' | 'json' | 'md'; layer?: AnalysisLayer; exitCode: boolean; resolve: string[]; trustDomain?: string; strict: boolean }) => {
    if (opts.layer !== undefined && !SIMULATORS.some((r) => r.layer === opts.layer)) {
      throw new UsageError(`the layer ${opts.layer} is not simulated; use one of: ${SIMULATORS.map((r) => r.layer).join(', ')}`);
    }
    if (isEnvironmentDiff(before, after)) {
      // Two environments (<file>#staging <file>#prod): by workload identity, not by cluster name or address.
      const d = environmentDiffCommand(before, after, opts);
      warn(io, d.warnings);
      io.stdout(d.text);
      if (opts.exitCode && d.changed) code = EXIT_FINDING;
      return;
    }
    const want = opts.layer ?? 'effective';
    // Two declarations (impact of a change): synthesize both and compare cluster by cluster.
    const sides: { cluster?: string; trustDomain?: string; clusterName?: string; a: LoadedManifests; b: LoadedManifests }[] = isProgram(before) || isProgram(after)
      ? declarationSides(before, after)
      : [{ a: loadManifests([before], { strict: opts.strict }), b: loadManifests([after], { strict: opts.strict }) }];
    warn(io, sides.flatMap((side) => [...side.a.warnings, ...side.b.warnings]));
    let changed = false;
    for (const side of sides) {
      const result = diff(side.a, side.b, { ...analysisOptions(opts), ...(side.trustDomain ? { trustDomain: side.trustDomain } : {}), ...(side.clusterName ? { clusterName: side.clusterName } : {}) });
      const layer = result.layers.find((l) => l.layer === want) ?? { layer: want, added: [], removed: [], changed: [] };
      if (side.cluster !== undefined && opts.format === 'txt') io.stdout(`# cluster ${side.cluster}\n`);
      io.stdout(formatLayerDiff(layer, opts.format));
      changed ||= layer.added.length + layer.removed.length + layer.changed.length > 0;
    }
    if (opts.exitCode && changed) code = EXIT_FINDING;
  });

  registerVerify(program, io, (c) => { code = c; });

  addGitOpsOptions(program
    .command('synth')
    .description('synthesize a declaration into one folder per cluster (and per cloud account and region) and one file per layer')
    .argument('<program>', 'a TypeScript or JavaScript file that exports the Topology (or a function returning it)')
    .option('--export <name>', 'the export that holds the Topology, or a function returning it')
    .option('--out <dir>', 'output folder', 'out'))
    .action((file: string, opts: { export?: string; out: string } & GitOpsCliOptions) => {
      const s = synthesizeProgram(file, opts.export);
      const gitops = gitopsFromCli(foldersOf(s), opts, opts.out, declaredControlPlanes(s));
      const files = writeManifests(gitops.folders, opts.out);
      io.stdout(`${files.map((f) => path.join(opts.out, f)).join('\n')}\n`);
      warn(io, [...('environments' in s ? s.environments.flatMap((e) => e.synthesis.warnings) : s.warnings), ...gitops.warnings]);
    });

  registerReport(program);
  registerInfer(program, { ...io, exit: (c) => { code = c; } });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    const problems = problemsOf(e);
    const errors = problems.filter((p) => p.severity === 'error').length;
    // the error's own heading (`N problems in the declaration:`, `… with the output folder out:`), or a count
    const own = BulkheadError.isBulkheadError(e) ? e.message.split('\n')[0] : '';
    const head = own.endsWith(':') && !own.startsWith('[') ? own : `${errors} problem${errors === 1 ? '' : 's'}${e instanceof AnalysisInputError ? ' in the input' : ''}:`;
    io.stderr(`bulkhead: ${head}\n${formatProblems(problems, { indent: '  ' })}`);
    return EXIT_BAD_INPUT;
  }
  return code;
}

/** Both sides of a diff of two declarations (or a declaration and manifests), per cluster. */
function declarationSides(before: string, after: string): { cluster: string; trustDomain: string; clusterName: string; a: LoadedManifests; b: LoadedManifests }[] {
  const side = (p: string): Map<string, { trustDomain: string; clusterName: string; loaded: LoadedManifests }> => {
    if (!isProgram(p)) throw new UsageError(`${p}: diff compares two declaration programs, or two manifest folders; not one of each`);
    const s = synthesize(loadTopology(p));
    return new Map(s.clusters.map((c) => [c.cluster.name, { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName, loaded: loadWithEndpoints(s.plan, c.cluster, c.manifests) }]));
  };
  const a = side(before);
  const b = side(after);
  const clusters = [...new Set([...a.keys(), ...b.keys()])].sort();
  return clusters.map((c) => ({
    cluster: c,
    trustDomain: (b.get(c) ?? a.get(c))!.trustDomain,
    clusterName: (b.get(c) ?? a.get(c))!.clusterName,
    a: a.get(c)?.loaded ?? loadObjects([], `${before}#${c}`),
    b: b.get(c)?.loaded ?? loadObjects([], `${after}#${c}`),
  }));
}

/** The txt form of a verify report: one line per cluster and layer, then the findings. */
export function formatVerifyReport(r: VerifyReport): string {
  const status = (l: VerifyReport['layers'][number]) => (l.status === 'findings' ? `${l.findings.length} finding(s)`
    : l.status === 'approximate' ? `approximate, ${l.approximations.length} range(s) wider than declared`
      : l.status === 'audit' ? `audit mode, denies nothing by design (${l.audited?.length ?? 0} pair(s) let through beyond the declaration)` : 'exact');
  const lines = r.layers.map((l) => `${l.cluster} ${l.layer}: ${status(l)} (${l.pairs} endpoint pairs${l.crossClusterPairs ? `, ${l.crossClusterPairs} of them cross-cluster` : ''}, ${l.externalChecks} external checks)`);
  const findings = r.findings.map((f) => `${f.kind} ${f.cluster} ${f.layer}${f.crossCluster ? ` (${f.crossCluster.direction})` : ''}: ${f.src} => ${f.dst} : ${f.ports}`);
  const approximations = r.approximations.map((a) => `approximate ${a.cluster} ${a.layer}: ${a.src} => ${a.fqdns.join(',')} (external ${a.external}) : ${a.ports} opens ${a.addresses} addresses: ${a.except.length < a.opens.length ? `0.0.0.0/0 except ${a.except.join(', ')}` : a.opens.join(', ')}`);
  const notes = r.notes.map((n) => `note: ${n}`);
  const auditing = r.layers.filter((l) => l.status === 'audit').length;
  const verdict = !r.ok ? `verify: ${r.findings.length} finding(s)` : r.exact ? 'verify: every layer allows exactly the declared flows'
    : [
      'verify: no finding',
      ...(r.approximations.length > 0 ? [`${r.approximations.length} approximation(s): layers that cannot name an FQDN open an address range for it (declare the External's cidrs to make them exact)`] : []),
      ...(auditing > 0 ? [`${auditing} layer(s) in audit mode deny nothing by design (switch them to enforce to make them exact)`] : []),
    ].join('; ');
  return [...lines, ...(findings.length ? ['', ...findings] : []), ...(approximations.length ? ['', ...approximations] : []), ...(notes.length ? ['', ...notes] : []), '', verdict].join('\n') + '\n';
}

function layerOption(): Option {
  const choices = layerChoices();
  // `kubernetes` covers NetworkPolicy and ClusterNetworkPolicy together, as the network plugin evaluates them.
  return new Option('--layer <layer>', 'report one layer only (kubernetes: NetworkPolicy and ClusterNetworkPolicy together; default: the effective connectivity of every layer present)')
    .choices(choices)
    .argParser((value: string): AnalysisLayer => {
      if (!(choices as string[]).includes(value)) throw new InvalidArgumentError(`the layer ${value} is not simulated; use one of: ${choices.join(', ')}`);
      return value as AnalysisLayer;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function analysisOptions(opts: { resolve: string[]; trustDomain?: string; clusterName?: string; podCidr?: string[]; endpoints?: string }): AnalysisOptions {
  const resolve: Record<string, string[]> = {};
  for (const r of opts.resolve) {
    const m = /^([^=\s]+)=(.+)$/.exec(r.trim());
    if (!m) throw new UsageError(`--resolve ${JSON.stringify(r)}: write name=address, for example --resolve api.example.com=198.51.100.10`);
    const name = m[1].toLowerCase();
    resolve[name] = [...(resolve[name] ?? []), ...m[2].split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
  }
  const podCidrs = opts.podCidr ?? [];
  return {
    resolve,
    ...(opts.trustDomain !== undefined ? { trustDomain: opts.trustDomain } : {}),
    ...(opts.clusterName ? { clusterName: opts.clusterName } : {}),
    ...(podCidrs.length > 0 ? { podCidrs } : {}),
    ...(opts.endpoints !== undefined ? { cloudEndpoints: loadCloudEndpoints(opts.endpoints) } : {}),
  };
}

/** The multi-cluster options of connlist and explain. */
interface MultiOpts {
  readonly clusters: boolean;
  readonly clusterFact: string[];
  readonly strict: boolean;
  readonly resolve: string[];
  readonly trustDomain?: string;
  readonly podCidr?: string[];
  readonly endpoints?: string;
}

/**
 * The multi-cluster analysis of the paths, when asked (`--clusters`, `--cluster-fact`) or when
 * they hold more than one cluster folder; else undefined (one cluster, analysed as before).
 */
function multiClusterOf(paths: readonly string[], opts: MultiOpts): MultiClusterAnalysis | undefined {
  const folders = clusterFolders(paths);
  if (!opts.clusters && opts.clusterFact.length === 0 && folders.length < 2) return undefined;
  if (opts.trustDomain !== undefined || (opts.podCidr ?? []).length > 0) {
    throw new UsageError('--trust-domain and --pod-cidr name one cluster: with several clusters give each its own with --cluster-fact <cluster>.trustDomain=… and --cluster-fact <cluster>.podCidrs=…');
  }
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const f of opts.clusterFact) {
    const m = /^(.+)\.([A-Za-z]+)=(.*)$/.exec(f.trim());
    if (!m) throw new UsageError(`--cluster-fact ${JSON.stringify(f)}: write <cluster>.<fact>=<value>, for example --cluster-fact gke.podCidrs=10.40.0.0/14`);
    const [, cluster, key, value] = m;
    const list = ['podCidrs', 'nodeCidrs', 'trusts', 'layers'].includes(key);
    overrides[cluster] = {
      ...(overrides[cluster] ?? {}),
      [key]: list ? value.split(',').map((x) => x.trim()).filter((x) => x.length > 0) : key === 'clusterMesh' ? (value === 'true' ? true : value === 'false' ? false : value) : value,
    };
  }
  const checked: Record<string, Partial<ClusterFacts>> = {};
  for (const [k, v] of Object.entries(overrides)) checked[k] = parseClusterFacts(v, `--cluster-fact ${k}`);
  const { trustDomain: _t, podCidrs: _p, clusterName: _c, ...rest } = analysisOptions({ ...opts, trustDomain: undefined, podCidr: [] });
  return MultiClusterAnalysis.of(loadClusters(paths, checked, { strict: opts.strict }), rest);
}

function parsePort(text: string, dst: Endpoint | CloudEndpoint): { protocol: L4Protocol; port: number } {
  const m = /^(tcp|udp|sctp)\/([A-Za-z0-9-]+)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--port ${JSON.stringify(text)}: write <protocol>/<port>, for example tcp/5432, udp/53 or tcp/http`);
  const protocol = m[1].toUpperCase() as L4Protocol;
  if (/^\d+-\d+$/.test(m[2])) throw new UsageError(`--port ${JSON.stringify(text)}: explain judges one port; name one, such as ${m[1]}/${m[2].split('-')[0]} (connlist lists whole ranges)`);
  if (/^\d+$/.test(m[2])) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--port ${JSON.stringify(text)}: a port must be from 1 to 65535`);
    return { protocol, port };
  }
  if (dst.type !== 'workload') throw new UsageError(`--port ${JSON.stringify(text)}: a named port needs a workload destination; ${dst.id} is ${dst.type === 'cloud' ? 'a cloud endpoint' : 'outside the cluster'}`);
  const found = dst.ports.find((p) => p.name === m[2] && p.protocol === protocol);
  if (!found) {
    const known = dst.ports.filter((p) => p.name !== undefined).map((p) => `${p.protocol.toLowerCase()}/${p.name}`);
    throw new UsageError(`--port ${JSON.stringify(text)}: ${dst.id} has no ${protocol} port named ${m[2]}${known.length > 0 ? ` (it has ${known.join(', ')})` : ''}`);
  }
  return { protocol, port: found.port };
}

function warn(io: CliIo, warnings: readonly Problem[]): void {
  io.stderr(formatProblems(warnings));
}

/** The version in the package's package.json (two folders up from lib/cli or dist/cli). */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function processIo(): CliIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}
