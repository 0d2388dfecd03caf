/**
 * The Pulumi host: a `ComponentResource` that creates every layer's objects through
 * `@pulumi/kubernetes`, one provider per cluster, from the same declaration the cdk8s host
 * renders. Logical names derive from content (cluster, kind, namespace, name), never from
 * statement order, so a reordered declaration never replaces a live resource.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { formatProblem } from '../core/errors';
import { Topology } from '../model/topology';
import { Synthesis, synthesize, SynthesizeOptions } from '../synth';
import { KubeManifest } from '../targets/types';

/** Arguments of {@link SegmentationStack}. */
export interface SegmentationStackArgs extends SynthesizeOptions {
  /** The declaration to deploy. */
  readonly topology: Topology;
  /**
   * The Kubernetes provider of each cluster, by cluster name.
   * @default - one provider per cluster, using the kubeconfig context named like the cluster
   */
  readonly providers?: Readonly<Record<string, k8s.Provider>>;
}

/** The Pulumi type token of {@link SegmentationStack}. */
export const SEGMENTATION_TYPE = 'bulkhead:index:Segmentation';

/**
 * Deploys a topology's segmentation: NetworkPolicies, ClusterNetworkPolicies, Cilium, Istio
 * and SPIRE objects of every cluster, as children of one component.
 *
 * @example
 * const topology = declareShop();           // the same declaration the cdk8s program uses
 * new SegmentationStack('shop', { topology, providers: { 'eks-eu': eksProvider } });
 */
export class SegmentationStack extends pulumi.ComponentResource {
  /** The synthesis result the resources were created from. */
  public readonly synthesis: Synthesis;
  /** Every created resource, by logical name. */
  public readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  /** Number of objects per cluster. */
  public readonly objectCounts: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: SegmentationStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SEGMENTATION_TYPE, name, {}, opts);
    // Synthesis throws a BulkheadError on an invalid declaration, before any resource exists.
    this.synthesis = synthesize(args.topology, { now: args.now, targets: args.targets });
    const resources: Record<string, pulumi.CustomResource> = {};
    const counts: Record<string, number> = {};
    for (const c of this.synthesis.clusters) {
      const provider = args.providers?.[c.cluster.name]
        ?? new k8s.Provider(`${name}-${c.cluster.name}`, { context: c.cluster.name }, { parent: this });
      for (const m of c.manifests) {
        const logical = logicalName(name, c.cluster.name, m);
        resources[logical] = createResource(logical, m, { parent: this, provider });
      }
      counts[c.cluster.name] = c.manifests.length;
    }
    for (const w of this.synthesis.warnings) {
      if (w.acknowledged) continue;
      if (w.severity === 'info') pulumi.log.info(formatProblem(w), this);
      else pulumi.log.warn(formatProblem(w), this);
    }
    this.resources = resources;
    this.objectCounts = pulumi.output(counts);
    this.registerOutputs({ objectCounts: this.objectCounts });
  }
}

/** The logical name of an object: `<stack>.<cluster>.<kind>.<namespace>.<name>`, derived from content only. */
export function logicalName(stack: string, cluster: string, m: KubeManifest): string {
  return [stack, cluster, m.kind, m.metadata.namespace ?? '_', m.metadata.name].join('.');
}

function createResource(logical: string, m: KubeManifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const obj = m as unknown as Record<string, pulumi.Input<unknown>> & { apiVersion: string; kind: string };
  const { apiVersion, kind, ...fields } = obj;
  const rest: unknown = fields;
  switch (`${apiVersion}/${kind}`) {
    case 'networking.k8s.io/v1/NetworkPolicy':
      return new k8s.networking.v1.NetworkPolicy(logical, rest as k8s.networking.v1.NetworkPolicyArgs, opts);
    case 'v1/Namespace':
      return new k8s.core.v1.Namespace(logical, rest as k8s.core.v1.NamespaceArgs, opts);
    case 'v1/ServiceAccount':
      return new k8s.core.v1.ServiceAccount(logical, rest as k8s.core.v1.ServiceAccountArgs, opts);
    case 'rbac.authorization.k8s.io/v1/ClusterRole':
      return new k8s.rbac.v1.ClusterRole(logical, rest as k8s.rbac.v1.ClusterRoleArgs, opts);
    case 'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
      return new k8s.rbac.v1.ClusterRoleBinding(logical, rest as k8s.rbac.v1.ClusterRoleBindingArgs, opts);
    case 'batch/v1/CronJob':
      return new k8s.batch.v1.CronJob(logical, rest as k8s.batch.v1.CronJobArgs, opts);
    default:
      // Custom resources (Cilium, Istio, SPIRE, ClusterNetworkPolicy).
      return new k8s.apiextensions.CustomResource(logical, { apiVersion, kind, ...fields } as k8s.apiextensions.CustomResourceArgs, opts);
  }
}
