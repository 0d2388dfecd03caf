/**
 * GitOps output: the folders of a synthesis made ready for Argo CD or Flux.
 *
 * - every folder gets a `kustomization.yaml` listing its layer files; for Argo CD with patches
 *   that put every object in its sync wave (prerequisites, then allows, then default denies;
 *   see `./order`) and let objects of CRD kinds sync before their CRD is served;
 * - a `gitops/` folder beside them: for Argo CD, one `ApplicationSet` (`gitops/argocd/applicationset.yaml`)
 *   with an Application per folder; for Flux, per destination cluster, the Kustomizations of
 *   its folders, one per stage, chained with `dependsOn` (`gitops/flux/[<environment>/]<cluster>/kustomizations.yaml`).
 *
 * Cluster folders go to the cluster of their name (or the destination the options give); the
 * folders of cloud networks (Crossplane objects) go to the control-plane cluster of the options.
 *
 * For Argo CD, a folder's break-glass objects go to a file of their own (`break-glass.yaml`),
 * deployed by an Application without self-heal, so that the reaper's deletion at expiry stays;
 * with `rollingSync`, the ApplicationSet orders network folders before cluster folders (see
 * `./argocd` for what Argo CD orders and what it does not). For Flux, the stages of a folder
 * are Kustomizations chained by `dependsOn` with `wait: true` (see `./flux`).
 *
 * @example
 * const s = synthesize(topology);
 * const { folders, warnings } = gitopsFolders(foldersOf(s), { tool: 'argocd', repoUrl: 'https://github.com/acme/platform.git', path: 'deploy/segmentation' });
 * writeManifests(folders, 'deploy/segmentation');
 */
import { ArgCheck, isRecord } from '../core/entry';
import { BulkheadError, cmp, Problem, sortProblems } from '../core/errors';
import { ANNOTATIONS, dnsLabelProblem, dnsSubdomainProblem, LABELS } from '../core/names';
import { ManifestFolder, toYaml } from '../synth';
import { KubeManifest } from '../targets/types';
import { applicationSetText } from './argocd';
import { fluxText } from './flux';
import { argocdPatches, kustomizationText, layerFilesOf } from './kustomize';
import { ARGOCD_ANNOTATIONS, needsCustomResourceDefinition, SKIP_DRY_RUN_ON_MISSING_RESOURCE } from './order';
import { BREAK_GLASS_FILE, environmentOf, GitOpsUnit, isNetworkFolder, segmentsOf, sortUnits, unitNames } from './units';

export { ARGOCD_ANNOTATIONS, ARGOCD_SYNC_WAVES, argocdAnnotationsOf, GITOPS_STAGES, gitopsStageOf, needsCustomResourceDefinition, SKIP_DRY_RUN_ON_MISSING_RESOURCE } from './order';
export type { GitOpsStage } from './order';
export { GITOPS_ENVIRONMENT_LABEL, GITOPS_FOLDER_LABEL, ROLLING_SYNC_STEPS, breakGlassSetName } from './argocd';
export { BREAK_GLASS_FILE } from './units';
export { BULKHEAD_KUSTOMIZATION_MARKER } from './marker';

/** The GitOps controllers the output is written for. */
export const GITOPS_TOOLS = ['argocd', 'flux'] as const;

/** A GitOps controller of {@link GITOPS_TOOLS}. */
export type GitOpsTool = typeof GITOPS_TOOLS[number];

/** The folder of the GitOps objects, beside the cluster folders. */
export const GITOPS_FOLDER = 'gitops';

