/**
 * Builders for simulator tests: workloads, external ranges and contexts built directly,
 * without the loader.
 */
import { parseCidr, rangeId } from '../../lib/analysis/ipv4';
import { L4Protocol } from '../../lib/analysis/portset';
import { AnalysisContext, ContainerPort, ExternalEndpoint, WorkloadEndpoint } from '../../lib/analysis/types';

/** Options of {@link workload}. */
export interface WorkloadOptions {
  readonly labels?: Record<string, string>;
  readonly namespaceLabels?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly ports?: readonly (readonly [number, string?, L4Protocol?])[];
  readonly kind?: string;
}

/** A workload `ns/name[Deployment]` whose pods carry `app: <name>` unless labels are given. */
export function workload(ns: string, name: string, o: WorkloadOptions = {}): WorkloadEndpoint {
  const kind = o.kind ?? 'Deployment';
  const ports: ContainerPort[] = (o.ports ?? []).map(([port, pname, protocol]) => (pname ? { name: pname, port, protocol: protocol ?? 'TCP' } : { port, protocol: protocol ?? 'TCP' }));
  return {
    type: 'workload',
    id: `${ns}/${name}[${kind}]`,
    namespace: ns,
    name,
    kind,
    labels: o.labels ?? { app: name },
    namespaceLabels: { 'kubernetes.io/metadata.name': ns, ...(o.namespaceLabels ?? {}) },
    serviceAccount: o.serviceAccount ?? name,
    ports,
  };
}

/** An external range from a CIDR or a single address. */
export function external(cidr: string): ExternalEndpoint {
  const p = parseCidr(cidr);
  if (p.family !== 'ipv4') throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const [first, last] = p.range;
  return { type: 'external', id: rangeId(first, last), first, last };
}

/** A context holding the given workloads. */
export function context(workloads: readonly WorkloadEndpoint[], o: { trustDomain?: string; resolve?: Record<string, string[]> } = {}): AnalysisContext {
  const namespaces: Record<string, Record<string, string>> = {};
  for (const w of workloads) namespaces[w.namespace] = { ...w.namespaceLabels };
  return {
    workloads: [...workloads].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    namespaces,
    trustDomain: o.trustDomain ?? 'cluster.local',
    resolve: o.resolve ?? {},
  };
}
