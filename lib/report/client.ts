/**
 * The page's own script and style, inlined into the report (no network access is needed to
 * open it). The script reads the report's data from a JSON element and builds every dynamic
 * element with `textContent` and `createElement`, never from HTML text.
 */

/** The report's style sheet. */
export const REPORT_CSS = `
*{box-sizing:border-box}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header h1{font-size:17px;margin:0}
header nav a{color:#cfd6e4;margin-right:12px;text-decoration:none}
header .meta{color:#9aa4b8;font-size:12px}
main{padding:12px 18px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:0 0 14px;padding:10px 14px}
h2{font-size:15px;margin:4px 0 10px}
table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border-bottom:1px solid #e6e9ef;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f6;position:sticky;top:0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.graph-wrap{display:flex;gap:12px;align-items:flex-start}
#graph-box{flex:1;overflow:auto;max-height:72vh;border:1px solid #e6e9ef;border-radius:4px;background:#fcfcfd;min-height:200px}
#panel{width:420px;max-height:72vh;overflow:auto;border:1px solid #e6e9ef;border-radius:4px;padding:8px;background:#fff}
.toolbar{display:flex;gap:8px;align-items:center;margin-bottom:8px;flex-wrap:wrap}
.toolbar input[type=search]{width:260px;padding:4px 6px}
button{font:inherit;padding:2px 8px;cursor:pointer}
#search-results{list-style:none;margin:4px 0;padding:0;max-height:180px;overflow:auto}
#search-results li{cursor:pointer;padding:1px 4px}
#search-results li:hover{background:#eef2ff}
svg.graph text{font-size:11px;text-anchor:middle;fill:#1d2330;pointer-events:none}
svg.graph .node text.sub{font-size:9.5px;fill:#5b6475}
svg.graph .node{cursor:pointer}
svg.graph .node rect{fill:#e8eefc;stroke:#6b7fa8;stroke-width:1}
svg.graph .node.group rect{fill:#eef0f4;stroke:#4a5366;stroke-width:1.5}
svg.graph .node.collapsed rect{stroke-dasharray:4 2}
svg.graph .node.kind-external rect{fill:#fff4e0;stroke:#c77700;stroke-width:1.5}
svg.graph .node.kind-platform rect{fill:#f1f1f1;stroke:#999}
svg.graph .node.kind-cloud rect,svg.graph .node.kind-network rect{fill:#e6f4f8;stroke:#1b6f8a;stroke-width:1.5}
svg.graph .node.level-critical rect{fill:#fde2e2;stroke:#b42318}
svg.graph .node.level-highly-sensitive rect{fill:#feeadb;stroke:#c4541a}
svg.graph .node.level-sensitive rect{fill:#fff6d6;stroke:#a67c00}
svg.graph .node.level-public rect{fill:#e5f6ea;stroke:#2f7d45}
svg.graph .node.hit rect{stroke:#0b57d0;stroke-width:3}
svg.graph .cluster rect{fill:none;stroke:#b8c0cf;stroke-dasharray:3 3}
svg.graph .cluster text{text-anchor:start;font-weight:600;fill:#4a5366;pointer-events:auto;cursor:pointer}
svg.graph .edge{cursor:pointer}
svg.graph .edge .line{fill:none;stroke:#7d8799;stroke-width:1.2}
svg.graph .edge .hit{fill:none;stroke:transparent;stroke-width:9}
svg.graph .edge.cross .line{stroke:#7b3fe4;stroke-dasharray:6 3;stroke-width:1.6}
svg.graph .edge.external .line{stroke:#c77700;stroke-width:1.6}
svg.graph .edge.break-glass .line{stroke:#d92d20;stroke-width:2.2}
svg.graph .edge.selected .line{stroke:#0b57d0;stroke-width:3}
svg.graph .arrowhead{fill:#7d8799}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:22px;height:0;border-top:2px solid #7d8799;vertical-align:middle;margin-right:4px}
.legend i.cross{border-top:2px dashed #7b3fe4}.legend i.external{border-color:#c77700}.legend i.break-glass{border-color:#d92d20;border-top-width:3px}
tr.disagree td{background:#fff1f0}
td.deny{color:#8a93a3}
td.differs{font-weight:600;color:#b42318}
.ok{color:#2f7d45;font-weight:600}.bad{color:#b42318;font-weight:600}.warn{color:#a66300;font-weight:600}
#matrix-table tbody tr{cursor:pointer}
#matrix-table tbody tr:hover td{background:#eef2ff}
.reason{margin:2px 0 2px 12px}
.verdict{margin:6px 0 2px;font-weight:600}
.small{font-size:12px;color:#5b6475}
pre.explain-command{white-space:pre-wrap;word-break:break-all;background:#f0f2f6;padding:4px 6px;border-radius:3px}
details summary{cursor:pointer}
`;