/** The file name of a folder's kustomization. */
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** Options of {@link gitopsFolders}. */
export interface GitOpsOptions {
  /** The GitOps controller: `argocd` (an ApplicationSet and sync waves) or `flux` (Kustomizations with dependsOn). */
  readonly tool: GitOpsTool;
  /**
   * The path of the output folder in the repository (`/`-separated, relative to the
   * repository's root; `''` when the output folder is the root).
   */
  readonly path: string;
  /**
   * The URL of the repository that holds the output (Argo CD's `repoURL`); required for Argo
   * CD. Flux reads the repository of its GitRepository ({@link GitOpsOptions.sourceRef}).
   * @default - none (an error for Argo CD)
   */
  readonly repoUrl?: string;
  /**
   * The revision Argo CD deploys (`targetRevision`: a branch, tag or commit).
   * @default 'HEAD' (Argo CD's default: the repository's default branch)
   */
  readonly revision?: string;
  /**
   * The name of the ApplicationSet, and the prefix of the Applications' and Kustomizations' names.
   * @default 'bulkhead'
   */
  readonly name?: string;
  /**
   * The namespace of the GitOps objects: where Argo CD or Flux runs.
   * @default 'argocd' for Argo CD, 'flux-system' for Flux (their installers' namespaces)
   */
  readonly namespace?: string;
  /**
   * The Argo CD project of the Applications.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * The Flux GitRepository that holds the output (`sourceRef.name`, in {@link GitOpsOptions.namespace}).
   * @default 'flux-system' (the GitRepository `flux bootstrap` creates)
   */
  readonly sourceRef?: string;
  /**
   * Flux Kustomizations every folder's first stage depends on (`name` or `namespace/name`):
   * those that install the CRDs the objects need (Cilium, Istio, SPIRE, the network-policy API,
   * Crossplane and its AWS provider).
   * @default - none (Flux retries until the CRDs are served)
   */
  readonly dependsOn?: readonly string[];
  /**
   * The destination cluster of a folder, by the folder's path below the output folder
   * (`prod/eks-orders`) or by its name, where the cluster is known to the GitOps controller by
   * another name than the declaration's.
   * @default - a cluster folder goes to the cluster of its name
   */
  readonly destinations?: Readonly<Record<string, string>>;
  /**
   * The cluster that applies the cloud networks' objects (Crossplane), one for every
   * environment, or by environment (`{ prod: 'mgmt-prod' }`).
   * @default - none: network folders get their kustomization but no Application or Kustomization (a warning)
   */
  readonly controlPlane?: string | Readonly<Record<string, string>>;
  /**
   * Argo CD: order the Applications with the ApplicationSet progressive sync (`RollingSync`):
   * the network folders first, the cluster folders when they are all healthy. Argo CD then
   * syncs the Applications only when their revision changes (no self-heal), and the
   * ApplicationSet controller must have progressive syncs enabled. Without it, objects are
   * ordered within each Application (sync waves) and Applications sync on their own, with self-heal.
   * @default false
   */
  readonly rollingSync?: boolean;
}

/** The result of {@link gitopsFolders}. */
export interface GitOpsOutput {
  /** The folders given, each with its `kustomization.yaml`, then the folders of the GitOps objects. */
  readonly folders: readonly ManifestFolder[];
  /** Where the output cannot do all it should (network folders without a control plane, break-glass grants). */
  readonly warnings: readonly Problem[];
}

/** Codes of the GitOps problems. */
export const GITOPS_CODES = {
  /** The controller named is not one of {@link GITOPS_TOOLS}. */
  tool: 'BH-GITOPS-TOOL',
  /** Argo CD output without a valid repository URL. */
  repoUrl: 'BH-GITOPS-REPO-URL',
  /** The path of the output in the repository is not a relative path inside it. */
  path: 'BH-GITOPS-PATH',
  /** An option value that is no valid name. */
  option: 'BH-GITOPS-OPTION',
  /** Two folders would deploy to the same cluster under one name, or a destination names no folder. */
  destination: 'BH-GITOPS-DESTINATION',
  /** A folder already has a kustomization, or takes the place of the GitOps folder. */
  folder: 'BH-GITOPS-FOLDER',
  /** Network folders, but no control-plane cluster to apply them (a warning). */
  noControlPlane: 'BH-GITOPS-NO-CONTROL-PLANE',
  /** Break-glass objects in a folder a GitOps controller keeps in sync (a warning). */
  breakGlass: 'BH-GITOPS-BREAK-GLASS',
} as const;

const WHERE = 'gitopsFolders(options)';

