/**
 * Runs every benchmark (`npm run bench`): prepares one input per size (generated declaration
 * → `synthesize()` → JSON), then the synthesis benchmark and the analysis benchmark on it.
 * Prints tables and one PASS/FAIL line per target; always exits 0 (a benchmark, not a test).
 *
 *   npm run bench                                   sizes 500, 1000, 2000, 5000
 *   npm run bench -- --sizes 500,1000               fewer sizes
 *   npm run bench -- --repeat 3                     best of three runs per case
 *   npm run bench -- --only synth|analysis          one benchmark
 *   npm run bench -- --profile                      add CPU profiles of the synthesis (slower)
 *   npm run bench -- --seed 7                       another generated topology
 *   npm run bench -- --no-verify                    leave out verify (the slowest part)
 *   npm run bench -- --verify-timeout 120           time limit of one verify run, in seconds (default 300)
 *   npm run bench -- --cloud                        add an AWS network with 1,000 VM fleets and 50 managed services
 *   npm run bench -- --cloud --vms 200 --managed 10 another cloud part
 *   npm run bench -- --no-pulumi                    leave out the Pulumi host (500 workloads, slow under mocks)
 *   npm run bench -- --no-namespace                 leave out the crowded namespace (2,500 → 20,000 workloads)
 *   npm run bench -- --namespace-sizes 5000,20000   other sizes for it
 *   npm run bench -- --report-sizes 1000            sizes of the report benchmark (500 by default, plus the example)
 *   npm run bench -- --infer-records 100000         records of the infer benchmark (1,000,000 by default)
 *
 * Extra benchmarks: each script of EXTRA_BENCHES present in this folder runs after the others
 * (`<script> --sizes … --seed … --repeat …`), its stdout printed as a section; its lines
 * `SUMMARY<TAB>figure<TAB>value<TAB>baseline<TAB>ratio<TAB>cpu<TAB>target<TAB>PASS|FAIL|SKIP`
 * join the summary table.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnalysisRow, benchAnalysis, reportAnalysis, VERIFY_TIMEOUT_MS, verifyTimedOut } from './analysis';
import { benchCloud, cloudOption, CloudRow, reportCloud } from './cloud';
import { argValue, intOption, parseSizes, scratchDir, sec, table } from './harness';
import { Prepared, PreparedFile, prepare } from './prepare';
import { benchPulumi, PULUMI_TARGET, PulumiRow, reportPulumi } from './pulumi';
import { countNetworkPolicies, NamespaceRow, NetworkPolicyCounts, parseNamespaceTable, parseSummaryLines, reportSummary, SummaryLine } from './summary';
import { benchSynth, DEFAULT_SIZES, reportSynth, SynthRow } from './synth';

/** Benchmarks of other commands, run when their script is present in this folder (see the module documentation). */
export const EXTRA_BENCHES: readonly string[] = ['report.ts', 'infer.ts'];

