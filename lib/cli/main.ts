#!/usr/bin/env node
/**
 * The `bulkhead` command: `connlist`, `explain`, `diff` and `verify`.
 *
 * Exit codes: 0 fine, 1 a finding (verify found a mismatch; diff found changes when asked
 * with `--exit-code`), 2 bad input.
 */
import { Command, CommanderError, Option } from 'commander';
import { AnalysisInputError } from '../analysis/errors';
import { Analysis, AnalysisOptions, diff } from '../analysis/engine';
import { OutputFormat, formatConnectivity, formatExplanation, formatLayerDiff } from '../analysis/format';
import { loadManifests } from '../analysis/loader';
import { SIMULATORS } from '../analysis/simulators';
import { L4Protocol } from '../analysis/portset';
import { AnalysisLayer, Connection, Endpoint } from '../analysis/types';

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

const LAYERS: readonly AnalysisLayer[] = ['kubernetes', 'cilium', 'istio', 'aws'];

/** Thrown inside the command for bad command-line input. */
class UsageError extends Error {}

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
    .description('Analyse Kubernetes manifests: what do the NetworkPolicies and ClusterNetworkPolicies (and other layers) allow?')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run bulkhead --help for usage)');

  const common = (cmd: Command): Command =>
    cmd
      .option('--resolve <name=ip>', 'resolve an FQDN for FQDN rules (repeatable), for example api.example.com=198.51.100.10', collect, [])
      .option('--trust-domain <domain>', 'SPIFFE trust domain of the mesh principals', 'cluster.local');

  common(
    program
      .command('connlist')
      .description('list every allowed connection: src => dst : connections')
      .argument('<paths...>', 'manifest folders (read recursively) or files (YAML or JSON)')
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md', 'dot']).default('txt'))
      .addOption(layerOption()),
  ).action((paths: string[], opts: { format: OutputFormat; layer?: AnalysisLayer; resolve: string[]; trustDomain: string }) => {
    const analysis = Analysis.of(loadManifests(paths), analysisOptions(opts));
    warn(io, analysis.warnings);
    const conns = analysis.connectivity({ layer: opts.layer });
    io.stdout(formatConnectivity(conns, opts.format, { endpoints: analysis.context.workloads.map((w) => w.id) }));
  });

  common(
    program
      .command('explain')
      .description('decide one connection in every layer and name the rules that decided it')
      .argument('<paths...>', 'manifest folders or files')
      .requiredOption('--from <endpoint>', 'source: ns/name, ns/name[Kind], or an IPv4 address outside the cluster')
      .requiredOption('--to <endpoint>', 'destination: ns/name, ns/name[Kind], or an IPv4 address outside the cluster')
      .requiredOption('--port <protocol/port>', 'destination port, for example tcp/5432, udp/53 or tcp/http (a named port of the destination)')
      .option('--http-method <method>', 'HTTP method of the request (L7 layers)')
      .option('--http-path <path>', 'HTTP path of the request (L7 layers)')
      .option('--http-host <host>', 'HTTP host of the request (L7 layers)')
      .option('--plaintext', 'the connection is not mutual TLS', false)
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md']).default('txt')),
  ).action(
    (
      paths: string[],
      opts: { from: string; to: string; port: string; httpMethod?: string; httpPath?: string; httpHost?: string; plaintext: boolean; format: 'txt' | 'json' | 'md'; resolve: string[]; trustDomain: string },
    ) => {
      const analysis = Analysis.of(loadManifests(paths), analysisOptions(opts));
      warn(io, analysis.warnings);
      const src = analysis.endpoint(opts.from);
      const dst = analysis.endpoint(opts.to);
      const { protocol, port } = parsePort(opts.port, dst);
      if ((opts.httpPath !== undefined || opts.httpHost !== undefined) && opts.httpMethod === undefined) {
        throw new UsageError('--http-path and --http-host need --http-method (for example --http-method GET)');
      }
      const conn: Connection = {
        protocol,
        port,
        ...(opts.httpMethod !== undefined ? { http: { method: opts.httpMethod.toUpperCase(), path: opts.httpPath ?? '/', ...(opts.httpHost ? { host: opts.httpHost } : {}) } } : {}),
        ...(opts.plaintext ? { plaintext: true } : {}),
      };
      io.stdout(formatExplanation(analysis.explain(src, dst, conn), opts.format));
    },
  );

  common(
    program
      .command('diff')
      .description('connections added, removed and changed from <before> to <after>')
      .argument('<before>', 'manifest folder or file before the change')
      .argument('<after>', 'manifest folder or file after the change')
      .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json', 'md']).default('txt'))
      .addOption(layerOption())
      .option('--exit-code', 'exit with 1 when anything changed', false),
  ).action((before: string, after: string, opts: { format: 'txt' | 'json' | 'md'; layer?: AnalysisLayer; exitCode: boolean; resolve: string[]; trustDomain: string }) => {
    if (opts.layer !== undefined && !SIMULATORS.some((r) => r.layer === opts.layer)) {
      throw new UsageError(`the layer ${opts.layer} is not simulated; use one of: ${SIMULATORS.map((r) => r.layer).join(', ')}`);
    }
    const a = loadManifests([before]);
    const b = loadManifests([after]);
    const result = diff(a, b, analysisOptions(opts));
    const want = opts.layer ?? 'effective';
    const layer = result.layers.find((l) => l.layer === want) ?? { layer: want, added: [], removed: [], changed: [] };
    io.stdout(formatLayerDiff(layer, opts.format));
    if (opts.exitCode && layer.added.length + layer.removed.length + layer.changed.length > 0) code = EXIT_FINDING;
  });

  program
    .command('verify')
    .description('synthesize a declaration and check that every layer allows exactly what it declares')
    .argument('[args...]')
    .allowUnknownOption(true)
    .action(() => {
      io.stderr('bulkhead verify: not yet wired: verification against a declaration is not available in this build; use connlist, explain or diff on the synthesized manifests\n');
      code = EXIT_BAD_INPUT;
    });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    if (e instanceof AnalysisInputError) {
      io.stderr(`bulkhead: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof UsageError) {
      io.stderr(`bulkhead: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr(`bulkhead: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_BAD_INPUT;
  }
  return code;
}

function layerOption(): Option {
  return new Option('--layer <layer>', 'report one layer only (default: the effective connectivity of every layer present)').choices([...LAYERS]);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function analysisOptions(opts: { resolve: string[]; trustDomain: string }): AnalysisOptions {
  const resolve: Record<string, string[]> = {};
  for (const r of opts.resolve) {
    const m = /^([^=\s]+)=(.+)$/.exec(r.trim());
    if (!m) throw new UsageError(`--resolve ${JSON.stringify(r)}: write name=address, for example --resolve api.example.com=198.51.100.10`);
    const name = m[1].toLowerCase();
    resolve[name] = [...(resolve[name] ?? []), ...m[2].split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
  }
  return { resolve, trustDomain: opts.trustDomain };
}

function parsePort(text: string, dst: Endpoint): { protocol: L4Protocol; port: number } {
  const m = /^(tcp|udp|sctp)\/([A-Za-z0-9-]+)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--port ${JSON.stringify(text)}: write <protocol>/<port>, for example tcp/5432, udp/53 or tcp/http`);
  const protocol = m[1].toUpperCase() as L4Protocol;
  if (/^\d+-\d+$/.test(m[2])) throw new UsageError(`--port ${JSON.stringify(text)}: explain judges one port; name one, such as ${m[1]}/${m[2].split('-')[0]} (connlist lists whole ranges)`);
  if (/^\d+$/.test(m[2])) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--port ${JSON.stringify(text)}: a port must be from 1 to 65535`);
    return { protocol, port };
  }
  if (dst.type !== 'workload') throw new UsageError(`--port ${JSON.stringify(text)}: a named port needs a workload destination; ${dst.id} is outside the cluster`);
  const found = dst.ports.find((p) => p.name === m[2] && p.protocol === protocol);
  if (!found) {
    const known = dst.ports.filter((p) => p.name !== undefined).map((p) => `${p.protocol.toLowerCase()}/${p.name}`);
    throw new UsageError(`--port ${JSON.stringify(text)}: ${dst.id} has no ${protocol} port named ${m[2]}${known.length > 0 ? ` (it has ${known.join(', ')})` : ''}`);
  }
  return { protocol, port: found.port };
}

function warn(io: CliIo, warnings: readonly string[]): void {
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
}

function processIo(): CliIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}
