/**
 * The report page: one self-contained HTML file (inline style, script and SVG; nothing is
 * fetched), rendered from the report's data. Every text from the input is escaped.
 */
import { Problem } from '../core/errors';
import { VerifyReport } from '../verify';
import { REPORT_CSS, REPORT_JS } from './client';
import { escapeHtml as h, jsonForScript } from './escape';
import { layoutSvg } from './layout';
import { ReportData } from './model';
import { flowsByNode, FULL_VIEW_LIMIT, fullView, groupView, overviewView } from './views';

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

/** The page's data: the report's nodes, groups and flows, with the explanations' texts interned in one table. */
export function pageData(data: ReportData): unknown {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (t: string): number => {
    let i = index.get(t);
    if (i === undefined) {
      i = strings.length;
      strings.push(t);
      index.set(t, i);
    }
    return i;
  };
  const flows = data.flows.map((f) => {
    const { explanation, ...rest } = f;
    if (!explanation) return rest;
    return {
      ...rest,
      x: [explanation.connection, explanation.allowed ? 1 : 0, explanation.sides.map((sd) => [sd.cluster, sd.direction, sd.layers.map((l) => [
        l.layer, l.allowed ? 1 : 0, l.l7 ? 1 : 0, l.reasons.map((r) => [r.effect, intern(r.policy), r.rule === undefined ? -1 : intern(r.rule), intern(r.detail)]),
      ])])],
    };
  });
  return { groupBy: data.groupBy, layers: data.layers, nodes: data.nodes, groups: data.groups, flows, strings };
}

function problemRows(ps: readonly Problem[]): string[][] {
  return ps.map((p) => [p.code, p.severity, p.path, p.message, p.fix]);
}

/**
 * Renders the report's data as one HTML page. Deterministic: the same data gives the same
 * bytes (the page holds no time unless the data's `generatedAt` is set).
 */
export function renderReportHtml(data: ReportData): string {
  const byNode = new Map(data.nodes.map((n) => [n.id, n]));
  const flowsOf = flowsByNode(data);
  const templates: string[] = [];
  templates.push(`<template id="view-overview">${layoutSvg(overviewView(data))}</template>`);
  if (data.nodes.length <= FULL_VIEW_LIMIT) templates.push(`<template id="view-full">${layoutSvg(fullView(data))}</template>`);
  data.groups.forEach((g, i) => templates.push(`<template id="view-g${i}">${layoutSvg(groupView(data, g, byNode, flowsOf))}</template>`));

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
    '<p class="small">Every pair some layer allows something between. A row is marked where the layers consulted for the pair disagree; n/a: the layer runs in neither cluster of the pair. Click a row for its explanation.</p>',
    '<div class="toolbar"><input type="search" id="matrix-filter" placeholder="filter by endpoint"><label><input type="checkbox" id="matrix-disagree"> disagreements only</label><span id="matrix-count" class="small"></span></div>',
    `<table id="matrix-table"><thead><tr><th>source</th><th>destination</th>${layerHeads}<th>effective</th></tr></thead><tbody></tbody></table>`,
    '<button id="matrix-more" type="button">show more</button>',
    data.unexplained > 0 ? `<p class="small">${h(String(data.unexplained))} pair(s) have no precomputed explanation.</p>` : '',
    '</section>',
    verifySection(data.verify, data.source),
    `<section id="controls"><h2>Break-glass grants in force</h2>${grants}<h2>Tiers and their controls</h2>${tiers}</section>`,
    `<section id="warnings"><h2>Acknowledged warnings</h2>${ack}${other}</section>`,
    '</main>',
    templates.join('\n'),
    `<script type="application/json" id="bh-data">${jsonForScript(pageData(data))}</script>`,
    `<script>${REPORT_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
