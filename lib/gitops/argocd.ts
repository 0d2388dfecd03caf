/**
 * The Argo CD output: one `ApplicationSet` whose list generator names every folder to deploy
 * (every environment's clusters, and the cloud-network folders on their control-plane cluster),
 * each an Application with the folder's path in the repository and its destination cluster by
 * name (the cluster as registered in Argo CD).
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-List/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
 */
import * as YAML from 'yaml';
import { LABELS } from '../core/names';
import { GitOpsUnit } from './units';

/** What the ApplicationSet is made from. */
export interface ArgoCdSettings {
  /** The repository URL (`source.repoURL`). */
  readonly repoUrl: string;
  /** The revision (`source.targetRevision`). */
  readonly revision: string;
  /** The ApplicationSet's name, and the prefix of its Applications' names. */
  readonly name: string;
  /** The namespace Argo CD runs in (where the ApplicationSet is applied). */
  readonly namespace: string;
  /** The Argo CD project of the Applications. */
  readonly project: string;
}

/** The label of an Application that names its environment (empty when the folders have none). */
export const GITOPS_ENVIRONMENT_LABEL = LABELS.environment;

/** The `ApplicationSet` object deploying the units (each unit with a destination). */
export function applicationSet(units: readonly GitOpsUnit[], s: ArgoCdSettings): Record<string, unknown> {
  const elements = units.filter((u) => u.destination !== undefined).map((u) => ({
    name: u.name,
    path: u.repoPath,
    cluster: u.destination as string,
    environment: u.environment,
    folder: u.kind,
  }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: s.name, namespace: s.namespace, labels: { [LABELS.managedBy]: 'bulkhead' } },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements } }],
      template: {
        metadata: {
          name: '{{.name}}',
          labels: { [LABELS.managedBy]: 'bulkhead', [GITOPS_ENVIRONMENT_LABEL]: '{{.environment}}', 'bulkhead.io/folder': '{{.folder}}' },
          annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
        },
        spec: {
          project: s.project,
          source: { repoURL: s.repoUrl, targetRevision: s.revision, path: '{{.path}}' },
          destination: { name: '{{.cluster}}' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // a CRD installed by another Application may come later: retry until it is served
            retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      },
    },
  };
}

/** The text of the ApplicationSet file. */
export function applicationSetText(units: readonly GitOpsUnit[], s: ArgoCdSettings): string {
  const head = [
    '# Argo CD ApplicationSet of the Bulkhead output: one Application per folder below.',
    '# Apply it to the Argo CD namespace; each destination is a cluster registered in Argo CD by that name.',
    '# Within an Application, objects sync in waves: 0 prerequisites, 1 allows, 2 default denies (see kustomization.yaml).',
  ];
  return `${head.join('\n')}\n${YAML.stringify(applicationSet(units, s), { lineWidth: 0 })}`;
}
