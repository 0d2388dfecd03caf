/**
 * The Pulumi host: a `ComponentResource` that creates every layer's objects through
 * `@pulumi/kubernetes`, one provider per cluster, from the same declaration the cdk8s host
 * renders. Logical names derive from content (cluster, kind, namespace, name), never from
 * statement order, so a reordered declaration never replaces a live resource.
 */
import type * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ArgCheck, isRecord } from '../core/entry';
import { BulkheadError, formatProblem, Problem, show } from '../core/errors';
import { Cluster } from '../model/cluster';
import { Topology } from '../model/topology';
import { PlanNetwork } from '../plan/types';
import { checkSynthesisArgs, cloudArtifactKey, Synthesis, synthesize, SynthesizeOptions } from '../synth';
import { ArtifactType, CloudArtifact, KubeManifest } from '../targets/types';

/** Arguments of {@link SegmentationStack}. */
export interface SegmentationStackArgs extends SynthesizeOptions {
  /** The declaration to deploy. */
  readonly topology: Topology;
  /**
   * The Kubernetes provider of each cluster, by cluster name. Every key must name a cluster of
   * the topology, and every cluster needs a provider (here, or through `defaultProviders`).
   * @default - none (then `defaultProviders` must be set)
   */
  readonly providers?: Readonly<Record<string, k8s.Provider>>;
  /**
   * Create a provider for each cluster that `providers` leaves out, using the ambient
   * kubeconfig's context named like the cluster (each one is logged with `pulumi.log.info`).
   * Off by default, so that a misspelt or forgotten provider never deploys to whatever
   * context the kubeconfig happens to hold.
   * @default false
   */
  readonly defaultProviders?: boolean;
  /**
   * The AWS provider of each account and region of the `aws` layer, keyed `<account>/<region>`.
   * Those left out are created, one per account and region, pinned to the account
   * (`allowedAccountIds`): never the ambient default provider.
   * @default - one provider per account and region is created
   */
  readonly awsProviders?: Readonly<Record<string, aws.Provider>>;
}

/** Where the Pulumi host creates the cloud resources of one network. */
export interface CloudResourceContext {
  /** The component's name (the first part of every logical name). */
  readonly stack: string;
  /** The network the resources live in (its account and region say which provider creates them). */
  readonly network: PlanNetwork;
  /** The component: every resource is its child (directly, or through a provider made for the network). */
  readonly parent: pulumi.ComponentResource;
  /**
   * The Kubernetes provider of a cluster (for objects a cloud host makes with its resources'
   * outputs, such as the SecurityGroupPolicy of pods with their own security groups).
   * @default - none: the host makes no Kubernetes objects
   */
  readonly kubernetesProvider?: (cluster: string) => k8s.Provider | undefined;
  /**
   * AWS providers given by the user, by `<account>/<region>` (see `SegmentationStackArgs.awsProviders`).
   * @default - one provider per account and region is created
   */
  readonly awsProviders?: Readonly<Record<string, aws.Provider>>;
}

/** What a {@link CloudResourceHost} created. */
export interface CloudResourceHostResult {
  /** Every resource created, by logical name (derived from content, unique in the component). */
  readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  /**
   * The object to create instead of a Kubernetes object that a network layer placed into a
   * cluster, when the object refers to a resource created here (for example a
   * SecurityGroupPolicy's `groupIds`, from a created group's `id` output); undefined to create
   * the object as rendered. The Pulumi host creates the cloud resources before any cluster
   * object, and asks every host of every network about every object of every cluster.
   * @default - every object as rendered
   */
  readonly objectInputs?: (manifest: KubeManifest, cluster: string) => Readonly<Record<string, pulumi.Input<unknown>>> | undefined;
}

/**
 * Creates the cloud resources of one artifact type, of one network, with the cloud's Pulumi
 * provider (explicit, one per account and region, never ambient).
 */
export type CloudResourceHost<A extends CloudArtifact> = (artifacts: readonly A[], context: CloudResourceContext) => CloudResourceHostResult;

/** The Pulumi mapping of every cloud artifact type. */
export type CloudResourceHosts = { -readonly [T in CloudArtifact['type']]?: CloudResourceHost<Extract<CloudArtifact, { type: T }>> };

/**
 * How the Pulumi host creates each type of cloud artifact: the one place that maps a cloud's
 * resources to Pulumi resources (Kubernetes objects are mapped in `createResource`). The `aws`
 * entry — `aws: createAwsResources` from `./aws` (`@pulumi/aws` security groups and standalone
 * rules) — is added with the aws layer. A network artifact of a type without an entry is an
 * error (`BH-PULUMI-ARTIFACT`), reported before any resource is registered.
 * @internal
 */
export const CLOUD_RESOURCE_HOSTS: CloudResourceHosts = {
  // loaded when an aws network is deployed: @pulumi/aws is an optional peer dependency
  aws: (artifacts, context) => awsHost().createAwsResources(artifacts.map((a) => a.resource), {
    stack: context.stack, parent: context.parent,
    ...(context.awsProviders ? { providers: context.awsProviders } : {}),
    ...(context.kubernetesProvider ? { kubernetesProvider: context.kubernetesProvider } : {}),
  }),
};

