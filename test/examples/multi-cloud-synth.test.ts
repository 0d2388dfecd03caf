import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { declareMultiCloud, MULTI_CLOUD_ACCOUNT } from '../../examples/multi-cloud/declaration';
import { synthMultiCloud } from '../../examples/multi-cloud/synth';
import { synthesize, toYaml, verifyAws } from '../../lib';

jest.setTimeout(120_000);

describe('the multi-cloud synth script', () => {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-mc-synth-')), 'out');
  afterAll(() => fs.rmSync(path.dirname(outdir), { recursive: true, force: true }));

  test('writes one file per layer per cluster, and the aws layer per account and Region', () => {
    const { files, summary } = synthMultiCloud(outdir);
    expect(files.map((f) => f.split(path.sep).join('/')).sort()).toEqual([
      'aks-support/.bulkhead-cluster.json',
      'aks-support/kubernetes.yaml',
      `aws/${MULTI_CLOUD_ACCOUNT}/eu-west-1/aws.yaml`,
      'eks-orders/.bulkhead-cluster.json',
      'eks-orders/cilium.yaml', 'eks-orders/istio.yaml', 'eks-orders/kubernetes.yaml', 'eks-orders/spire.yaml',
      'gke-analytics/.bulkhead-cluster.json',
      'gke-analytics/istio.yaml', 'gke-analytics/kubernetes.yaml', 'gke-analytics/spire.yaml',
    ]);
    expect(summary).toMatch(new RegExp(`aws/${MULTI_CLOUD_ACCOUNT}/eu-west-1 +12 `));
  });

  test('the aws file holds exactly the network\'s Crossplane objects', () => {
    const s = synthesize(declareMultiCloud(undefined).topology);
    const written = fs.readFileSync(path.join(outdir, 'aws', MULTI_CLOUD_ACCOUNT, 'eu-west-1', 'aws.yaml'), 'utf8');
    expect(YAML.parseAllDocuments(written).map((d) => d.toJSON())).toEqual(JSON.parse(JSON.stringify(s.networks[0].manifests)));
    expect(written.trim()).toBe(toYaml(s.networks[0].manifests).trim());
    // the file as committed verifies exact against the declaration
    const report = verifyAws(s.plan, YAML.parseAllDocuments(written).map((d) => d.toJSON() as unknown));
    expect([report.ok, report.networks.map((n) => n.status)]).toEqual([true, ['exact']]);
  });

  test('a second run replaces its own files and writes the same bytes', () => {
    const before = fs.readFileSync(path.join(outdir, 'eks-orders', 'spire.yaml'), 'utf8');
    synthMultiCloud(outdir);
    expect(fs.readFileSync(path.join(outdir, 'eks-orders', 'spire.yaml'), 'utf8')).toBe(before);
  });
});
