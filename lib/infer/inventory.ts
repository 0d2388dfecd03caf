/**
 * What the input manifests say about the clusters whose traffic is observed: the workloads
 * (Deployments, StatefulSets, DaemonSets, ReplicaSets and Pods without an owner), their pod
 * labels, service accounts and container ports; the Services (ClusterIPs, selectors, target
 * ports); the Pods' addresses; and each cluster's pod and node CIDRs. An observed address or
 * Hubble endpoint is mapped to a workload through them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ipaddr from 'ipaddr.js';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../core/entry';
import { Problem } from '../core/errors';
import { CLUSTER_FACTS_FILE } from '../analysis/cluster-facts';
import { readClusterFacts } from '../analysis/multi-cluster';
import { normalizeIp } from './formats';
import { INFER_CODES, InferProtocol, ObservedEnd } from './types';

/** A cluster whose traffic is observed. */
export interface InferCluster {
  /** Its name. */
  readonly name: string;
  /** Pod CIDRs (from its facts file or `--pod-cidr`). */
  readonly podCidrs: readonly string[];
  /** Node CIDRs. */
  readonly nodeCidrs: readonly string[];
  /** The cloud. @default - unknown (`on-prem` is written) */
  readonly cloud?: string;
  /** The region. @default - unknown */
  readonly region?: string;
  /** The layers it runs. @default - unknown (the declaration's default) */
  readonly layers?: readonly string[];
  /** The trust domain. @default - unknown */
  readonly trustDomain?: string;
}

/** A container port of a workload. */
export interface InferPort {
  /** Its name, when it has one. @default - none */
  readonly name?: string;
  /** The port number. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: InferProtocol;
}

/** A workload of the input manifests. */
export interface InferWorkload {
  /** `<cluster>/<namespace>/<name>`. */
  readonly key: string;
  /** The cluster. */
  readonly cluster: string;
  /** The namespace. */
  readonly namespace: string;
  /** The name. */
  readonly name: string;
  /** The kind it was read from. */
  readonly kind: string;
  /** The labels that select its pods (its selector's matchLabels, else its pod labels), sorted keys. */
  readonly selector: Readonly<Record<string, string>>;
  /** Its pods' labels. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Its pods' service account. */
  readonly serviceAccount: string;
  /** Its container ports. */
  readonly ports: readonly InferPort[];
}

/** A Service of the input manifests. */
interface InferService {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ips: readonly string[];
  readonly ports: readonly { readonly port: number; readonly protocol: InferProtocol; readonly target: number | string }[];
}

/** What an address or endpoint of an observed record is. */
export type Resolved =
  | { readonly kind: 'workload'; readonly workload: InferWorkload; readonly port?: number }
  | { readonly kind: 'external'; readonly ip: string; readonly names: readonly string[] }
  /** A node, the host, the API server or another reserved identity: no workload of the declaration. */
  | { readonly kind: 'node' }
  /** An address in a cluster's pod CIDRs (or a Hubble endpoint) that no manifest maps. */
  | { readonly kind: 'unmapped'; readonly what: string };

/** Where the manifests of one cluster are. */
export interface ManifestSource {
  /** The cluster name. @default - the facts file's name, else the `--cluster` name */
  readonly cluster?: string;
  /** Files or folders (read recursively: `.yaml`, `.yml`, `.json`). */
  readonly path: string;
}

/** Options of {@link loadInventory}. */
export interface InventoryOptions {
  /** The cluster name of sources that name none and have no facts file. @default 'cluster' */
  readonly defaultCluster?: string;
  /** Pod CIDRs by cluster name (added to the facts file's). @default - none */
  readonly podCidrs?: Readonly<Record<string, readonly string[]>>;
  /** Node CIDRs by cluster name (added to the facts file's). @default - none */
  readonly nodeCidrs?: Readonly<Record<string, readonly string[]>>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);
const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

/** The workloads, Services, Pods and clusters of the input manifests, with the mapping of observed ends to workloads. */
export class Inventory {
  /** The clusters, sorted by name. */
  public readonly clusters: readonly InferCluster[];
  /** The workloads, sorted by key. */
  public readonly workloads: readonly InferWorkload[];
  /** Problems found while reading the manifests. */
  public readonly problems: readonly Problem[];
  private readonly byIp = new Map<string, { cluster: string; workload?: InferWorkload; service?: InferService }>();
  private readonly cache = new Map<string, Resolved>();
  private readonly byNamespace = new Map<string, InferWorkload[]>();
  private readonly ranges: { cluster: string; kind: 'pod' | 'node'; net: [ipaddr.IPv4 | ipaddr.IPv6, number] }[] = [];

