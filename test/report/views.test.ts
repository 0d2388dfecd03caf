/** The graph views built from the report data: overview by group, one view per group, every node. */
import { ReportData, ReportFlow, ReportNode } from '../../lib/report/model';
import { flowsByNode, fullView, groupView, overviewView } from '../../lib/report/views';

const node = (id: string, group: string, extra: Partial<ReportNode> = {}): ReportNode => ({ id, label: id.split(':').pop()!, kind: 'workload', cluster: id.split(':')[0], group, ...extra });
const flow = (id: number, src: string, dst: string, extra: Partial<ReportFlow> = {}): ReportFlow => ({
  id, src, dst, cross: !src.startsWith('ext:') && !dst.startsWith('ext:') && src.split(':')[0] !== dst.split(':')[0], external: src.startsWith('ext:') || dst.startsWith('ext:'), layers: { kubernetes: 'TCP 80' }, effective: 'TCP 80', disagreement: false, ...extra,
});

const data: ReportData = {
  title: 't', source: 'manifests', groupBy: 'domain', clusters: [], layers: ['kubernetes'],
  nodes: [node('a:shop/web', 'ns:a/shop'), node('a:shop/api', 'ns:a/shop'), node('a:pay/svc', 'domain:pay'), node('b:an/col', 'ns:b/an'), { id: 'ext:internet', label: 'internet', kind: 'external', group: 'external' }],
  groups: [
    { id: 'domain:pay', label: 'pay', kind: 'domain', members: ['a:pay/svc'], levels: ['critical'], clusters: ['a'] },
    { id: 'external', label: 'outside', kind: 'external', members: ['ext:internet'], levels: [], clusters: [] },
    { id: 'ns:a/shop', label: 'a/shop', kind: 'namespace', members: ['a:shop/api', 'a:shop/web'], levels: [], clusters: ['a'] },
    { id: 'ns:b/an', label: 'b/an', kind: 'namespace', members: ['b:an/col'], levels: [], clusters: ['b'] },
  ],
  flows: [
    flow(0, 'a:shop/api', 'a:pay/svc', { breakGlass: 'oncall' }),
    flow(1, 'a:shop/web', 'a:pay/svc'),
    flow(2, 'a:shop/web', 'a:shop/api'),
    flow(3, 'a:shop/web', 'b:an/col'),
    flow(4, 'ext:internet', 'a:shop/web'),
    flow(5, 'a:shop/web', 'ext:internet', { effective: '', layers: { kubernetes: 'TCP 443', cilium: '' }, disagreement: true }),
  ],
  blocks: [], tiers: [], grants: [], acknowledged: [], warnings: [], unexplained: 0,
};

test('overview: one node per group, the allowed flows between groups aggregated and marked', () => {
  const v = overviewView(data);
  expect(v.nodes.map((n) => n.id)).toEqual(['domain:pay', 'external', 'ns:a/shop', 'ns:b/an']);
  expect(v.nodes.every((n) => n.classes.includes('collapsed') && n.data.group === n.id)).toBe(true);
  expect(v.edges.map((e) => [e.from, e.to, e.flows, e.classes])).toEqual([
    ['external', 'ns:a/shop', [4], ['external']],
    ['ns:a/shop', 'domain:pay', [0, 1], ['break-glass']],
    ['ns:a/shop', 'ns:b/an', [3], ['cross']],
  ]);
  // a flow no layer combination allows is not drawn (flow 5), a flow inside a group neither (flow 2)
  expect(v.edges.flatMap((e) => e.flows)).not.toContain(5);
  expect(v.edges.flatMap((e) => e.flows)).not.toContain(2);
});

test('group view: the members, and the other groups they talk to collapsed', () => {
  const byNode = new Map(data.nodes.map((n) => [n.id, n]));
  const v = groupView(data, data.groups[2], byNode, flowsByNode(data));
  expect(v.nodes.map((n) => n.id)).toEqual(['a:shop/api', 'a:shop/web', 'domain:pay', 'external', 'ns:b/an']);
  expect(v.nodes.filter((n) => n.classes.includes('collapsed')).map((n) => n.id)).toEqual(['domain:pay', 'external', 'ns:b/an']);
  expect(v.edges.map((e) => [e.from, e.to, e.flows])).toEqual([
    ['a:shop/api', 'domain:pay', [0]],
    ['a:shop/web', 'a:shop/api', [2]],
    ['a:shop/web', 'domain:pay', [1]],
    ['a:shop/web', 'ns:b/an', [3]],
    ['external', 'a:shop/web', [4]],
  ]);
});

test('full view: every node in the box of its group, every allowed flow', () => {
  const v = fullView(data);
  expect(v.nodes).toHaveLength(5);
  expect(v.nodes.find((n) => n.id === 'a:pay/svc')?.parent).toBe('domain:pay');
  expect(v.clusters?.map((c) => c.id)).toEqual(data.groups.map((g) => g.id));
  expect(v.edges.map((e) => e.flows[0])).toEqual([0, 1, 2, 3, 4]);
});
