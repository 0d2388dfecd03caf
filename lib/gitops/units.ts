/**
 * The deployable units of an output: one per folder, with what the GitOps controller needs to
 * know of it — its path in the repository, whether it holds a cluster's objects or a cloud
 * network's (Crossplane objects, applied to a control-plane cluster), its environment, and its
 * destination cluster.
 *
 * The folders are taken as given. A folder holds a cloud network's objects when every object
 * belongs to a network layer (`LAYER_TABLE`); it sits at `[<environment>…]/<cloud>/<account>/<region>`.
 * Every other folder holds a cluster's objects at `[<environment>…]/<cluster>`. The environment
 * is what is above the cluster (or above the cloud), joined by `-`.
 */
import * as crypto from 'crypto';
import { cmp } from '../core/errors';
import { LAYER_TABLE } from '../core/layers';
import { layerOf, ManifestFolder } from '../synth';

/** One folder to deploy. */
export interface GitOpsUnit {
  /** The folder. */
  readonly folder: ManifestFolder;
  /** Its path below the output folder, one segment each. */
  readonly segments: readonly string[];
  /** Its path in the repository (`/`-separated, without a leading `./`). */
  readonly repoPath: string;
  /** A cluster's objects, or a cloud network's. */
  readonly kind: 'cluster' | 'network';
  /** The environment (`''` when the folder sits in none). */
  readonly environment: string;
  /** The cluster it is applied to (as the GitOps controller knows it). @default - none: a network folder without a control plane */
  readonly destination?: string;
  /** The name of its Application (Argo CD), and the prefix of its Kustomizations' names (Flux). */
  readonly name: string;
  /**
   * Whether its break-glass objects are in a file of their own ({@link BREAK_GLASS_FILE}),
   * deployed by an Application without self-heal (Argo CD).
   * @default false
   */
  readonly breakGlass?: boolean;
}

/** The file of a folder's break-glass objects, beside its layer files (Argo CD output). */
export const BREAK_GLASS_FILE = 'break-glass.yaml';

/** Whether a folder holds a cloud network's objects (every object of a network layer). */
export function isNetworkFolder(folder: ManifestFolder): boolean {
  const table = LAYER_TABLE as Readonly<Record<string, { scope: string }>>;
  return folder.manifests.length > 0 && folder.manifests.every((m) => table[layerOf(m)]?.scope === 'network');
}

/** The segments of a folder's path below the output folder. */
export function segmentsOf(folder: ManifestFolder): string[] {
  return [...(folder.under ?? []), folder.name];
}

/** The environment of a folder: above the cluster folder, or above `<cloud>/<account>/<region>`. */
export function environmentOf(folder: ManifestFolder): string {
  const under = folder.under ?? [];
  return (isNetworkFolder(folder) ? under.slice(0, -2) : under).join('-');
}

/** Room left in a 63-character name for the suffix of a Flux Kustomization (`-default-deny`). */
const NAME_ROOM = 63 - '-default-deny'.length;

/**
 * The unit names: `<prefix>-<segments joined by '-'>`, lowercased to a DNS label. A name that
 * had to be changed to fit (characters, length) or that two folders would share ends with a
 * hash of the folder's path, so that every name is unique and stable.
 */
export function unitNames(prefix: string, paths: readonly (readonly string[])[]): string[] {
  const plain = (segs: readonly string[]): string => [prefix, ...segs].join('-');
  const clean = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const hash = (segs: readonly string[]): string => crypto.createHash('sha256').update(segs.join('/')).digest('hex').slice(0, 8);
  const first = paths.map((segs) => clean(plain(segs)));
  const count = new Map<string, number>();
  for (const n of first) count.set(n, (count.get(n) ?? 0) + 1);
  return paths.map((segs, i) => {
    const n = first[i];
    if (n === plain(segs) && n.length <= NAME_ROOM && count.get(n) === 1) return n;
    return `${n.slice(0, NAME_ROOM - 9).replace(/-$/, '')}-${hash(segs)}`;
  });
}

/** Sorts units by their path. */
export function sortUnits<T extends { readonly segments: readonly string[] }>(units: readonly T[]): T[] {
  return [...units].sort((a, b) => cmp(a.segments.join('/'), b.segments.join('/')));
}