  /** Builds the mapping from what {@link loadInventory} read (use that function to read manifests). */
  constructor(clusters: InferCluster[], workloads: InferWorkload[], services: InferService[], pods: { cluster: string; namespace: string; labels: Record<string, string>; ips: string[] }[], problems: Problem[]) {
    this.clusters = [...clusters].sort((a, b) => cmp(a.name, b.name));
    this.workloads = [...workloads].sort((a, b) => cmp(a.key, b.key));
    this.problems = problems;
    for (const w of this.workloads) {
      const k = `${w.cluster}/${w.namespace}`;
      this.byNamespace.set(k, [...(this.byNamespace.get(k) ?? []), w]);
    }
    for (const c of this.clusters) {
      for (const [kind, list] of [['pod', c.podCidrs], ['node', c.nodeCidrs]] as const) {
        for (const cidr of list) {
          try {
            this.ranges.push({ cluster: c.name, kind, net: ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`) });
          } catch {
            problems.push({ severity: 'error', code: INFER_CODES.cluster, path: `cluster ${c.name}`, message: `the ${kind} CIDR is not a CIDR`, value: cidr, fix: 'write a CIDR such as 10.20.0.0/16' });
          }
        }
      }
    }
    for (const p of pods) {
      const w = this.workloadOfPod(p.cluster, p.namespace, p.labels);
      for (const ip of p.ips) if (w) this.byIp.set(normalizeIp(ip), { cluster: p.cluster, workload: w });
    }
    for (const s of services) {
      for (const ip of s.ips) if (!this.byIp.has(ip)) this.byIp.set(ip, { cluster: s.cluster, service: s });
    }
  }

  /** The workload whose selector the pod labels satisfy, in a namespace (the most specific selector). */
  public workloadOfPod(cluster: string, namespace: string, labels: Readonly<Record<string, string>>): InferWorkload | undefined {
    let best: InferWorkload | undefined;
    for (const w of this.byNamespace.get(`${cluster}/${namespace}`) ?? []) {
      if (!Object.entries(w.selector).every(([k, v]) => labels[k] === v)) continue;
      if (!best || Object.keys(w.selector).length > Object.keys(best.selector).length) best = w;
    }
    return best;
  }

  /** The cluster an address lies in (pod or node CIDRs, or a known address). */
  public clusterOf(ip: string): string | undefined {
    const known = this.byIp.get(ip);
    if (known) return known.cluster;
    return this.rangeOf(ip)?.cluster;
  }

  private rangeOf(ip: string): { cluster: string; kind: 'pod' | 'node' } | undefined {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.parse(ip);
    } catch {
      return undefined;
    }
    return this.ranges.find((r) => r.net[0].kind() === addr.kind() && addr.match(r.net));
  }

  /**
   * What an observed end is, and the port it was reached on as the workload serves it (a
   * Service port becomes its target port).
   */
  public resolve(end: ObservedEnd, port?: number): Resolved {
    // Records repeat the same few ends: remember what each resolved to (bounded).
    const key = `${end.cluster ?? ''}|${end.namespace ?? ''}|${end.podName ?? (end.labels ? JSON.stringify(end.labels) : '')}|${end.workload ?? ''}|${end.reserved ?? ''}|${end.ip ?? ''}|${port ?? ''}|${end.names?.join(',') ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = this.resolveUncached(end, port);
    if (this.cache.size >= 200_000) this.cache.clear();
    this.cache.set(key, r);
    return r;
  }

  private resolveUncached(end: ObservedEnd, port?: number): Resolved {
    if (end.reserved !== undefined && end.reserved !== 'world' && end.reserved !== 'unknown') return { kind: 'node' };
    const clusters = end.cluster !== undefined && this.clusters.some((c) => c.name === end.cluster) ? [end.cluster]
      : end.ip !== undefined && this.clusterOf(end.ip) !== undefined ? [this.clusterOf(end.ip) as string] : this.clusters.map((c) => c.name);
    if (end.namespace !== undefined && end.reserved !== 'world') {
      for (const c of clusters) {
        const w = (end.labels ? this.workloadOfPod(c, end.namespace, end.labels) : undefined)
          ?? (this.byNamespace.get(`${c}/${end.namespace}`) ?? []).find((x) => x.name === end.workload || (end.podName !== undefined && podOf(end.podName, x.name)));
        if (w) return { kind: 'workload', workload: w, ...(port !== undefined ? { port } : {}) };
      }
      if (end.ip === undefined || this.rangeOf(end.ip)?.kind === 'pod' || !this.byIp.has(end.ip)) {
        return { kind: 'unmapped', what: `${end.namespace}/${end.podName ?? Object.entries(end.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}${end.ip ? ` (${end.ip})` : ''}` };
      }
    }
    if (end.ip === undefined) return { kind: 'unmapped', what: 'an endpoint without address or namespace' };
    const known = this.byIp.get(end.ip);
    if (known?.workload) return { kind: 'workload', workload: known.workload, ...(port !== undefined ? { port } : {}) };
    if (known?.service) {
      const s = known.service;
      const backends = this.workloads.filter((w) => w.cluster === s.cluster && w.namespace === s.namespace && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => w.podLabels[k] === v));
      const w = backends[0];
      if (!w) return { kind: 'unmapped', what: `Service ${s.namespace}/${s.name} (${end.ip}), whose selector matches no workload of the manifests` };
      const sp = port === undefined ? undefined : s.ports.find((x) => x.port === port);
      const target = sp === undefined ? port : typeof sp.target === 'number' ? sp.target : w.ports.find((x) => x.name === sp.target)?.port ?? port;
      return { kind: 'workload', workload: w, ...(target !== undefined ? { port: target } : {}) };
    }
    const range = this.rangeOf(end.ip);
    if (range?.kind === 'node') return { kind: 'node' };
    if (range?.kind === 'pod') return { kind: 'unmapped', what: `${end.ip} (in the pod CIDRs of ${range.cluster})` };
    return { kind: 'external', ip: end.ip, names: end.names ?? [] };
  }
}

/** Whether a pod name is one of a workload's pods (`<name>-<hash>-<suffix>`, `<name>-<ordinal>`, `<name>-<suffix>`). */
function podOf(pod: string, workload: string): boolean {
  if (!pod.startsWith(`${workload}-`)) return false;
  const rest = pod.slice(workload.length + 1);
  return /^([a-z0-9]{6,10}-)?[a-z0-9]{5}$/.test(rest) || /^\d+$/.test(rest);
}

/** Reads the manifests of every source, and the clusters' facts. */
export function loadInventory(sources: readonly ManifestSource[], options: InventoryOptions = {}): Inventory {
  const problems: Problem[] = [];
  const clusters = new Map<string, { podCidrs: Set<string>; nodeCidrs: Set<string>; cloud?: string; region?: string; layers?: readonly string[]; trustDomain?: string }>();
  const cluster = (name: string) => {
    let c = clusters.get(name);
    if (!c) {
      c = { podCidrs: new Set(), nodeCidrs: new Set() };
      clusters.set(name, c);
    }
    return c;
  };
  const workloads: InferWorkload[] = [];
  const services: InferService[] = [];
  const pods: { cluster: string; namespace: string; labels: Record<string, string>; ips: string[] }[] = [];
  for (const source of sources) {
    let facts: ReturnType<typeof readClusterFacts>;
    const dir = isDir(source.path) ? source.path : path.dirname(source.path);
    try {
      facts = fs.existsSync(path.join(dir, CLUSTER_FACTS_FILE)) ? readClusterFacts(dir) : undefined;
    } catch (e) {
      problems.push({ severity: 'error', code: INFER_CODES.manifest, path: path.join(dir, CLUSTER_FACTS_FILE), message: `the cluster facts cannot be read: ${(e as Error).message.split('\n')[0]}`, fix: 'fix or remove the facts file, and give the cluster with --manifests <cluster>=<path> and --pod-cidr' });
    }
    // The facts file beside the manifests describes its cluster only: not another cluster named on the command line.
    if (source.cluster !== undefined && facts?.name !== undefined && facts.name !== source.cluster) facts = undefined;
    const name = source.cluster ?? facts?.name ?? options.defaultCluster ?? 'cluster';
    const c = cluster(name);
    for (const x of facts?.podCidrs ?? []) c.podCidrs.add(x);
    for (const x of facts?.nodeCidrs ?? []) c.nodeCidrs.add(x);
    if (facts?.cloud) c.cloud = facts.cloud;
    if (facts?.region) c.region = facts.region;
    if (facts?.layers) c.layers = facts.layers;
    if (facts?.trustDomain) c.trustDomain = facts.trustDomain;
    for (const file of manifestFiles(source.path, problems)) readManifestFile(file, name, { workloads, services, pods }, problems);
  }
  for (const [name, list] of Object.entries(options.podCidrs ?? {})) for (const x of list) cluster(name).podCidrs.add(x);
  for (const [name, list] of Object.entries(options.nodeCidrs ?? {})) for (const x of list) cluster(name).nodeCidrs.add(x);
  if (clusters.size === 0) cluster(options.defaultCluster ?? 'cluster');
  const seen = new Map<string, InferWorkload>();
  for (const w of workloads) {
    if (seen.has(w.key)) {
      problems.push({ severity: 'error', code: INFER_CODES.manifest, path: w.key, message: `two workloads are named ${w.name} in namespace ${w.namespace} of cluster ${w.cluster}`, value: `${seen.get(w.key)?.kind} and ${w.kind}`, fix: 'give each workload of a namespace its own name, or leave one of the manifests out' });
    }
    seen.set(w.key, w);
  }
  return new Inventory(
    [...clusters.entries()].map(([name, c]) => ({
      name, podCidrs: [...c.podCidrs].sort(), nodeCidrs: [...c.nodeCidrs].sort(),
      ...(c.cloud ? { cloud: c.cloud } : {}), ...(c.region ? { region: c.region } : {}), ...(c.layers ? { layers: c.layers } : {}), ...(c.trustDomain ? { trustDomain: c.trustDomain } : {}),
    })),
    [...seen.values()], services, pods, problems,
  );
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function manifestFiles(p: string, problems: Problem[]): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    problems.push({ severity: 'error', code: INFER_CODES.file, path: p, message: 'the manifest path does not exist', value: p, fix: 'give a manifest file or folder that exists' });
    return [];
  }
  if (!stat.isDirectory()) return [p];
  return fs.readdirSync(p, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => cmp(a.name, b.name))
    .flatMap((e) => (e.isDirectory() ? manifestFiles(path.join(p, e.name), problems) : /\.(ya?ml|json)$/.test(e.name) ? [path.join(p, e.name)] : []));
}

interface Sinks {
  workloads: InferWorkload[];
  services: InferService[];
  pods: { cluster: string; namespace: string; labels: Record<string, string>; ips: string[] }[];
}

function readManifestFile(file: string, cluster: string, sinks: Sinks, problems: Problem[]): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    problems.push({ severity: 'error', code: INFER_CODES.file, path: file, message: `the file cannot be read: ${(e as Error).message}`, fix: 'give a readable manifest file' });
    return;
  }
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${file} (document ${i + 1})`;
    if (doc.errors.length > 0) {
      problems.push({ severity: 'error', code: INFER_CODES.manifest, path: where, message: `not YAML: ${doc.errors[0].message.split('\n')[0]}`, fix: 'fix the YAML, or leave the file out' });
      return;
    }
    const value: unknown = doc.toJS();
    const objects = isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items) ? value.items : [value];
    objects.forEach((o: unknown) => readObject(o, where, cluster, sinks, problems));
  });
}

function readObject(o: unknown, where: string, cluster: string, sinks: Sinks, problems: Problem[]): void {
  if (o === null || o === undefined) return;
  if (!isRecord(o) || typeof o.kind !== 'string') return;
  if (!WORKLOAD_KINDS.has(o.kind) && o.kind !== 'Service') return;
  const meta = isRecord(o.metadata) ? o.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const here = `${where}, ${o.kind} ${namespace}/${name ?? '?'}`;
  const problem = (field: string, message: string, value: unknown, fix: string): void => {
    problems.push({ severity: 'error', code: INFER_CODES.manifest, path: `${here}, ${field}`, message, value: JSON.stringify(value) ?? String(value), fix });
  };
  if (name === undefined) return problem('metadata.name', 'the object has no name', meta.name, 'give metadata.name');
  const spec = isRecord(o.spec) ? o.spec : {};
  if (o.kind === 'Service') {
    const selector = labelsOf(spec.selector);
    if (selector === undefined) return problem('spec.selector', 'the selector is not a map of strings', spec.selector, 'write spec.selector as key: value labels');
    const ips = [spec.clusterIP, ...(Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [])].filter((x): x is string => typeof x === 'string' && ipaddr.isValid(x)).map(normalizeIp);
    const ports: InferService['ports'][number][] = [];
    for (const [i, p] of (Array.isArray(spec.ports) ? spec.ports : []).entries()) {
      if (!isRecord(p) || typeof p.port !== 'number') return problem(`spec.ports[${i}]`, 'a Service port without a numeric port', p, 'write ports: [{ port: 80, targetPort: 8080 }]');
      const protocol = typeof p.protocol === 'string' && PROTOCOLS.has(p.protocol) ? (p.protocol as InferProtocol) : 'TCP';
      const target = typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : p.port;
      ports.push({ port: p.port, protocol, target: typeof target === 'string' && /^\d+$/.test(target) ? Number(target) : target });
    }
    sinks.services.push({ cluster, namespace, name, selector, ips: [...new Set(ips)], ports });
    return;
  }
  const owned = Array.isArray(meta.ownerReferences) && meta.ownerReferences.length > 0;
  const template = o.kind === 'Pod' ? o : o.kind === 'CronJob' ? (isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec.template : undefined) : spec.template;
  if (!isRecord(template)) return problem(o.kind === 'Pod' ? 'spec' : 'spec.template', 'the workload has no pod template', template, 'give the pod template (spec.template with metadata.labels and spec.containers)');
  const tmeta = isRecord(template.metadata) ? template.metadata : {};
  const podLabels = labelsOf(tmeta.labels);
  if (podLabels === undefined) return problem(o.kind === 'Pod' ? 'metadata.labels' : 'spec.template.metadata.labels', 'the pod labels are not a map of strings', tmeta.labels, 'write the labels as key: value strings');
  const podSpec = isRecord(template.spec) ? template.spec : {};
  if (o.kind === 'Pod') {
    const status = isRecord(o.status) ? o.status : {};
    const ips = [status.podIP, ...(Array.isArray(status.podIPs) ? status.podIPs.map((x: unknown) => (isRecord(x) ? x.ip : undefined)) : [])].filter((x): x is string => typeof x === 'string' && ipaddr.isValid(x));
    sinks.pods.push({ cluster, namespace, labels: podLabels, ips: [...new Set(ips.map(normalizeIp))] });
    // A Pod an owner made belongs to its owner's workload; a bare Pod is a workload of its own.
    if (owned) return;
  }
  const selectorSpec = isRecord(spec.selector) ? spec.selector : undefined;
  const matchLabels = o.kind === 'Pod' ? podLabels : labelsOf(selectorSpec?.matchLabels);
  if (matchLabels === undefined) return problem('spec.selector.matchLabels', 'the selector is not a map of strings', selectorSpec?.matchLabels, 'write matchLabels as key: value strings');
  const selector = Object.keys(matchLabels).length > 0 ? matchLabels : podLabels;
  if (Object.keys(selector).length === 0) return problem('spec.selector', 'the workload has neither a selector nor pod labels: its pods cannot be told apart', spec.selector, 'give the pods labels (app.kubernetes.io/name: <name>)');
  const ports: InferPort[] = [];
  const containers = [...(Array.isArray(podSpec.containers) ? podSpec.containers : []), ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers.filter((c: unknown) => isRecord(c) && c.restartPolicy === 'Always') : [])];
  for (const [ci, c] of containers.entries()) {
    if (!isRecord(c)) continue;
    for (const [pi, p] of (Array.isArray(c.ports) ? c.ports : []).entries()) {
      if (!isRecord(p) || typeof p.containerPort !== 'number' || !Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
        return problem(`spec.containers[${ci}].ports[${pi}]`, 'a container port without a numeric containerPort (1-65535)', p, 'write ports: [{ name: http, containerPort: 8080 }]');
      }
      const protocol = typeof p.protocol === 'string' && PROTOCOLS.has(p.protocol) ? (p.protocol as InferProtocol) : 'TCP';
      ports.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: p.containerPort, protocol });
    }
  }
  const sa = typeof podSpec.serviceAccountName === 'string' && podSpec.serviceAccountName !== '' ? podSpec.serviceAccountName : 'default';
  sinks.workloads.push({ key: `${cluster}/${namespace}/${name}`, cluster, namespace, name, kind: o.kind, selector: sorted(selector), podLabels, serviceAccount: sa, ports });
}

function labelsOf(x: unknown): Record<string, string> | undefined {
  if (x === undefined || x === null) return {};
  if (!isRecord(x)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

function sorted(x: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(x).sort(cmp)) out[k] = x[k];
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
