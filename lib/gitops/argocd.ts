/**
 * The Argo CD output: one `ApplicationSet` whose list generator names every folder to deploy
 * (every environment's clusters, and the cloud-network folders on their control-plane cluster),
 * each an Application with the folder's path in the repository and its destination cluster by
 * name (the cluster as registered in Argo CD); and, when folders hold break-glass grants, a
 * second `ApplicationSet` (`<name>-break-glass`) with one Application per such folder.
 *
 * How Argo CD orders what it applies, and what the output relies on:
 * - Within one Application, objects sync in waves (`argocd.argoproj.io/sync-wave`, set by the
 *   folder's kustomization): 0 prerequisites, 1 allows, 2 default denies. Argo CD applies a wave
 *   only once the waves before it are synced and healthy, for every sync: the first rollout, a
 *   new commit, a self-heal. A wave that cannot be applied (an object whose CRD is not served
 *   yet) fails the sync before the later waves, so no default deny lands before its allows; the
 *   sync is retried without limit, and the folder converges in order once the CRD is there.
 * - Waves do not order Applications. With the default strategy (`AllAtOnce`) every Application
 *   syncs on its own. With `rollingSync`, the set uses the ApplicationSet progressive sync
 *   (`strategy.type: RollingSync`): the network folders' Applications (security groups and
 *   their rules, applied by Crossplane) sync first, and the cluster folders' (which put pods
 *   behind those groups, SecurityGroupPolicy) only when all of them are healthy; deletion in
 *   reverse. Argo CD then turns automated sync off on the Applications (the ApplicationSet
 *   controller syncs them, step by step, when their revision changes): there is no self-heal
 *   in that mode. The feature must be enabled in the ApplicationSet controller
 *   (`applicationsetcontroller.enable.progressive.syncs: "true"` in `argocd-cmd-params-cm`).
 * - Break-glass objects are not self-healed: the reaper deletes them at expiry, and an
 *   Application with self-heal would apply them again from the repository at once. They are
 *   written to a file of their own (`break-glass.yaml`) that the folder's kustomization does not
 *   list, and deployed by an Application of the folder's path restricted to that file
 *   (`source.directory.include`), with automated sync and prune but no self-heal. Argo CD syncs
 *   it again only for a new commit that changes that file (`manifest-generate-paths`): a new
 *   synthesis, which leaves out the grants no longer in force.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Progressive-Syncs/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/high_availability/#manifest-paths-annotation
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-List/
 */
import * as YAML from 'yaml';
import { LABELS } from '../core/names';
import { BREAK_GLASS_FILE, GitOpsUnit } from './units';

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
  /**
   * Whether the set orders its Applications with the progressive sync `RollingSync` (network
   * folders, then cluster folders), at the price of self-heal.
   * @default false
   */
  readonly rollingSync?: boolean;
}

/** The label of an Application that names its environment (empty when the folders have none). */
export const GITOPS_ENVIRONMENT_LABEL = LABELS.environment;

/** The label of an Application that says what its folder holds: `cluster`, `network` or `break-glass`. */
export const GITOPS_FOLDER_LABEL = 'bulkhead.io/folder';

/** The retry of every Application: a CRD installed by another Application may come later; retry until it is served. */
const RETRY = { limit: -1, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

/** The RollingSync steps: network folders, then cluster folders (every Application of the set is in one step). */
export const ROLLING_SYNC_STEPS: readonly (readonly string[])[] = [['network'], ['cluster']];

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
      ...(s.rollingSync ? {
        strategy: {
          type: 'RollingSync',
          deletionOrder: 'Reverse',
          rollingSync: { steps: ROLLING_SYNC_STEPS.map((values) => ({ matchExpressions: [{ key: GITOPS_FOLDER_LABEL, operator: 'In', values: [...values] }] })) },
        },
      } : {}),
      template: {
        metadata: {
          name: '{{.name}}',
          labels: { [LABELS.managedBy]: 'bulkhead', [GITOPS_ENVIRONMENT_LABEL]: '{{.environment}}', [GITOPS_FOLDER_LABEL]: '{{.folder}}' },
          annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
        },
        spec: {
          project: s.project,
          source: { repoURL: s.repoUrl, targetRevision: s.revision, path: '{{.path}}' },
          destination: { name: '{{.cluster}}' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY },
        },
      },
    },
  };
}

/** The name of the break-glass ApplicationSet, and the suffix of its Applications' names. */
export function breakGlassSetName(name: string): string {
  return `${name}-break-glass`;
}

/**
 * The `ApplicationSet` of the break-glass objects: per unit that has some, an Application of
 * the unit's path restricted to {@link BREAK_GLASS_FILE}, with automated sync and prune and
 * without self-heal (see the module notes), re-synced only when that file changes.
 */
export function breakGlassApplicationSet(units: readonly GitOpsUnit[], s: ArgoCdSettings): Record<string, unknown> {
  const elements = units.filter((u) => u.destination !== undefined && u.breakGlass === true).map((u) => ({
    name: breakGlassSetName(u.name),
    path: u.repoPath,
    cluster: u.destination as string,
    environment: u.environment,
  }));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: breakGlassSetName(s.name), namespace: s.namespace, labels: { [LABELS.managedBy]: 'bulkhead' } },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements } }],
      template: {
        metadata: {
          name: '{{.name}}',
          labels: { [LABELS.managedBy]: 'bulkhead', [GITOPS_ENVIRONMENT_LABEL]: '{{.environment}}', [GITOPS_FOLDER_LABEL]: 'break-glass' },
          annotations: { 'argocd.argoproj.io/manifest-generate-paths': BREAK_GLASS_FILE },
        },
        spec: {
          project: s.project,
          // an explicit directory source: plain YAML, the one file (the folder's kustomization is not used)
          source: { repoURL: s.repoUrl, targetRevision: s.revision, path: '{{.path}}', directory: { include: BREAK_GLASS_FILE } },
          destination: { name: '{{.cluster}}' },
          syncPolicy: { automated: { prune: true, selfHeal: false }, retry: RETRY },
        },
      },
    },
  };
}

/** The text of the ApplicationSet file: the set of the folders, and the break-glass set when a folder has grants. */
export function applicationSetText(units: readonly GitOpsUnit[], s: ArgoCdSettings): string {
  const head = [
    '# Argo CD ApplicationSet of the Bulkhead output: one Application per folder below.',
    '# Apply it to the Argo CD namespace; each destination is a cluster registered in Argo CD by that name.',
    '# Within an Application, objects sync in waves: 0 prerequisites, 1 allows, 2 default denies (see kustomization.yaml).',
    ...(s.rollingSync
      ? ['# Across Applications: RollingSync (network folders, then cluster folders); enable progressive syncs in the ApplicationSet controller.']
      : ['# Across Applications there is no order (AllAtOnce): a wave whose CRD is not served yet fails and is retried before the later waves.']),
    '# Break-glass grants (break-glass.yaml) have an Application of their own without self-heal: the reaper\'s deletion at expiry stays.',
  ];
  const docs = [applicationSet(units, s)];
  if (units.some((u) => u.destination !== undefined && u.breakGlass === true)) docs.push(breakGlassApplicationSet(units, s));
  return `${head.join('\n')}\n${docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n')}`;
}