/** A repository URL as Argo CD takes it: `https://`, `http://`, `ssh://`, `git://`, `file://` or scp-like `git@host:path`. */
const REPO_URL = /^(?:(?:https?|ssh|git|file):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/;

interface Settings {
  readonly tool: GitOpsTool;
  readonly path: string;
  readonly repoUrl: string;
  readonly revision: string;
  readonly name: string;
  readonly namespace: string;
  readonly project: string;
  readonly sourceRef: string;
  readonly dependsOn: readonly string[];
  readonly destinations: Readonly<Record<string, string>>;
  readonly controlPlane: string | Readonly<Record<string, string>> | undefined;
  readonly rollingSync: boolean;
}

function checkName(check: ArgCheck, field: string, v: unknown, label: boolean, example: string): v is string {
  if (v === undefined) return false;
  if (typeof v !== 'string') {
    check.kind(WHERE, field, v, 'a string', `pass ${field}: ${example}`);
    return false;
  }
  const why = label ? dnsLabelProblem(v) : dnsSubdomainProblem(v);
  if (why) check.error(GITOPS_CODES.option, WHERE, `${field} '${v}' is not a valid Kubernetes name: ${why}`, v, `pass ${field}: ${example}`);
  return why === undefined;
}

function checkOptions(options: unknown): Settings | undefined {
  const check = new ArgCheck();
  const o = check.options(WHERE, 'options', options, "{ tool: 'argocd', repoUrl: 'https://github.com/acme/platform.git', path: 'deploy' }", false);
  if (!o) check.throwIfAny('gitopsFolders');
  const opts = o as Record<string, unknown>;
  const tool = opts.tool;
  if (!(GITOPS_TOOLS as readonly unknown[]).includes(tool)) {
    check.error(GITOPS_CODES.tool, WHERE, `options.tool ${tool === undefined ? 'is missing' : `'${String(tool)}' is no GitOps controller Bulkhead writes for`}: nothing would deploy the folders`, tool, `pass tool: ${GITOPS_TOOLS.map((t) => `'${t}'`).join(' or ')}`);
  }
  const p = opts.path;
  if (typeof p !== 'string') {
    check.error(GITOPS_CODES.path, WHERE, `options.path (where the output folder is in the repository) ${p === undefined ? 'is missing' : 'is not a string'}: the Applications would point nowhere`, p, "pass path: the output folder relative to the repository's root, such as 'deploy/segmentation' ('' for the root)");
  } else if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\\') || p.split('/').includes('..')) {
    check.error(GITOPS_CODES.path, WHERE, `options.path '${p}' is not a path inside the repository: GitOps controllers read paths relative to the repository's root`, p, "pass the output folder relative to the repository's root, with '/' and without '..', such as 'deploy/segmentation'");
  }
  if (tool === 'argocd' || opts.repoUrl !== undefined) {
    const url = opts.repoUrl;
    if (typeof url !== 'string' || !REPO_URL.test(url)) {
      check.error(GITOPS_CODES.repoUrl, WHERE, url === undefined ? 'options.repoUrl is missing: Argo CD Applications need the repository that holds the output' : `options.repoUrl ${typeof url === 'string' ? `'${url}'` : 'is not a string and'} is no repository URL Argo CD can clone`, url, "pass repoUrl: the repository's clone URL, such as 'https://github.com/acme/platform.git' or 'git@github.com:acme/platform.git'");
    }
  }
  if (opts.revision !== undefined && (typeof opts.revision !== 'string' || !/^\S+$/.test(opts.revision))) {
    check.error(GITOPS_CODES.option, WHERE, 'options.revision is not a branch, tag or commit (a non-empty string without spaces)', opts.revision, "pass revision: 'main', a tag such as 'v1.4.0', or a commit; or leave it out for HEAD");
  }
  checkName(check, 'options.name', opts.name, true, "'bulkhead' (a DNS label)");
  checkName(check, 'options.namespace', opts.namespace, true, "'argocd' or 'flux-system' (where the controller runs)");
  checkName(check, 'options.project', opts.project, false, "'default' (an Argo CD AppProject)");
  checkName(check, 'options.sourceRef', opts.sourceRef, false, "'flux-system' (a Flux GitRepository)");
  if (check.list(WHERE, 'options.dependsOn', opts.dependsOn, "['infra-controllers']", { optional: true })) {
    (opts.dependsOn as unknown[]).forEach((d, i) => {
      const parts = typeof d === 'string' ? d.split('/') : [];
      if (typeof d !== 'string' || parts.length > 2 || parts.some((x) => dnsSubdomainProblem(x) !== undefined)) {
        check.error(GITOPS_CODES.option, WHERE, `options.dependsOn[${i}] is not a Flux Kustomization name (name or namespace/name)`, d, "name the Kustomization that installs the CRDs, such as 'infra-controllers' or 'flux-system/infra-controllers'");
      }
    });
  }
  const destinations = opts.destinations;
  if (destinations !== undefined) {
    if (!isRecord(destinations)) check.kind(WHERE, 'options.destinations', destinations, 'an object of cluster names by folder', "{ 'prod/eks-orders': 'prod-orders' }");
    else for (const [k, v] of Object.entries(destinations).sort(([a], [b]) => cmp(a, b))) checkName(check, `options.destinations['${k}']`, v, false, "the cluster's name in the GitOps controller, such as 'prod-orders'");
  }
  const cp = opts.controlPlane;
  if (cp !== undefined) {
    if (typeof cp === 'string') checkName(check, 'options.controlPlane', cp, false, "the cluster that runs Crossplane, such as 'mgmt'");
    else if (isRecord(cp)) for (const [k, v] of Object.entries(cp).sort(([a], [b]) => cmp(a, b))) checkName(check, `options.controlPlane['${k}']`, v, false, "the cluster that runs Crossplane in that environment, such as 'mgmt-prod'");
    else check.kind(WHERE, 'options.controlPlane', cp, 'a cluster name, or an object of cluster names by environment', "'mgmt', or { prod: 'mgmt-prod', staging: 'mgmt-staging' }");
  }
  if (opts.rollingSync !== undefined && typeof opts.rollingSync !== 'boolean') {
    check.kind(WHERE, 'options.rollingSync', opts.rollingSync, 'a boolean', 'rollingSync: true');
  } else if (opts.rollingSync === true && tool === 'flux') {
    check.error(GITOPS_CODES.option, WHERE, 'options.rollingSync orders Argo CD Applications; Flux orders its Kustomizations with dependsOn already', opts.rollingSync, "leave rollingSync out with tool: 'flux' (or use tool: 'argocd')");
  }
  check.throwIfAny('gitopsFolders');
  const t = tool as GitOpsTool;
  return {
    tool: t,
    path: (p as string).split('/').filter((seg) => seg !== '' && seg !== '.').join('/'),
    repoUrl: typeof opts.repoUrl === 'string' ? opts.repoUrl : '',
    revision: (opts.revision as string | undefined) ?? 'HEAD',
    name: (opts.name as string | undefined) ?? 'bulkhead',
    namespace: (opts.namespace as string | undefined) ?? (t === 'argocd' ? 'argocd' : 'flux-system'),
    project: (opts.project as string | undefined) ?? 'default',
    sourceRef: (opts.sourceRef as string | undefined) ?? 'flux-system',
    dependsOn: [...((opts.dependsOn as string[] | undefined) ?? [])].sort(cmp),
    destinations: (destinations as Record<string, string> | undefined) ?? {},
    controlPlane: cp as Settings['controlPlane'],
    rollingSync: opts.rollingSync === true,
  };
}

