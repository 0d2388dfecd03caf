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

/**
 * The Flux Kustomizations of one unit, in stage order. `beforeDenies` are Kustomizations of the
 * same Flux its default-deny stage also waits for (the allows of the cloud networks this
 * cluster applies: see {@link fluxText}).
 */
export function fluxKustomizations(unit: GitOpsUnit, s: FluxSettings, beforeDenies: readonly string[] = []): Record<string, unknown>[] {
  const stages = byStage(unit.folder.manifests);
  let previous: Dependency[] = s.dependsOn.map(dependency);
  return stages.map(({ stage }) => {
    if (stage === 'default-deny') previous = [...previous, ...beforeDenies.filter((n) => !previous.some((p) => p.name === n)).map((name) => ({ name }))];
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

/**
 * The last stage of a network unit up to its allows (the Kustomization whose readiness means
 * its security groups and rules are there), if it has one.
 */
function networkAllowsOf(unit: GitOpsUnit): string | undefined {
  const upTo = byStage(unit.folder.manifests).filter(({ stage }) => stage !== 'default-deny');
  return upTo.length > 0 ? `${unit.name}-${upTo[upTo.length - 1].stage}` : undefined;
}

/**
 * The text of one destination's Flux file: the Kustomizations of its units. Where the cluster
 * also applies cloud-network folders (it is their control plane), the default-deny stage of
 * each of its cluster folders waits for the networks' allows too (`dependsOn` works within one
 * Flux): an EKS SecurityGroupPolicy puts pods behind their security groups only once the
 * groups' rules are ready. A network applied by another cluster cannot be waited for.
 */
export function fluxText(units: readonly GitOpsUnit[], s: FluxSettings): string {
  const head = [
    '# Flux Kustomizations of the Bulkhead output for this cluster: per folder, one per stage',
    '# (prerequisites, allows, default denies), each after the one before (dependsOn, wait);',
    '# default denies also after the allows of the cloud networks this cluster applies.',
  ];
  const networkAllows = units.filter((u) => u.kind === 'network').map(networkAllowsOf).filter((n): n is string => n !== undefined);
  const docs = units.flatMap((u) => fluxKustomizations(u, s, u.kind === 'cluster' ? networkAllows : []));
  return `${head.join('\n')}\n${docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n')}`;
}
