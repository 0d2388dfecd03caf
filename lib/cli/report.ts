/**
 * `bulkhead report <declaration | manifest folders> --out report.html`: writes one
 * self-contained HTML page (see `lib/report`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { BulkheadError } from '../core/errors';
import { DeclarationLoadError, environmentSide, isProgram, loadDeclaration, loadTopology } from './declaration';
import { Environments } from '../model/environment';
import { DEFAULT_MAX_EXPLANATIONS, renderReportHtml, reportOfManifests, reportOfTopology, ReportGroupBy } from '../report';

/** The options of `bulkhead report`. */
interface ReportCliOptions {
  readonly out: string;
  readonly export?: string;
  readonly groupBy?: ReportGroupBy;
  readonly title?: string;
  readonly generatedAt?: string;
  readonly now?: string;
  readonly maxExplanations: string;
  readonly strict: boolean;
  readonly resolve: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Adds the `report` command to the `bulkhead` program. Errors are thrown to the program's
 * runner, which prints them as problems (exit code 2).
 *
 * @param program the `bulkhead` command
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML page: the graph of who may talk to whom, the connectivity of every layer and the effective one, the explanation of each flow, break-glass grants, tier controls, warnings and (for a declaration) verify\'s result')
    .argument('<inputs...>', 'a declaration program (<program>#<environment> for an environment of an Environments), or manifest folders (cluster folders, or a folder holding them)')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--export <name>', 'the export of the program that holds the Topology, or a function returning it')
    .addOption(new Option('--group-by <what>', 'how the overview aggregates workloads (default: domain, workloads without one by namespace)').choices(['domain', 'namespace']))
    .option('--title <text>', 'the page title (default: the topology name, or the paths)')
    .option('--generated-at <text>', 'a generation time to print in the page (default: none, so the same input gives the same bytes)')
    .option('--now <time>', 'RFC 3339 time that decides which break-glass grants are in force and how long they have left (default: the declaration\'s clock; for manifests, no time left is shown)')
    .option('--max-explanations <n>', 'at most this many flows get an explanation in the page (effective flows first, then disagreements); the page gives the bulkhead explain command for the others', String(DEFAULT_MAX_EXPLANATIONS))
    .option('--strict', 'treat every loader warning as an error (manifests)', false)
    .option('--resolve <name=ip>', 'resolve an FQDN for FQDN rules (manifests; repeatable)', collect, [])
    .action((inputs: string[], opts: ReportCliOptions) => {
      const max = Number(opts.maxExplanations);
      if (!Number.isInteger(max) || max < 0) throw usage(`--max-explanations ${JSON.stringify(opts.maxExplanations)}: give a whole number, 0 or more`);
      let clock: Date | undefined;
      if (opts.now !== undefined) {
        clock = new Date(opts.now);
        if (Number.isNaN(clock.getTime())) throw usage(`--now ${JSON.stringify(opts.now)}: give an RFC 3339 time, such as 2026-11-22T21:00:00Z`);
      }
      const common = {
        ...(opts.groupBy ? { groupBy: opts.groupBy } : {}),
        ...(opts.title !== undefined ? { title: opts.title } : {}),
        ...(opts.generatedAt !== undefined ? { generatedAt: opts.generatedAt } : {}),
        ...(clock ? { now: clock.toISOString() } : {}),
        maxExplanations: max,
      };
      const program_ = inputs.length === 1 && (isProgram(inputs[0]) || /\.(ts|js|cjs|mts|cts)#[^#/\\]+$/.test(inputs[0]));
      const data = program_
        ? reportOfTopology(topologyOf(inputs[0], opts.export, opts.out), { ...common, ...(clock ? { clock } : {}) })
        : reportOfManifests(inputs, { ...common, load: { strict: opts.strict }, analysis: { resolve: resolveOf(opts.resolve) } });
      const html = renderReportHtml(data);
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      fs.writeFileSync(opts.out, html);
      const out = program.configureOutput();
      const line = `${opts.out}: ${data.nodes.length} nodes, ${data.flows.filter((f) => f.effective !== '').length} allowed flows, ${data.flows.filter((f) => f.disagreement).length} disagreement(s)${data.verify ? `, verify ${data.verify.ok ? (data.verify.exact ? 'exact' : 'no finding') : `${data.verify.findings.length} finding(s)`}` : ''}\n`;
      if (out.writeOut) out.writeOut(line);
      else process.stdout.write(line);
    });
}

/**
 * The Topology a report is made of: the program's, or the environment its `#<environment>`
 * names. A report shows one environment: an Environments without `#<environment>` is refused
 * with the command for each of its environments.
 */
function topologyOf(file: string, exportName: string | undefined, out: string): ReturnType<typeof loadTopology> {
  if (!environmentSide(file)) {
    const d = loadDeclaration(file, exportName);
    if (Environments.isEnvironments(d)) {
      const ext = path.extname(out);
      const base = out.slice(0, out.length - ext.length);
      throw new DeclarationLoadError(
        file,
        `${file} declares the environments ${d.names.join(', ')}: a report shows one environment, name it with #<environment>`,
        `make one report per environment: ${d.names.map((n) => `bulkhead report '${file}#${n}' --out ${base}-${n}${ext || '.html'}`).join('; ')}`,
      );
    }
  }
  return loadTopology(file, exportName);
}

function resolveOf(list: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of list) {
    const m = /^([^=\s]+)=(.+)$/.exec(r.trim());
    if (!m) throw usage(`--resolve ${JSON.stringify(r)}: write name=address, for example --resolve api.example.com=198.51.100.10`);
    const name = m[1].toLowerCase();
    out[name] = [...(out[name] ?? []), ...m[2].split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
  }
  return out;
}

/** A command-line mistake, as a coded problem. */
function usage(message: string): BulkheadError {
  return new BulkheadError([{ severity: 'error', code: 'BH-CLI-USAGE', path: 'bulkhead report', message, fix: 'run bulkhead report --help for the usage' }]);
}
