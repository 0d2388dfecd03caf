/**
 * Builders of manifest objects and endpoints for the decoder and kind tests.
 */
import { ManifestObject } from '../../../lib/analysis/loader';
import { AnalysisContext, ExternalEndpoint, WorkloadEndpoint } from '../../../lib/analysis/types';

/** A manifest object as the loader hands it to a simulator. */
export function manifest(apiVersion: string, kind: string, name: string, spec: unknown, namespace?: string): ManifestObject {
  const metadata = namespace === undefined ? { name } : { name, namespace };
  return { apiVersion, kind, name, namespace, raw: { apiVersion, kind, metadata, spec }, source: { file: 'test.yaml', index: 0 } };
}

/** A workload endpoint. */
export function workload(namespace: string, name: string, labels: Record<string, string> = { app: name }, ports: WorkloadEndpoint['ports'] = [], extra: Partial<WorkloadEndpoint> = {}): WorkloadEndpoint {
  return {
    type: 'workload',
    id: `${namespace}/${name}[Deployment]`,
    namespace,
    name,
    kind: 'Deployment',
    labels,
    namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
    serviceAccount: 'default',
    ports,
    ...extra,
  };
}

/** An external endpoint of one address range. */
export function external(first: number, last: number = first): ExternalEndpoint {
  return { type: 'external', id: `ext-${first}`, first, last };
}

/** An analysis context holding the given workloads. */
export function context(workloads: readonly WorkloadEndpoint[] = [], extra: Partial<AnalysisContext> = {}): AnalysisContext {
  return { workloads, namespaces: {}, trustDomain: 'cluster.local', resolve: {}, ...extra };
}