function awsHost(): typeof import('./aws') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws') as typeof import('./aws');
}

/** The Pulumi type token of {@link SegmentationStack}. */
export const SEGMENTATION_TYPE = 'bulkhead:index:Segmentation';

/**
 * Deploys a topology's segmentation: NetworkPolicies, ClusterNetworkPolicies, Cilium, Istio
 * and SPIRE objects of every cluster, and the cloud resources of every network layer (each
 * artifact type through its entry in {@link CLOUD_RESOURCE_HOSTS}), as children of one component.
 *
 * Every cluster needs a provider: pass one per cluster in `providers`, or set
 * `defaultProviders: true`. A `providers` key that names no cluster
 * (`BH-PULUMI-PROVIDER-UNKNOWN`), a value that is not a Kubernetes provider
 * (`BH-PULUMI-PROVIDER-TYPE`) and a cluster without a provider (`BH-PULUMI-PROVIDER-MISSING`)
 * are errors, reported with the declaration's own problems before anything is registered.
 *
 * @example
 * const eksProvider = new k8s.Provider('eks-eu', { context: 'eks-eu' });
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
    // The declaration and the providers are checked, and every problem of both is thrown in one
    // BulkheadError, before any resource (this component included) is registered.
    const check = new ArgCheck();
    const where = typeof name === 'string' && name.length > 0 ? name : 'SegmentationStack(name)';
    check.text(where, 'name', name, "'shop' (the component's name)");
    const a = check.options(where, 'args', args, "{ topology, providers: { 'eks-eu': eksProvider } }", false);
    if (a) {
      checkSynthesisArgs(check, { topology: where, options: where, prefix: '', topologyField: 'args.topology', now: true }, a.topology, a);
      if (a.providers !== undefined && !isRecord(a.providers)) {
        check.kind(`${where}/providers`, 'providers', a.providers, 'an object of Kubernetes providers by cluster name', "{ 'eks-eu': new k8s.Provider('eks-eu', { kubeconfig }) }");
      }
      check.bool(where, 'defaultProviders', a.defaultProviders);
    }
    if (opts !== undefined && !isRecord(opts)) check.kind(where, 'opts', opts, 'an object of resource options', '{ parent, protect, ... }, or leave opts out');
    let synthesis: Synthesis | undefined;
    const problems: Problem[] = [...check.problems];
    if (a && Topology.isTopology(a.topology)) {
      try {
        synthesis = synthesize(args.topology, check.problems.length > 0 ? {} : { now: args.now, targets: args.targets, layers: args.layers });
      } catch (e) {
        if (!BulkheadError.isBulkheadError(e)) throw e;
        problems.push(...e.problems);
      }
      if (a.providers === undefined || isRecord(a.providers)) {
        problems.push(...providerProblems(where, { ...args, defaultProviders: a.defaultProviders === true }, synthesis));
      }
      if (synthesis) problems.push(...artifactProblems(where, synthesis));
      if (synthesis && a.awsProviders !== undefined) {
        if (!isRecord(a.awsProviders)) {
          check.kind(`${where}/awsProviders`, 'awsProviders', a.awsProviders, "an object of AWS providers by '<account>/<region>'", "{ '123456789012/eu-west-1': new aws.Provider('prod-eu', { region: 'eu-west-1' }) }");
          problems.push(...check.problems.slice(-1));
        } else {
          const resources = synthesis.networks.flatMap((n) => n.artifacts.flatMap((x) => (x.artifact.type === 'aws' ? [x.artifact.resource] : [])));
          problems.push(...awsHost().awsProviderProblems(where, resources, a.awsProviders));
        }
      }
    }
    if (!synthesis || problems.some((p) => p.severity === 'error')) throw new BulkheadError(problems);
    super(SEGMENTATION_TYPE, name, {}, opts);
    this.synthesis = synthesis;
    const resources: Record<string, pulumi.CustomResource> = {};
    const counts: Record<string, number> = {};
    // Providers first: the cloud hosts may place Kubernetes objects made with their resources'
    // outputs (the SecurityGroupPolicy of pods with their own groups) into a cluster.
    const kubernetesProviders = new Map<string, k8s.Provider>();
    for (const c of this.synthesis.clusters) {
      let provider = args.providers?.[c.cluster.name];
      if (!provider) {
        const logical = `${name}-${c.cluster.name}`;
        provider = new k8s.Provider(logical, { context: c.cluster.name }, { parent: this });
        pulumi.log.info(`cluster ${c.cluster.name}: no provider given; created the default provider ${logical} (kubeconfig context '${c.cluster.name}'), as defaultProviders is set`, this);
      }
      kubernetesProviders.set(c.cluster.name, provider);
    }
    const rewrites: NonNullable<CloudResourceHostResult['objectInputs']>[] = [];
    for (const n of this.synthesis.networks) {
      const byType = new Map<ArtifactType, CloudArtifact[]>();
      for (const { artifact } of n.artifacts) byType.set(artifact.type, [...(byType.get(artifact.type) ?? []), artifact]);
      for (const [type, artifacts] of byType) {
        const host = CLOUD_RESOURCE_HOSTS[type as CloudArtifact['type']] as CloudResourceHost<CloudArtifact>;
        const created = host(artifacts, {
          stack: name, network: n.network, parent: this, kubernetesProvider: (cluster) => kubernetesProviders.get(cluster),
          ...(args.awsProviders ? { awsProviders: args.awsProviders } : {}),
        });
        Object.assign(resources, created.resources);
        if (created.objectInputs) rewrites.push(created.objectInputs);
      }
    }
    for (const c of this.synthesis.clusters) {
      const provider = kubernetesProviders.get(c.cluster.name) as k8s.Provider;
      for (const m of c.manifests) {
        const logical = logicalName(name, c.cluster.name, m);
        const inputs = rewrites.reduce<Readonly<Record<string, pulumi.Input<unknown>>> | undefined>((found, r) => found ?? r(m, c.cluster.name), undefined);
        resources[logical] = createResource(logical, (inputs ?? m) as KubeManifest, { parent: this, provider });
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

/** Every problem of the providers at once: unknown keys, values that are no provider, clusters without one. */
function providerProblems(name: string, args: SegmentationStackArgs, synthesis: Synthesis | undefined): Problem[] {
  const paths = clusterPaths(args.topology);
  // The plan's clusters; when the declaration is invalid, the Cluster constructs found.
  const clusters = synthesis ? synthesis.clusters.map((c) => c.cluster.name) : [...paths.keys()].sort();
  if (clusters.length === 0) return []; // the declaration's own problems say what is missing
  const known = clusters.map((c) => `'${c}'`).join(', ') || '(none)';
  const problems: Problem[] = [];
  const given = args.providers ?? {};
  for (const key of Object.keys(given).sort()) {
    if (!clusters.includes(key)) {
      problems.push({
        severity: 'error', code: 'BH-PULUMI-PROVIDER-UNKNOWN', path: `${name}/providers`,
        message: `the providers key '${key}' names no cluster of the topology`,
        value: show(key),
        fix: `key each provider by a cluster name: ${known} (or remove the key)`,
      });
    } else if (given[key] !== undefined && given[key] !== null && !k8s.Provider.isInstance(given[key])) {
      problems.push({
        severity: 'error', code: 'BH-PULUMI-PROVIDER-TYPE', path: `${name}/providers/${key}`,
        message: `the provider of cluster '${key}' is not a @pulumi/kubernetes Provider`,
        value: show(given[key]),
        fix: `pass new k8s.Provider('${key}', { kubeconfig }) (or { context }) from @pulumi/kubernetes`,
      });
    }
  }
  if (!(args.defaultProviders ?? false)) {
    for (const c of clusters) {
      if (given[c] !== undefined && given[c] !== null) continue;
      problems.push({
        severity: 'error', code: 'BH-PULUMI-PROVIDER-MISSING', path: paths.get(c) ?? `${name}/providers`,
        message: `the cluster '${c}' has no Kubernetes provider`,
        value: show(c),
        fix: `pass providers: { '${c}': new k8s.Provider(...) }, or set defaultProviders: true to use the kubeconfig context named '${c}'`,
      });
    }
  }
  return problems;
}

