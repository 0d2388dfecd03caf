/**
 * Istio ambient mode: what changes when a cluster's mesh runs without sidecars
 * (`ClusterProps.meshMode: 'ambient'`).
 *
 * - ztunnel, the node proxy, enforces AuthorizationPolicies that select workloads (or a whole
 *   namespace) on L4 fields only: principals, namespaces, IP blocks, ports. An ALLOW rule
 *   with an L7 field (methods, paths) is never met by ztunnel, so a destination whose only
 *   ALLOW rule names a method is cut off entirely ("ztunnel will simply drop all traffic as a
 *   defensive move"). Selector policies therefore carry L4 fields only.
 * - L7 rules need a waypoint: a `gateway.networking.k8s.io/v1` Gateway of class
 *   `istio-waypoint` (listener `mesh`, port 15008, protocol HBONE, label
 *   `istio.io/waypoint-for: service`), used by the Services of a namespace labelled
 *   `istio.io/use-waypoint: <waypoint>`. Policies for it attach with `targetRefs` to the
 *   destination's Service. Traffic the waypoint forwards reaches the destination's ztunnel
 *   with the waypoint's identity (`<trust domain>/ns/<namespace>/sa/<waypoint>`), so the
 *   destination's selector policy admits the waypoint on the ports of the flows it forwards.
 * - A namespace joins ambient mode with the label `istio.io/dataplane-mode: ambient`.
 * - PeerAuthentication STRICT applies as with sidecars (ztunnel always speaks mTLS to other
 *   mesh workloads; STRICT refuses plaintext from outside the mesh).
 * - There is no Sidecar resource: the per-namespace `REGISTRY_ONLY` egress allow-list has no
 *   ambient counterpart (ztunnel does not restrict outbound traffic), so egress to externals
 *   is left to the network layers, with a warning.
 *
 * Bulkhead does not own Namespace and Service objects: it says in a warning which labels the
 * namespaces must carry and which Service names the waypoint policies attach to (the
 * workload's name), and {@link ambientStandIns} gives the objects that say so for analysis.
 *
 * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 * @see https://istio.io/latest/docs/ambient/usage/l7-features/
 */
import { cmp } from '../../core/errors';
import { Protocol } from '../../core/port';
import { InternetEgress, Sensitivity } from '../../core/sensitivity';
import { Plan, PlanCluster, PlanWorkload } from '../../plan/types';
import { HBONE_PORT, WAYPOINT_NAME } from '../../plan/phases/flows';
import { edgesOf } from '../../plan/phases/assemble';
import { clusterPath, meta, PlanIndex, sortedRecord } from '../common';
import { GATEWAY_API_VERSION, IstioOperation, IstioRule, WaypointGateway } from './types';

/**
 * Name of the waypoint Gateway Bulkhead emits in a namespace (and of its service account,
 * which names the waypoint's principal).
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export const ISTIO_WAYPOINT_NAME = WAYPOINT_NAME;

/**
 * The labels of ambient mode.
 *
 * @see https://istio.io/latest/docs/ambient/usage/add-workloads/
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export const AMBIENT_LABELS = {
  /** On a namespace (or pod): `ambient` enrols it in ambient mode; `none` on a pod opts it out. */
  dataplaneMode: 'istio.io/dataplane-mode',
  /** On a namespace or Service: the waypoint its traffic goes through (`none` for none). */
  useWaypoint: 'istio.io/use-waypoint',
  /** On a namespace or Service: the namespace of that waypoint, when it is another. */
  useWaypointNamespace: 'istio.io/use-waypoint-namespace',
  /** On a waypoint Gateway: which traffic it handles (`service`, `workload`, `all`, `none`). */
  waypointFor: 'istio.io/waypoint-for',
} as const;

/**
 * Warning codes of the Istio target in ambient mode.
 *
 * @see https://istio.io/latest/docs/ambient/usage/l4-policy/
 */
export const ISTIO_AMBIENT_WARNINGS = {
  /** A declared L7 rule (methods, paths) whose destination no waypoint serves: ztunnel enforces only its ports. */
  l7WithoutWaypoint: 'BH-ISTIO-AMBIENT-L7',
  /** The namespace and Service labels and names the ambient output relies on, which Bulkhead does not own. */
  labels: 'BH-ISTIO-AMBIENT-LABELS',
  /** No REGISTRY_ONLY egress allow-list in ambient mode: egress to externals is enforced by the network layers only. */
  egress: 'BH-ISTIO-AMBIENT-EGRESS',
  /**
   * Flows between an ambient cluster and another cluster: the network layers admit them on their
   * declared ports, not over HBONE through east-west gateways (the tunnels inside the cluster are
   * flows of the plan, which the network layers admit).
   */
  hbone: 'BH-ISTIO-AMBIENT-HBONE',
} as const;

