/**
 * The catalogue of the problem codes of the error model's own area: acknowledgements, the
 * output folder, the analysis input and the command. Each entry produces the problem and states
 * its code, severity, message, path, value and fix.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Analysis } from '../../lib/analysis/engine';
import { AnalysisInputError } from '../../lib/analysis/errors';
import { loadManifests, loadObjects } from '../../lib/analysis/loader';
import { run } from '../../lib/cli/main';
import { BulkheadError, Problem } from '../../lib/core/errors';
import { OUTPUT_RECORD_FILE, writeManifests } from '../../lib/synth';
import { synthesize } from '../../lib/synth';
import { base, NOW } from './declare';
import { problemsThrown } from '../util/thrown';

interface Entry {
  readonly name: string;
  /** Produces the problems (thrown or returned). */
  readonly produce: (dir: string) => readonly Problem[];
  readonly code: string;
  readonly severity?: Problem['severity'];
  readonly path: RegExp | string;
  readonly message: RegExp;
  readonly value?: RegExp;
  readonly fix: RegExp;
}

function cliProblems(argv: string[]): readonly Problem[] {
  let err = '';
  run(argv, { stdout: () => undefined, stderr: (t) => { err += t; } });
  const m = /\[(BH-[A-Z-]+)\] (error|warning|info) at (.*?): (.*)\n(?:\s+value: (.*)\n)?\s+fix: (.*)/.exec(err);
  if (!m) throw new Error(`no problem printed: ${err}`);
  return [{ code: m[1], severity: m[2] as Problem['severity'], path: m[3], message: m[4], ...(m[5] ? { value: m[5] } : {}), fix: m[6] }];
}

const np = (name: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'shop', labels: { 'bulkhead.io/layer': 'kubernetes' } }, spec: { podSelector: {} } });
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } };

