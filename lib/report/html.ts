/**
 * The report page: one self-contained HTML file (inline style, script and SVG; nothing is
 * fetched), rendered from the report's data. Every text from the input is escaped.
 */
import { Problem } from '../core/errors';
import { VerifyReport } from '../verify';
import { REPORT_CSS, REPORT_JS } from './client';
import { dagreBrowserSource } from './dagre-source';
import { escapeHtml as h, jsonForScript } from './escape';
import { reportGraph } from './graph';
import { ReportData, ReportFlow } from './model';
import { FULL_VIEW_LIMIT } from './views';

function table(head: readonly string[], rows: readonly (readonly string[])[], raw = false): string {
  const cell = (c: string): string => (raw ? c : h(c));
  return `<table><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function verifySection(v: VerifyReport | undefined, source: ReportData['source']): string {
  if (!v) {
    return `<section id="verify"><h2>Verify</h2><p class="small">${source === 'manifests' ? 'The report was made from manifests: verify compares a declaration with its output; run the report on the declaration to see it.' : 'verify was not run.'}</p></section>`;
  }
  const status = (s: string): string => `<span class="${s === 'exact' ? 'ok' : s === 'findings' ? 'bad' : 'warn'}">${h(s)}</span>`;
  const rows = v.layers.map((l) => [
    h(l.cluster) + (l.scope === 'network' ? ' <span class="small">(network)</span>' : ''),
    h(l.layer),
    status(l.status),
    h(String(l.pairs)),
    h(String(l.findings.length)),
    h(String(l.approximations.length)),
    h(String(l.audited?.length ?? 0)),
  ]);
  const verdict = !v.ok ? `<p class="bad">verify: ${v.findings.length} finding(s)</p>` : v.exact ? '<p class="ok">verify: every layer allows exactly the declared flows</p>' : '<p class="warn">verify: no finding (some layers approximate or audit)</p>';
  const findings = v.findings.length === 0 ? '' : `<h3>Findings</h3>${table(['kind', 'cluster', 'layer', 'src', 'dst', 'ports'], v.findings.map((f) => [f.kind, f.cluster + (f.crossCluster ? ` (${f.crossCluster.direction})` : ''), f.layer, f.src, f.dst, f.ports]))}`;
  const approx = v.approximations.length === 0 ? '' : `<details><summary>${v.approximations.length} approximation(s)</summary>${table(['cluster', 'layer', 'src', 'external', 'ports', 'opens'], v.approximations.map((a) => [a.cluster, a.layer, a.src, `${a.external} (${a.fqdns.join(', ')})`, a.ports, `${a.addresses} addresses: ${a.except.length < a.opens.length ? `0.0.0.0/0 except ${a.except.join(', ')}` : a.opens.join(', ')}`]))}</details>`;
  const notes = v.notes.length === 0 ? '' : `<details><summary>${v.notes.length} note(s)</summary><ul>${v.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul></details>`;
  return `<section id="verify"><h2>Verify: per cluster and layer</h2>${verdict}${table(['cluster', 'layer', 'status', 'pairs', 'findings', 'approximations', 'audited'], rows, true)}${findings}${approx}${notes}</section>`;
}

/**
 * The page's data, compact: one string table, and every record as an array of numbers
 * (string-table indices, node and group indices, flags) so that its size grows with the rows
 * and not with the length of their names. The page's script decodes it (`PAGE_DATA_VERSION`).
 *
 * - `nodes`: `[id, label, kind, cluster, namespace, tier, level, domain, group, detail]`;
 *   kind 0 workload, 1 platform, 2 external, 3 cloud endpoint; -1 for an absent field; group is an index into `groups`.
 * - `groups`: `[id, label, kind, levels[], clusters[]]`; kind 0 domain, 1 namespace, 2 external
 *   3 cloud network (members are the nodes naming the group).
 * - `flows`: the rows of no block, in the model's order (by source, then destination),
 *   `[src, dst, flags, effective, …one per layer of `layers`, ranges, breakGlass, explanation, gap]`:
 *   src is the source's node index less the previous row's (rows are sorted by source, as the
 *   nodes are), dst the destination's node index; flags 1 cross-cluster, 2 external, 4
 *   disagreement; the ports are string indices (-1: the layer runs in neither cluster of the
 *   pair); explanation is an index into `explanations` or -1; gap is how many rows of blocks the
 *   model lists before this one since the previous (a row's index in the model's flows is the
 *   previous one's plus 1 plus gap). Trailing fields at their default (-1, and 0 for gap) are left out.
 * - `sets`: lists of node indices, ascending, deduplicated (blocks of one answer often share
 *   their sources), each written as differences (the first index, then each one less the one before).
 * - `blocks`: the rows said once as rectangles (`ReportBlock`), `[sources, destinations,
 *   flags, …one per layer of `layers`, explanation]`: sources and destinations index `sets`;
 *   flags and ports as for a flow (nothing is allowed together on a block's pairs); explanation
 *   (or -1) is that of the block's first pair (its first source to its first destination). The
 *   page lists a block's pairs itself, so the data grows with the blocks and not with their pairs.
 * - `explanations`: `[connection, allowed, sides]`, a side `[cluster, direction, layers]`, a layer
 *   `[layer, allowed, l7, reasons]`, each reason an index into `reasons`.
 * - `reasons`: `[effect, policy, rule, detail]`, deduplicated (a policy's default-deny reads the
 *   same for many flows).
 */
export function pageData(data: ReportData): unknown {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (t: string | undefined): number => {
    if (t === undefined) return -1;
    let i = index.get(t);
    if (i === undefined) {
      i = strings.length;
      strings.push(t);
      index.set(t, i);
    }
    return i;
  };
  const reasons: number[][] = [];
  const reasonIndex = new Map<string, number>();
  const reasonOf = (r: { effect: string; policy: string; rule?: string; detail: string }): number => {
    const tuple = [intern(r.effect), intern(r.policy), intern(r.rule), intern(r.detail)];
    const key = tuple.join(',');
    let i = reasonIndex.get(key);
    if (i === undefined) {
      i = reasons.length;
      reasons.push(tuple);
      reasonIndex.set(key, i);
    }
    return i;
  };
  // the port texts first, most used first: a row names a handful of them several times over, by short indices
  const uses = new Map<string, number>();
  const count = (t: string | undefined): void => { if (t !== undefined) uses.set(t, (uses.get(t) ?? 0) + 1); };
  for (const f of data.flows) {
    if (f.block !== undefined && data.blocks[f.block] !== undefined) continue;
    count(f.effective);
    for (const l of data.layers) count(f.layers[l]);
  }
  for (const b of data.blocks) for (const l of data.layers) count(b.layers[l]);
  [...uses.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).forEach(([t]) => intern(t));
  const groupIndex = new Map(data.groups.map((g, i) => [g.id, i]));
  const nodeIndex = new Map(data.nodes.map((n, i) => [n.id, i]));
  const KINDS = { workload: 0, platform: 1, external: 2, cloud: 3 } as const;
  const GROUP_KINDS = { domain: 0, namespace: 1, external: 2, network: 3 } as const;
  const nodes = data.nodes.map((n) => [
    intern(n.id), intern(n.label), KINDS[n.kind], intern(n.cluster), intern(n.namespace), intern(n.tier), intern(n.level), intern(n.domain), groupIndex.get(n.group) ?? -1, intern(n.detail),
  ]);
  const groups = data.groups.map((g) => [intern(g.id), intern(g.label), GROUP_KINDS[g.kind], g.levels.map(intern), g.clusters.map(intern)]);
  const explanations: unknown[] = [];
  const explanationOf = (e: ReportFlow['explanation']): number => {
    if (!e) return -1;
    explanations.push([intern(e.connection), e.allowed ? 1 : 0, e.sides.map((sd) => [intern(sd.cluster), intern(sd.direction), sd.layers.map((l) => [
      intern(l.layer), l.allowed ? 1 : 0, l.l7 ? 1 : 0, l.reasons.map(reasonOf),
    ])])]);
    return explanations.length - 1;
  };
  const flags = (f: { cross: boolean; external?: boolean; disagreement: boolean }): number => (f.cross ? 1 : 0) | (f.external ? 2 : 0) | (f.disagreement ? 4 : 0);
  const flows: number[][] = [];
  let lastSrc = 0;
  let lastId = -1;
  for (const f of data.flows) {
    if (f.block !== undefined && data.blocks[f.block] !== undefined) continue;
    const src = nodeIndex.get(f.src) ?? -1;
    const t = [
      src - lastSrc, nodeIndex.get(f.dst) ?? -1, flags(f), intern(f.effective),
      ...data.layers.map((l) => intern(f.layers[l])), intern(f.ranges), intern(f.breakGlass), explanationOf(f.explanation), f.id - lastId - 1,
    ];
    lastSrc = src;
    lastId = f.id;
    // trailing defaults left out: gap 0, then -1s down to the layers
    if (t[t.length - 1] === 0) {
      t.pop();
      while (t.length > 4 + data.layers.length && t[t.length - 1] === -1) t.pop();
    }
    flows.push(t);
  }
  const sets: number[][] = [];
  const setIndex = new Map<string, number>();
  const setOf = (ids: readonly string[]): number => {
    const members = ids.map((id) => nodeIndex.get(id) ?? -1).sort((a, b) => a - b);
    const key = members.join(',');
    let i = setIndex.get(key);
    if (i === undefined) {
      i = sets.length;
      sets.push(members.map((m, k) => (k === 0 ? m : m - members[k - 1])));
      setIndex.set(key, i);
    }
    return i;
  };
  const blocks = data.blocks.map((b) => [
    setOf(b.sources), setOf(b.destinations), flags(b), ...data.layers.map((l) => intern(b.layers[l])), explanationOf(data.flows[b.sample]?.explanation),
  ]);
  return {
    version: PAGE_DATA_VERSION, source: data.source, groupBy: data.groupBy, full: data.nodes.length <= FULL_VIEW_LIMIT, layers: data.layers,
    strings, nodes, groups, flows, sets, blocks, explanations, reasons, unexplained: data.unexplained,
  };
}

/** The version of {@link pageData}'s layout, read by the page's script. */
export const PAGE_DATA_VERSION = 5;

function problemRows(ps: readonly Problem[]): string[][] {
  return ps.map((p) => [p.code, p.severity, p.path, p.message, p.fix]);
}

/** Above this many matrix rows the matrix opens aggregated by group (a click drills down to the workloads). */
export const MATRIX_BY_WORKLOAD_LIMIT = 500;

/**
 * Renders the report's data as one HTML page. Deterministic: the same data gives the same
 * bytes (the page holds no time unless the data's `generatedAt` is set). The page holds the
 * data and lays each graph view out itself when it is first opened (dagre is embedded).
 */
export function renderReportHtml(data: ReportData): string {
  const drawn = data.flows.filter((f) => f.effective !== '').length;
  const disagreements = data.flows.filter((f) => f.disagreement).length;
  const clusters = table(['cluster', 'where', 'trust domain', 'layers'], data.clusters.map((c) => [c.name, c.where ?? '', c.trustDomain, c.layers.join(', ')]));
  const tiers = data.tiers.length === 0 ? '<p class="small">No tier is known.</p>' : table(
    ['tier', 'level', 'workloads', 'mTLS', 'mutual auth', 'max SVID TTL', 'internet egress', 'audit logging', 'guardrails'],
    data.tiers.map((t) => [t.name, t.level, String(t.workloads), ...['mTLS', 'mutual auth', 'max SVID TTL', 'internet egress', 'audit logging', 'guardrails'].map((k) => t.controls?.[k] ?? '—')]),
  );
  const grants = data.grants.length === 0 ? '<p class="small">No break-glass grant is in force.</p>' : table(
    ['grant', 'expires', 'left', 'starts', 'reason', 'ticket', 'approvers', 'opens'],
    data.grants.map((g) => [g.name, g.expiresAt, g.remaining ?? '', g.startsAt ?? '', g.reason ?? '', g.ticket ?? '', g.approvers.join(', '), g.grants.join('; ')]),
  );
  const ack = data.acknowledged.length === 0 ? '<p class="small">No warning is acknowledged.</p>' : table(['code', 'severity', 'path', 'message', 'fix'], problemRows(data.acknowledged));
  const other = data.warnings.length === 0 ? '' : `<details><summary>${data.warnings.length} other warning(s) and note(s)</summary>${table(['code', 'severity', 'path', 'message', 'fix'], problemRows(data.warnings))}</details>`;
  const layerHeads = data.layers.map((l) => `<th>${h(l)}</th>`).join('');

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // nothing may be fetched: inline style and script only, no external images or connections
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; script-src \'unsafe-inline\'; img-src data:">',
    `<title>${h(`Bulkhead report: ${data.title}`)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>${h(data.title)}</h1><nav><a href="#graph">graph</a><a href="#matrix">matrix</a><a href="#verify">verify</a><a href="#controls">grants and tiers</a><a href="#warnings">warnings</a></nav>`,
    `<span class="meta">${h(`${data.source === 'declaration' ? 'declaration' : 'manifests'} · ${data.clusters.length} cluster(s) · ${data.nodes.length} nodes · ${drawn} allowed flows · ${disagreements} disagreement(s)${data.generatedAt ? ` · generated ${data.generatedAt}` : ''}`)}</span></header>`,
    '<main>',
    `<section id="clusters"><h2>Clusters</h2>${clusters}</section>`,
    '<section id="graph"><h2>Who may talk to whom</h2>',
    '<div class="toolbar"><input type="search" id="search" placeholder="find a workload (name, namespace, cluster)" autocomplete="off"><button id="zoom-out" type="button">−</button><button id="zoom-in" type="button">+</button><span id="crumbs"></span></div>',
    '<ul id="search-results"></ul>',
    '<div class="legend"><span><i></i>allowed flow</span><span><i class="cross"></i>cross-cluster</span><span><i class="external"></i>to or from outside the clusters</span><span><i class="break-glass"></i>break-glass</span><span class="small">dashed boxes are collapsed groups: click one to expand it; click an edge for its explanation</span></div>',
    `<div class="graph-wrap"><div id="graph-box"></div><div id="panel"><p class="small">Click an edge to see which policy and rule in each layer decides it; click a node for its flows.</p></div></div>`,
    '</section>',
    '<section id="matrix"><h2>Connectivity per layer, and effective</h2>',
    '<p class="small">Every pair some layer allows something between. A row is marked where the layers consulted for the pair disagree; n/a: the layer runs in neither cluster of the pair. By group, a row counts the pairs of workloads between two groups that get one class of answer (allowed or denied, the layers agreeing or not), with the ports of each layer when every pair has the same, else how many pairs it allows something on: click it for those pairs. By workload, click a row for its explanation; pairs that every layer answers alike are listed after the others.</p>',
    `<div class="toolbar"><select id="matrix-level"><option value="group"${data.flows.length > MATRIX_BY_WORKLOAD_LIMIT ? ' selected' : ''}>by group (${data.groupBy === 'domain' ? 'domain, else namespace' : 'namespace'})</option><option value="node"${data.flows.length > MATRIX_BY_WORKLOAD_LIMIT ? '' : ' selected'}>by workload</option></select><input type="search" id="matrix-filter" placeholder="filter by endpoint or group"><label><input type="checkbox" id="matrix-disagree"> disagreements only</label><button id="matrix-back" type="button" style="display:none">all pairs</button><span id="matrix-count" class="small"></span></div>`,
    `<table id="matrix-table"><thead><tr><th>source</th><th>destination</th>${layerHeads}<th>effective</th></tr></thead><tbody></tbody></table>`,
    '<button id="matrix-more" type="button">show more</button>',
    data.unexplained > 0 ? `<p class="small">${h(String(data.unexplained))} pair(s) have no explanation in the page (over --max-explanations); the panel gives the bulkhead explain command for each.</p>` : '',
    '</section>',
    verifySection(data.verify, data.source),
    `<section id="controls"><h2>Break-glass grants in force</h2>${grants}<h2>Tiers and their controls</h2>${tiers}</section>`,
    `<section id="warnings"><h2>Acknowledged warnings</h2>${ack}${other}</section>`,
    '</main>',
    `<script type="application/json" id="bh-data">${jsonForScript(pageData(data))}</script>`,
    // one script: the layout library, the views (the same function the generator's tests run), the page
    `<script>${dagreBrowserSource()}\nvar reportGraph = ${reportGraph.toString()};\n${REPORT_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
