/**
 * The package as a user gets it. The library is compiled (as `npx projen compile` does) into a
 * fresh package folder, packed with `npm pack`, and the tarball is installed into a new strict
 * TypeScript project whose peers are the versions installed here (linked, so the test is fast
 * and needs no network). There the README programs and a cdk8s unit test are compiled against
 * the packed typings (never `lib/`) and run, and the packed `bulkhead` bin is run on a
 * JavaScript declaration that imports the installed package.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// A guard against a hung child process, not a budget: the whole file takes about 40 s on two cores.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const MODULES = path.join(ROOT, 'node_modules');
const FIXTURE = path.join(__dirname, 'project');
const TSC = path.join(MODULES, 'typescript', 'bin', 'tsc');

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

function exec(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r: SpawnSyncReturns<string> = spawnSync(command, [...args], {
    cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env }, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed; its output is in the failure message otherwise. */
function ok(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Run {
  const r = exec(command, args, cwd, env);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The example programs as a user writes them: importing the package instead of the sources. */
function asPackageUser(source: string): string {
  const out = source
    .replace(/from '\.\.\/\.\.\/lib\/(cdk8s|pulumi)'/g, "from 'bulkhead/$1'")
    .replace(/from '\.\.\/\.\.\/lib'/g, "from 'bulkhead'");
  if (/\.\.\/lib/.test(out)) throw new Error('an example imports the sources in a way the test cannot rewrite');
  return out;
}

interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly bin: Record<string, string>;
  readonly main: string;
  readonly types: string;
  readonly exports: Record<string, string | { types: string; default: string }>;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
}

let tmp: string;
let stage: string;
let consumer: string;
let packedFiles: string[];
let checkoutFiles: string[];
let pkg: PackedPackage;
let compile: Run;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-consumer-'));

  // 1. Build: the library compiled into a fresh package folder (never a stale dist/).
  stage = path.join(tmp, 'package');
  fs.mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE']) fs.copyFileSync(path.join(ROOT, f), path.join(stage, f));
  ok(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(stage, 'dist')], ROOT);

  // 2. Pack, as `npm publish` would.
  const packed = JSON.parse(ok('npm', ['pack', '--json', '--offline', '--pack-destination', tmp], stage).stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed[0].files.map((f) => f.path).sort();
  // What `npm pack` takes from this checkout itself (with examples/, bench/, test/, out/ …).
  const dry = JSON.parse(ok('npm', ['pack', '--dry-run', '--json', '--offline'], ROOT).stdout) as { files: { path: string }[] }[];
  checkoutFiles = dry[0].files.map((f) => f.path).sort();
  const tarball = path.join(tmp, packed[0].filename);

  // 3. Install into a new project: the tarball extracted into node_modules/bulkhead; its
  //    dependencies and peers linked from this repository's node_modules; the bin linked and
  //    made executable, as npm does.
  consumer = path.join(tmp, 'consumer');
  fs.cpSync(FIXTURE, consumer, { recursive: true });
  const modules = path.join(consumer, 'node_modules');
  const installed = path.join(modules, 'bulkhead');
  fs.mkdirSync(installed, { recursive: true });
  ok('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], tmp);
  pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as PackedPackage;
  for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), '@types/node']) {
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(MODULES, name)), link, 'dir');
  }
  fs.mkdirSync(path.join(modules, '.bin'));
  for (const [name, file] of Object.entries(pkg.bin)) {
    fs.chmodSync(path.join(installed, file), 0o755);
    fs.symlinkSync(path.join('..', 'bulkhead', file), path.join(modules, '.bin', name));
  }

  // 4. The user's programs: the README quick start and Pulumi program, as the README shows them.
  fs.writeFileSync(path.join(consumer, 'src', 'quickstart.ts'), asPackageUser(fs.readFileSync(path.join(ROOT, 'examples/quickstart/main.ts'), 'utf8')));
  fs.writeFileSync(path.join(consumer, 'src', 'pulumi.ts'), asPackageUser(fs.readFileSync(path.join(ROOT, 'examples/quickstart/pulumi.ts'), 'utf8')));
  fs.writeFileSync(path.join(consumer, 'src', 'clouds.ts'), asPackageUser(fs.readFileSync(path.join(ROOT, 'examples/quickstart/clouds.ts'), 'utf8')));

  // 5. Compile with tsc --strict against the installed package. Declaration files are checked
  //    too (no skipLibCheck), so an error inside the packed typings fails here.
  compile = exec(process.execPath, [TSC, '-p', consumer, '--strict', '--listFiles'], consumer);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  test('ships dist (JavaScript and typings), README.md and LICENSE only', () => {
    const shipped = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/;
    expect(packedFiles.filter((f) => !shipped.test(f))).toEqual([]);
    // packed from the checkout, beside examples/, bench/, test/ and any out/: still only those
    expect(checkoutFiles.filter((f) => !shipped.test(f) || f.startsWith('dist/js/'))).toEqual([]);
    expect(checkoutFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(packedFiles.filter((f) => /^(out|bench|examples|test|lib|projenrc)\//.test(f) || f.startsWith('dist/js/'))).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']));
  });

  test('every entry point it declares is in it', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const [key, e] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      targets.push(...(typeof e === 'string' ? [e] : [e.types, e.default]));
    }
    const missing = targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !packedFiles.includes(t));
    expect(missing).toEqual([]);
  });

  test('the peers linked into the consumer are versions a user installs (they satisfy the peer ranges)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const semver = require('semver') as { satisfies(v: string, range: string): boolean };
    const versions = Object.entries(pkg.peerDependencies).map(([name, range]) => {
      const { version } = JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      return { name, range, version, satisfied: semver.satisfies(version, range) };
    });
    expect(versions.filter((v) => !v.satisfied)).toEqual([]);
  });

  test('a strict TypeScript project compiles against the packed typings, never the sources', () => {
    expect({ status: compile.status, output: compile.stdout.split('\n').filter((l) => /error TS/.test(l)).join('\n') + compile.stderr }).toEqual({ status: 0, output: '' });
    const files = compile.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    const ours = files.filter((f) => f.includes(`${path.sep}node_modules${path.sep}bulkhead${path.sep}`));
    expect(ours.length).toBeGreaterThan(10);
    expect(ours.filter((f) => !/node_modules\/bulkhead\/dist\/.+\.d\.ts$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith(path.join(ROOT, 'lib')) || f.startsWith(path.join(ROOT, 'examples')))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining([path.join(consumer, 'src', 'quickstart.ts'), path.join(consumer, 'src', 'pulumi.ts'), path.join(consumer, 'src', 'cdk8s-synth.ts')]));
  });

  test('it compiles with the classic resolution too (module commonjs and node resolution, as Pulumi\'s TypeScript template sets them)', () => {
    // no `exports` support there: bulkhead/cdk8s and bulkhead/pulumi resolve through typesVersions
    const r = exec(process.execPath, [TSC, '-p', consumer, '--strict', '--noEmit', '--skipLibCheck', '--module', 'commonjs', '--moduleResolution', 'node10', '--listFiles'], consumer);
    expect({ status: r.status, errors: r.stdout.split('\n').filter((l) => /error TS/.test(l)) }).toEqual({ status: 0, errors: [] });
    const ours = r.stdout.split('\n').filter((f) => f.includes('/node_modules/bulkhead/'));
    expect(ours).toEqual(expect.arrayContaining([expect.stringMatching(/bulkhead\/dist\/cdk8s\/index\.d\.ts$/), expect.stringMatching(/bulkhead\/dist\/pulumi\/index\.d\.ts$/)]));
  });

  test('the README clouds example runs: security groups for the VM fleet and the database, verified exact in every layer', () => {
    const out = ok(process.execPath, ['build/clouds.js'], consumer).stdout;
    expect(out).toMatch(/^prod-vpc: \d+ Crossplane objects$/m);
    expect(out).toMatch(/^eks-prod kubernetes: exact$/m);
    expect(out).toMatch(/^prod-vpc aws: exact$/m);
  });

  test('the README quick start runs and writes every layer it lists, with the break-glass grant in force', () => {
    ok(process.execPath, ['build/quickstart.js'], consumer);
    const dir = path.join(consumer, 'out', 'quickstart');
    const files = fs.readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/^segmentation-eks-prod.*\.k8s\.yaml$/)]);
    const yaml = fs.readFileSync(path.join(dir, files[0]), 'utf8');
    const kinds = [...new Set([...yaml.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]))].sort();
    expect(kinds).toEqual(expect.arrayContaining(['AuthorizationPolicy', 'CiliumNetworkPolicy', 'ClusterSPIFFEID', 'CronJob', 'NetworkPolicy', 'PeerAuthentication']));
    expect(kinds).not.toContain('ClusterNetworkPolicy'); // the quick start's cluster does not list it
    expect(yaml).toMatch(/bulkhead\.io\/break-glass: db-oncall/);
  });

  test('the README Pulumi program runs under Pulumi mocks, with the provider it passes', () => {
    const r = ok(process.execPath, ['build/run-pulumi.js'], consumer);
    const { objectCounts, registered } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { objectCounts: Record<string, number>; registered: string[] };
    expect(Object.keys(objectCounts)).toEqual(['eks-prod']);
    expect(objectCounts['eks-prod']).toBeGreaterThan(0);
    expect(registered).toEqual(expect.arrayContaining(['bulkhead:index:Segmentation shop', 'pulumi:providers:kubernetes eks-prod']));
    const objects = registered.filter((x) => x.startsWith('kubernetes:'));
    expect(objects.length).toBe(objectCounts['eks-prod']);
    expect(objects.filter((x) => !x.endsWith(' provider=eks-prod'))).toEqual([]);
    expect(objects.some((x) => x.startsWith('kubernetes:cilium.io/v2:CiliumNetworkPolicy '))).toBe(true);
    expect(registered.filter((x) => x.startsWith('pulumi:providers:'))).toEqual(['pulumi:providers:kubernetes eks-prod']);
  });

  test('a cdk8s Testing.synth test binds cdk8s-plus-27 Deployments and checks the NetworkPolicies', () => {
    const r = ok(process.execPath, ['build/cdk8s-synth.js'], consumer);
    const objects = JSON.parse(r.stdout.trim()) as string[];
    expect(objects).toEqual(expect.arrayContaining([
      'Deployment shop/cart', 'Deployment shop/web',
      'NetworkPolicy shop/bulkhead-default-deny', 'NetworkPolicy shop/cart', 'NetworkPolicy shop/web',
    ]));
  });

  test('bulkhead and bulkhead/cdk8s load without any cdk8s-plus installed; bulkhead/cdk8s without Pulumi', () => {
    const block = ['-r', './block-cdk8s-plus.js'];
    // the block works: cdk8s-plus-27 is installed, yet unresolvable with it
    expect(exec(process.execPath, [...block, '-e', "require('cdk8s-plus-27')"], consumer).stderr).toMatch(/Cannot find module 'cdk8s-plus-27'/);
    const r = ok(process.execPath, [...block, '-e', [
      "const b = require('bulkhead'); const c = require('bulkhead/cdk8s');",
      "if (typeof c.TopologyCharts !== 'function' || typeof c.bindWorkload !== 'function' || typeof b.Topology !== 'function') throw new Error('missing exports');",
      "const pulumi = Object.keys(require.cache).filter((k) => k.includes('@pulumi'));",
      "if (pulumi.length > 0) throw new Error('bulkhead/cdk8s loaded Pulumi: ' + pulumi[0]);",
      "console.log('loaded');",
    ].join('\n')], consumer);
    expect(r.stdout).toBe('loaded\n');
  });

  test('an ES module can import every entry point by name', () => {
    const r = ok(process.execPath, ['--input-type=module', '-e', [
      "import { Cluster, Port, Topology } from 'bulkhead';",
      "import { bindWorkload, TopologyCharts } from 'bulkhead/cdk8s';",
      "import { SegmentationStack } from 'bulkhead/pulumi';",
      'console.log([Cluster, Port, Topology, bindWorkload, TopologyCharts, SegmentationStack].map((x) => typeof x).join(" "));',
    ].join('\n')], consumer);
    expect(r.stdout).toBe('function function function function function function\n');
  });
});

