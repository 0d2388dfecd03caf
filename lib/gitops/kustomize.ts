/**
 * The `kustomization.yaml` of an output folder: its layer files as resources and, for Argo CD,
 * patches that give every object its sync wave (and the skip-dry-run option where it needs a
 * CRD) by target selector, so that the layer files stay as Bulkhead rendered them.
 *
 * Targets follow kustomize's selector semantics: `group`, `version` and `kind` must equal the
 * object's (an absent field matches any), `name` and `namespace` are regular expressions
 * matched against the whole value. Every target is checked against every object of the folder,
 * so a patch reaches exactly the objects it is meant for.
 *
 * @see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/patches/
 */
import * as YAML from 'yaml';
import { cmp } from '../core/errors';
import { layerOf } from '../synth';
import { KubeManifest } from '../targets/types';
import { BULKHEAD_KUSTOMIZATION_MARKER } from './marker';
import { apiGroupOf, apiVersionOf, argocdAnnotationsOf, GitOpsStage, GITOPS_STAGES, gitopsStageOf, needsCustomResourceDefinition } from './order';

/** A kustomize patch target (`patches[].target`). */
export interface KustomizeTarget {
  /** API group; absent for the core group (matches any group). @default - any group */
  readonly group?: string;
  /** API version. */
  readonly version: string;
  /** Kind. */
  readonly kind: string;
  /** A regular expression the whole name must match. @default - any name */
  readonly name?: string;
  /** A regular expression the whole namespace must match. @default - any namespace */
  readonly namespace?: string;
}

/** Whether a kustomize target selects an object (kustomize's semantics: anchored regular expressions for name and namespace). */
export function targetSelects(t: KustomizeTarget, m: KubeManifest): boolean {
  if (t.group !== undefined && t.group !== apiGroupOf(m.apiVersion)) return false;
  if (t.version !== apiVersionOf(m.apiVersion) || t.kind !== m.kind) return false;
  if (t.name !== undefined && !new RegExp(`^(?:${t.name})$`).test(m.metadata.name)) return false;
  if (t.namespace !== undefined && !new RegExp(`^(?:${t.namespace})$`).test(m.metadata.namespace ?? '')) return false;
  return true;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function alternation(values: readonly string[]): string {
  return [...new Set(values)].sort(cmp).map(escape).join('|');
}

function gvkKey(m: KubeManifest): string {
  return `${m.apiVersion}\u0000${m.kind}`;
}

/**
 * Targets that together select exactly the `selected` objects among `all` (the objects of one
 * folder): per kind, the kind alone when every object of the kind is selected; else the names
 * (and, if needed, the namespaces) as alternations; else one target per object.
 */
export function exactTargets(selected: readonly KubeManifest[], all: readonly KubeManifest[]): KustomizeTarget[] {
  const out: KustomizeTarget[] = [];
  const kinds = [...new Set(selected.map(gvkKey))].sort(cmp);
  for (const key of kinds) {
    const mine = selected.filter((m) => gvkKey(m) === key);
    const ofKind = all.filter((m) => gvkKey(m) === key);
    const first = mine[0];
    const group = apiGroupOf(first.apiVersion);
    const base: KustomizeTarget = { ...(group === '' ? {} : { group }), version: apiVersionOf(first.apiVersion), kind: first.kind };
    const exact = (ts: readonly KustomizeTarget[]): boolean => ofKind.every((m) => ts.some((t) => targetSelects(t, m)) === mine.includes(m));
    const candidates: KustomizeTarget[][] = [
      [base],
      [{ ...base, name: alternation(mine.map((m) => m.metadata.name)) }],
      [{ ...base, name: alternation(mine.map((m) => m.metadata.name)), namespace: alternation(mine.map((m) => m.metadata.namespace ?? '')) }],
    ];
    const found = candidates.find(exact);
    if (found) {
      out.push(...found);
      continue;
    }
    for (const m of [...mine].sort((a, b) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name, b.metadata.name))) {
      out.push({ ...base, name: escape(m.metadata.name), ...(m.metadata.namespace === undefined ? {} : { namespace: escape(m.metadata.namespace) }) });
    }
  }
  return out;
}

