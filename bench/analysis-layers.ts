/**
 * Per-layer timing of the analysis on generated topologies: for each size, the declaration
 * of `bench/generate.ts` is synthesized, and for every cluster the manifests (with one
 * Deployment per workload and platform service, so every workload is an endpoint) are
 * loaded and `Analysis.connectivity({ layer })` is timed for each layer (the Cilium
 * simulator is given the cluster's ClusterMesh name, which its cluster-aware selectors
 * name), and so is Istio's bulk query asked about TCP only. Then `verify` is run end to end
 * on the same synthesis (it adds its own stand-in endpoints and compares every layer with
 * the declared intent).
 *
 *   npx ts-node --transpile-only bench/analysis-layers.ts [--sizes 1000,2000,5000] [--no-verify]
 */
import { KubeManifest, Plan, synthesize } from '../lib';
import { Analysis, AnalysisLayer, KUBERNETES_SIMULATOR, PortSet, SimulatorRegistration, loadObjects } from '../lib/analysis';
import { createCiliumSimulator } from '../lib/analysis/simulators/cilium';
import { IstioSimulator, createIstioSimulator } from '../lib/analysis/simulators/istio';
import { verifySynthesis } from '../lib/verify';
import { GENERATED_NOW, generateTopology } from './generate';

/** Default sizes (workloads). */
const DEFAULT_SIZES: readonly number[] = [1000, 2000, 5000];

/** The layers timed, in report order. */
const LAYERS: readonly AnalysisLayer[] = ['kubernetes', 'cilium', 'istio'];

/** Figures of one size. */
interface SizeFigures {
  readonly size: number;
  readonly endpoints: number;
  readonly synthesizeMs: number;
  readonly loadMs: number;
  readonly buildMs: number;
  readonly buildByLayer: Readonly<Record<string, number>>;
  readonly layerMs: Readonly<Record<string, number>>;
  readonly connections: Readonly<Record<string, number>>;
  /** Istio's bulk query asked about TCP only (what verify judges), between workloads. */
  readonly istioTcpMs: number;
  readonly istioTcpPairs: number;
  readonly verifyMs?: number;
  readonly findings?: number;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = now();
  const r = f();
  return [r, now() - t0];
}

/** One Deployment per workload and platform service of a cluster, labelled as the plan says. */
function endpointsOf(plan: Plan, cluster: string): KubeManifest[] {
  const deployment = (namespace: string, name: string, labels: Readonly<Record<string, string>>, serviceAccount: string,
    ports: readonly { readonly name?: string; readonly port: number; readonly protocol: string }[]): KubeManifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: 'main', image: 'registry.example.com/app:1.0.0', ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol })) }],
        },
      },
    },
  } as KubeManifest);
  const out: KubeManifest[] = [];
  for (const w of plan.workloads) {
    if (w.cluster === cluster) out.push(deployment(w.namespace, w.name, { ...w.podLabels, ...w.selector }, w.serviceAccount, w.ports));
  }
  for (const p of plan.platform) {
    if (p.cluster !== cluster) continue;
    const ports = p.name === 'dns'
      ? [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]
      : p.name === 'mesh-control-plane' ? [{ name: 'grpc-xds', port: 15012, protocol: 'TCP' }] : [];
    out.push(deployment(p.namespace, p.name, p.selector, p.serviceAccount, ports));
  }
  return out;
}

