/**
 * Shared inputs of the GitOps tests: the folders of the examples' syntheses, a folder layout
 * with environments above the clusters, and a real `kustomize build` (`kubectl kustomize`)
 * where kubectl is installed.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { declareShop } from '../../examples/ecommerce/declaration';
import { declareMultiCloud } from '../../examples/multi-cloud/declaration';
import { foldersOf, ManifestFolder, synthesize, writeManifests } from '../../lib/synth';
import { KubeManifest } from '../../lib/targets/types';
import { tempDir } from '../util/tmp';

let shop: ManifestFolder[] | undefined;
let multi: ManifestFolder[] | undefined;

/** The folders of the e-commerce example (two clusters, break-glass grants, every cluster layer). */
export function shopFolders(): ManifestFolder[] {
  shop ??= foldersOf(synthesize(declareShop(undefined).topology));
  return shop;
}

/** The folders of the multi-cloud example (three clusters and one AWS network folder). */
export function multiCloudFolders(): ManifestFolder[] {
  multi ??= foldersOf(synthesize(declareMultiCloud(undefined).topology));
  return multi;
}

/** The multi-cloud folders laid out per environment: `<env>/<cluster>` and `<env>/aws/<account>/<region>`. */
export function environmentFolders(envs: readonly string[] = ['prod', 'staging']): ManifestFolder[] {
  return envs.flatMap((env) => multiCloudFolders().map((f) => ({ ...f, under: [env, ...(f.under ?? [])] })));
}

let kubectl: boolean | undefined;

/** Whether `kubectl kustomize` can run here. */
export function hasKustomize(): boolean {
  if (kubectl === undefined) {
    try {
      execFileSync('kubectl', ['kustomize', '--help'], { stdio: 'ignore' });
      kubectl = true;
    } catch {
      kubectl = false;
    }
  }
  return kubectl;
}

/** `kubectl kustomize <dir>`: the objects the kustomization builds. */
export function kustomizeBuild(dir: string): Record<string, unknown>[] {
  const YAML = require('yaml') as typeof import('yaml');
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return YAML.parseAllDocuments(out).map((d) => d.toJSON() as Record<string, unknown>).filter((d) => d !== null);
}

/** Writes folders into a new temporary folder; returns it. */
export function writeTemp(folders: readonly ManifestFolder[]): string {
  const dir = tempDir('bulkhead-gitops-');
  const out = path.join(dir, 'out');
  writeManifests(folders, out);
  return out;
}

/** `kind ns/name` of an object. */
export function idOf(m: KubeManifest | Record<string, unknown>): string {
  const meta = (m as { metadata: { name: string; namespace?: string } }).metadata;
  return `${(m as { kind: string }).kind} ${meta.namespace ?? ''}/${meta.name}`;
}

/** A minimal object of a kind. */
export function obj(apiVersion: string, kind: string, name: string, namespace?: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeManifest {
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels: { 'bulkhead.io/layer': 'kubernetes', ...labels } }, spec } as KubeManifest;
}
