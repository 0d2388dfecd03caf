import { javascript, typescript } from 'projen';

const project = new typescript.TypeScriptProject({
  name: 'bulkhead',
  description: 'Zero-trust micro-segmentation as code: one typed declaration, every enforcement layer (NetworkPolicy, ClusterNetworkPolicy, Cilium, Istio, SPIRE, AWS).',
  license: 'Apache-2.0',
  copyrightOwner: 'The Bulkhead Authors',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  srcdir: 'lib',
  testdir: 'test',
  libdir: 'dist',
  entrypoint: 'dist/index.js',
  entrypointTypes: 'dist/index.d.ts',
  bin: { bulkhead: 'dist/cli/main.js' },
  sampleCode: false,
  eslint: false,
  prettier: false,
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  typescriptVersion: '~5.9.3',
  tsconfig: {
    compilerOptions: {
      skipLibCheck: true,
      lib: ['es2022'],
      target: 'ES2022',
      module: 'CommonJS',
      esModuleInterop: true,
      resolveJsonModule: true,
    },
    include: ['lib/**/*.ts'],
    exclude: ['node_modules', 'dist', 'test', 'examples', 'bench'],
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    compilerOptions: {
      skipLibCheck: true,
      // ts-jest transpiles each file alone (fast); `tsc --noEmit` in the test task type-checks.
      isolatedModules: true,
      lib: ['es2022'],
      target: 'ES2022',
      module: 'CommonJS',
      esModuleInterop: true,
      resolveJsonModule: true,
    },
    include: ['lib/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', '.projenrc.ts'],
    // The consumer project imports the packed package ('bulkhead'); test/consumer compiles it.
    exclude: ['node_modules', 'dist', 'test/consumer/project'],
  },
  jestOptions: {
    jestVersion: '^29',
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    coverageText: false,
    junitReporting: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
      collectCoverage: false,
      maxWorkers: 2,
    },
  },
  peerDependencyOptions: { pinnedDevDependency: false },
  peerDeps: [
    'cdk8s@^2.70.0',
    'cdk8s-plus-27@^2.9.0',
    'constructs@^10.3.0',
    '@pulumi/pulumi@>=3.142.0 <4.0.0',
    '@pulumi/aws@^7.0.0',
    '@pulumi/kubernetes@^4.18.0',
  ],
  deps: [
    'yaml@^2.9.1',
    'js-yaml@^4.1.0',
    'commander@^14.0.3',
    'ipaddr.js@^2.2.0',
    '@dagrejs/dagre@^3.1.3',
  ],
  devDeps: [
    '@types/node@^20',
    '@types/js-yaml@^4.0.9',
    'ts-node@10.9.2',
    'fast-check@^4.10.0',
    'ajv@^8.17.0',
    'kubernetes-models@4.5.1',
    'cdk8s@2.70.106',
    'cdk8s-plus-27@2.9.5',
    'constructs@10.8.1',
    '@pulumi/pulumi@3.248.0',
    '@pulumi/aws@7.48.0',
    '@pulumi/kubernetes@4.34.2',
    'puppeteer-core@^25.16.0',
    '@sparticuz/chromium@^153.0.0',
  ],
  gitignore: ['/out/', '/bench/out/', '*.tsbuildinfo', '!/test/fixtures/flows/*.log'],
  // The package ships only what a user needs (see `files` below), not a denylist.
  npmignoreEnabled: false,
});

// What the package ships: the compiled library and bin, README and LICENSE (npm adds package.json).
// Not out/, bench/, examples/ (they import ../../lib), test/ or the packed tarballs in dist/js.
project.package.addField('files', ['dist/**/*.js', 'dist/**/*.d.ts', '!dist/js/**', 'README.md', 'LICENSE']);

// One copy of @pulumi/pulumi (mock state is module-global) and a version that runs on Node 20.
project.package.addField('overrides', { '@pulumi/pulumi': '3.248.0' });

// Entry points: the host adapters are separate so that each host needs only its own peers.
project.package.addField('exports', {
  '.': { types: './dist/index.d.ts', default: './dist/index.js' },
  './cdk8s': { types: './dist/cdk8s/index.d.ts', default: './dist/cdk8s/index.js' },
  './pulumi': { types: './dist/pulumi/index.d.ts', default: './dist/pulumi/index.js' },
  './package.json': './package.json',
});
project.package.addField('typesVersions', {
  '*': { cdk8s: ['dist/cdk8s/index.d.ts'], pulumi: ['dist/pulumi/index.d.ts'] },
});
project.package.addField('peerDependenciesMeta', {
  'cdk8s': { optional: true },
  'cdk8s-plus-27': { optional: true },
  '@pulumi/pulumi': { optional: true },
  '@pulumi/aws': { optional: true },
  '@pulumi/kubernetes': { optional: true },
});

// The example: synthesize the e-commerce declaration to one folder per cluster.
project.addTask('synth', {
  description: 'Synthesize the e-commerce example to manifests (out/<cluster>/), with a summary',
  exec: 'ts-node --transpile-only examples/ecommerce/synth.ts',
  receiveArgs: true,
});
project.addTask('bulkhead', {
  description: 'Run the bulkhead command from source (npm run bulkhead -- connlist out/eks-prod)',
  exec: 'ts-node --transpile-only lib/cli/main.ts',
  receiveArgs: true,
});
project.addTask('bench', {
  description: 'Run the benchmarks under bench/ (figures, not tests)',
  exec: 'ts-node --transpile-only bench/run.ts',
  receiveArgs: true,
});
project.addTask('typecheck', {
  description: 'Type-check library, tests, examples and benchmarks',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
// The loader's field schemas (lib/imports/schemas.ts), generated from the Kubernetes OpenAPI
// types of kubernetes-models and the upstream CRDs in ../shared/crds; committed, never edited.
project.addTask('gen-schemas', {
  description: 'Regenerate lib/imports/schemas.ts from kubernetes-models and ../shared/crds',
  exec: 'ts-node --project tsconfig.dev.json projenrc/gen-schemas.ts',
});
project.testTask.prependExec('tsc --noEmit -p tsconfig.dev.json');

project.synth();
