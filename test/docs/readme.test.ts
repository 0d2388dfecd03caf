import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildApp } from '../../examples/ecommerce/main';
import { KubeManifest, writeManifests } from '../../lib';
import { run } from '../../lib/cli/main';

const ROOT = path.resolve(__dirname, '../..');

/** The ```ts blocks of the README, in order. */
function tsBlocks(readme: string): string[] {
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** A README block as the example program writes it (imports of the package → the sources). */
function asInRepo(block: string): string {
  return block
    .replace(/from 'bulkhead\/cdk8s'/g, "from '../../lib/cdk8s'")
    .replace(/from 'bulkhead\/pulumi'/g, "from '../../lib/pulumi'")
    .replace(/from 'bulkhead'/g, "from '../../lib'");
}

/** The `npx bulkhead <command> …` lines of the README's bash blocks, continuation lines joined. */
function cliLines(readme: string): string[][] {
  const lines: string[][] = [];
  for (const m of readme.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const joined = m[1].replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith('npx bulkhead ')) lines.push(cmd.split(/\s+/).slice(2));
    }
  }
  return lines;
}

describe('README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  test('opens with the two setup commands and the main command', () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(firstBlock).toBe('npm ci\nnpm test\n');
    expect(readme).toMatch(/npm run synth/);
  });

  test('the setup section says where the upstream CRDs the tests read must be', () => {
    const setup = readme.slice(0, readme.indexOf('## What it emits'));
    expect(setup).toMatch(/`\.\.\/shared\/crds`, a folder \*\*beside\*\* the clone/);
  });

  test('the quick start is the type-checked program examples/quickstart/main.ts', () => {
    const block = tsBlocks(readme)[0] ?? '';
    const program = fs.readFileSync(path.join(ROOT, 'examples/quickstart/main.ts'), 'utf8');
    expect(program.endsWith(asInRepo(block))).toBe(true);
  });

  test('the quick start fixes its clock inside the break-glass window', () => {
    const block = tsBlocks(readme)[0] ?? '';
    const clock = /clock: \(\) => new Date\('([^']+)'\)/.exec(block)?.[1];
    const start = /start: '([^']+)', duration: Duration\.hours\((\d+)\)/.exec(block);
    expect(clock).toBeDefined();
    expect(start).not.toBeNull();
    const from = Date.parse(start![1]);
    const now = Date.parse(clock!);
    expect(now).toBeGreaterThanOrEqual(from);
    expect(now).toBeLessThan(from + Number(start![2]) * 3600_000);
  });

  test('the clouds example is the end of the type-checked program examples/quickstart/clouds.ts', () => {
    const section = readme.slice(readme.indexOf('### Clouds'));
    const block = tsBlocks(section)[0] ?? '';
    const program = fs.readFileSync(path.join(ROOT, 'examples/quickstart/clouds.ts'), 'utf8');
    expect(block).toMatch(/new VmFleet\(/);
    expect(program.endsWith(asInRepo(block))).toBe(true);
  });

  test('the Pulumi program is the type-checked, self-contained examples/quickstart/pulumi.ts', () => {
    const pulumiSection = readme.slice(readme.indexOf('### Pulumi'));
    const block = tsBlocks(pulumiSection)[0] ?? '';
    const program = fs.readFileSync(path.join(ROOT, 'examples/quickstart/pulumi.ts'), 'utf8');
    expect(block).toMatch(/^import /);
    expect(program.endsWith(asInRepo(block))).toBe(true);
    // only what the block itself imports or declares: no helper a reader does not have
    expect(block).not.toMatch(/declareShop/);
    expect(block).toMatch(/const eksProvider = new k8s\.Provider\(/);
  });

  test('bulkhead commands run from source say --silent, so that npm prints no banner on stdout', () => {
    const runs = [...readme.matchAll(/npm run (\S+ )?bulkhead --/g)].map((m) => m[0]);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.startsWith('npm run --silent bulkhead --'))).toBe(true);
  });

  test('npx bulkhead is said to need a compile first', () => {
    expect(readme).toMatch(/`npx bulkhead` runs the package's bin, `dist\/cli\/main\.js`: in this repository, build it first\s+with `npx projen compile`/);
  });

  test('the README connlist and explain commands work on the synthesized example: explain answers ALLOWED', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-readme-'));
    try {
      // what `npm run synth` writes: every layer and the application's Deployments
      const { charts } = buildApp({ outdir: out }, { printWarnings: false });
      writeManifests(charts.synthesis.clusters.map((c) => ({ name: c.cluster.name, manifests: charts.chart(c.cluster.name).toJson() as KubeManifest[] })), out);
      const commands = cliLines(readme).filter((a) => a[0] === 'connlist' || a[0] === 'explain');
      expect(commands.map((a) => a[0]).sort()).toEqual(['connlist', 'explain']);
      for (const args of commands) {
        const stdout: string[] = [];
        const stderr: string[] = [];
        const code = run(args.map((a) => a.replace(/^out\//, `${out}/`)), { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) });
        expect({ args, code }).toEqual({ args, code: 0 });
        expect(stderr.join('')).not.toMatch(/error/i);
        if (args[0] === 'explain') expect(stdout.join('')).toMatch(/^verdict: ALLOWED$/m);
        else expect(stdout.join('')).toMatch(/shop\/cart-service\[Deployment\] => payments\/payment-service\[Deployment\] : TCP 9090/);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  test('CI runs exactly the README\'s install and test commands', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci.split('\n').filter((l) => /^npm /.test(l))).toEqual(['npm ci', 'npm test']);
  });
});
