/**
 * Builders of manifests for the analysis tests.
 */
import { Analysis, AnalysisOptions } from '../../lib/analysis/engine';
import { loadObjects } from '../../lib/analysis/loader';
import { L4Protocol } from '../../lib/analysis/portset';

/** A Namespace object. */
export function namespace(name: string, labels: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A container port: [number], [number, name] or [number, name, protocol]. */
export type PortSpec = readonly [number, string?, L4Protocol?];

/** A Deployment with the given pod labels and container ports. */
export function deployment(ns: string, name: string, labels: Record<string, string>, ports: readonly PortSpec[] = []): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'example/app:1',
              ports: ports.map(([p, n, proto]) => ({ containerPort: p, ...(n ? { name: n } : {}), ...(proto ? { protocol: proto } : {}) })),
            },
          ],
        },
      },
    },
  };
}

/** A NetworkPolicy. */
export function networkPolicy(ns: string, name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

/** A ClusterNetworkPolicy (v1alpha2). */
export function clusterNetworkPolicy(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name }, spec };
}

/** Loads the objects and builds the analysis. */
export function analyse(objects: readonly unknown[], options: AnalysisOptions = {}): Analysis {
  return Analysis.of(loadObjects(objects, 'test'), options);
}

/** The ports allowed from one endpoint to another (as printed), by the layers present. */
export function ports(a: Analysis, from: string, to: string): string {
  const src = a.endpoint(from);
  const dst = a.endpoint(to);
  const sims = a.simulators.filter((s) => s.present);
  let acc: ReturnType<(typeof sims)[number]['allowedPorts']> | undefined;
  for (const s of sims.length > 0 ? sims : a.simulators) {
    const p = s.allowedPorts(src, dst);
    acc = acc ? acc.intersect(p) : p;
  }
  return acc ? acc.toString() : 'No Connections';
}

/** Whether one connection is allowed, by explain. */
export function allows(a: Analysis, from: string, to: string, protocol: L4Protocol, port: number): boolean {
  return a.explain(from, to, { protocol, port }).allowed;
}
