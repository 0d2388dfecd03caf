/**
 * Prepares the input of one benchmark size, in its own process: generates the declaration,
 * runs `synthesize()` and writes its manifests (per cluster) to a JSON file, together with
 * one Deployment per workload and platform service (the endpoints the analysis needs). The
 * baseline and the analysis read that file, so neither pays for planning.
 *
 * With a cloud part (`--vms V --managed M`), the file also holds the manifests of the network
 * (Crossplane objects, one chart per AWS account and Region as the cdk8s host writes them) and
 * the part of the plan the cloud verify reads, and the report counts the rules per group.
 *
 * As a child: `prepare.ts --size N --seed S --out file.json [--vms V --managed M]`.
 */
import * as fs from 'fs';
import { AwsVerifyPlan, KubeManifest, LAYER_DEFINITIONS, LayerDefinition, LayerName, networkFolderPath, Plan, PlanNetwork, synthesize, Synthesis } from '../lib';
import { CloudGenerateOptions, GeneratedStats, generateTopology } from './generate';
import { argValue, replyToParent, runChild, timed } from './harness';
import { ProfileSummary, profilePhase } from './profile';

/** One cluster of a prepared input. */
export interface PreparedCluster {
  /** Cluster name. */
  readonly name: string;
  /** Its trust domain (for the analysis' Istio principals). */
  readonly trustDomain: string;
  /** Its Cilium ClusterMesh name (the `io.cilium.k8s.policy.cluster` label of its endpoints). */
  readonly ciliumClusterName: string;
  /** Every object `synthesize()` emitted for it, in order. */
  readonly manifests: readonly KubeManifest[];
  /** One Deployment per workload and platform service of the cluster (analysis endpoints). */
  readonly endpoints: readonly KubeManifest[];
}

/** The cloud objects of one AWS account and Region (one cdk8s chart, `<cloud>.<account>.<region>`). */
export interface PreparedNetworkChart {
  /** The chart id: `<cloud>.<account>.<region>`. */
  readonly id: string;
  /** Every object of the networks there, in the order the cdk8s host adds them. */
  readonly manifests: readonly KubeManifest[];
}

/** The JSON file a prepare step writes. */
export interface PreparedFile {
  /** Workloads. */
  readonly size: number;
  /** Generator seed. */
  readonly seed: number;
  /** Per cluster, sorted by name. */
  readonly clusters: readonly PreparedCluster[];
  /** Per account and Region with cloud objects, in the order of the cdk8s host's charts. */
  readonly networkCharts: readonly PreparedNetworkChart[];
  /** What the cloud verify reads of the plan (with a cloud part only). @default - no cloud part */
  readonly cloudPlan?: AwsVerifyPlan;
}

/** Security groups and rules of the cloud part. */
export interface CloudFigures {
  /** Networks. */
  readonly networks: number;
  /** Security groups (shards included). */
  readonly groups: number;
  /** Workloads with a group (VM fleets, managed services, pods with their own group). */
  readonly owners: number;
  /** Owners whose rules needed more than one group. */
  readonly sharded: number;
  /** Most groups of one owner. */
  readonly maxGroupsPerOwner: number;
  /** Ingress rules in total. */
  readonly ingressRules: number;
  /** Egress rules in total. */
  readonly egressRules: number;
  /** Most ingress rules in one group. */
  readonly maxIngressPerGroup: number;
  /** Most egress rules in one group. */
  readonly maxEgressPerGroup: number;
  /** Cloud objects (Crossplane manifests) of the networks. */
  readonly objects: number;
  /** Milliseconds: the `aws` layer's rendering inside `synthesize()` (timed apart). */
  readonly renderMs: number;
}

/** What a prepare step reports. */
export interface Prepared {
  /** Workloads. */
  readonly size: number;
  /** Generator seed. */
  readonly seed: number;
  /** The JSON file written. */
  readonly file: string;
  /** What the generator declared. */
  readonly stats: GeneratedStats;
  /** Flows in the plan (declared ones merged, platform and break-glass flows added). */
  readonly planFlows: number;
  /** Objects per layer, summed over clusters. */
  readonly objectsPerLayer: Readonly<Partial<Record<LayerName, number>>>;
  /** Objects in total. */
  readonly objects: number;
  /** Warnings of the synthesis. */
  readonly warnings: number;
  /** Milliseconds: declaring the topology. */
  readonly declareMs: number;
  /** Milliseconds: `synthesize()` (validation, plan, every renderer). */
  readonly synthesizeMs: number;
  /** CPU profile of `synthesize()` (with `--profile` only). */
  readonly profile?: ProfileSummary;
  /** The cloud part (with `cloud` only). */
  readonly cloud?: CloudGenerateOptions;
  /** Its groups and rules (with `cloud` only). */
  readonly cloudFigures?: CloudFigures;
}