function runSize(size: number, withVerify: boolean): SizeFigures {
  const { topology } = generateTopology(undefined, { workloads: size, seed: 1 });
  const [synthesis, synthesizeMs] = timed(() => synthesize(topology, { now: GENERATED_NOW }));
  let loadMs = 0;
  let buildMs = 0;
  let endpoints = 0;
  const layerMs: Record<string, number> = {};
  const buildByLayer: Record<string, number> = {};
  let istioTcpMs = 0;
  let istioTcpPairs = 0;
  const connections: Record<string, number> = {};
  for (const c of synthesis.clusters) {
    const objects = [...c.manifests, ...endpointsOf(synthesis.plan, c.cluster.name)];
    const [loaded, l] = timed(() => loadObjects(objects, c.cluster.name));
    loadMs += l;
    endpoints += loaded.workloads.length;
    // Cilium endpoints carry their ClusterMesh cluster name, which the cluster-aware selectors name.
    let istio: IstioSimulator | undefined;
    const registrations: SimulatorRegistration[] = [
      KUBERNETES_SIMULATOR,
      { layer: 'cilium', owns: () => true, create: (objs, ctx) => createCiliumSimulator(objs.map((o) => o.raw), ctx, { clusterName: c.cluster.ciliumClusterName }) },
      { layer: 'istio', owns: () => true, create: (objs, ctx) => (istio = createIstioSimulator(objs.map((o) => o.raw), ctx)) },
    ];
    const simulators = registrations.map((r): SimulatorRegistration => ({
      ...r,
      create: (objs, ctx) => {
        const [sim, ms] = timed(() => r.create(objs, ctx));
        buildByLayer[r.layer] = (buildByLayer[r.layer] ?? 0) + ms;
        return sim;
      },
    }));
    const [analysis, b] = timed(() => Analysis.of(loaded, { trustDomain: c.cluster.trustDomain, simulators }));
    buildMs += b;
    for (const layer of LAYERS) {
      if (!analysis.presentLayers.includes(layer)) continue;
      const [conns, ms] = timed(() => analysis.connectivity({ layer }));
      layerMs[layer] = (layerMs[layer] ?? 0) + ms;
      connections[layer] = (connections[layer] ?? 0) + conns.length;
    }
    const sim = istio;
    if (sim?.present) {
      const ws = analysis.context.workloads;
      const [pairs, ms] = timed(() => sim.allowedPairs(ws, ws, PortSet.allOf('TCP')));
      istioTcpMs += ms;
      istioTcpPairs += pairs.length;
    }
  }
  const figures = { size, endpoints, synthesizeMs, loadMs, buildMs, buildByLayer, layerMs, connections, istioTcpMs, istioTcpPairs };
  if (!withVerify) return figures;
  const [report, verifyMs] = timed(() => verifySynthesis(synthesis));
  return { ...figures, verifyMs, findings: report.findings.length };
}

function sec(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`;
}

function main(argv: readonly string[]): void {
  const i = argv.indexOf('--sizes');
  const sizes = i >= 0 && argv[i + 1] ? argv[i + 1].split(',').map(Number) : DEFAULT_SIZES;
  const withVerify = !argv.includes('--no-verify');
  for (const size of sizes) {
    const f = runSize(size, withVerify);
    const layerTotal = Object.values(f.layerMs).reduce((a, b) => a + b, 0);
    const perLayer = LAYERS.map((l) => `${l} ${sec(f.layerMs[l])} (${f.connections[l] ?? 0} conns)`).join(', ');
    const builds = LAYERS.map((l) => `${l} ${sec(f.buildByLayer[l])}`).join(', ');
    console.log(`${size} workloads (${f.endpoints} endpoints)`);
    console.log(`  synthesize ${sec(f.synthesizeMs)}; load ${sec(f.loadMs)}; build ${sec(f.buildMs)} (${builds})`);
    console.log(`  connectivity({ layer }): ${perLayer}; layers total ${sec(layerTotal)}; load + build + layers ${sec(f.loadMs + f.buildMs + layerTotal)}`);
    console.log(`  istio allowedPairs on TCP only (workload pairs): ${sec(f.istioTcpMs)} (${f.istioTcpPairs} pairs)`);
    console.log(`  verify (end to end, its own endpoints): ${sec(f.verifyMs)}${f.findings === undefined ? '' : `, ${f.findings} findings`}`);
  }
}

if (require.main === module) main(process.argv.slice(2));