/** The principal of a namespace's waypoint (its service account is the Gateway's name). */
export function waypointPrincipal(cluster: PlanCluster, namespace: string): string {
  return `${cluster.trustDomain}/ns/${namespace}/sa/${ISTIO_WAYPOINT_NAME}`;
}

/** Whether an operation names L7 fields. */
function isL7(o: IstioOperation): boolean {
  return (o.methods?.length ?? 0) > 0 || (o.paths?.length ?? 0) > 0;
}

/** Whether a rule names L7 fields. */
export function ruleIsL7(r: IstioRule): boolean {
  return (r.to ?? []).some((t) => isL7(t.operation));
}

/** Whether a rule names its sources by mesh identity (principals). */
export function ruleIsMesh(r: IstioRule): boolean {
  return (r.from ?? []).some((f) => (f.source.principals?.length ?? 0) > 0);
}

/**
 * A rule with its L7 fields removed, the L4 part ztunnel can enforce: operations keep their
 * ports (identical ones merged); an operation left empty matches any operation, which is
 * written as no `to` at all.
 */
export function l4Rule(r: IstioRule): IstioRule {
  if (!r.to) return r;
  const ops = r.to.map((t): IstioOperation => (t.operation.ports ? { ports: t.operation.ports } : {}));
  if (ops.some((o) => Object.keys(o).length === 0)) return r.from ? { from: r.from } : {};
  const unique = [...new Map(ops.map((o) => [JSON.stringify(o), o])).entries()].sort(([a], [b]) => cmp(a, b)).map(([, o]) => o);
  return { ...(r.from ? { from: r.from } : {}), to: unique.map((operation) => ({ operation })) };
}

/**
 * The ports the rules constrain, merged: undefined when some rule admits any port (no `to`,
 * or an operation without ports).
 */
export function rulePorts(rules: readonly IstioRule[]): string[] | undefined {
  const ports = new Set<string>();
  for (const r of rules) {
    if (!r.to) return undefined;
    for (const t of r.to) {
      if (!t.operation.ports) return undefined;
      t.operation.ports.forEach((p) => ports.add(p));
    }
  }
  return [...ports].sort((a, b) => Number(a) - Number(b));
}

/**
 * The namespaces of an ambient cluster that get a waypoint: the declared ones, else those
 * holding a destination of a flow with L7 rules. The plan holds each waypoint's pods as the
 * platform endpoint `waypoint.<namespace>` (see `lib/plan/phases/flows.ts`), which this
 * reads. Empty for a cluster that is not ambient or runs no Istio.
 */
export function waypointNamespaces(plan: Plan, cluster: PlanCluster): string[] {
  if (cluster.meshMode !== 'ambient') return [];
  const prefix = `${ISTIO_WAYPOINT_NAME}.`;
  return plan.platform.filter((p) => p.cluster === cluster.name && p.name === `${prefix}${p.namespace}`).map((p) => p.namespace).sort(cmp);
}

/**
 * The waypoint Gateway of a namespace: class `istio-waypoint`, one HBONE listener on 15008,
 * for the traffic addressed to the namespace's Services.
 *
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
export function waypointGateway(namespace: string): WaypointGateway {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: meta('istio', ISTIO_WAYPOINT_NAME, namespace, { [AMBIENT_LABELS.waypointFor]: 'service' }),
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  };
}

/** A Namespace or Service that stands in for the user's own objects in an analysis. */
export interface AmbientStandIn {
  /** `v1`. */
  readonly apiVersion: 'v1';
  /** `Namespace` or `Service`. */
  readonly kind: 'Namespace' | 'Service';
  /** Name, namespace (Services) and labels. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels: Readonly<Record<string, string>> };
  /** A Service's selector and ports. @default - none (a Namespace) */
  readonly spec?: {
    /** The workload's selector. */
    readonly selector: Readonly<Record<string, string>>;
    /** Its TCP ports, named by the declared port names. */
    readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: 'TCP' }[];
  };
}

/**
 * What an ambient cluster's namespaces and Services must be for the output to mean what the
 * declaration says, as objects: each namespace of the cluster labelled
 * `istio.io/dataplane-mode: ambient` (and `istio.io/use-waypoint: waypoint` where a waypoint
 * serves it), and per workload of a waypoint namespace a Service named after the workload that
 * selects its pods on its declared TCP ports (the waypoint policies attach to it). The
 * analysis (verify) reads them in place of the user's objects when these are not given.
 * Empty for a cluster that is not ambient or runs no Istio.
 *
 * @example
 * const s = synthesize(topology);
 * const objects = ambientStandIns(s.plan, s.plan.clusters[0]);
 */