function checkFolders(folders: unknown): void {
  const check = new ArgCheck();
  const where = 'gitopsFolders(folders)';
  check.list(where, 'folders', folders, '[{ name, manifests }] (foldersOf(synthesis))', {
    item: (f, i) => {
      if (!isRecord(f)) return check.kind(where, `folders[${i}]`, f, 'an object', "{ name: 'eks', manifests: [...] }");
      check.text(where, `folders[${i}].name`, f.name, "'eks' (the cluster name)");
      if (f.under !== undefined) check.textList(where, `folders[${i}].under`, f.under, "['prod']");
      if (f.files !== undefined && !isRecord(f.files)) check.kind(where, `folders[${i}].files`, f.files, 'an object of file names and texts', "{ 'README.md': '...' }");
      check.list(where, `folders[${i}].manifests`, f.manifests, '[{ apiVersion, kind, metadata: { name } }, ...]', {
        item: (m, j) => {
          if (!isRecord(m) || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string' || !isRecord(m.metadata) || typeof m.metadata.name !== 'string') {
            check.kind(where, `folders[${i}].manifests[${j}]`, m, 'a Kubernetes object (apiVersion, kind, metadata.name)', '{ apiVersion, kind, metadata: { name } }');
          }
        },
      });
    },
  });
  check.throwIfAny('gitopsFolders');
}

function controlPlaneOf(s: Settings, environment: string): string | undefined {
  if (typeof s.controlPlane === 'string') return s.controlPlane;
  return s.controlPlane?.[environment];
}

/**
 * The folders of a synthesis ({@link foldersOf}, with any layout above the cluster folders)
 * made ready for a GitOps controller: each with its `kustomization.yaml`, and the GitOps
 * objects in folders of their own below `gitops/`. Write them with `writeManifests`.
 *
 * Problems: the options are checked first (`BH-GITOPS-TOOL`, `BH-GITOPS-REPO-URL`,
 * `BH-GITOPS-PATH`, `BH-GITOPS-OPTION`), then the folders (`BH-GITOPS-FOLDER`,
 * `BH-GITOPS-DESTINATION`); every problem is reported at once, in one {@link BulkheadError}.
 */