describe('the packed bulkhead bin', () => {
  const bin = (): string => path.join(consumer, 'node_modules', '.bin', 'bulkhead');

  test('--version prints the package version, --help the commands', () => {
    expect(ok(bin(), ['--version'], consumer).stdout).toBe(`${pkg.version}\n`);
    const help = ok(bin(), ['--help'], consumer).stdout;
    for (const command of ['connlist', 'explain', 'diff', 'verify', 'synth']) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  test('synth and verify a JavaScript declaration that imports the installed package', () => {
    const synth = ok(bin(), ['synth', 'declaration.js', '--out', 'out/synth'], consumer);
    expect(synth.stdout.trim().split('\n').sort()).toEqual([path.join('out/synth/eks/.bulkhead-cluster.json'), path.join('out/synth/eks/cilium.yaml'), path.join('out/synth/eks/kubernetes.yaml')]);
    expect(fs.readFileSync(path.join(consumer, 'out/synth/eks/kubernetes.yaml'), 'utf8')).toMatch(/^  name: cart$/m);
    const verify = exec(bin(), ['verify', 'declaration.js'], consumer);
    expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
    expect(verify.stdout).toMatch(/^eks kubernetes: exact/m);
    expect(verify.stdout).toMatch(/^eks cilium: exact/m);
    expect(verify.stdout).toMatch(/verify: every layer allows exactly the declared flows\n$/);
  });

  // The README's `npx bulkhead verify examples/ecommerce/declaration.ts` after `npx projen
  // compile`: the compiled bin loads a declaration that imports the sources (two copies of
  // the library in one process). The package folder built above stands for dist/.
  // Constructs and value types are recognised across copies by their Symbol.for brands.
  test('verifies the README example that imports the sources (two copies of the library)', () => {
    fs.symlinkSync(MODULES, path.join(stage, 'node_modules'), 'dir');
    const r = exec(process.execPath, [path.join(stage, 'dist', 'cli', 'main.js'), 'verify', 'examples/ecommerce/declaration.ts', '--export', 'declareShop'], ROOT);
    expect(r.status).toBe(0);
    // the declaration's warnings, and nothing else: no error, no problem of a second copy
    expect(r.stderr).not.toMatch(/\] error at|BH-FOREIGN-COPY|TypeError/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('[')).every((l) => /^\[BH-[A-Z0-9-]+\] (warning|info) at /.test(l))).toBe(true);
    expect(r.stdout).toMatch(/\nverify: no finding; 1 approximation\(s\)/);
  });
});
