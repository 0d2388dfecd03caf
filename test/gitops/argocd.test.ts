/**
 * The ApplicationSet: one Application per folder with a destination, the repository, revision
 * and path from the options, each cluster folder to the cluster of its name, network folders
 * to the control plane.
 */
import { applicationSet, GITOPS_ENVIRONMENT_LABEL } from '../../lib/gitops/argocd';
import { gitopsFolders } from '../../lib/gitops';
import { environmentFolders } from './fixtures';
import * as YAML from 'yaml';
import { crdKey, schemaErrors } from '../util/schema';

const OPTS = { tool: 'argocd' as const, repoUrl: 'https://github.com/acme/platform.git', revision: 'main', path: 'deploy/segmentation', controlPlane: { prod: 'mgmt-prod', staging: 'mgmt-staging' }, destinations: { 'staging/eks-orders': 'staging-orders', 'staging/aks-support': 'staging-support', 'staging/gke-analytics': 'staging-analytics' } };

function appSet(): { spec: { generators: { list: { elements: Record<string, string>[] } }[]; template: { metadata: { name: string; labels: Record<string, string> }; spec: Record<string, any> } }; metadata: Record<string, string> } {
  const out = gitopsFolders(environmentFolders(), OPTS);
  const f = out.folders.find((x) => x.name === 'argocd' && x.under?.[0] === 'gitops')!;
  return YAML.parse(f.files!['applicationset.yaml']);
}

describe('applicationSet', () => {
  test('one element per folder of every environment: path in the repository, destination by name, environment', () => {
    const elements = appSet().spec.generators[0].list.elements;
    expect(elements.map((e) => `${e.path} -> ${e.cluster} (${e.environment}, ${e.folder})`)).toEqual([
      'deploy/segmentation/prod/aks-support -> aks-support (prod, cluster)',
      'deploy/segmentation/prod/aws/123456789012/eu-west-1 -> mgmt-prod (prod, network)',
      'deploy/segmentation/prod/eks-orders -> eks-orders (prod, cluster)',
      'deploy/segmentation/prod/gke-analytics -> gke-analytics (prod, cluster)',
      'deploy/segmentation/staging/aks-support -> staging-support (staging, cluster)',
      'deploy/segmentation/staging/aws/123456789012/eu-west-1 -> mgmt-staging (staging, network)',
      'deploy/segmentation/staging/eks-orders -> staging-orders (staging, cluster)',
      'deploy/segmentation/staging/gke-analytics -> staging-analytics (staging, cluster)',
    ]);
    expect(new Set(elements.map((e) => e.name)).size).toBe(elements.length);
    for (const e of elements) expect(e.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  test('the template: source from the options, destination by name (never server), automated sync with prune and retry', () => {
    const s = appSet();
    expect(s.metadata).toMatchObject({ name: 'bulkhead', namespace: 'argocd' });
    const t = s.spec.template;
    expect(t.metadata.name).toBe('{{.name}}');
    expect(t.metadata.labels[GITOPS_ENVIRONMENT_LABEL]).toBe('{{.environment}}');
    expect(t.spec.source).toEqual({ repoURL: OPTS.repoUrl, targetRevision: 'main', path: '{{.path}}' });
    expect(t.spec.destination).toEqual({ name: '{{.cluster}}' });
    expect(t.spec.project).toBe('default');
    expect(t.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    // retried without limit: a CRD installed by another Application may come later
    expect(t.spec.syncPolicy.retry.limit).toBe(-1);
    expect((s.spec as Record<string, unknown>).goTemplate).toBe(true);
  });

  test('every template field names an element key the generator sets (missingkey=error would fail the set otherwise)', () => {
    const s = appSet();
    const used = [...JSON.stringify(s.spec.template).matchAll(/\{\{\.(\w+)\}\}/g)].map((m) => m[1]);
    for (const e of s.spec.generators[0].list.elements) for (const k of used) expect(e[k]).toBeDefined();
  });

  test('units without a destination are left out', () => {
    const s = applicationSet([], { repoUrl: 'https://x/y.git', revision: 'HEAD', name: 'b', namespace: 'argocd', project: 'default' }) as { spec: { generators: { list: { elements: unknown[] } }[] } };
    expect(s.spec.generators[0].list.elements).toEqual([]);
  });
});

// The upstream CRD (argoproj/argo-cd manifests/crds/applicationset-crd.yaml) validates the set
// once it is among the shared CRDs; until then the fields are asserted above.
const withCrd = crdKey({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet' }) ? test : test.skip;
withCrd('the ApplicationSet validates against the upstream CRD', () => {
  expect(schemaErrors(appSet() as unknown as { apiVersion: string; kind: string })).toEqual([]);
});
