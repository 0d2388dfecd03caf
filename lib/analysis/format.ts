/**
 * Output formats of the connectivity list, explanations and diffs: `txt` (one line per
 * connection, `src => dst : connections`), `json`, `md` and `dot`.
 */
import { ChangedConnection, DiffResult, Explanation, LayerDiff } from './engine';
import { L4_PROTOCOLS, L4Protocol, PortSet } from './portset';
import { AllowedConnection } from './types';

/** The output formats. */
export type OutputFormat = 'txt' | 'json' | 'md' | 'dot';

/** Every output format. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['txt', 'json', 'md', 'dot'];

const EXTERNAL_ID = /^\d{1,3}(\.\d{1,3}){3}(-\d{1,3}(\.\d{1,3}){3})?$/;

/** Whether an endpoint id is an external address range. */
export function isExternalId(id: string): boolean {
  return EXTERNAL_ID.test(id);
}

/** How an endpoint is printed: workloads as their id `ns/name[Kind]`, external ranges as `a.b.c.d-e.f.g.h[External]`. */
export function endpointLabel(id: string): string {
  return isExternalId(id) ? `${id}[External]` : id;
}

/** One connection in the json format. */
export interface JsonConnection {
  /** The source, as printed by txt. */
  readonly src: string;
  /** The destination, as printed by txt. */
  readonly dst: string;
  /** The connections, as printed by txt. */
  readonly connections: string;
  /** Whether the source is a workload or an external range. */
  readonly src_type: 'workload' | 'external';
  /** Whether the destination is a workload or an external range. */
  readonly dst_type: 'workload' | 'external';
  /** Whether every port of TCP, UDP and SCTP is allowed. */
  readonly all_connections: boolean;
  /** Per protocol (only protocols with ports), inclusive `[first, last]` port ranges, ascending. */
  readonly ports: Partial<Record<L4Protocol, [number, number][]>>;
}

/** Options of {@link formatConnectivity}. */
export interface FormatOptions {
  /** Endpoints to draw even without connections (dot only). @default - only endpoints that have connections */
  readonly endpoints?: readonly string[];
}

/**
 * Renders a connectivity list. Lines (and rows, and edges) are sorted by source, then
 * destination, as printed.
 */
export function formatConnectivity(conns: readonly AllowedConnection[], format: OutputFormat, options: FormatOptions = {}): string {
  const rows = conns
    .map((c) => ({ src: endpointLabel(c.src), dst: endpointLabel(c.dst), conn: c }))
    .sort((a, b) => cmp(a.src, b.src) || cmp(a.dst, b.dst));
  switch (format) {
    case 'txt':
      return rows.map((r) => `${r.src} => ${r.dst} : ${r.conn.ports}\n`).join('');
    case 'json':
      return `${JSON.stringify(rows.map((r) => jsonConnection(r.conn)), null, 2)}\n`;
    case 'md':
      return ['| src | dst | conn |', '|-----|-----|------|', ...rows.map((r) => `| ${r.src} | ${r.dst} | ${r.conn.ports} |`)].join('\n') + '\n';
    case 'dot':
      return dot(rows, options.endpoints ?? []);
  }
}

/** One connection as an object of the json format. */
export function jsonConnection(c: AllowedConnection): JsonConnection {
  return {
    src: endpointLabel(c.src),
    dst: endpointLabel(c.dst),
    connections: c.ports.toString(),
    src_type: isExternalId(c.src) ? 'external' : 'workload',
    dst_type: isExternalId(c.dst) ? 'external' : 'workload',
    all_connections: c.ports.isAll(),
    ports: portsJson(c.ports),
  };
}

function portsJson(ports: PortSet): Partial<Record<L4Protocol, [number, number][]>> {
  const out: Partial<Record<L4Protocol, [number, number][]>> = {};
  for (const p of L4_PROTOCOLS) {
    const rs = ports.rangesOf(p);
    if (rs.length > 0) out[p] = rs.map(([a, b]) => [a, b]);
  }
  return out;
}