/** The child arguments that select the cloud part of a generated topology. */
export function cloudArgs(cloud: CloudGenerateOptions | undefined): string[] {
  return cloud ? ['--vms', String(cloud.vms), '--managed', String(cloud.managedServices)] : [];
}

/** The cloud part selected by child arguments (`--vms V --managed M`). */
export function cloudOf(argv: readonly string[]): CloudGenerateOptions | undefined {
  const vms = argValue(argv, '--vms');
  const managed = argValue(argv, '--managed');
  return vms === undefined && managed === undefined ? undefined : { vms: Number(vms ?? 0), managedServices: Number(managed ?? 0) };
}

/** Runs the prepare step of one size in a child process. */
export function prepare(size: number, seed: number, out: string, options: { readonly profile?: boolean; readonly cloud?: CloudGenerateOptions } = {}): Promise<Prepared> {
  return runChild<Prepared>('prepare.ts', ['--size', String(size), '--seed', String(seed), '--out', out, ...(options.profile ? ['--profile'] : []), ...cloudArgs(options.cloud)]);
}

function main(argv: readonly string[]): Prepared {
  const size = Number(argValue(argv, '--size'));
  const seed = Number(argValue(argv, '--seed') ?? '1');
  const out = argValue(argv, '--out');
  if (!Number.isInteger(size) || size < 1 || !out) throw new Error('usage: prepare.ts --size N [--seed S] --out file.json');

  const cloud = cloudOf(argv);
  const [{ topology, stats }, declareMs] = timed(() => generateTopology(undefined, { workloads: size, seed, ...(cloud ? { cloud } : {}) }));

  // The manifests the baseline rebuilds: exactly synthesize()'s output.
  let profile: ProfileSummary | undefined;
  let synthesis: Synthesis;
  let synthesizeMs: number;
  // The network layers' renderers are timed (two clock reads per network).
  let networkRenderMs = 0;
  const layers = timedNetworkLayers((ms) => { networkRenderMs += ms; });
  if (argv.includes('--profile')) {
    const profiled = profilePhase(() => synthesize(topology, { layers }));
    synthesis = profiled.result;
    profile = profiled.profile;
    synthesizeMs = profile.totalMs;
  } else {
    [synthesis, synthesizeMs] = timed(() => synthesize(topology, { layers }));
  }
  const objectsPerLayer: Partial<Record<LayerName, number>> = {};
  for (const c of synthesis.clusters) {
    for (const [layer, n] of Object.entries(c.counts) as [LayerName, number][]) objectsPerLayer[layer] = (objectsPerLayer[layer] ?? 0) + n;
  }
  for (const n of synthesis.networks) {
    for (const [layer, k] of Object.entries(n.counts) as [LayerName, number][]) objectsPerLayer[layer] = (objectsPerLayer[layer] ?? 0) + k;
  }
  const file: PreparedFile = {
    size, seed,
    clusters: synthesis.clusters.map((c) => ({
      name: c.cluster.name,
      trustDomain: c.cluster.trustDomain,
      ciliumClusterName: c.cluster.ciliumClusterName,
      manifests: c.manifests,
      endpoints: endpointsOf(synthesis.plan, c.cluster.name),
    })),
    networkCharts: networkCharts(synthesis),
    ...(cloud ? { cloudPlan: cloudPlanOf(synthesis.plan) } : {}),
  };
  fs.writeFileSync(out, JSON.stringify(file));
  return {
    size, seed, file: out, stats,
    planFlows: synthesis.plan.flows.length,
    objectsPerLayer,
    objects: synthesis.clusters.reduce((n, c) => n + c.manifests.length, 0) + synthesis.networks.reduce((n, x) => n + x.manifests.length, 0),
    warnings: synthesis.warnings.length,
    declareMs, synthesizeMs,
    ...(profile ? { profile } : {}),
    ...(cloud ? { cloud, cloudFigures: cloudFigures(synthesis, networkRenderMs) } : {}),
  };
}

