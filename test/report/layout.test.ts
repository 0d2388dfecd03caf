/** The dagre layout as SVG: every node and edge drawn, input text escaped, deterministic. */
import { layoutSvg, GraphView } from '../../lib/report/layout';

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
  expect(svg).toContain('<g class="edge" data-flows="0">');
  expect(svg).toContain('<g class="edge external" data-flows="1,2">');
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
