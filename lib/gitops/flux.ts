/**
 * The Flux output: per folder, one `kustomize.toolkit.fluxcd.io/v1` Kustomization per stage
 * that has objects (`prerequisite`, `allow`, `default-deny`), all of the same path, each
 * removing the objects of the other stages (`$patch: delete` patches), each depending on the
 * one before; the first depends on the Kustomizations named in the options (those that install
 * the CRDs: Cilium, Istio, SPIRE, the network-policy API, Crossplane). With `wait`, a
 * Kustomization is ready only when its objects are, so the next stage starts after it.
 *
 * The Kustomizations are written per destination cluster (`gitops/flux/[<environment>/]<cluster>/`),
 * for that cluster's Flux to reconcile (point its bootstrap path, or a Kustomization of its
 * own, at the folder).
 *
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/
 */
import * as YAML from 'yaml';
import { LABELS } from '../core/names';
import { GITOPS_ENVIRONMENT_LABEL } from './argocd';
import { byStage, stagePatches } from './kustomize';
import { GitOpsUnit } from './units';

/** What the Flux Kustomizations are made from. */
export interface FluxSettings {
  /** The GitRepository the Kustomizations read (`sourceRef.name`). */
  readonly sourceRef: string;
  /** The namespace of the Kustomizations (and of the GitRepository). */
  readonly namespace: string;
  /** Kustomizations the first stage of every folder depends on (`name` or `namespace/name`). */
  readonly dependsOn: readonly string[];
}

/** A `dependsOn` entry. */
interface Dependency {
  readonly name: string;
  readonly namespace?: string;
}

function dependency(ref: string): Dependency {
  const slash = ref.indexOf('/');
  return slash < 0 ? { name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** The Flux Kustomizations of one unit, in stage order. */
export function fluxKustomizations(unit: GitOpsUnit, s: FluxSettings): Record<string, unknown>[] {
  const stages = byStage(unit.folder.manifests);
  let previous: Dependency[] = s.dependsOn.map(dependency);
  return stages.map(({ stage }) => {
    const name = `${unit.name}-${stage}`;
    const patches = stagePatches(unit.folder.manifests, stage);
    const k = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: {
        name,
        namespace: s.namespace,
        labels: { [LABELS.managedBy]: 'bulkhead', [GITOPS_ENVIRONMENT_LABEL]: unit.environment, 'bulkhead.io/stage': stage },
      },
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: '5m',
        path: `./${unit.repoPath}`,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: s.sourceRef },
        ...(previous.length > 0 ? { dependsOn: previous } : {}),
        ...(patches.length > 0 ? { patches } : {}),
      },
    };
    previous = [{ name }];
    return k;
  });
}

/** The text of one destination's Flux file: the Kustomizations of its units. */
export function fluxText(units: readonly GitOpsUnit[], s: FluxSettings): string {
  const head = [
    '# Flux Kustomizations of the Bulkhead output for this cluster: per folder, one per stage',
    '# (prerequisites, allows, default denies), each after the one before (dependsOn, wait).',
  ];
  const docs = units.flatMap((u) => fluxKustomizations(u, s));
  return `${head.join('\n')}\n${docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n')}`;
}