function dot(rows: readonly { src: string; dst: string; conn: AllowedConnection }[], extra: readonly string[]): string {
  const nodes = new Set<string>(extra.map(endpointLabel));
  for (const r of rows) {
    nodes.add(r.src);
    nodes.add(r.dst);
  }
  const byNs = new Map<string, string[]>();
  const outside: string[] = [];
  for (const n of [...nodes].sort(cmp)) {
    const slash = n.indexOf('/');
    if (n.endsWith('[External]') || slash < 0) outside.push(n);
    else {
      const ns = n.slice(0, slash);
      const l = byNs.get(ns);
      if (l) l.push(n);
      else byNs.set(ns, [n]);
    }
  }
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines: string[] = ['digraph {'];
  for (const ns of [...byNs.keys()].sort(cmp)) {
    lines.push(`\tsubgraph ${q(`cluster_${ns}`)} {`);
    lines.push('\t\tcolor="black"', '\t\tfontcolor="black"');
    for (const n of byNs.get(ns)!) lines.push(`\t\t${q(n)} [label=${q(n.slice(ns.length + 1))} color="blue" fontcolor="blue"]`);
    lines.push(`\t\tlabel=${q(ns)}`, '\t}');
  }
  for (const n of outside) lines.push(`\t${q(n)} [label=${q(n.replace(/\[External\]$/, ''))} color="red2" fontcolor="red2"]`);
  for (const r of rows) lines.push(`\t${q(r.src)} -> ${q(r.dst)} [label=${q(r.conn.ports.toString())} color="gold2" fontcolor="darkgreen"]`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Renders an explanation (`txt`, `json` or `md`). */
export function formatExplanation(e: Explanation, format: Exclude<OutputFormat, 'dot'>): string {
  const c = e.connection;
  const conn = `${c.protocol} ${c.port}${c.http ? ` ${c.http.method} ${c.http.path}${c.http.host ? ` (host ${c.http.host})` : ''}` : ''}${c.plaintext ? ' (plaintext)' : ''}`;
  if (format === 'json') {
    return `${JSON.stringify({ src: endpointLabel(e.src), dst: endpointLabel(e.dst), connection: c, allowed: e.allowed, layers: e.layers }, null, 2)}\n`;
  }
  const verdict = e.allowed ? 'ALLOWED' : `DENIED (by ${e.layers.filter((l) => !l.allowed).map((l) => l.layer).join(', ')})`;
  if (format === 'md') {
    const out = [`**${endpointLabel(e.src)} => ${endpointLabel(e.dst)} : ${conn}** — ${verdict}`, ''];
    out.push('| layer | verdict | effect | policy | rule | detail |', '|-------|---------|--------|--------|------|--------|');
    for (const l of e.layers) {
      for (const r of l.reasons) out.push(`| ${l.layer} | ${l.allowed ? 'allowed' : 'denied'} | ${r.effect} | ${r.policy} | ${r.rule ?? ''} | ${r.detail.replace(/\|/g, '\\|')} |`);
    }
    return out.join('\n') + '\n';
  }
  const out = [`${endpointLabel(e.src)} => ${endpointLabel(e.dst)} : ${conn}`, `verdict: ${verdict}`];
  for (const l of e.layers) {
    out.push(`${l.layer}: ${l.allowed ? 'allowed' : 'denied'}${l.l7Restricted ? ' (only some HTTP requests)' : ''}`);
    for (const r of l.reasons) out.push(`  ${r.effect.padEnd(13)} ${r.policy}${r.rule ? ` ${r.rule}` : ''}: ${r.detail}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Renders one layer of a diff (`txt`, `json` or `md`). txt lines are `+ src => dst : ports`
 * (added), `- src => dst : ports` (removed) and `~ src => dst : before -> after` (changed),
 * sorted by source and destination.
 */
export function formatLayerDiff(d: LayerDiff, format: Exclude<OutputFormat, 'dot'>): string {
  type Row = { kind: 'added' | 'removed' | 'changed'; src: string; dst: string; before: string; after: string };
  const rows: Row[] = [
    ...d.added.map((c): Row => ({ kind: 'added', src: endpointLabel(c.src), dst: endpointLabel(c.dst), before: 'No Connections', after: c.ports.toString() })),
    ...d.removed.map((c): Row => ({ kind: 'removed', src: endpointLabel(c.src), dst: endpointLabel(c.dst), before: c.ports.toString(), after: 'No Connections' })),
    ...d.changed.map((c: ChangedConnection): Row => ({ kind: 'changed', src: endpointLabel(c.src), dst: endpointLabel(c.dst), before: c.before.toString(), after: c.after.toString() })),
  ].sort((a, b) => cmp(a.src, b.src) || cmp(a.dst, b.dst) || cmp(a.kind, b.kind));
  if (format === 'json') {
    return `${JSON.stringify({ layer: d.layer, changes: rows.map((r) => ({ diff_type: r.kind, src: r.src, dst: r.dst, before: r.before, after: r.after })) }, null, 2)}\n`;
  }
  if (format === 'md') {
    return ['| diff-type | src | dst | before | after |', '|-----------|-----|-----|--------|-------|', ...rows.map((r) => `| ${r.kind} | ${r.src} | ${r.dst} | ${r.before} | ${r.after} |`)].join('\n') + '\n';
  }
  return rows
    .map((r) => (r.kind === 'added' ? `+ ${r.src} => ${r.dst} : ${r.after}\n` : r.kind === 'removed' ? `- ${r.src} => ${r.dst} : ${r.before}\n` : `~ ${r.src} => ${r.dst} : ${r.before} -> ${r.after}\n`))
    .join('');
}

/** Renders every layer of a diff, each under a `# layer` heading (txt / md) or as one json array. */
export function formatDiff(d: DiffResult, format: Exclude<OutputFormat, 'dot'>): string {
  if (format === 'json') return `[\n${d.layers.map((l) => indent(formatLayerDiff(l, 'json').trimEnd())).join(',\n')}\n]\n`;
  return d.layers.map((l) => `# ${l.layer}\n${formatLayerDiff(l, format)}`).join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