/** The report's script (plain ES2017, run once the page has loaded). */
export const REPORT_JS = String.raw`
(function () {
  'use strict';
  // the page's data (see pageData in html.ts): a string table and records as arrays of indices
  var raw = JSON.parse(document.getElementById('bh-data').textContent);
  var S = raw.strings;
  function str(i) { return i < 0 ? undefined : S[i]; }
  var KINDS = ['workload', 'platform', 'external', 'cloud'];
  var GROUP_KINDS = ['domain', 'namespace', 'external', 'network'];
  var groups = raw.groups.map(function (g, i) {
    return { index: i, id: S[g[0]], label: S[g[1]], kind: GROUP_KINDS[g[2]], levels: g[3].map(str), clusters: g[4].map(str), members: [] };
  });
  var nodes = raw.nodes.map(function (n, i) {
    var g = groups[n[8]];
    var o = { index: i, id: S[n[0]], label: S[n[1]], kind: KINDS[n[2]], cluster: str(n[3]), namespace: str(n[4]), tier: str(n[5]), level: str(n[6]), domain: str(n[7]), group: g ? g.id : undefined, gi: n[8], detail: str(n[9]) };
    if (g) g.members.push(o.id);
    return o;
  });
  var L = raw.layers.length;
  // a row's source and its index in the model are written as differences from the row before
  var lastSrc = 0;
  var lastRow = -1;
  var flows = raw.flows.map(function (t, i) {
    var layers = {};
    for (var k = 0; k < L; k++) if (t[4 + k] >= 0) layers[raw.layers[k]] = S[t[4 + k]];
    var si = lastSrc + t[0];
    var row = lastRow + 1 + (t.length > 7 + L ? t[7 + L] : 0);
    lastSrc = si;
    lastRow = row;
    var at = function (k) { return k < t.length ? t[k] : -1; };
    return {
      id: i, si: si, di: t[1], src: nodes[si].id, dst: nodes[t[1]].id,
      cross: (t[2] & 1) !== 0, external: (t[2] & 2) !== 0, disagreement: (t[2] & 4) !== 0,
      effective: S[t[3]], layers: layers, ranges: str(at(4 + L)), breakGlass: str(at(5 + L)), xi: at(6 + L), row: row,
    };
  });
  var sets = raw.sets.map(function (d) {
    var out = [];
    for (var k = 0; k < d.length; k++) out.push(k === 0 ? d[0] : out[k - 1] + d[k]);
    return out;
  });
  // blocks: rows of one answer between every source and every destination, listed on demand
  var blocks = (raw.blocks || []).map(function (b, k) {
    var layers = {};
    for (var i = 0; i < L; i++) if (b[3 + i] >= 0) layers[raw.layers[i]] = S[b[3 + i]];
    var sources = sets[b[0]];
    var destinations = sets[b[1]];
    return {
      index: k, sources: sources, destinations: destinations, pairs: sources.length * destinations.length, layers: layers,
      cross: (b[2] & 1) !== 0, disagreement: (b[2] & 4) !== 0, xi: b[3 + L],
    };
  });
  // one pair of a block, as a row
  function blockPair(b, si, di) {
    return {
      id: null, block: b.index, si: si, di: di, src: nodes[si].id, dst: nodes[di].id, cross: b.cross, external: false, disagreement: b.disagreement,
      effective: '', layers: b.layers, xi: si === b.sources[0] && di === b.destinations[0] ? b.xi : -1,
    };
  }
  var data = { groupBy: raw.groupBy, layers: raw.layers, nodes: nodes, groups: groups, flows: flows, blocks: blocks, blockPair: blockPair, source: raw.source, unexplained: raw.unexplained };
  // read by tests and by anyone scripting the page
  window.bulkheadReport = data;
  var nodesById = {};
  data.nodes.forEach(function (n) { nodesById[n.id] = n; });
  var groupsById = {};
  data.groups.forEach(function (g) { groupsById[g.id] = g; });
  var box = document.getElementById('graph-box');
  var panel = document.getElementById('panel');
  var crumbs = document.getElementById('crumbs');
  var current = null;
  var zoom = 1;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  // the views, built and laid out (by the embedded dagre) when first opened, then kept
  var G = reportGraph(dagre);
  var byNode = new Map(nodes.map(function (n) { return [n.id, n]; }));
  var flowsOf = null;
  var drawn = {};
  var SVG_NS = 'http://www.w3.org/2000/svg';
  function toDom(e) {
    var x = document.createElementNS(SVG_NS, e.tag);
    e.attrs.forEach(function (a) { if (a[0] !== 'xmlns') x.setAttribute(a[0], a[1]); });
    if (e.text !== undefined) x.textContent = e.text;
    (e.children || []).forEach(function (c) { x.appendChild(toDom(c)); });
    return x;
  }
  function hasView(viewId) {
    if (viewId === 'overview') return true;
    if (viewId === 'full') return raw.full === true;
    return viewId.charAt(0) === 'g' && groups[Number(viewId.slice(1))] !== undefined;
  }
  function viewOf(viewId) {
    if (viewId === 'overview') return G.overviewView(data);
    if (viewId === 'full') return G.fullView(data);
    flowsOf = flowsOf || G.flowsByNode(data);
    return G.groupView(data, groups[Number(viewId.slice(1))], byNode, flowsOf);
  }
  function svgOf(viewId) {
    if (!drawn[viewId]) {
      var t0 = Date.now();
      drawn[viewId] = toDom(G.layout(viewOf(viewId)));
      layoutMs[viewId] = Date.now() - t0;
    }
    return drawn[viewId];
  }
  var layoutMs = {};
  window.bulkheadReport.layoutMs = layoutMs;
  function show(viewId, label) {
    if (!hasView(viewId)) return;
    clear(box);
    var svg = svgOf(viewId);
    // a view opened again starts without the last selection and search highlight
    var sel = svg.querySelectorAll('g.selected, g.node.hit');
    for (var i = 0; i < sel.length; i++) { sel[i].classList.remove('selected'); sel[i].classList.remove('hit'); }
    box.appendChild(svg);
    current = viewId;
    box.setAttribute('data-view', viewId);
    // start fitted to the box's width (never enlarged)
    zoom = Math.max(0.1, Math.min(1, (box.clientWidth - 4) / Number(svg.getAttribute('viewBox').split(' ')[2])));
    applyZoom();
    clear(crumbs);
    if (viewId !== 'overview') {
      var back = el('button', 'overview');
      back.addEventListener('click', function () { show('overview'); });
      crumbs.appendChild(back);
    }
    if (viewId !== 'full' && hasView('full')) {
      var all = el('button', 'every workload');
      all.addEventListener('click', function () { show('full'); });
      crumbs.appendChild(all);
    }
    crumbs.appendChild(el('span', ' ' + (label || (viewId === 'overview' ? 'overview (one node per ' + data.groupBy + ')' : viewId === 'full' ? 'every workload' : '')), 'small'));
  }
  function applyZoom() {
    var svg = box.querySelector('svg');
    if (!svg) return;
    var w = Number(svg.getAttribute('viewBox').split(' ')[2]);
    var h = Number(svg.getAttribute('viewBox').split(' ')[3]);
    svg.setAttribute('width', String(Math.round(w * zoom)));
    svg.setAttribute('height', String(Math.round(h * zoom)));
  }
  function openGroup(id) {
    var g = groupsById[id];
    if (!g) return;
    show('g' + g.index, g.kind + ' ' + g.label);
  }

  function flowLine(f) {
    var li = el('li');
    var a = el('a', label(f.src) + ' → ' + label(f.dst) + ' : ' + (f.effective || 'nothing (effective)'));
    a.href = '#';
    a.addEventListener('click', function (ev) { ev.preventDefault(); explainFlow(f); });
    li.appendChild(a);
    if (f.cross) li.appendChild(el('span', ' cross-cluster', 'small'));
    if (f.breakGlass) li.appendChild(el('span', ' break-glass ' + f.breakGlass, 'bad'));
    return li;
  }
  function label(id) { var n = nodesById[id]; return n ? (n.cluster ? n.cluster + ':' + n.label : n.label) : id; }

  // the panel of a row: one of data.flows, or a pair of a block (see blockPair)
  function explainFlow(f) {
    clear(panel);
    panel.appendChild(el('h3', label(f.src) + ' → ' + label(f.dst)));
    if (f.block === undefined) { panel.setAttribute('data-flow', String(f.row)); panel.removeAttribute('data-pair'); }
    else { panel.setAttribute('data-pair', f.block + ' ' + f.si + ' ' + f.di); panel.removeAttribute('data-flow'); }
    var t = el('table');
    var head = el('tr'); head.appendChild(el('th', 'layer')); head.appendChild(el('th', 'allows'));
    t.appendChild(head);
    Object.keys(f.layers).forEach(function (l) {
      var r = el('tr'); r.appendChild(el('td', l)); r.appendChild(el('td', f.layers[l] || 'nothing', f.layers[l] === f.effective ? '' : 'differs'));
      t.appendChild(r);
    });
    var r = el('tr'); r.appendChild(el('td', 'effective')); r.appendChild(el('td', f.effective || 'nothing'));
    t.appendChild(r);
    panel.appendChild(t);
    if (f.ranges) panel.appendChild(el('p', 'addresses: ' + f.ranges, 'small mono'));
    if (f.cross) panel.appendChild(el('p', 'cross-cluster flow: both clusters must allow it (egress side, then ingress side)', 'small'));
    if (f.breakGlass) panel.appendChild(el('p', 'break-glass grant ' + f.breakGlass, 'bad'));
    if (f.disagreement) panel.appendChild(el('p', 'the layers disagree on this pair', 'bad'));
    var e = f.xi >= 0 ? expand(f.xi) : null;
    if (f.block !== undefined) {
      var b = blocks[f.block];
      panel.appendChild(el('p', 'One of ' + b.pairs + ' pairs (' + b.sources.length + ' source(s) × ' + b.destinations.length + ' destination(s)) that every layer answers alike.', 'small'));
      if (!e && b.xi >= 0) {
        panel.appendChild(el('p', 'Below, the explanation of its first pair, ' + label(nodes[b.sources[0]].id) + ' → ' + label(nodes[b.destinations[0]].id) + ' (the same answer; the rules that give it may differ). To see this pair\'s own, run on the ' + (data.source === 'declaration' ? 'synthesized manifests (bulkhead synth)' : 'same manifests') + ':', 'small'));
        panel.appendChild(el('pre', explainCommand(f), 'mono explain-command'));
        e = expand(b.xi);
      }
    }
    if (!e) {
      panel.appendChild(el('p', 'The page holds no explanation of this flow (it holds those of the first flows, up to --max-explanations). To see it, run on the ' + (data.source === 'declaration' ? 'synthesized manifests (bulkhead synth)' : 'same manifests') + ':', 'small'));
      panel.appendChild(el('pre', explainCommand(f), 'mono explain-command'));
      return;
    }
    var x = el('div', null, 'explanation');
    x.appendChild(el('p', 'explain ' + e.connection + ': ' + (e.allowed ? 'allowed' : 'denied'), e.allowed ? 'ok' : 'bad'));
    e.sides.forEach(function (s) {
      s.layers.forEach(function (l) {
        x.appendChild(el('div', s.cluster + ' ' + l.layer + (s.direction !== 'local' ? ' (' + s.direction + ')' : '') + ': ' + (l.allowed ? 'allowed' : 'denied') + (l.l7 ? ' (for some HTTP requests)' : ''), 'verdict ' + (l.allowed ? 'ok' : 'bad')));
        l.reasons.forEach(function (rs) {
          x.appendChild(el('div', rs.effect + ' ' + rs.policy + (rs.rule ? ' ' + rs.rule : '') + ': ' + rs.detail, 'reason mono'));
        });
      });
    });
    panel.appendChild(x);
  }

  function expand(xi) {
    var x = raw.explanations[xi];
    return {
      connection: S[x[0]], allowed: x[1] === 1,
      sides: x[2].map(function (sd) {
        return { cluster: S[sd[0]], direction: S[sd[1]], layers: sd[2].map(function (l) {
          return { layer: S[l[0]], allowed: l[1] === 1, l7: l[2] === 1, reasons: l[3].map(function (ri) {
            var r = raw.reasons[ri];
            return { effect: S[r[0]], policy: S[r[1]], rule: str(r[2]), detail: S[r[3]] };
          }) };
        }) };
      }),
    };
  }
  // the command that explains a flow the page holds no explanation of
  function explainCommand(f) {
    var ports = f.effective || Object.keys(f.layers).map(function (l) { return f.layers[l]; }).filter(Boolean)[0] || '';
    var m = /(TCP|UDP|SCTP) (\d+)/.exec(ports);
    var port = m ? m[1].toLowerCase() + '/' + m[2] : 'tcp/<port>';
    var end = function (id) { var n = nodesById[id]; return n && n.kind === 'external' ? '<address>' : id; };
    return 'bulkhead explain <manifest folders> --from ' + end(f.src) + ' --to ' + end(f.dst) + ' --port ' + port;
  }

  function showFlows(title, ids) {
    clear(panel);
    panel.appendChild(el('h3', title));
    if (ids.length === 1) { explainFlow(data.flows[ids[0]]); return; }
    var ul = el('ul');
    ids.forEach(function (i) { ul.appendChild(flowLine(data.flows[i])); });
    panel.appendChild(ul);
  }
  function showNode(id) {
    var n = nodesById[id];
    if (!n) return;
    clear(panel);
    panel.appendChild(el('h3', label(id)));
    panel.setAttribute('data-node', id);
    var dl = el('p', [n.kind, n.tier ? 'tier ' + n.tier : '', n.domain ? 'domain ' + n.domain : '', n.detail || ''].filter(Boolean).join(' · '), 'small');
    panel.appendChild(dl);
    var ul = el('ul');
    data.flows.forEach(function (f) { if (f.effective && (f.src === id || f.dst === id)) ul.appendChild(flowLine(f)); });
    panel.appendChild(el('div', 'allowed flows:'));
    panel.appendChild(ul);
  }

  // the allowed flows an edge of the current view stands for: those whose ends are drawn as its ends
  function viewEnd(n) {
    if (current === 'full') return n.id;
    if (current !== 'overview' && current && current.charAt(0) === 'g' && n.gi === Number(current.slice(1))) return n.id;
    return n.group;
  }
  function edgeFlows(from, to) {
    var out = [];
    for (var i = 0; i < flows.length; i++) {
      var f = flows[i];
      if (f.effective && viewEnd(nodes[f.si]) === from && viewEnd(nodes[f.di]) === to) out.push(i);
    }
    return out;
  }
  window.bulkheadReport.edgeFlows = edgeFlows;

  box.addEventListener('click', function (ev) {
    var t = ev.target;
    while (t && t !== box && !(t.getAttribute && (t.getAttribute('data-from') !== null || t.getAttribute('data-node') !== null || t.getAttribute('data-group') !== null))) t = t.parentNode;
    if (!t || t === box) return;
    var sel = box.querySelectorAll('.selected');
    for (var i = 0; i < sel.length; i++) sel[i].classList.remove('selected');
    if (t.getAttribute('data-from') !== null) {
      t.classList.add('selected');
      var ids = edgeFlows(t.getAttribute('data-from'), t.getAttribute('data-to'));
      showFlows(ids.length + ' flow(s)', ids);
    } else if (t.getAttribute('data-node') !== null) {
      showNode(t.getAttribute('data-node'));
    } else {
      openGroup(t.getAttribute('data-group'));
    }
  });

  // search
  var input = document.getElementById('search');
  var results = document.getElementById('search-results');
  function find(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    return data.nodes.filter(function (n) { return n.id.toLowerCase().indexOf(q) >= 0 || n.label.toLowerCase().indexOf(q) >= 0; }).slice(0, 50);
  }
  function reveal(n) {
    var g = groupsById[n.group];
    if (current === 'full') { /* stay */ } else if (g) openGroup(g.id);
    var hits = box.querySelectorAll('[data-node]');
    for (var i = 0; i < hits.length; i++) {
      if (hits[i].getAttribute('data-node') === n.id) {
        hits[i].classList.add('hit');
        if (hits[i].scrollIntoView) hits[i].scrollIntoView({ block: 'center', inline: 'center' });
      }
    }
    showNode(n.id);
  }
  input.addEventListener('input', function () {
    clear(results);
    find(input.value).forEach(function (n) {
      var li = el('li', label(n.id) + (n.kind === 'external' ? ' (external)' : ''));
      li.setAttribute('data-result', n.id);
      li.addEventListener('click', function () { reveal(n); });
      results.appendChild(li);
    });
  });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { var r = find(input.value); if (r.length > 0) reveal(r[0]); }
  });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom = Math.min(4, zoom * 1.25); applyZoom(); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom = Math.max(0.1, zoom / 1.25); applyZoom(); });

  // matrix: by group (one row per pair of groups and class of answer, counted) or by workload,
  // filtered, shown a page at a time. The rows of no block are listed as they are; a block's
  // pairs are counted from its sources and destinations and listed only as far as shown.
  var mfilter = document.getElementById('matrix-filter');
  var monly = document.getElementById('matrix-disagree');
  var mlevel = document.getElementById('matrix-level');
  var mback = document.getElementById('matrix-back');
  var mbody = document.querySelector('#matrix-table tbody');
  var mhead = document.querySelector('#matrix-table thead tr');
  var mmore = document.getElementById('matrix-more');
  var mcount = document.getElementById('matrix-count');
  var limit = 200;
  // a drill-down from a row of groups: [source group index, destination group index, class]
  var drill = null;
  var CLASSES = ['allowed', 'allowed, layers disagree', 'denied', 'denied, layers disagree'];
  function classOf(f) { return (f.effective ? 0 : 2) + (f.disagreement ? 1 : 0); }
  function groupLabel(i) { var g = groups[i]; return g ? (g.kind === 'domain' ? 'domain ' + g.label : g.label) : '?'; }
  function has(text, q) { return text.toLowerCase().indexOf(q) >= 0; }
  // per node and query: whether the node matches (its label, or in group mode its group's)
  function matcher(q, byGroup) {
    if (!q) return null;
    var memo = {};
    return function (ni) {
      var m = memo[ni];
      if (m === undefined) {
        var n = nodes[ni];
        m = memo[ni] = has(label(n.id), q) || (byGroup && has(groupLabel(n.gi), q));
      }
      return m;
    };
  }
  // a block's members by group: { group index: [node indices] }, once per list
  var setsByGroup = new Map();
  function byGroupOf(list) {
    var m = setsByGroup.get(list);
    if (!m) {
      m = {};
      list.forEach(function (ni) { var g = nodes[ni].gi; (m[g] = m[g] || []).push(ni); });
      setsByGroup.set(list, m);
    }
    return m;
  }
  function keptBlock(b, cls) {
    if (monly.checked && !b.disagreement) return false;
    return cls === undefined || classOf({ effective: '', disagreement: b.disagreement }) === cls;
  }
  function keptFlow(f, match, sg, dg, cls) {
    if (monly.checked && !f.disagreement) return false;
    if (sg !== undefined && (nodes[f.si].gi !== sg || nodes[f.di].gi !== dg)) return false;
    if (cls !== undefined && classOf(f) !== cls) return false;
    return !match || match(f.si) || match(f.di);
  }
  // the workload rows: { total, rows (the first max) }, the rows of no block first, then the blocks' pairs
  function pairRows(max) {
    var q = mfilter.value.trim().toLowerCase();
    var match = matcher(q, mlevel.value === 'group');
    var sg = drill ? drill[0] : undefined;
    var dg = drill ? drill[1] : undefined;
    var cls = drill ? drill[2] : undefined;
    var rows = [];
    var total = 0;
    flows.forEach(function (f) {
      if (!keptFlow(f, match, sg, dg, cls)) return;
      total++;
      if (rows.length < max) rows.push(f);
    });
    blocks.forEach(function (b) {
      if (!keptBlock(b, cls)) return;
      var ss = sg === undefined ? b.sources : byGroupOf(b.sources)[sg] || [];
      var ds = dg === undefined ? b.destinations : byGroupOf(b.destinations)[dg] || [];
      if (ss.length === 0 || ds.length === 0) return;
      var ms = match ? ss.filter(match) : ss;
      var md = match ? ds.filter(match) : ds;
      // pairs with a matching source, and those with only a matching destination
      total += match ? ms.length * ds.length + (ss.length - ms.length) * md.length : ss.length * ds.length;
      for (var i = 0; i < ss.length && rows.length < max; i++) {
        var sm = !match || match(ss[i]);
        var dl = sm ? ds : md;
        for (var j = 0; j < dl.length && rows.length < max; j++) rows.push(blockPair(b, ss[i], dl[j]));
      }
    });
    return { total: total, rows: rows };
  }
  // the rows of pairs of groups: one per (source group, destination group, class)
  function groupRows() {
    var q = mfilter.value.trim().toLowerCase();
    var match = matcher(q, true);
    var by = {};
    var keys = [];
    var workloads = 0;
    function add(s, d, cls, n, layers, effective, cross) {
      var k = s + ',' + d + ',' + cls;
      var a = by[k];
      if (!a) { a = by[k] = { s: s, d: d, cls: cls, pairs: 0, cross: false, layers: {}, effective: effective }; keys.push(k); }
      a.pairs += n;
      workloads += n;
      if (cross) a.cross = true;
      if (a.effective !== effective) a.effective = null;
      data.layers.forEach(function (l) {
        var text = Object.prototype.hasOwnProperty.call(layers, l) ? layers[l] : null;
        var x = a.layers[l];
        if (!x) x = a.layers[l] = { allow: 0, text: text, first: true };
        if (text) x.allow += n;
        if (!x.first && x.text !== text) x.text = undefined;
        x.first = false;
      });
    }
    flows.forEach(function (f) {
      if (!keptFlow(f, match)) return;
      add(nodes[f.si].gi, nodes[f.di].gi, classOf(f), 1, f.layers, f.effective, f.cross);
    });
    blocks.forEach(function (b) {
      if (!keptBlock(b)) return;
      var bs = byGroupOf(b.sources);
      var bd = byGroupOf(b.destinations);
      var cls = classOf({ effective: '', disagreement: b.disagreement });
      Object.keys(bs).forEach(function (s) {
        var ss = bs[s];
        var ms = match ? ss.filter(match).length : ss.length;
        Object.keys(bd).forEach(function (d) {
          var ds = bd[d];
          var n = ss.length * ds.length;
          if (match) {
            var md = ds.filter(match).length;
            n = ms * ds.length + (ss.length - ms) * md;
          }
          if (n > 0) add(Number(s), Number(d), cls, n, b.layers, '', b.cross);
        });
      });
    });
    keys.sort(function (x, y) {
      var a = by[x];
      var b = by[y];
      return a.s - b.s || a.d - b.d || a.cls - b.cls;
    });
    return { keys: keys, by: by, workloads: workloads };
  }
  function setHead(first, second) {
    var ths = mhead.querySelectorAll('th');
    ths[0].textContent = first;
    ths[1].textContent = second;
  }
  function renderMatrix() {
    clear(mbody);
    mback.style.display = drill ? '' : 'none';
    if (mlevel.value === 'group' && !drill) {
      setHead('source group', 'destination group');
      var g = groupRows();
      g.keys.slice(0, limit).forEach(function (k) {
        var a = g.by[k];
        var tr = el('tr', null, a.cls % 2 === 1 ? 'disagree' : '');
        tr.setAttribute('data-groups', groups[a.s].id + ' ' + groups[a.d].id);
        tr.setAttribute('data-class', String(a.cls));
        tr.appendChild(el('td', groupLabel(a.s), 'mono'));
        tr.appendChild(el('td', groupLabel(a.d) + (a.cross ? ' ⇄' : ''), 'mono'));
        data.layers.forEach(function (l) {
          var x = a.layers[l];
          // one answer for every pair of the row: said as it is; else counted
          var text = x.text === null ? 'n/a' : x.text === '' ? 'denied' : x.text !== undefined ? x.text : x.allow + ' of ' + a.pairs + ' allow';
          tr.appendChild(el('td', text, x.allow ? '' : 'deny'));
        });
        tr.appendChild(el('td', a.pairs + ' pair(s) ' + CLASSES[a.cls] + (a.effective ? ': ' + a.effective : ''), a.cls < 2 ? '' : 'deny'));
        tr.addEventListener('click', function () { drill = [a.s, a.d, a.cls]; limit = 200; renderMatrix(); });
        mbody.appendChild(tr);
      });
      mcount.textContent = g.keys.length + ' row(s) of groups, ' + g.workloads + ' pair(s) of workloads' + (g.keys.length > limit ? ', showing ' + limit : '');
      mmore.style.display = g.keys.length > limit ? '' : 'none';
      return;
    }
    setHead('source', 'destination');
    var r = pairRows(limit);
    r.rows.forEach(function (f) {
      var tr = el('tr', null, f.disagreement ? 'disagree' : '');
      if (f.block === undefined) tr.setAttribute('data-flow', String(f.row));
      else tr.setAttribute('data-pair', f.block + ' ' + f.si + ' ' + f.di);
      tr.appendChild(el('td', label(f.src), 'mono'));
      tr.appendChild(el('td', label(f.dst) + (f.cross ? ' ⇄' : ''), 'mono'));
      data.layers.forEach(function (l) {
        var has = Object.prototype.hasOwnProperty.call(f.layers, l);
        var v = has ? (f.layers[l] || 'denied') : 'n/a';
        tr.appendChild(el('td', v, !has || !f.layers[l] ? 'deny' : f.layers[l] !== f.effective ? 'differs' : ''));
      });
      tr.appendChild(el('td', f.effective || 'denied', f.effective ? '' : 'deny'));
      tr.addEventListener('click', function () { explainFlow(f); document.getElementById('graph').scrollIntoView(); });
      mbody.appendChild(tr);
    });
    mcount.textContent = (drill ? groupLabel(drill[0]) + ' → ' + groupLabel(drill[1]) + ' (' + CLASSES[drill[2]] + '): ' : '') + r.total + ' pair(s)' + (r.total > limit ? ', showing ' + limit : '');
    mmore.style.display = r.total > limit ? '' : 'none';
  }
  mfilter.addEventListener('input', function () { limit = 200; renderMatrix(); });
  monly.addEventListener('change', function () { limit = 200; renderMatrix(); });
  mlevel.addEventListener('change', function () { limit = 200; drill = null; renderMatrix(); });
  mback.addEventListener('click', function () { limit = 200; drill = null; renderMatrix(); });
  mmore.addEventListener('click', function () { limit += 1000; renderMatrix(); });
  window.bulkheadReport.matrixRows = pairRows;
  renderMatrix();

  show(hasView('full') ? 'full' : 'overview');
  window.bulkheadReport.ready = true;
})();
`;