export function gitopsFolders(folders: readonly ManifestFolder[], options: GitOpsOptions): GitOpsOutput {
  const s = checkOptions(options) as Settings;
  checkFolders(folders);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const names = unitNames(s.name, folders.map(segmentsOf));
  const repo = (segs: readonly string[]): string => [...(s.path === '' ? [] : [s.path]), ...segs].join('/');
  const usedKeys = new Set<string>();
  const units: GitOpsUnit[] = folders.map((folder, i) => {
    const segments = segmentsOf(folder);
    const key = segments.join('/');
    const kind = isNetworkFolder(folder) ? 'network' : 'cluster';
    const environment = environmentOf(folder);
    let destination: string | undefined;
    if (s.destinations[key] !== undefined) {
      destination = s.destinations[key];
      usedKeys.add(key);
    } else if (kind === 'cluster') {
      destination = s.destinations[folder.name] ?? folder.name;
      if (s.destinations[folder.name] !== undefined) usedKeys.add(folder.name);
    } else {
      destination = controlPlaneOf(s, environment);
    }
    if (segments[0] === GITOPS_FOLDER) {
      problems.push({ severity: 'error', code: GITOPS_CODES.folder, path: key, message: `the folder '${key}' is in the place of the GitOps folder (${GITOPS_FOLDER}/): its files and the GitOps objects would mix`, value: key, fix: `rename the cluster or environment '${GITOPS_FOLDER}' (or write the folders without GitOps output)` });
    }
    if (folder.files?.[KUSTOMIZATION_FILE] !== undefined) {
      problems.push({ severity: 'error', code: GITOPS_CODES.folder, path: key, message: `the folder '${key}' already has a ${KUSTOMIZATION_FILE}: the GitOps output would replace it`, value: KUSTOMIZATION_FILE, fix: `leave ${KUSTOMIZATION_FILE} out of the folder's files; the GitOps output writes it` });
    }
    if (folder.files?.[BREAK_GLASS_FILE] !== undefined && s.tool === 'argocd') {
      problems.push({ severity: 'error', code: GITOPS_CODES.folder, path: key, message: `the folder '${key}' already has a ${BREAK_GLASS_FILE}: the GitOps output would replace it`, value: BREAK_GLASS_FILE, fix: `leave ${BREAK_GLASS_FILE} out of the folder's files; the GitOps output writes the folder's break-glass objects there` });
    }
    const grants = s.tool === 'argocd' ? folder.manifests.filter(isBreakGlass) : [];
    const own: ManifestFolder = grants.length === 0 ? folder : {
      ...folder,
      manifests: folder.manifests.filter((m) => !isBreakGlass(m)),
      files: { ...(folder.files ?? {}), [BREAK_GLASS_FILE]: breakGlassText(grants) },
    };
    return { folder: own, segments, repoPath: repo(segments), kind, environment, ...(destination === undefined ? {} : { destination }), name: names[i], ...(grants.length > 0 ? { breakGlass: true } : {}) };
  });
  for (const k of Object.keys(s.destinations).sort(cmp)) {
    if (!usedKeys.has(k)) problems.push({ severity: 'error', code: GITOPS_CODES.destination, path: WHERE, message: `options.destinations names '${k}', which is no folder's path or cluster folder's name: the destination would reach nothing`, value: k, fix: `key destinations by a folder's path (${folders.slice(0, 3).map((f) => segmentsOf(f).join('/')).join(', ')}) or a cluster folder's name` });
  }
  if (s.tool === 'argocd') {
    // Argo CD knows each cluster by one name: two cluster folders with one destination would deploy both into one cluster
    const byDestination = new Map<string, string[]>();
    for (const u of units) if (u.kind === 'cluster' && u.destination !== undefined) byDestination.set(u.destination, [...(byDestination.get(u.destination) ?? []), u.segments.join('/')]);
    for (const [d, paths] of [...byDestination.entries()].sort(([a], [b]) => cmp(a, b))) {
      if (paths.length > 1) problems.push({ severity: 'error', code: GITOPS_CODES.destination, path: paths.join(', '), message: `the folders ${paths.join(' and ')} would all deploy to the cluster '${d}': Argo CD knows one cluster by that name, and the objects of one would replace the other's`, value: d, fix: `give each its cluster's name in Argo CD: destinations: { '${paths[0]}': '<cluster>', ... } (--destination ${paths[0]}=<cluster>)` });
    }
  }
  if (problems.length > 0) throw new BulkheadError(sortProblems(problems), `${problems.length} problem${problems.length === 1 ? '' : 's'} with the GitOps output:`);

  for (const u of units) {
    const key = u.segments.join('/');
    if (u.kind === 'network' && u.destination === undefined) {
      warnings.push({ severity: 'warning', code: GITOPS_CODES.noControlPlane, path: key, message: `the folder '${key}' holds cloud resources (Crossplane objects) and no control-plane cluster is named to apply them: it gets its ${KUSTOMIZATION_FILE} but no ${s.tool === 'argocd' ? 'Application' : 'Flux Kustomization'}`, value: key, fix: `name the cluster that runs Crossplane: controlPlane: 'mgmt' (--control-plane mgmt), or by environment` });
    }
    // Argo CD: the grants have an Application without self-heal (see ./argocd). Flux applies
    // every object of a Kustomization again at each interval: it has no such setting.
    const grants = u.folder.manifests.filter(isBreakGlass);
    if (grants.length > 0) {
      const expiries = [...new Set(grants.map((m) => m.metadata.annotations?.[ANNOTATIONS.expires] ?? '?'))].sort(cmp);
      warnings.push({ severity: 'warning', code: GITOPS_CODES.breakGlass, path: key, message: `the folder '${key}' holds ${grants.length} break-glass object${grants.length === 1 ? '' : 's'}: the reaper deletes them at expiry, but Flux applies every object of its Kustomization again at each interval while it is in the repository`, value: expiries.join(', '), fix: "synthesize again and commit at the expiry (a scheduled pipeline), so that the grant leaves the repository when it ends; or use --gitops argocd, whose break-glass Applications do not self-heal" });
    }
  }

  const out: ManifestFolder[] = units.map((u) => ({ ...u.folder, files: { ...(u.folder.files ?? {}), [KUSTOMIZATION_FILE]: folderKustomization(u, s.tool) } }));
  if (s.tool === 'argocd') {
    out.push({ name: 'argocd', under: [GITOPS_FOLDER], manifests: [], files: { 'applicationset.yaml': applicationSetText(sortUnits(units), s) } });
  } else {
    const byDestination = new Map<string, { under: string[]; name: string; units: GitOpsUnit[] }>();
    for (const u of sortUnits(units)) {
      if (u.destination === undefined) continue;
      const under = [GITOPS_FOLDER, 'flux', ...(u.environment === '' ? [] : [u.environment])];
      const k = [...under, u.destination].join('/');
      const entry = byDestination.get(k) ?? { under, name: u.destination, units: [] };
      entry.units.push(u);
      byDestination.set(k, entry);
    }
    for (const k of [...byDestination.keys()].sort(cmp)) {
      const e = byDestination.get(k)!;
      out.push({ name: e.name, under: e.under, manifests: [], files: { 'kustomizations.yaml': fluxText(e.units, s) } });
    }
  }
  return { folders: out, warnings: sortProblems(warnings) };
}

