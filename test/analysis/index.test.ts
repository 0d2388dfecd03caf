import * as analysis from '../../lib/analysis';

describe('the public API of the analysis', () => {
  test('load, list, explain, diff and format from the index', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'a' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'a' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    ];
    const m = analysis.loadObjects(objects, 'api');
    expect(analysis.formatConnectivity(analysis.connectivity(m), 'txt')).toBe('a/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections\n');
    expect(analysis.explain(m, '203.0.113.1', 'a/web', { protocol: 'TCP', port: 80 }).allowed).toBe(false);
    expect(analysis.diff(m, analysis.loadObjects(objects.slice(0, 1))).hasChanges).toBe(true);
    expect(analysis.SIMULATORS.map((s) => s.layer)).toEqual(['kubernetes', 'cilium', 'istio', 'aws']);
    expect(analysis.PortSet.ALL.toString()).toBe('All Connections');
    expect(() => analysis.loadObjects([{ kind: 'Pod' }], 'api')).toThrow(analysis.AnalysisInputError);
  });
});
