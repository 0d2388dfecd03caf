/**
 * Writes the TypeScript declaration program of an {@link Inference}: the clusters, a domain per
 * namespace (suggested; the flows into it from outside become its exports), the workloads
 * that take part in an observed flow (selector and service account from their manifests),
 * the externals, and one `allowTo` per source, destination and HTTP rule set, with the
 * observed ports. The text is deterministic: everything is sorted, names come from content.
 */
import { CLUSTER_LAYERS } from '../core/layers';
import { Inference, InferredEnd, InferredFlow, InferredHttp } from './aggregate';
import { InferWorkload } from './inventory';

/** Options of {@link generateProgram}. */
export interface GenerateOptions {
  /** The module the program imports the constructs from. @default 'bulkhead' */
  readonly importFrom?: string;
  /** The topology's construct id. @default 'inferred' */
  readonly name?: string;
  /** The trust domain. @default - the clusters' facts' one, else `cluster.local` */
  readonly trustDomain?: string;
  /** Suggest a DomainBoundary per namespace. @default true */
  readonly domains?: boolean;
  /** The layers of every cluster. @default - each cluster's facts' layers, else the declaration's default (`kubernetes`) */
  readonly layers?: readonly string[];
  /** Lines of the header comment describing the input (counts). @default - none */
  readonly header?: readonly string[];
}