function isBreakGlass(m: KubeManifest): boolean {
  return m.metadata.labels?.[LABELS.breakGlass] !== undefined;
}

/**
 * The text of a folder's {@link BREAK_GLASS_FILE}: its break-glass objects, those of CRD kinds
 * with the skip-dry-run option (their CRD may come later; the sync is retried).
 */
function breakGlassText(grants: readonly KubeManifest[]): string {
  const head = '# The break-glass objects of this folder: an Argo CD Application without self-heal deploys them (see gitops/argocd/), so that the reaper\'s deletion at expiry stays.\n';
  return head + toYaml(grants.map((m) => (needsCustomResourceDefinition(m)
    ? { ...m, metadata: { ...m.metadata, annotations: { ...(m.metadata.annotations ?? {}), [ARGOCD_ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE } } }
    : m)));
}

/** The kustomization of one folder: its layer files; for Argo CD, the sync-wave patches. */
function folderKustomization(u: GitOpsUnit, tool: GitOpsTool): string {
  const resources = layerFilesOf(u.folder.manifests);
  if (tool === 'flux') {
    return kustomizationText(resources, [], ['The layer files of this folder. Flux applies them in stages (prerequisites, allows, default denies): see gitops/flux/.']);
  }
  return kustomizationText(resources, argocdPatches(u.folder.manifests), [
    'The layer files of this folder, and the Argo CD sync wave of every object:',
    '0 prerequisites (namespaces, identities, security groups), 1 allows, 2 default denies.',
    'Objects of CRD kinds sync with SkipDryRunOnMissingResource=true (their CRD may come later).',
  ]);
}
