/** The dagre layout as SVG: every node and edge drawn, input text escaped, deterministic. */
import { layoutSvg, GraphView, ROUTED_EDGES_MAX, ROUTED_EDGES_PER_NODE } from '../../lib/report/layout';

const view: GraphView = {
  nodes: [
    { id: 'b', label: 'shop/<b>', sub: 'tier "x"', classes: ['kind-workload'], data: { node: 'b<"&>' } },
    { id: 'a', label: 'shop/a', classes: ['kind-workload'], data: { node: 'a' } },
    { id: 'c', label: 'outside', classes: ['kind-external'], data: { group: 'external' } },
  ],
  edges: [
    { from: 'a', to: 'b', flows: [0], classes: [] },
    { from: 'b', to: 'c', flows: [1, 2], classes: ['external'] },
    { from: 'a', to: 'a', flows: [3], classes: [] },
    { from: 'a', to: 'missing', flows: [4], classes: [] },
  ],
};

test('draws every node and every edge between two drawn nodes, with the data the page reads', () => {
  const svg = layoutSvg(view);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="')).toBe(true);
  expect(svg.match(/<g class="node/g)).toHaveLength(3);
  expect(svg.match(/<g class="edge/g)).toHaveLength(2);
  expect(svg).toContain('<g class="edge" data-from="a" data-to="b">');
  expect(svg).toContain('<g class="edge external" data-from="b" data-to="c">');
  expect(svg).toContain('data-group="external"');
  // laid out: every node is placed with a translation, every edge has a path
  expect(svg.match(/transform="translate\(\d+(\.\d)?,\d+(\.\d)?\)"/g)).toHaveLength(3);
  expect(svg.match(/<path class="line" d="M[\d.,L]+"/g)).toHaveLength(2);
});

test('escapes labels, attributes and titles', () => {
  const svg = layoutSvg(view);
  expect(svg).toContain('shop/&lt;b&gt;');
  expect(svg).toContain('tier &quot;x&quot;');
  expect(svg).toContain('data-node="b&lt;&quot;&amp;&gt;"');
  expect(svg).not.toContain('<b>');
});

test('deterministic: the order nodes and edges are given in does not change the bytes', () => {
  const reversed: GraphView = { nodes: [...view.nodes].reverse(), edges: [...view.edges].reverse() };
  expect(layoutSvg(reversed)).toBe(layoutSvg(view));
});

test('boxes around groups (compound layout)', () => {
  const svg = layoutSvg({
    nodes: view.nodes.map((n) => ({ ...n, parent: n.id === 'c' ? 'outside' : 'shop' })),
    edges: view.edges,
    clusters: [{ id: 'shop', label: 'ns shop', data: { group: 'ns:shop' } }, { id: 'outside', label: 'outside' }],
  });
  expect(svg.match(/<g class="cluster"/g)).toHaveLength(2);
  expect(svg).toContain('<g class="cluster" data-group="ns:shop"><rect');
});

test('a dense view (every node talks to every other): every edge is still drawn, the heaviest routed by dagre, the rest straight between the placed nodes; deterministic', () => {
  const ids = Array.from({ length: 30 }, (_, i) => `n${String(i).padStart(2, '0')}`);
  const dense: GraphView = {
    nodes: ids.map((id) => ({ id, label: id, classes: [], data: { node: id } })),
    edges: ids.flatMap((a, i) => ids.filter((b) => b !== a).map((b, j) => ({ from: a, to: b, flows: Array.from({ length: 1 + ((i + j) % 4) }, (_, k) => i * 100 + j * 4 + k), classes: [] }))),
  };
  expect(dense.edges.length).toBeGreaterThan(ROUTED_EDGES_PER_NODE * ids.length);
  const svg = layoutSvg(dense);
  expect(svg.match(/<g class="edge/g)).toHaveLength(dense.edges.length);
  // every edge has a drawn path: routed ones with dagre's bends, straight ones with two points
  const paths = svg.match(/<path class="line" d="M[\d.,L-]+"/g) ?? [];
  expect(paths).toHaveLength(dense.edges.length);
  expect(paths.filter((p) => (p.match(/L/g) ?? []).length === 1).length).toBeGreaterThan(0);
  expect(layoutSvg({ nodes: [...dense.nodes].reverse(), edges: [...dense.edges].reverse() })).toBe(svg);
});

test('a large view routes at most ROUTED_EDGES_MAX edges, every source\'s heaviest first; every edge is drawn', () => {
  const ids = Array.from({ length: 260 }, (_, i) => `n${String(i).padStart(3, '0')}`);
  // each node to the next four, the first of them heaviest
  const edges = ids.flatMap((a, i) => [1, 2, 3, 4].map((k) => ({ from: a, to: ids[(i + k) % ids.length], flows: Array.from({ length: 5 - k }, (_, x) => i * 10 + x), classes: [] })));
  const big: GraphView = { nodes: ids.map((id) => ({ id, label: id, classes: [], data: { node: id } })), edges };
  expect(ROUTED_EDGES_PER_NODE * ids.length).toBeGreaterThan(ROUTED_EDGES_MAX);
  const svg = layoutSvg(big);
  const paths = [...svg.matchAll(/<g class="edge" data-from="([^"]+)" data-to="([^"]+)"><title>[^<]*<\/title><path class="hit" d="(M[\d.,L-]+)"/g)];
  expect(paths).toHaveLength(edges.length);
  // a straight edge has two points; a routed one more
  const routed = paths.filter((p) => (p[3].match(/L/g) ?? []).length > 1);
  expect(routed.length).toBeLessThanOrEqual(ROUTED_EDGES_MAX);
  expect(routed.length).toBeGreaterThan(ids.length / 2);
  const next = (from: string): string => ids[(ids.indexOf(from) + 1) % ids.length];
  // what is routed is first each node's heaviest edge (to the next node)
  expect(routed.filter((p) => p[2] !== next(p[1])).length).toBeLessThanOrEqual(ROUTED_EDGES_MAX - ids.length);
});
