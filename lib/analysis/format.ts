/**
 * Output formats of the connectivity list, explanations and diffs: `txt` (one line per
 * connection, `src => dst : connections`), `json`, `md` and `dot`.
 */
import { ChangedConnection, DiffResult, Explanation, LayerDiff } from './engine';
import { parseIpv4, rangeId } from './ipv4';
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

/** The first and last address of an external id (`a.b.c.d` or `a.b.c.d-e.f.g.h`). */
function externalRange(id: string): readonly [number, number] | undefined {
  if (!isExternalId(id)) return undefined;
  const [a, b] = id.split('-');
  const first = parseIpv4(a);
  const last = b === undefined ? first : parseIpv4(b);
  return first === undefined || last === undefined ? undefined : [first, last];
}

/**
 * Joins adjacent external address ranges that have the same connections to (or from) the same
 * workload into one, as netpol-analyzer prints them: `10.0.0.0-10.255.255.255` and
 * `11.0.0.0-255.255.255.255` with the same ports to `shop/web[Deployment]` become
 * `10.0.0.0-255.255.255.255`. Connections between workloads are kept as they are.
 */
export function mergeAdjacentRanges(conns: readonly AllowedConnection[]): AllowedConnection[] {
  const out: AllowedConnection[] = [];
  const groups = new Map<string, { outward: boolean; workload: string; ports: PortSet; ranges: (readonly [number, number])[] }>();
  for (const c of conns) {
    const sr = externalRange(c.src);
    const dr = externalRange(c.dst);
    const r = sr ?? dr;
    if (r === undefined || (sr !== undefined && dr !== undefined)) {
      out.push(c);
      continue;
    }
    const outward = dr !== undefined;
    const workload = outward ? c.src : c.dst;
    const key = `${outward ? '>' : '<'}\u0000${workload}\u0000${c.ports.toString()}`;
    const g = groups.get(key);
    if (g) g.ranges.push(r);
    else groups.set(key, { outward, workload, ports: c.ports, ranges: [r] });
  }
  for (const g of groups.values()) {
    const sorted = [...g.ranges].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let cur: [number, number] | undefined;
    const flush = (): void => {
      if (!cur) return;
      const id = rangeId(cur[0], cur[1]);
      out.push(g.outward ? { src: g.workload, dst: id, ports: g.ports } : { src: id, dst: g.workload, ports: g.ports });
    };
    for (const [a, b] of sorted) {
      if (cur && a <= cur[1] + 1) cur[1] = Math.max(cur[1], b);
      else {
        flush();
        cur = [a, b];
      }
    }
    flush();
  }
  return out;
}

/**
 * Orders endpoint ids as printed: external ranges first, numerically by first then last
 * address; then workloads by id.
 */
export function compareEndpointIds(a: string, b: string): number {
  const ra = externalRange(a);
  const rb = externalRange(b);
  if (ra && rb) return ra[0] - rb[0] || ra[1] - rb[1];
  if (ra) return -1;
  if (rb) return 1;
  return cmp(a, b);
}

/**
 * Renders a connectivity list. Adjacent external ranges with the same connections to or from
 * the same workload are printed as one ({@link mergeAdjacentRanges}). Lines (and rows, and
 * edges) are sorted by source, then destination: external ranges numerically, first.
 */
export function formatConnectivity(conns: readonly AllowedConnection[], format: OutputFormat, options: FormatOptions = {}): string {
  const rows = mergeAdjacentRanges(conns)
    .sort((a, b) => compareEndpointIds(a.src, b.src) || compareEndpointIds(a.dst, b.dst))
    .map((c) => ({ src: endpointLabel(c.src), dst: endpointLabel(c.dst), conn: c }));
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
  const headers = Object.entries(c.http?.headers ?? {}).sort(([a], [b]) => cmp(a, b)).map(([k, v]) => `${k}: ${v}`);
  const conn = `${c.protocol} ${c.port}${c.http ? ` ${c.http.method} ${c.http.path}${c.http.host ? ` (host ${c.http.host})` : ''}${headers.length > 0 ? ` [${headers.join('; ')}]` : ''}` : ''}${c.plaintext ? ' (plaintext)' : ''}`;
  if (format === 'json') {
    return `${JSON.stringify({ src: endpointLabel(e.src), dst: endpointLabel(e.dst), connection: c, allowed: e.allowed, layers: e.layers, ...(e.trustDomain ? { trust_domain: e.trustDomain } : {}) }, null, 2)}\n`;
  }
  const assumed = (l: Explanation['layers'][number]): string => (l.assumed ? `judged as ${l.assumed.application === 'any' ? 'plain TCP or HTTP' : l.assumed.application === 'tcp' ? 'plain TCP' : 'HTTP'}: ${l.assumed.why}` : '');
  const trust = e.trustDomain ? `trust domain: ${e.trustDomain.domain} (${e.trustDomain.origin})` : undefined;
  const verdict = e.allowed ? 'ALLOWED' : `DENIED (by ${e.layers.filter((l) => !l.allowed).map((l) => l.layer).join(', ')})`;
  if (format === 'md') {
    const out = [`**${endpointLabel(e.src)} => ${endpointLabel(e.dst)} : ${conn}** — ${verdict}`, ''];
    for (const l of e.layers) if (l.assumed) out.push(`- ${l.layer}: ${assumed(l)}`);
    if (trust) out.push(`- ${trust}`);
    if (out.length > 2) out.push('');
    out.push('| layer | verdict | effect | policy | rule | detail |', '|-------|---------|--------|--------|------|--------|');
    for (const l of e.layers) {
      for (const r of l.reasons) out.push(`| ${l.layer} | ${l.allowed ? 'allowed' : 'denied'} | ${r.effect} | ${r.policy} | ${r.rule ?? ''} | ${r.detail.replace(/\|/g, '\\|')} |`);
    }
    return out.join('\n') + '\n';
  }
  const out = [`${endpointLabel(e.src)} => ${endpointLabel(e.dst)} : ${conn}`, `verdict: ${verdict}`];
  if (trust) out.push(trust);
  for (const l of e.layers) {
    out.push(`${l.layer}: ${l.allowed ? 'allowed' : 'denied'}${l.l7Restricted ? ' (only some HTTP requests)' : ''}`);
    if (l.assumed) out.push(`  ${assumed(l)}`);
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