/** The warnings of the simulators (what a layer could not model exactly). */
function simulatorEntries(): Entry[] {
  const cnp = (spec: Record<string, unknown>) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace: 'shop' }, spec });
  const ccnp = (spec: Record<string, unknown>) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'h' }, spec });
  const cluster = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec });
  const sub = { namespaces: {} };
  const warnings = (objects: unknown[], checkSchemas = true) => Analysis.of(loadObjects([pod, ...objects], 'mem', { checkSchemas })).warnings;
  return [
    {
      name: 'Cilium: a host policy (nodeSelector)',
      produce: () => warnings([ccnp({ nodeSelector: {}, ingress: [{}] })]),
      code: 'BH-AN-CILIUM-HOST-POLICY', severity: 'warning', path: 'CiliumClusterwideNetworkPolicy h, spec', message: /nodeSelector \(host policy\) is not modeled/, fix: /host policies separately/,
    },
    {
      name: 'Cilium: an entity the analysis cannot see',
      produce: () => warnings([cnp({ endpointSelector: {}, ingress: [{ fromEntities: ['host'] }] })]),
      code: 'BH-AN-CILIUM-ENTITY', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.ingress[0].fromEntities[0]', message: /entity host names no workload/, fix: /check what this entity allows/,
    },
    {
      name: 'Cilium: a selector on reserved labels',
      produce: () => warnings([cnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }] })]),
      code: 'BH-AN-CILIUM-FOREIGN-SELECTOR', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.ingress[0].fromEndpoints[0]', message: /reserved or non-Kubernetes labels are not modeled/, fix: /Kubernetes labels/,
    },
    {
      name: 'Cilium: CIDR groups',
      produce: () => warnings([cnp({ endpointSelector: {}, egress: [{ toCIDRSet: [{ cidrGroupRef: 'g' }] }] })]),
      code: 'BH-AN-CILIUM-CIDR-GROUP', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.egress[0].toCIDRSet[0]', message: /CIDR groups .* are not modeled/, fix: /write the CIDRs in the rule/,
    },
    {
      name: 'Cilium: a peer kind the analysis does not model',
      produce: () => warnings([cnp({ endpointSelector: {}, egress: [{ toNodes: [{}] }] })]),
      code: 'BH-AN-CILIUM-PEER-NOT-MODELED', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.egress[0].toNodes', message: /toNodes is not modeled/, fix: /endpoints, entities or CIDRs/,
    },
    {
      name: 'Cilium: a toPorts entry without ports',
      produce: () => warnings([cnp({ endpointSelector: {}, ingress: [{ toPorts: [{}] }] })]),
      code: 'BH-AN-CILIUM-EMPTY-PORTS', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.ingress[0].toPorts[0]', message: /without ports matches no port/, fix: /list the ports/,
    },
    {
      name: 'Cilium: an Envoy listener',
      produce: () => warnings([cnp({ endpointSelector: {}, egress: [{ toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], listener: { envoyConfig: { kind: 'CiliumEnvoyConfig', name: 'e' }, name: 'l' } }] }] })]),
      code: 'BH-AN-CILIUM-LISTENER', severity: 'warning', path: 'CiliumNetworkPolicy shop/c, spec.egress[0].toPorts[0].listener', message: /Envoy listener is taken as allowed/, fix: /listener configuration/,
    },
    {
      name: 'Istio: a policy attached to a gateway (information)',
      produce: () => warnings([{ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'gw', namespace: 'shop' }, spec: { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] } }]),
      code: 'BH-AN-ISTIO-TARGET-REF', severity: 'info', path: 'AuthorizationPolicy shop/gw', message: /gateway or waypoint, not to sidecars/, fix: /^nothing to do/,
    },
    {
      name: 'ClusterNetworkPolicy: two policies share a priority',
      produce: () => warnings([cluster('a', { tier: 'Admin', priority: 3, subject: sub, ingress: [] }), cluster('b', { tier: 'Admin', priority: 3, subject: sub, ingress: [] })]),
      code: 'BH-AN-CNP-SAME-PRIORITY', severity: 'warning', path: 'ClusterNetworkPolicy a, ClusterNetworkPolicy b', message: /share Admin priority 3/, fix: /its own priority/,
    },
    {
      name: 'ClusterNetworkPolicy: another API version',
      produce: () => warnings([{ ...cluster('a', { tier: 'Admin', priority: 3, subject: sub, ingress: [] }), apiVersion: 'policy.networking.k8s.io/v1alpha1' }]),
      code: 'BH-AN-CNP-VERSION', severity: 'warning', path: 'ClusterNetworkPolicy a', message: /reads it as v1alpha2/, fix: /policy\.networking\.k8s\.io\/v1alpha2/,
    },
    {
      name: 'ClusterNetworkPolicy: a peer that sets no field fails closed',
      produce: () => warnings([cluster('a', { tier: 'Admin', priority: 1, subject: sub, ingress: [{ action: 'Deny', from: [{}] }] })]),
      code: 'BH-AN-CNP-FAIL-CLOSED', severity: 'warning', path: 'ClusterNetworkPolicy a, spec.ingress[0].from[0]', message: /fails closed \(the rule matches every peer\)/, fix: /one field/,
    },
    {
      name: 'ClusterNetworkPolicy: nodes peers (experimental channel)',
      produce: () => warnings([cluster('a', { tier: 'Admin', priority: 1, subject: sub, egress: [{ action: 'Deny', to: [{ nodes: {} }] }] })], false),
      code: 'BH-AN-CNP-NODES', severity: 'warning', path: 'ClusterNetworkPolicy a, spec.egress[0].to[0].nodes', message: /nodes peers select node addresses/, fix: /separately/,
    },
    {
      name: 'ClusterNetworkPolicy: a domain name without a known address (experimental channel)',
      produce: () => warnings([cluster('a', { tier: 'Admin', priority: 1, subject: sub, egress: [{ action: 'Accept', to: [{ domainNames: ['api.example.com'] }] }] })], false),
      code: 'BH-AN-UNRESOLVED', severity: 'warning', path: 'ClusterNetworkPolicy a, spec.egress[0].to[0].domainNames', message: /no address is known for api\.example\.com/, fix: /--resolve name=address/,
    },
  ];
}

