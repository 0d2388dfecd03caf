/**
 * The GitOps options of `bulkhead synth`: `--gitops argocd|flux` and what the output needs
 * (`--repo-url`, `--revision`, `--path`, `--source-ref`, `--depends-on`, `--destination`,
 * `--control-plane`).
 */
import * as path from 'path';
import { Command, Option } from 'commander';
import { Problem } from '../core/errors';
import { EnvironmentsSynthesis, isEnvironmentsSynthesis, ManifestFolder, networkFolderPath, Synthesis } from '../synth';
import { GitOpsOptions, gitopsFolders, GITOPS_CODES, GITOPS_TOOLS, GitOpsTool } from './index';
import { BulkheadError } from '../core/errors';

/** The GitOps options as commander parses them. */
export interface GitOpsCliOptions {
  /** `--gitops`. @default - no GitOps output */
  readonly gitops?: GitOpsTool;
  /** `--repo-url`. @default - none */
  readonly repoUrl?: string;
  /** `--revision`. @default - HEAD */
  readonly revision?: string;
  /** `--path`. @default - the output folder, when it is a relative path */
  readonly path?: string;
  /** `--source-ref`. @default - flux-system */
  readonly sourceRef?: string;
  /** `--gitops-namespace`. @default - argocd or flux-system */
  readonly gitopsNamespace?: string;
  /** `--depends-on`, repeatable. @default [] */
  readonly dependsOn?: readonly string[];
  /** `--destination folder=cluster`, repeatable. @default [] */
  readonly destination?: readonly string[];
  /** `--control-plane cluster` or `env=cluster`, repeatable. @default [] */
  readonly controlPlane?: readonly string[];
  /** `--rolling-sync` (Argo CD). @default false */
  readonly rollingSync?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the GitOps options to a command (`bulkhead synth`). */
export function addGitOpsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--gitops <tool>', 'also write GitOps output: a kustomization.yaml per folder with a safe order (allows before default denies), and gitops/ with an Argo CD ApplicationSet or Flux Kustomizations').choices([...GITOPS_TOOLS]))
    .option('--repo-url <url>', 'the repository that holds the output (Argo CD repoURL; required with --gitops argocd)')
    .option('--revision <revision>', 'the branch, tag or commit Argo CD deploys (default: HEAD)')
    .option('--path <prefix>', "the output folder's path in the repository (default: --out, when it is a relative path)")
    .option('--source-ref <name>', 'the Flux GitRepository that holds the output (default: flux-system)')
    .option('--gitops-namespace <namespace>', 'the namespace Argo CD or Flux runs in (default: argocd, flux-system)')
    .option('--depends-on <kustomization>', 'a Flux Kustomization that installs the CRDs, which every folder waits for (repeatable)', collect, [])
    .option('--destination <folder=cluster>', "the cluster a folder deploys to, by the folder's path or name, where the GitOps controller knows it by another name (repeatable)", collect, [])
    .option('--control-plane <cluster>', 'the cluster that applies the cloud-network folders (Crossplane), or env=cluster per environment (repeatable)', collect, [])
    .option('--rolling-sync', 'Argo CD: order the Applications with the ApplicationSet progressive sync RollingSync (network folders, then cluster folders); no self-heal then, and progressive syncs must be enabled in the ApplicationSet controller');
}

function usage(message: string, fix: string, value: string): never {
  const p: Problem = { severity: 'error', code: GITOPS_CODES.option, path: 'bulkhead synth', message, value, fix };
  throw new BulkheadError([p], '1 problem with the GitOps options:');
}

function pairs(list: readonly string[], flag: string, example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([^=]+)=(.+)$/.exec(item.trim());
    if (!m) usage(`${flag} ${JSON.stringify(item)}: write name=value`, `for example ${flag} ${example}`, item);
    out[m[1]] = m[2];
  }
  return out;
}

/**
 * The control planes a synthesis declares for its cloud-network folders
 * (`NetworkProps.controlPlane`), as destinations by folder path (`[<env>/]<cloud>/<account>/<region>`).
 * A folder whose networks name different control planes, or some none, is left out.
 */