/** The layer files of a folder's objects (`<layer>.yaml`, as `writeManifests` names them), sorted. */
export function layerFilesOf(manifests: readonly KubeManifest[]): string[] {
  return [...new Set(manifests.map((m) => `${layerOf(m)}.yaml`))].sort(cmp);
}

/** The objects of a folder, by stage (stages without objects left out), in stage order. */
export function byStage(manifests: readonly KubeManifest[]): { stage: GitOpsStage; manifests: KubeManifest[] }[] {
  return GITOPS_STAGES.map((stage) => ({ stage, manifests: manifests.filter((m) => gitopsStageOf(m) === stage) })).filter((s) => s.manifests.length > 0);
}

/** One kustomize patch: a strategic-merge patch text applied to every object a target selects. */
export interface KustomizePatch {
  /** The objects patched. */
  readonly target: KustomizeTarget;
  /** The patch (YAML). */
  readonly patch: string;
}

/**
 * A strategic-merge patch that adds annotations: with a target, kustomize ignores the patch's
 * own name, and merges the annotations into each object selected.
 */
function annotationPatch(t: KustomizeTarget, annotations: Record<string, string>): string {
  return YAML.stringify({ apiVersion: t.group === undefined ? t.version : `${t.group}/${t.version}`, kind: t.kind, metadata: { name: 'selected-by-target', annotations } }, { lineWidth: 0 });
}

/** A strategic-merge patch that removes every object its target selects (`$patch: delete`). */
export function deletePatch(t: KustomizeTarget): string {
  return YAML.stringify({ $patch: 'delete', apiVersion: t.group === undefined ? t.version : `${t.group}/${t.version}`, kind: t.kind, metadata: { name: 'selected-by-target' } }, { lineWidth: 0 });
}

/**
 * The Argo CD patches of a folder: every object gets the sync wave of its stage
 * (`ARGOCD_SYNC_WAVES`), and objects of custom resource kinds also get
 * `SkipDryRunOnMissingResource=true` (`argocdAnnotationsOf`). Each object is selected by exactly one patch.
 */
export function argocdPatches(manifests: readonly KubeManifest[]): KustomizePatch[] {
  const out: KustomizePatch[] = [];
  for (const { manifests: ms } of byStage(manifests)) {
    for (const crd of [false, true]) {
      const group = ms.filter((m) => needsCustomResourceDefinition(m) === crd);
      if (group.length === 0) continue;
      // every object of the group has the same annotations (same stage, same CRD need)
      const annotations = argocdAnnotationsOf(group[0]);
      for (const target of exactTargets(group, manifests)) out.push({ target, patch: annotationPatch(target, annotations) });
    }
  }
  return out;
}

/** Patches that remove from a folder every object not of the given stage (a Flux Kustomization per stage). */
export function stagePatches(manifests: readonly KubeManifest[], stage: GitOpsStage): KustomizePatch[] {
  const others = manifests.filter((m) => gitopsStageOf(m) !== stage);
  return exactTargets(others, manifests).map((target) => ({ target, patch: deletePatch(target) }));
}

/** The text of a `kustomization.yaml`: the Bulkhead marker line, a comment, the resources, then the patches. */
export function kustomizationText(resources: readonly string[], patches: readonly KustomizePatch[], comment: readonly string[]): string {
  const body = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...resources],
    ...(patches.length > 0 ? { patches: patches.map((p) => ({ target: p.target, patch: p.patch })) } : {}),
  };
  return `${[BULKHEAD_KUSTOMIZATION_MARKER, ...comment.map((l) => `# ${l}`.trimEnd())].join('\n')}\n${YAML.stringify(body, { lineWidth: 0 })}`;
}