export function ambientStandIns(plan: Plan, cluster: PlanCluster): AmbientStandIn[] {
  if (cluster.meshMode !== 'ambient' || !cluster.layers.includes('istio')) return [];
  const waypoints = new Set(waypointNamespaces(plan, cluster));
  const namespaces = [...new Set([...cluster.namespaces, ...waypoints])].sort(cmp);
  const out: AmbientStandIn[] = namespaces.map((ns) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: ns, labels: sortedRecord({ 'kubernetes.io/metadata.name': ns, [AMBIENT_LABELS.dataplaneMode]: 'ambient', ...(waypoints.has(ns) ? { [AMBIENT_LABELS.useWaypoint]: ISTIO_WAYPOINT_NAME } : {}) }) },
  }));
  const idx = new PlanIndex(plan);
  for (const w of idx.workloadsIn(cluster.name)) {
    if (!waypoints.has(w.namespace)) continue;
    const ports = new Map<number, string>();
    for (const p of w.ports) if (p.protocol === Protocol.TCP && !ports.has(p.port)) ports.set(p.port, p.name);
    for (const e of w.calledBy) {
      if (e.tunnel) continue;
      for (const p of e.ports) {
        if (p.protocol === Protocol.TCP && p.endPort === undefined && !ports.has(p.port)) ports.set(p.port, `port-${p.port}`);
      }
    }
    if (ports.size === 0) continue;
    out.push({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: w.name, namespace: w.namespace, labels: {} },
      spec: { selector: w.selector, ports: [...ports].sort(([a], [b]) => a - b).map(([port, name]) => ({ name, port, targetPort: port, protocol: 'TCP' as const })) },
    });
  }
  return out;
}

const WAYPOINT_WORKLOADS = new WeakMap<Plan, Map<string, PlanWorkload[]>>();

/**
 * The pods of the waypoints of an ambient cluster, as workloads the network renderers
 * (NetworkPolicy, Cilium) give policies of their own, so that the namespace default deny does
 * not cut them off: one per waypoint of a namespace Bulkhead isolates, named `waypoint`,
 * selected by `gateway.networking.k8s.io/gateway-name: waypoint`, with its flows (the HBONE
 * tunnels from the sources and to the destinations it serves, DNS, the mesh control plane) as
 * its edges. Its tier asks for nothing (no guardrails, no mutual authentication): the
 * waypoint is the mesh's own proxy. Empty for a cluster that is not ambient or runs no Istio.
 *
 * @example
 * const workloads = [...plan.workloads.filter((w) => w.cluster === cluster.name), ...waypointWorkloads(plan, cluster)];
 */
export function waypointWorkloads(plan: Plan, cluster: PlanCluster): PlanWorkload[] {
  let byCluster = WAYPOINT_WORKLOADS.get(plan);
  if (!byCluster) {
    byCluster = new Map();
    WAYPOINT_WORKLOADS.set(plan, byCluster);
  }
  const known = byCluster.get(cluster.name);
  if (known) return known;
  const isolated = new Set(cluster.namespaces);
  const endpoints = plan.platform.filter((p) => p.cluster === cluster.name && p.name === `${ISTIO_WAYPOINT_NAME}.${p.namespace}` && isolated.has(p.namespace));
  const { calls, calledBy } = endpoints.length > 0 ? edgesOf(plan.flows, 'platform') : { calls: new Map(), calledBy: new Map() };
  const out = endpoints.map((p): PlanWorkload => ({
    key: p.key, path: clusterPath(plan, cluster), cluster: cluster.name, namespace: p.namespace, name: ISTIO_WAYPOINT_NAME,
    serviceAccount: p.serviceAccount, selector: p.selector, podLabels: {},
    ports: [{ name: 'hbone', port: HBONE_PORT, protocol: Protocol.TCP }],
    spiffeId: `spiffe://${waypointPrincipal(cluster, p.namespace)}`,
    tier: {
      level: Sensitivity.INTERNAL, name: ISTIO_WAYPOINT_NAME, mtls: 'STRICT', mutualAuth: false, maxSvidTtlSeconds: 86400,
      internetEgress: InternetEgress.NONE, auditLogging: false, guardrails: false,
    },
    calls: [...(calls.get(p.key) ?? [])], calledBy: [...(calledBy.get(p.key) ?? [])],
  }));
  byCluster.set(cluster.name, out);
  return out;
}