/** The cloud objects per account and Region, as the cdk8s host makes its charts (in the order of the plan's networks). */
function networkCharts(synthesis: Synthesis): PreparedNetworkChart[] {
  const charts = new Map<string, KubeManifest[]>();
  for (const n of synthesis.networks) {
    if (n.manifests.length === 0) continue;
    const id = networkFolderPath(n.network).join('.');
    charts.set(id, [...(charts.get(id) ?? []), ...n.manifests]);
  }
  return [...charts].map(([id, manifests]) => ({ id, manifests }));
}

/** The part of the plan the cloud verify reads. */
function cloudPlanOf(plan: Plan): AwsVerifyPlan {
  return { networks: plan.networks, cloudWorkloads: plan.cloudWorkloads, workloads: plan.workloads, clusters: plan.clusters, externals: plan.externals, flows: plan.flows };
}

/** The built-in layer definitions, each network layer's renderer wrapped with a timer. */
export function timedNetworkLayers(add: (ms: number) => void): LayerDefinition[] {
  return LAYER_DEFINITIONS.map((d): LayerDefinition => (d.scope !== 'network' ? d : {
    ...d,
    target: {
      ...d.target,
      render: (plan: Plan, network: PlanNetwork) => {
        const [r, ms] = timed(() => d.target.render(plan, network));
        add(ms);
        return r;
      },
    },
  }));
}

/** Groups and rules of the cloud part, from the rendered resources. */
function cloudFigures(synthesis: Synthesis, renderMs: number): CloudFigures {
  const resources = synthesis.networks.flatMap((n) => n.artifacts.flatMap((a) => (a.artifact.type === 'aws' ? [a.artifact.resource] : [])));
  const groups = resources.filter((r) => r.kind === 'SecurityGroup');
  const ownerOf = new Map<string, string>();
  const perOwner = new Map<string, number>();
  for (const g of groups) {
    const owner = `${g.network}/${g.members.join(' ')}`;
    ownerOf.set(g.key, owner);
    perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
  }
  const ingress = new Map<string, number>();
  const egress = new Map<string, number>();
  for (const r of resources) {
    if (r.kind === 'SecurityGroupIngressRule') ingress.set(r.group, (ingress.get(r.group) ?? 0) + 1);
    if (r.kind === 'SecurityGroupEgressRule') egress.set(r.group, (egress.get(r.group) ?? 0) + 1);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const max = (m: Map<string, number> | number[]) => Math.max(0, ...(Array.isArray(m) ? m : m.values()));
  return {
    networks: synthesis.networks.length, groups: groups.length, owners: perOwner.size,
    sharded: [...perOwner.values()].filter((n) => n > 1).length, maxGroupsPerOwner: max([...perOwner.values()]),
    ingressRules: sum(ingress), egressRules: sum(egress), maxIngressPerGroup: max(ingress), maxEgressPerGroup: max(egress),
    objects: synthesis.networks.reduce((n, x) => n + x.manifests.length, 0), renderMs,
  };
}

/** One Deployment per workload and platform service of a cluster, labelled as the plan says. */
function endpointsOf(plan: Plan, cluster: string): KubeManifest[] {
  const deployment = (namespace: string, name: string, selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>, serviceAccount: string, ports: readonly { name: string; port: number; protocol: string }[]): KubeManifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: 'main', image: 'registry.example.com/app:1.0.0', ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) }],
        },
      },
    },
  } as KubeManifest);
  const out: KubeManifest[] = [];
  for (const w of plan.workloads) {
    if (w.cluster === cluster) out.push(deployment(w.namespace, w.name, w.selector, w.podLabels, w.serviceAccount, w.ports));
  }
  for (const p of plan.platform) {
    if (p.cluster !== cluster) continue;
    const ports = p.name === 'dns'
      ? [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]
      : p.name === 'mesh-control-plane' ? [{ name: 'grpc-xds', port: 15012, protocol: 'TCP' }] : [];
    out.push(deployment(p.namespace, p.name, p.selector, {}, p.serviceAccount, ports));
  }
  return out;
}

if (require.main === module) replyToParent(() => main(process.argv.slice(2)));
