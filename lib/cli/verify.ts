/**
 * `bulkhead verify`: synthesize a declaration and check that every layer of every cluster allows
 * exactly what it declares. A program exporting an Environments is verified in every
 * environment (`<file>#<environment>` picks one); `--against <folder>` also compares the
 * synthesis with the manifests committed in the folder (drift, see `lib/drift.ts`) and verifies
 * the committed manifests themselves.
 *
 * Exit codes (the command's scheme): 0 every environment verifies (and, with `--against`, no
 * object drifted and the committed manifests verify too; foreign objects alone do not count);
 * 1 a finding: a verify finding in any environment, an object changed by hand, missing or
 * extra, or a finding on the committed manifests; 2 bad input.
 */
import { Command, Option } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { Problem, formatProblems } from '../core/errors';
import { compareFolders, committedObjects, DriftReport, folderPath, formatDriftReport } from '../drift';
import { Environments } from '../model/environment';
import { foldersOf, ManifestFolder, synthesize, Synthesis, synthesizeEnvironments } from '../synth';
import { KubeManifest } from '../targets/types';
import { verifySynthesis, VerifyReport } from '../verify';
import { environmentSide, loadDeclaration, loadTopology } from './declaration';
import { CliIo, EXIT_FINDING, EXIT_OK, formatVerifyReport } from './main';

/** The verdicts of one environment (or of a declaration without environments). */
export interface EnvironmentVerify {
  /** The environment. @default - none: the declaration is one Topology */
  readonly environment?: string;
  /** Verify's report on the synthesis. */
  readonly verify: VerifyReport;
  /** With `--against`: how the committed manifests differ from the synthesis. @default - not compared */
  readonly drift?: DriftReport;
  /** With `--against`: verify's report on the committed manifests of the clusters (in place of the synthesized ones). @default - not compared */
  readonly committed?: VerifyReport;
}

/** The answer of {@link verifyProgram}. */
export interface ProgramVerify {
  /** True when every environment verifies, and nothing drifted (with `--against`). */
  readonly ok: boolean;
  /** True when every layer of every environment is exact (the synthesis's verdict). */
  readonly exact: boolean;
  /** Per environment, in the order of their names (one entry for a Topology). */
  readonly environments: readonly EnvironmentVerify[];
  /** Synthesis warnings of every environment. */
  readonly warnings: readonly Problem[];
}

/** The syntheses a program stands for: its Topology, the environment it names, or every environment of its Environments. */
export function synthesesOf(file: string, exportName?: string): { environment?: string; whole: boolean; synthesis: Synthesis }[] {
  const side = environmentSide(file);
  if (side) return [{ environment: side.environment, whole: false, synthesis: synthesize(loadTopology(file, exportName)) }];
  const d = loadDeclaration(file, exportName);
  if (!Environments.isEnvironments(d)) return [{ whole: false, synthesis: synthesize(d) }];
  // every environment at once: all their problems together, nothing verified when any has errors
  return synthesizeEnvironments(d).environments.map((e) => ({ environment: e.name, whole: true, synthesis: e.synthesis }));
}

/**
 * Verifies what a program declares: every environment of an Environments (each with its
 * clusters, cross-cluster pairs included), or one Topology; with `against`, compares each
 * environment's output folders with the committed tree and verifies the committed manifests.
 *
 * @param file the program (`<file>#<environment>` for one environment)
 * @param options the export, and the committed tree @default - the default export; no drift check
 */
export function verifyProgram(file: string, options: { readonly exportName?: string; readonly against?: string } = {}): ProgramVerify {
  const sides = synthesesOf(file, options.exportName);
  const out: EnvironmentVerify[] = sides.map((s) => {
    const report = verifySynthesis(s.synthesis);
    if (options.against === undefined) return { ...(s.environment !== undefined ? { environment: s.environment } : {}), verify: report };
    const folders: ManifestFolder[] = foldersOf(s.synthesis).map((f) => (s.whole ? { ...f, under: [s.environment!, ...(f.under ?? [])] } : f));
    const root = options.against;
    const env = s.environment;
    // one environment named with #env: its folders are at the root, or below <root>/<env>
    const locate = !s.whole && env !== undefined ? (rel: string) => (isDir(path.join(root, rel)) ? undefined : isDir(path.join(root, env, rel)) ? path.join(root, env, rel) : undefined) : undefined;
    const drift = compareFolders(folders, root, locate);
    const committed = committedVerify(s.synthesis, folders, drift);
    return { ...(env !== undefined ? { environment: env } : {}), verify: report, drift, committed };
  });
  return {
    ok: out.every((e) => e.verify.ok && (e.drift?.ok ?? true) && (e.committed?.ok ?? true)),
    exact: out.every((e) => e.verify.exact),
    environments: out,
    warnings: sides.flatMap((s) => s.synthesis.warnings),
  };
}

