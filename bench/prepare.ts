/**
 * Prepares the input of one benchmark size, in its own process: generates the declaration,
 * runs `synthesize()` and writes its manifests (per cluster) to a JSON file, together with
 * one Deployment per workload and platform service (the endpoints the analysis needs). The
 * baseline and the analysis read that file, so neither pays for planning.
 *
 * As a child: `prepare.ts --size N --seed S --out file.json`.
 */
import * as fs from 'fs';
import { KubeManifest, LayerName, Plan, synthesize, Synthesis } from '../lib';
import { GeneratedStats, generateTopology } from './generate';
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

/** The JSON file a prepare step writes. */
export interface PreparedFile {
  /** Workloads. */
  readonly size: number;
  /** Generator seed. */
  readonly seed: number;
  /** Per cluster, sorted by name. */
  readonly clusters: readonly PreparedCluster[];
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
}

/** Runs the prepare step of one size in a child process. */
export function prepare(size: number, seed: number, out: string, options: { readonly profile?: boolean } = {}): Promise<Prepared> {
  return runChild<Prepared>('prepare.ts', ['--size', String(size), '--seed', String(seed), '--out', out, ...(options.profile ? ['--profile'] : [])]);
}

function main(argv: readonly string[]): Prepared {
  const size = Number(argValue(argv, '--size'));
  const seed = Number(argValue(argv, '--seed') ?? '1');
  const out = argValue(argv, '--out');
  if (!Number.isInteger(size) || size < 1 || !out) throw new Error('usage: prepare.ts --size N [--seed S] --out file.json');

  const [{ topology, stats }, declareMs] = timed(() => generateTopology(undefined, { workloads: size, seed }));

  // The manifests the baseline rebuilds: exactly synthesize()'s output.
  let profile: ProfileSummary | undefined;
  let synthesis: Synthesis;
  let synthesizeMs: number;
  if (argv.includes('--profile')) {
    const profiled = profilePhase(() => synthesize(topology));
    synthesis = profiled.result;
    profile = profiled.profile;
    synthesizeMs = profile.totalMs;
  } else {
    [synthesis, synthesizeMs] = timed(() => synthesize(topology));
  }
  const objectsPerLayer: Partial<Record<LayerName, number>> = {};
  for (const c of synthesis.clusters) {
    for (const [layer, n] of Object.entries(c.counts) as [LayerName, number][]) objectsPerLayer[layer] = (objectsPerLayer[layer] ?? 0) + n;
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
  };
  fs.writeFileSync(out, JSON.stringify(file));
  return {
    size, seed, file: out, stats,
    planFlows: synthesis.plan.flows.length,
    objectsPerLayer,
    objects: synthesis.clusters.reduce((n, c) => n + c.manifests.length, 0),
    warnings: synthesis.warnings.length,
    declareMs, synthesizeMs,
    ...(profile ? { profile } : {}),
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