export function declaredControlPlanes(synthesis: Synthesis | EnvironmentsSynthesis): Record<string, string> {
  const parts = isEnvironmentsSynthesis(synthesis) ? synthesis.environments.map((e) => ({ under: [e.name], s: e.synthesis })) : [{ under: [] as string[], s: synthesis }];
  const byFolder = new Map<string, (string | undefined)[]>();
  for (const { under, s } of parts) {
    for (const n of s.networks ?? []) {
      if (n.manifests.length === 0) continue;
      const key = [...under, ...networkFolderPath(n.network)].join('/');
      byFolder.set(key, [...(byFolder.get(key) ?? []), n.network.controlPlane]);
    }
  }
  const out: Record<string, string> = {};
  for (const [key, planes] of byFolder) {
    const distinct = new Set(planes);
    const [only] = [...distinct];
    if (distinct.size === 1 && only !== undefined) out[key] = only;
  }
  return out;
}

/**
 * The folders to write for the options: as given without `--gitops`, else with the GitOps
 * output ({@link gitopsFolders}). `out` is the output folder (`--out`), the default of `--path`.
 * `declared` holds the destinations the declaration names ({@link declaredControlPlanes});
 * `--control-plane` and `--destination` take precedence over them.
 */
export function gitopsFromCli(folders: readonly ManifestFolder[], opts: GitOpsCliOptions, out: string, declared: Readonly<Record<string, string>> = {}): { folders: readonly ManifestFolder[]; warnings: readonly Problem[] } {
  if (opts.gitops === undefined) {
    const given = (['repoUrl', 'revision', 'path', 'sourceRef', 'gitopsNamespace', 'rollingSync'] as const).filter((k) => opts[k] !== undefined);
    const lists = (['dependsOn', 'destination', 'controlPlane'] as const).filter((k) => (opts[k] ?? []).length > 0);
    if (given.length + lists.length > 0) usage(`GitOps options were given without --gitops: nothing would use them`, 'add --gitops argocd or --gitops flux, or leave the GitOps options out', [...given, ...lists].join(', '));
    return { folders, warnings: [] };
  }
  let repoPath = opts.path;
  if (repoPath === undefined) {
    const rel = path.posix.normalize(out.split(path.sep).join('/'));
    if (path.isAbsolute(out) || rel.split('/').includes('..')) usage(`the output folder ${out} is no path inside the repository, and no --path says where it is there`, "pass --path with the output folder's path in the repository, such as --path deploy/segmentation", out);
    repoPath = rel === '.' ? '' : rel;
  }
  const single = (opts.controlPlane ?? []).filter((c) => !c.includes('='));
  const perEnv = (opts.controlPlane ?? []).filter((c) => c.includes('='));
  if (single.length > 1 || (single.length === 1 && perEnv.length > 0)) usage('--control-plane names one cluster for every environment, or env=cluster per environment, not both', 'pass --control-plane mgmt, or --control-plane prod=mgmt-prod --control-plane staging=mgmt-staging', (opts.controlPlane ?? []).join(', '));
  const options: GitOpsOptions = {
    tool: opts.gitops,
    path: repoPath,
    ...(opts.repoUrl !== undefined ? { repoUrl: opts.repoUrl } : {}),
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
    ...(opts.sourceRef !== undefined ? { sourceRef: opts.sourceRef } : {}),
    ...(opts.gitopsNamespace !== undefined ? { namespace: opts.gitopsNamespace } : {}),
    ...((opts.dependsOn ?? []).length > 0 ? { dependsOn: opts.dependsOn } : {}),
    ...destinationsOf(opts, declared),
    ...(opts.rollingSync === true ? { rollingSync: true } : {}),
    ...(single.length === 1 ? { controlPlane: single[0] } : perEnv.length > 0 ? { controlPlane: pairs(perEnv, '--control-plane', 'prod=mgmt-prod') } : {}),
  };
  return gitopsFolders(folders, options);
}

/** `--destination`, over the declared control planes unless `--control-plane` is given. */
function destinationsOf(opts: GitOpsCliOptions, declared: Readonly<Record<string, string>>): Pick<GitOpsOptions, 'destinations'> {
  const given = (opts.destination ?? []).length > 0 ? pairs(opts.destination ?? [], '--destination', 'prod/eks-orders=prod-orders') : {};
  const destinations = { ...((opts.controlPlane ?? []).length > 0 ? {} : declared), ...given };
  return Object.keys(destinations).length > 0 ? { destinations } : {};
}