const RESERVED = new Set(['break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'let', 'static', 'yield', 'await', 'topology', 'Cluster', 'DomainBoundary', 'External', 'Port', 'SensitiveTier', 'Sensitivity', 'Topology', 'Workload']);

/** Writes the declaration program. */
export function generateProgram(inference: Inference, options: GenerateOptions = {}): string {
  const idents = new Set<string>();
  const ident = (parts: readonly string[]): string => {
    const words = parts.join('-').split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
    let base = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('') || 'x';
    if (/^\d/.test(base) || RESERVED.has(base)) base = `_${base}`;
    let name = base;
    for (let i = 2; idents.has(name); i++) name = `${base}${i}`;
    idents.add(name);
    return name;
  };
  const topIds = new Set<string>();
  const topId = (want: string, suffix: string): string => {
    let id = topIds.has(want) ? `${want}-${suffix}` : want;
    for (let i = 2; topIds.has(id); i++) id = `${want}-${suffix}-${i}`;
    topIds.add(id);
    return id;
  };
  const q = (s: string): string => JSON.stringify(s);
  const lines: string[] = [];
  const out = (s = ''): void => { lines.push(s); };
  const useDomains = options.domains ?? true;
  const clusters = inference.inventory.clusters;
  const trustDomain = options.trustDomain ?? clusters.find((c) => c.trustDomain)?.trustDomain ?? 'cluster.local';

  out('/**');
  out(' * A declaration inferred by `bulkhead infer` from observed traffic: it allows the flows that');
  out(' * were observed and nothing else. Review it before enforcing (check it with');
  out(' * `bulkhead infer <logs> --against <this file>` on newer traffic, and with `bulkhead verify`).');
  for (const h of options.header ?? []) out(` * ${h.replace(/\*\//g, '* /')}`);
  out(' */');
  // Workloads an outside address calls: an External presents no mesh identity, and only the
  // public tier accepts plaintext callers.
  const reachedFromOutside = new Set(inference.flows.filter((f) => f.source.kind === 'external' && f.destination.kind === 'workload').map((f) => (f.destination as { key: string }).key));
  const publicTier = reachedFromOutside.size > 0;
  const used = ['Cluster', ...(useDomains ? ['DomainBoundary'] : []), ...(inference.externals.length > 0 ? ['External'] : []), 'Port', ...(publicTier ? ['SensitiveTier', 'Sensitivity'] : []), 'Topology', 'Workload'];
  out(`import { ${used.join(', ')} } from ${q(options.importFrom ?? 'bulkhead')};`);
  out();
  out(`/** The inferred topology. */`);
  out(`export const topology = new Topology(undefined, ${q(options.name ?? 'inferred')}, { trustDomain: ${q(trustDomain)} });`);

  // Clusters.
  out();
  out('// Clusters');
  const clusterVar = new Map<string, string>();
  for (const c of clusters) {
    const v = ident(['cluster', c.name]);
    clusterVar.set(c.name, v);
    const layers = (options.layers ?? c.layers)?.filter((l) => (CLUSTER_LAYERS as readonly string[]).includes(l));
    const props = [
      `cloud: ${q(c.cloud ?? 'on-prem')}`,
      ...(c.region ? [`region: ${q(c.region)}`] : []),
      ...(c.podCidrs.length ? [`podCidrs: [${c.podCidrs.map(q).join(', ')}]`] : []),
      ...(c.nodeCidrs.length ? [`nodeCidrs: [${c.nodeCidrs.map(q).join(', ')}]`] : []),
      ...(layers && layers.length ? [`layers: [${layers.map(q).join(', ')}]`] : []),
      ...(c.trustDomain && c.trustDomain !== trustDomain ? [`trustDomain: ${q(c.trustDomain)}`] : []),
    ];
    out(`const ${v} = new Cluster(topology, ${q(topId(c.name, 'cluster'))}, { ${props.join(', ')} });`);
  }

  let tierVar = '';
  if (publicTier) {
    tierVar = ident(['edge', 'tier']);
    out();
    out('// Workloads that outside addresses call are in the public tier (it accepts callers without a mesh identity).');
    out(`const ${tierVar} = new SensitiveTier(topology, ${q(topId('edge', 'tier'))}, { level: Sensitivity.PUBLIC });`);
  }

  // Domains, suggested from namespaces.
  const byKey = new Map(inference.workloads.map((w) => [w.key, w]));
  const namespaces = [...new Set(inference.workloads.map((w) => w.namespace))].sort();
  const domainVar = new Map<string, string>();
  if (useDomains && namespaces.length > 0) {
    out();
    out('// Domains suggested from namespaces: a flow into a domain from outside it needs an export (below).');
    for (const ns of namespaces) {
      const v = ident(['domain', ns]);
      domainVar.set(ns, v);
      const id = topId(ns, 'domain');
      out(`const ${v} = new DomainBoundary(topology, ${q(id)}${id !== ns ? `, { name: ${q(ns)} }` : ''});`);
    }
  }

  // Workloads.
  out();
  out('// Workloads: selector and service account as their manifests give them');
  const workloadVar = new Map<string, string>();
  const scopeIds = new Map<string, Set<string>>();
  for (const w of inference.workloads) {
    const scope = useDomains ? domainVar.get(w.namespace) as string : 'topology';
    const ids = scopeIds.get(scope) ?? (scope === 'topology' ? topIds : new Set<string>());
    scopeIds.set(scope, ids);
    const wantId = useDomains ? w.name : `${w.namespace}-${w.name}`;
    let id = ids.has(wantId) ? `${wantId}-${w.cluster}` : wantId;
    for (let i = 2; ids.has(id); i++) id = `${wantId}-${w.cluster}-${i}`;
    ids.add(id);
    const v = ident([w.namespace, w.name, ...(clusters.length > 1 ? [w.cluster] : [])]);
    workloadVar.set(w.key, v);
    const props = [...workloadProps(w, id, clusterVar.get(w.cluster) as string), ...(reachedFromOutside.has(w.key) ? [`tier: ${tierVar}`] : [])];
    out(`const ${v} = new Workload(${scope}, ${q(id)}, { ${props.join(', ')} });`);
  }

  // Externals.
  const externalVar = new Map<string, string>();
  if (inference.externals.length > 0) {
    out();
    out('// Outside the clusters: the addresses seen (and the names they were known by)');
    for (const x of inference.externals) {
      const v = ident(['external', x.name]);
      externalVar.set(x.name, v);
      const props = [...(x.fqdns.length ? [`fqdns: [${x.fqdns.map(q).join(', ')}]`] : []), `cidrs: [${x.cidrs.map(q).join(', ')}]`];
      out(`const ${v} = new External(topology, ${q(topId(x.name, 'external'))}, { ${props.join(', ')} });`);
    }
  }

  // Flows: one statement per source, destination and HTTP rule set.
  const varOf = (e: InferredEnd): string => (e.kind === 'workload' ? workloadVar.get(e.key) as string : externalVar.get(e.name) as string);
  const statements = new Map<string, { src: InferredEnd; dst: InferredEnd; http: readonly InferredHttp[]; ports: InferredFlow[] }>();
  for (const f of inference.flows) {
    const k = `${JSON.stringify(f.source)}\u0000${JSON.stringify(f.destination)}\u0000${JSON.stringify(f.http)}`;
    const s = statements.get(k) ?? { src: f.source, dst: f.destination, http: f.http, ports: [] };
    s.ports.push(f);
    statements.set(k, s);
  }
  out();
  out('// Observed flows (records seen per port in the comment)');
  for (const s of statements.values()) {
    const ports = s.ports.map((f) => `Port.${f.protocol.toLowerCase()}(${f.port})`);
    const http = s.http.length ? `, { http: [${s.http.map((h) => `{ methods: [${h.methods.map(q).join(', ')}]${h.paths.length ? `, paths: [${h.paths.map(q).join(', ')}]` : ''} }`).join(', ')}] }` : '';
    out(`${varOf(s.src)}.allowTo(${varOf(s.dst)}, [${ports.join(', ')}]${http}); // ${s.ports.map((f) => `${f.protocol.toLowerCase()}/${f.port}: ${f.records}`).join(', ')}`);
  }

  // Exports: what each domain is reached on from outside it.
  if (useDomains) {
    const exports = new Map<string, Map<string, InferredFlow>>();
    for (const f of inference.flows) {
      if (f.destination.kind !== 'workload') continue;
      const dst = byKey.get(f.destination.key) as InferWorkload;
      const fromNs = f.source.kind === 'workload' ? byKey.get(f.source.key)?.namespace : undefined;
      if (fromNs === dst.namespace) continue;
      const m = exports.get(dst.key) ?? new Map<string, InferredFlow>();
      m.set(`${f.protocol}/${String(f.port).padStart(5, '0')}`, f);
      exports.set(dst.key, m);
    }
    if (exports.size > 0) {
      out();
      out('// Exports: what each domain is reached on from outside it');
      for (const key of [...exports.keys()].sort()) {
        const w = byKey.get(key) as InferWorkload;
        const ports = [...(exports.get(key) as Map<string, InferredFlow>).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, f]) => `Port.${f.protocol.toLowerCase()}(${f.port})`);
        out(`${domainVar.get(w.namespace)}.export(${workloadVar.get(key)}, [${ports.join(', ')}]);`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function workloadProps(w: InferWorkload, id: string, clusterVar: string): string[] {
  const q = (s: string): string => JSON.stringify(s);
  const key = (k: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : q(k));
  const defaultSelector = Object.keys(w.selector).length === 1 && w.selector['app.kubernetes.io/name'] === w.name;
  return [
    `cluster: ${clusterVar}`,
    `namespace: ${q(w.namespace)}`,
    ...(id !== w.name ? [`name: ${q(w.name)}`] : []),
    ...(defaultSelector ? [] : [`selector: { ${Object.entries(w.selector).map(([k, v]) => `${key(k)}: ${q(v)}`).join(', ')} }`]),
    ...(w.serviceAccount !== w.name ? [`serviceAccount: ${q(w.serviceAccount)}`] : []),
  ];
}