const CATALOGUE: readonly Entry[] = [
  // ------------------------------------------------------------------ acknowledgements
  {
    name: 'a malformed acknowledged code',
    produce: () => problemsThrown(() => base({ acknowledge: ['np-fqdn'] })),
    code: 'BH-ACK-CODE', path: 'shop', message: /must be a Bulkhead problem code/, value: /"np-fqdn"/, fix: /such as BH-NP-FQDN/,
  },
  {
    name: 'an acknowledged code no warning carries',
    produce: () => synthesize(base({ acknowledge: ['BH-NP-FQDM'] }).topo, { now: NOW }).warnings,
    code: 'BH-ACK-UNKNOWN', severity: 'warning', path: 'shop', message: /BH-NP-FQDM is carried by no warning/, value: /"BH-NP-FQDM"/, fix: /correct the code, or remove it/,
  },
  // ------------------------------------------------------------------ output folder
  {
    name: '--out onto a file',
    produce: (dir) => {
      fs.writeFileSync(path.join(dir, 'f'), 'x');
      return problemsThrown(() => writeManifests([{ name: 'c', manifests: [] }], path.join(dir, 'f')));
    },
    code: 'BH-OUT-NOT-FOLDER', path: /\/f$/, message: /exists and is not a folder/, fix: /choose a folder for --out/,
  },
  {
    name: 'a non-empty folder without a record',
    produce: (dir) => {
      fs.writeFileSync(path.join(dir, 'notes.md'), 'x');
      return problemsThrown(() => writeManifests([{ name: 'c', manifests: [] }], dir));
    },
    code: 'BH-OUT-FOREIGN', path: /bulkhead-catalogue-/, message: /not empty \(1 file, such as notes\.md\) and holds no record/, value: /notes\.md/, fix: /new or empty folder/,
  },
  {
    name: 'a foreign file where Bulkhead would write',
    produce: (dir) => {
      writeManifests([{ name: 'a', manifests: [np('x') as never] }], dir);
      fs.mkdirSync(path.join(dir, 'b'));
      fs.writeFileSync(path.join(dir, 'b', 'kubernetes.yaml'), 'mine\n');
      return problemsThrown(() => writeManifests([{ name: 'b', manifests: [np('x') as never] }], dir));
    },
    code: 'BH-OUT-OVERWRITE', path: /b\/kubernetes\.yaml$/, message: /was not written by Bulkhead/, fix: /move the file away/,
  },
  {
    name: 'an edited file',
    produce: (dir) => {
      writeManifests([{ name: 'a', manifests: [np('x') as never] }], dir);
      fs.appendFileSync(path.join(dir, 'a', 'kubernetes.yaml'), '# edit\n');
      return problemsThrown(() => writeManifests([{ name: 'a', manifests: [np('y') as never] }], dir));
    },
    code: 'BH-OUT-EDITED', path: /a\/kubernetes\.yaml$/, message: /edited since Bulkhead wrote it/, fix: /put the change into the declaration/,
  },
  {
    name: 'an unreadable record',
    produce: (dir) => {
      fs.writeFileSync(path.join(dir, OUTPUT_RECORD_FILE), '{');
      return problemsThrown(() => writeManifests([{ name: 'a', manifests: [] }], dir));
    },
    code: 'BH-OUT-RECORD', path: /\.bulkhead-manifest\.json$/, message: /cannot be read/, fix: /restore the record, or empty the folder/,
  },
  // ------------------------------------------------------------------ analysis input
  {
    name: 'an unknown field',
    produce: () => loadObjects([pod, { ...np('p'), spec: { podSelector: {}, ingres: [] } }], 'mem').warnings,
    code: 'BH-IN-UNKNOWN-FIELD', severity: 'warning', path: 'mem (document 2), NetworkPolicy shop/p, spec.ingres', message: /has no field "ingres".*kubectl apply rejects/, fix: /correct its spelling/,
  },
  {
    name: 'a missing required field',
    produce: () => loadObjects([{ ...pod, spec: { containers: [{ name: 'c', ports: [{ name: 'http' }] }] } }], 'mem').warnings,
    code: 'BH-IN-REQUIRED', severity: 'warning', path: 'mem (document 1), Pod shop/web, spec.containers[0].ports[0].containerPort', message: /required field "containerPort" is missing.*leaves it out/, fix: /set spec\.containers\[0\]\.ports\[0\]\.containerPort/,
  },
  {
    name: 'a policy kind that is not simulated',
    produce: () => loadObjects([pod, { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: {} }], 'mem').warnings,
    code: 'BH-IN-NOT-SIMULATED', severity: 'warning', path: 'mem (document 2), AuthorizationPolicy shop/a', message: /policy\.linkerd\.io.*does not simulate/, fix: /its own tools/,
  },
  {
    name: 'an apiVersion the upstream CRD does not serve',
    produce: () => loadObjects([pod, { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace: 'shop' }, spec: { endpointSelector: {} } }], 'mem').warnings,
    code: 'BH-IN-VERSION', severity: 'warning', path: 'mem (document 2), CiliumNetworkPolicy shop/c', message: /serves cilium\.io\/v2, not cilium\.io\/v2alpha1/, fix: /write apiVersion cilium\.io\/v2/,
  },
  {
    name: 'a kustomization',
    produce: (dir) => {
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: []\n');
      return loadManifests([dir]).warnings;
    },
    code: 'BH-IN-RENDER-FIRST', severity: 'warning', path: /kustomization\.yaml$/, message: /kustomization is not a manifest/, fix: /kubectl kustomize/,
  },
  {
    name: 'several clusters in one folder',
    produce: (dir) => {
      for (const c of ['a', 'b']) {
        fs.mkdirSync(path.join(dir, c));
        fs.writeFileSync(path.join(dir, c, 'kubernetes.yaml'), '');
      }
      return problemsThrown(() => loadManifests([dir]));
    },
    code: 'BH-IN-MULTI-CLUSTER', path: 'input', message: /manifests of 2 clusters \(a, b\)/, value: /bulkhead-catalogue-/, fix: /one cluster at a time/,
  },
  {
    name: 'an empty folder',
    produce: (dir) => loadManifests([dir]).warnings,
    code: 'BH-IN-EMPTY', severity: 'warning', path: /bulkhead-catalogue-/, message: /no manifest file/, fix: /rendered manifests/,
  },
  {
    name: 'a policy that selects no workload',
    produce: () => Analysis.of(loadObjects([pod, { ...np('p'), spec: { podSelector: { matchLabels: { app: 'wbe' } } } }], 'mem')).warnings,
    code: 'BH-IN-SELECTS-NOTHING', severity: 'warning', path: 'mem (document 2), NetworkPolicy shop/p, spec.podSelector', message: /selects no workload of the input \(namespace shop, selector app=wbe\)/, fix: /check the selector labels/,
  },
  {
    name: 'an Istio policy that selects no workload',
    produce: () => Analysis.of(loadObjects([pod, { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'wbe' } } } }], 'mem')).warnings,
    code: 'BH-IN-SELECTS-NOTHING', severity: 'warning', path: 'mem (document 2), AuthorizationPolicy shop/a, spec.selector', message: /selects no workload of the input/, fix: /check the selector labels/,
  },
  {
    name: 'a Cilium policy that selects no workload (k8s: prefix understood)',
    produce: () => Analysis.of(loadObjects([pod, { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace: 'shop' }, spec: { endpointSelector: { matchLabels: { 'k8s:app': 'wbe' } } } }], 'mem')).warnings,
    code: 'BH-IN-SELECTS-NOTHING', severity: 'warning', path: 'mem (document 2), CiliumNetworkPolicy shop/c, spec.endpointSelector', message: /selector app=wbe/, fix: /check the selector labels/,
  },
  {
    name: 'a document that is not an object',
    produce: () => loadObjects([pod, { replicas: 3 }], 'mem').warnings,
    code: 'BH-IN-NOT-OBJECT', severity: 'warning', path: 'mem (document 2)', message: /not a Kubernetes object/, fix: /remove the document/,
  },
  {
    name: 'a host-network pod',
    produce: () => loadObjects([{ ...pod, spec: { hostNetwork: true, containers: [{ name: 'c' }] } }], 'mem').warnings,
    code: 'BH-IN-HOST-NETWORK', severity: 'warning', path: 'mem (document 1), Pod shop/web, spec.hostNetwork', message: /NetworkPolicy does not apply to host-network pods/, fix: /without hostNetwork/,
  },
  {
    name: 'a workload kind of another API group (information)',
    produce: () => loadObjects([pod, { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'shop' } }], 'mem').warnings,
    code: 'BH-IN-NOT-WORKLOAD', severity: 'info', path: 'mem (document 2), Deployment shop/x', message: /not a Kubernetes workload API/, fix: /^nothing to do/,
  },
  {
    name: 'the same object twice',
    produce: () => problemsThrown(() => loadObjects([np('p'), np('p')], 'mem')),
    code: 'BH-IN-DUPLICATE', path: 'mem (document 2), NetworkPolicy shop/p', message: /also defined in mem \(document 1\)/, fix: /remove one of the two/,
  },
  {
    name: 'invalid YAML',
    produce: (dir) => {
      fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: [\n');
      return problemsThrown(() => loadManifests([dir]));
    },
    code: 'BH-IN-SYNTAX', path: /a\.yaml \(document 1\)$/, message: /not valid YAML/, fix: /fix the YAML syntax/,
  },
  {
    name: 'a path that cannot be read',
    produce: (dir) => problemsThrown(() => loadManifests([path.join(dir, 'missing')])),
    code: 'BH-IN-READ', path: 'input', message: /cannot read ".*missing"/, fix: /existing folder or manifest file/,
  },
  {
    name: 'a malformed field',
    produce: () => problemsThrown(() => Analysis.of(loadObjects([pod, { ...np('p'), spec: { podSelector: { matchLabels: { app: 1 } } } }], 'mem'))),
    code: 'BH-IN-FIELD', path: /^mem \(document 2\), NetworkPolicy shop\/p, spec\.podSelector\.matchLabels\.app$/, message: /label value must be a string/, value: /1/, fix: /quote the value/,
  },
  {
    name: 'an unknown workload (input without a field)',
    produce: () => problemsThrown(() => Analysis.of(loadObjects([pod], 'mem')).endpoint('shop/nope')),
    code: 'BH-IN-INPUT', path: 'input', message: /no workload shop\/nope/, value: /"shop\/nope"/, fix: /name one of: shop\/web\[Pod\]/,
  },
  // ------------------------------------------------------------------ simulator warnings
  ...simulatorEntries(),
  // ------------------------------------------------------------------ command
  {
    name: 'a folder given as a declaration program',
    produce: (dir) => cliProblems(['verify', dir]),
    code: 'BH-CLI-DECLARATION', path: /bulkhead-catalogue-/, message: /is a folder, not a declaration program/, fix: /bulkhead connlist/,
  },
  {
    name: 'a bad option value',
    produce: (dir) => cliProblems(['connlist', dir, '--resolve', 'nonsense']),
    code: 'BH-CLI-USAGE', path: 'bulkhead', message: /write name=address/, fix: /--help/,
  },
];

describe('problem catalogue: acknowledgements, output folder, analysis input, command', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-catalogue-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(CATALOGUE.map((e) => [e.name, e] as const))('%s', (_name, e) => {
    const found = e.produce(dir).filter((p) => p.code === e.code);
    expect(found.length).toBeGreaterThan(0);
    const p = found[0];
    expect(p.severity).toBe(e.severity ?? 'error');
    if (typeof e.path === 'string') expect(p.path).toBe(e.path);
    else expect(p.path).toMatch(e.path);
    expect(p.message).toMatch(e.message);
    if (e.value) expect(p.value).toMatch(e.value);
    expect(p.fix).toMatch(e.fix);
  });

  test('AnalysisInputError carries Problems too', () => {
    expect(problemsThrown(() => loadManifests([])).map((p) => p.code)).toEqual(['BH-IN-INPUT']);
    expect(new AnalysisInputError({ message: 'm', fix: 'f' })).toBeInstanceOf(BulkheadError);
  });
});