/** A cloud artifact this host cannot create (no entry in {@link CLOUD_RESOURCE_HOSTS}): one problem per network and type. */
function artifactProblems(name: string, synthesis: Synthesis): Problem[] {
  const problems: Problem[] = [];
  for (const n of synthesis.networks) {
    const types = [...new Set(n.artifacts.map((a) => a.artifact.type))].sort();
    for (const type of types) {
      if (CLOUD_RESOURCE_HOSTS[type]) continue;
      const first = n.artifacts.find((a) => a.artifact.type === type)!;
      problems.push({
        severity: 'error', code: 'BH-PULUMI-ARTIFACT', path: n.network.path || name,
        message: `the network '${n.network.name}' has ${type} resources (layer ${first.layer}, such as ${cloudArtifactKey(first.artifact)}), which this Pulumi host cannot create`,
        value: show(type),
        fix: `synthesize the network's ${type} resources as manifests (cdk8s or the bulkhead CLI), or leave the layer out of the Pulumi program's layers`,
      });
    }
  }
  return problems;
}

/** Construct path of each cluster, by cluster name (a Cluster of any copy of the library). */
function clusterPaths(topology: Topology): Map<string, string> {
  const paths = new Map<string, string>();
  if (!Topology.isTopology(topology)) return paths;
  for (const c of topology.node.findAll()) {
    const name = c instanceof Cluster ? c.clusterName : (c as unknown as Record<string, unknown>).clusterName;
    if (typeof name === 'string' && !paths.has(name)) paths.set(name, c.node.path);
  }
  return paths;
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
