/**
 * Ambient mode: which workloads ztunnel captures, and which waypoint (if any) serves a
 * destination.
 *
 * - A workload is in ambient mode when its pod label `istio.io/dataplane-mode`, else its
 *   namespace's, is `ambient` (a pod label `none` opts it out).
 * - A destination is served by a waypoint when a Service of the input that selects it, else
 *   its namespace, carries `istio.io/use-waypoint: <name>` (`none` for none; the waypoint is
 *   in the namespace `istio.io/use-waypoint-namespace` names, else the same), and the input
 *   holds that Gateway with `gatewayClassName: istio-waypoint` whose `istio.io/waypoint-for`
 *   label is `service` (the default) or `all`. A label naming a waypoint the input does not
 *   hold serves nothing (reported).
 * - The waypoint's identity is its service account, named after the Gateway:
 *   `<trust domain>/ns/<namespace>/sa/<gateway name>`.
 *
 * The reading of Gateways, Services and their labels is lenient (they are the loader's and
 * the API server's to check): what does not fit is skipped.
 *
 * @see https://istio.io/latest/docs/ambient/usage/add-workloads/
 * @see https://istio.io/latest/docs/ambient/usage/waypoint/
 */
import { isRecord } from '../../selector';
import { WorkloadEndpoint } from '../../types';
import { selects } from './model';

/** The labels ambient mode reads. */
const DATAPLANE_MODE = 'istio.io/dataplane-mode';
const USE_WAYPOINT = 'istio.io/use-waypoint';
const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
const WAYPOINT_FOR = 'istio.io/waypoint-for';

/** A waypoint Gateway of the input. */
export interface Waypoint {
  /** `Gateway ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its name (and its service account's). */
  readonly name: string;
  /** `istio.io/waypoint-for`: `service` (default), `workload`, `all` or `none`. */
  readonly waypointFor: string;
}

/** A Service of the input, as the waypoint attachment reads it. */
export interface AmbientService {
  /** `Service ns/name`. */
  readonly ref: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its name. */
  readonly name: string;
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its pod selector. */
  readonly selector: Readonly<Record<string, string>>;
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** A `gateway.networking.k8s.io` Gateway of class `istio-waypoint`; undefined for any other object. */
export function readWaypoint(obj: Readonly<Record<string, unknown>>): Waypoint | undefined {
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('gateway.networking.k8s.io/') || obj.kind !== 'Gateway') return undefined;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (typeof meta.name !== 'string' || spec.gatewayClassName !== 'istio-waypoint') return undefined;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { ref: `Gateway ${namespace}/${meta.name}`, namespace, name: meta.name, waypointFor: strings(meta.labels)[WAYPOINT_FOR] ?? 'service' };
}

/** A core `v1` Service with a selector; undefined for any other object. */
export function readAmbientService(obj: Readonly<Record<string, unknown>>): AmbientService | undefined {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Service') return undefined;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const selector = strings(spec.selector);
  if (typeof meta.name !== 'string' || Object.keys(selector).length === 0) return undefined;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { ref: `Service ${namespace}/${meta.name}`, namespace, name: meta.name, labels: strings(meta.labels), selector };
}

/** Whether ztunnel captures a workload (ambient mode). */
export function isAmbient(w: WorkloadEndpoint): boolean {
  return (w.labels[DATAPLANE_MODE] ?? w.namespaceLabels[DATAPLANE_MODE]) === 'ambient';
}

/** The Services of the input that select a workload, by name. */
export function servicesOf(services: readonly AmbientService[], w: WorkloadEndpoint): AmbientService[] {
  return services.filter((s) => s.namespace === w.namespace && selects(s.selector, w.labels));
}

/** Where a destination's waypoint is named, and what was found. */
export interface WaypointResolution {
  /** The waypoint that serves the destination. @default - none */
  readonly waypoint?: Waypoint;
  /** What names it (`Service ns/name` or `Namespace ns`), or why none serves it. */
  readonly why: string;
  /** Why the waypoint a label names serves nothing: the input does not hold it, or it is not for service traffic. @default - nothing missing */
  readonly missing?: string;
}

/**
 * The waypoint serving the traffic addressed to a destination's Services: a Service's
 * `istio.io/use-waypoint` label first, else its namespace's.
 */
export function waypointOf(waypoints: readonly Waypoint[], services: readonly AmbientService[], w: WorkloadEndpoint): WaypointResolution {
  const labelled = servicesOf(services, w).find((s) => s.labels[USE_WAYPOINT] !== undefined);
  const from = labelled ? { labels: labelled.labels, by: labelled.ref } : { labels: w.namespaceLabels, by: `Namespace ${w.namespace}` };
  const name = from.labels[USE_WAYPOINT];
  if (name === undefined || name === 'none') return { why: name === 'none' ? `${from.by} is labelled ${USE_WAYPOINT}=none` : `neither a Service of ${w.id} nor its namespace is labelled ${USE_WAYPOINT}` };
  const ns = from.labels[USE_WAYPOINT_NAMESPACE] ?? w.namespace;
  const found = waypoints.find((x) => x.namespace === ns && x.name === name);
  if (!found || (found.waypointFor !== 'service' && found.waypointFor !== 'all')) {
    const missing = found ? `Gateway ${ns}/${name} is a waypoint for ${found.waypointFor} traffic, not service traffic` : `no waypoint Gateway ${ns}/${name} (class istio-waypoint) is in the input`;
    return { why: `${from.by} names waypoint ${ns}/${name}, but ${missing}`, missing };
  }
  return { waypoint: found, why: `${from.by} is labelled ${USE_WAYPOINT}=${name}` };
}