/** Verify's report on the committed manifests: each cluster's committed objects (foreign ones too: they are applied as well) in place of its synthesized ones. */
function committedVerify(s: Synthesis, folders: readonly ManifestFolder[], drift: DriftReport): VerifyReport {
  const byFolder = committedObjects(drift);
  const clusterFolder = new Map(s.clusters.map((c, i) => [c.cluster.name, folderPath(folders[i])]));
  return verifySynthesis({
    ...s,
    clusters: s.clusters.map((c) => ({ ...c, manifests: (byFolder.get(clusterFolder.get(c.cluster.name)!) ?? []).map((o) => o.object as unknown as KubeManifest) })),
  });
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The txt form of {@link verifyProgram}'s answer: per environment, its verify report (and drift), then one verdict line per environment. */
export function formatProgramVerify(r: ProgramVerify): string {
  const parts: string[] = [];
  const many = r.environments.length > 1 || r.environments[0]?.environment !== undefined;
  for (const e of r.environments) {
    if (many) parts.push(`# environment ${e.environment}\n`);
    parts.push(formatVerifyReport(e.verify));
    if (e.drift) parts.push(`\n${formatDriftReport(e.drift)}`);
    if (e.committed) parts.push(`\n# the committed manifests${e.environment !== undefined ? ` of ${e.environment}` : ''}, verified\n${formatVerifyReport(e.committed)}`);
    if (many) parts.push('\n');
  }
  if (many) {
    const verdict = (e: EnvironmentVerify): string => {
      const v = !e.verify.ok ? `${e.verify.findings.length} finding(s)` : e.verify.exact ? 'exact' : 'no finding';
      const d = e.drift ? (e.drift.ok ? ', no drift' : `, ${e.drift.drift.length} object(s) drifted`) : '';
      const c = e.committed ? (e.committed.ok ? '' : `, committed manifests: ${e.committed.findings.length} finding(s)`) : '';
      return `${e.environment}: ${v}${d}${c}`;
    };
    parts.push(`environments: ${r.environments.map(verdict).join('; ')}\n`);
  }
  return parts.join('');
}

/**
 * Adds `bulkhead verify` to the command.
 *
 * @param program the command
 * @param io where it writes
 * @param exit sets the exit code
 */
export function registerVerify(program: Command, io: CliIo, exit: (code: number) => void): void {
  program
    .command('verify')
    .description('synthesize a declaration and check that every layer of every cluster allows exactly what it declares (every environment of an Environments; <program>#<environment> for one); with --against, compare with committed manifests (drift)')
    .argument('<program>', 'a TypeScript or JavaScript file that exports the Topology or Environments (or a function returning it); <program>#<environment> for one environment')
    .option('--export <name>', 'the export that holds the Topology or Environments, or a function returning it (default: topology, environments, then default)')
    .option('--against <folder>', 'the folder the manifests are committed in (the out folder of bulkhead synth: <cluster>/ folders, <environment>/<cluster>/ for an Environments): report objects changed by hand, missing, extra and foreign, and verify the committed manifests')
    .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json']).default('txt'))
    .action((file: string, opts: { export?: string; format: 'txt' | 'json'; against?: string }) => {
      const r = verifyProgram(file, { ...(opts.export !== undefined ? { exportName: opts.export } : {}), ...(opts.against !== undefined ? { against: opts.against } : {}) });
      io.stderr(formatProblems(r.warnings));
      if (opts.format === 'json') {
        const single = r.environments.length === 1 && r.environments[0].environment === undefined && opts.against === undefined;
        // one Topology without --against: the report as before
        io.stdout(JSON.stringify(single ? r.environments[0].verify : { ok: r.ok, exact: r.exact, environments: r.environments }, null, 2) + '\n');
      } else {
        io.stdout(formatProgramVerify(r));
      }
      exit(r.ok ? EXIT_OK : EXIT_FINDING);
    });
}