/** Runs a benchmark script in a fresh Node process (with ts-node), resolving with its stdout; stderr goes through. */
function runScript(script: string, args: readonly string[], timeoutMs = 3_600_000): Promise<{ stdout: string; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '--expose-gc', '--max-old-space-size=8192', path.join(__dirname, script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? { stdout } : { stdout, error: `${script} exited with ${signal ?? code}` });
    });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const sizes = parseSizes(argv, DEFAULT_SIZES);
  const repeat = intOption(argv, '--repeat', 1);
  const seed = intOption(argv, '--seed', 1);
  const only = argValue(argv, '--only');
  const verifyTimeoutMs = intOption(argv, '--verify-timeout', VERIFY_TIMEOUT_MS / 1000) * 1000;
  const cloud = cloudOption(argv);
  if (only !== undefined && only !== 'synth' && only !== 'analysis') throw new Error(`--only expects synth or analysis (got '${only}')`);
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const started = Date.now();
  const dir = scratchDir();
  try {
    // Size by size (prepare, then its runs), so that the inputs and the runs of one size are
    // close together in time.
    const prepared: Prepared[] = [];
    const networkPolicies = new Map<number, NetworkPolicyCounts>();
    const synthRows: SynthRow[] = [];
    const analysisRows: AnalysisRow[] = [];
    const cloudRows: CloudRow[] = [];
    const pulumiRows: PulumiRow[] = [];
    const pulumi = !argv.includes('--no-pulumi') && only !== 'analysis';
    let load = 0;
    const sample = () => { load = Math.max(load, os.loadavg()[0]); };
    const timer = setInterval(sample, 5000);
    timer.unref();
    for (const size of sizes) {
      log(`prepare ${size}: generate, synthesize, write input${cloud ? ` (with ${cloud.vms} VM fleets and ${cloud.managedServices} managed services)` : ''}`);
      const p = await prepare(size, seed, path.join(dir, `input-${size}.json`), { profile: argv.includes('--profile'), ...(cloud ? { cloud } : {}) });
      prepared.push(p);
      networkPolicies.set(size, countNetworkPolicies(JSON.parse(fs.readFileSync(p.file, 'utf8')) as PreparedFile));
      if (only !== 'analysis') synthRows.push(...await benchSynth([p], { repeat, profile: argv.includes('--profile'), log }));
      if (cloud) cloudRows.push(...await benchCloud([p], { verify: !argv.includes('--no-verify'), log }));
      if (only !== 'synth') {
        // verify compares every pair of endpoints: each run has a time limit, and larger sizes are skipped after a time-out.
        const verify = !argv.includes('--no-verify') && !analysisRows.some(verifyTimedOut);
        const [row] = await benchAnalysis([p], { repeat, verify, verifyTimeoutMs, log });
        analysisRows.push(verify || argv.includes('--no-verify') ? row : { ...row, verify: { error: 'skipped: a smaller size timed out' } });
      }
      if (pulumi && size === PULUMI_TARGET.size) pulumiRows.push(...await benchPulumi([p], { repeat, log }));
      fs.rmSync(p.file, { force: true });
    }
    if (pulumi && !sizes.includes(PULUMI_TARGET.size)) {
      log(`prepare ${PULUMI_TARGET.size} for the Pulumi host`);
      const p = await prepare(PULUMI_TARGET.size, seed, path.join(dir, `input-${PULUMI_TARGET.size}.json`));
      pulumiRows.push(...await benchPulumi([p], { repeat, log }));
      fs.rmSync(p.file, { force: true });
    }
    let namespaceRows: NamespaceRow[] = [];
    let namespaceText = '';
    if (!argv.includes('--no-namespace') && only !== 'analysis') {
      log('one crowded namespace (plan-namespace.ts)');
      const r = await runScript('plan-namespace.ts', ['--repeat', String(repeat), ...(argValue(argv, '--namespace-sizes') ? ['--sizes', argValue(argv, '--namespace-sizes') as string] : [])]);
      namespaceRows = parseNamespaceTable(r.stdout);
      namespaceText = r.stdout.trim() + (r.error ? `\n${r.error}` : '');
    }
    const extraSections: string[] = [];
    const extraLines: SummaryLine[] = [];
    for (const script of EXTRA_BENCHES) {
      if (!fs.existsSync(path.join(__dirname, script))) continue;
      log(`extra benchmark ${script}`);
      // The report takes minutes per thousand workloads: it runs on the example and the sizes of --report-sizes (500 by default).
      const own = script === 'report.ts' ? ['--sizes', argValue(argv, '--report-sizes') ?? '500'] : script === 'infer.ts' ? ['--records', argValue(argv, '--infer-records') ?? '1000000'] : ['--sizes', sizes.join(',')];
      const r = await runScript(script, [...own, '--seed', String(seed), '--repeat', String(repeat)]);
      extraLines.push(...parseSummaryLines(r.stdout));
      extraSections.push(`${script}\n${r.stdout.split('\n').filter((l) => !l.startsWith('SUMMARY\t')).join('\n').trim()}${r.error ? `\n${r.error}` : ''}`);
    }
    sample();
    clearInterval(timer);
    const sections: string[] = [];
    sections.push([
      `Generated topologies (seed ${seed}): ${prepared[0]?.stats.clusters ?? 0} clusters, 10 workloads per namespace, every layer on${cloud ? `; an AWS network with ${cloud.vms} VM fleets and ${cloud.managedServices} managed services (flows counts include the cloud flows)` : ''}`,
      table(
        ['workloads', 'namespaces', 'domains', 'flows', 'cross-cluster', 'cross-domain', 'break-glass', 'plan flows', 'objects', 'warnings'],
        prepared.map((p) => [
          String(p.size), String(p.stats.namespaces), String(p.stats.domains), String(p.stats.flows), String(p.stats.crossClusterFlows),
          String(p.stats.crossDomainFlows), String(p.stats.breakGlass), String(p.planFlows), String(p.objects), String(p.warnings),
        ]),
      ),
      '',
      'Objects per layer',
      table(
        ['workloads', ...Object.keys(prepared[0]?.objectsPerLayer ?? {})],
        prepared.map((p) => [String(p.size), ...Object.keys(prepared[0]?.objectsPerLayer ?? {}).map((l) => String(p.objectsPerLayer[l as keyof typeof p.objectsPerLayer] ?? 0))]),
      ),
    ].join('\n'));
    if (only !== 'analysis') sections.push(reportSynth(synthRows, repeat).text);
    if (cloud) sections.push(reportCloud(cloudRows));
    if (only !== 'synth') sections.push(reportAnalysis(analysisRows, repeat).text);
    if (pulumiRows.length) sections.push(reportPulumi(pulumiRows, repeat).text);
    if (namespaceText) sections.push(`One crowded namespace (plan-namespace.ts)\n${namespaceText}`);
    sections.push(...extraSections);
    sections.push(reportSummary({ prepared, synth: synthRows, analysis: analysisRows, pulumi: pulumiRows, namespace: namespaceRows, extra: extraLines, load, networkPolicies }));
    process.stdout.write(`\n${sections.join('\n\n' + '='.repeat(100) + '\n\n')}\n\nbenchmark time: ${sec(Date.now() - started)} s\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
});
