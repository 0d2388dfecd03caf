import { formatConnectivity, formatDiff, formatExplanation, formatLayerDiff, endpointLabel, isExternalId } from '../../lib/analysis/format';
import { PortSet } from '../../lib/analysis/portset';
import { AllowedConnection } from '../../lib/analysis/types';

const conns: AllowedConnection[] = [
  { src: 'shop/web[Deployment]', dst: 'shop/db[StatefulSet]', ports: PortSet.of('TCP', 5432) },
  { src: '0.0.0.0-9.255.255.255', dst: 'shop/web[Deployment]', ports: PortSet.ALL },
  {
    src: 'shop/web[Deployment]',
    dst: '203.0.113.7',
    ports: PortSet.unionAll([PortSet.of('UDP', 53), PortSet.of('TCP', 8080), PortSet.of('TCP', 8081), PortSet.of('SCTP', 7070)]),
  },
];

describe('formatConnectivity', () => {
  test('txt: src => dst : connections, sorted; External ranges; All Connections; protocols alphabetical, ports merged', () => {
    expect(formatConnectivity(conns, 'txt')).toBe(
      [
        '0.0.0.0-9.255.255.255[External] => shop/web[Deployment] : All Connections',
        'shop/web[Deployment] => 203.0.113.7[External] : SCTP 7070,TCP 8080-8081,UDP 53',
        'shop/web[Deployment] => shop/db[StatefulSet] : TCP 5432',
        '',
      ].join('\n'),
    );
    expect(formatConnectivity([], 'txt')).toBe('');
  });

  test('json: the txt strings plus structured fields', () => {
    const parsed = JSON.parse(formatConnectivity(conns, 'json'));
    expect(parsed[0]).toEqual({ src: '0.0.0.0-9.255.255.255[External]', dst: 'shop/web[Deployment]', connections: 'All Connections', src_type: 'external', dst_type: 'workload', all_connections: true, ports: { SCTP: [[1, 65535]], TCP: [[1, 65535]], UDP: [[1, 65535]] } });
    expect(parsed[1]).toMatchObject({ connections: 'SCTP 7070,TCP 8080-8081,UDP 53', ports: { SCTP: [[7070, 7070]], TCP: [[8080, 8081]], UDP: [[53, 53]] } });
    expect(parsed.map((p: { src: string; dst: string; connections: string }) => `${p.src} => ${p.dst} : ${p.connections}`)).toEqual(formatConnectivity(conns, 'txt').trimEnd().split('\n'));
  });

  test('md: a table', () => {
    expect(formatConnectivity(conns.slice(0, 1), 'md')).toBe('| src | dst | conn |\n|-----|-----|------|\n| shop/web[Deployment] | shop/db[StatefulSet] | TCP 5432 |\n');
  });

  test('dot: namespaces as clusters, external ranges outside, labelled edges', () => {
    const out = formatConnectivity(conns, 'dot', { endpoints: ['ops/idle[Deployment]'] });
    expect(out.startsWith('digraph {\n')).toBe(true);
    expect(out).toContain('\tsubgraph "cluster_shop" {');
    expect(out).toContain('\t\t"shop/web[Deployment]" [label="web[Deployment]" color="blue" fontcolor="blue"]');
    expect(out).toContain('\t\t"ops/idle[Deployment]" [label="idle[Deployment]" color="blue" fontcolor="blue"]');
    expect(out).toContain('\t"203.0.113.7[External]" [label="203.0.113.7" color="red2" fontcolor="red2"]');
    expect(out).toContain('\t"shop/web[Deployment]" -> "shop/db[StatefulSet]" [label="TCP 5432" color="gold2" fontcolor="darkgreen"]');
    expect(out.endsWith('}\n')).toBe(true);
  });
});

describe('endpoint labels', () => {
  test.each([
    ['1.2.3.4', true, '1.2.3.4[External]'],
    ['0.0.0.0-255.255.255.255', true, '0.0.0.0-255.255.255.255[External]'],
    ['ns/name[Pod]', false, 'ns/name[Pod]'],
  ])('%s', (id, ext, label) => {
    expect(isExternalId(id)).toBe(ext);
    expect(endpointLabel(id)).toBe(label);
  });
});

describe('formatExplanation', () => {
  const e = {
    src: 'a/web[Deployment]',
    dst: '198.51.100.1',
    connection: { protocol: 'TCP' as const, port: 443, http: { method: 'GET', path: '/x' } },
    allowed: false,
    layers: [
      { layer: 'kubernetes' as const, allowed: true, reasons: [{ policy: 'NetworkPolicy a/web', rule: 'spec.egress[0]', effect: 'allow' as const, detail: 'allows egress' }] },
      { layer: 'istio' as const, allowed: false, reasons: [{ policy: 'AuthorizationPolicy a/x', effect: 'deny' as const, detail: 'denies' }] },
    ],
  };
  test('txt', () => {
    expect(formatExplanation(e, 'txt')).toBe(
      [
        'a/web[Deployment] => 198.51.100.1[External] : TCP 443 GET /x',
        'verdict: DENIED (by istio)',
        'kubernetes: allowed',
        '  allow         NetworkPolicy a/web spec.egress[0]: allows egress',
        'istio: denied',
        '  deny          AuthorizationPolicy a/x: denies',
        '',
      ].join('\n'),
    );
  });
  test('json and md', () => {
    expect(JSON.parse(formatExplanation(e, 'json'))).toMatchObject({ src: 'a/web[Deployment]', dst: '198.51.100.1[External]', allowed: false });
    expect(formatExplanation(e, 'md')).toContain('| istio | denied | deny | AuthorizationPolicy a/x |  | denies |');
  });
});

describe('formatLayerDiff', () => {
  const d = {
    layer: 'effective' as const,
    added: [{ src: 'a/x[Pod]', dst: 'a/y[Pod]', ports: PortSet.of('TCP', 80) }],
    removed: [{ src: '10.0.0.0-10.255.255.255', dst: 'a/y[Pod]', ports: PortSet.ALL }],
    changed: [{ src: 'a/y[Pod]', dst: 'a/x[Pod]', before: PortSet.of('TCP', 80), after: PortSet.of('TCP', 80, 81) }],
  };
  test('txt', () => {
    expect(formatLayerDiff(d, 'txt')).toBe(
      ['- 10.0.0.0-10.255.255.255[External] => a/y[Pod] : All Connections', '+ a/x[Pod] => a/y[Pod] : TCP 80', '~ a/y[Pod] => a/x[Pod] : TCP 80 -> TCP 80-81', ''].join('\n'),
    );
  });
  test('json, md, and every layer', () => {
    expect(JSON.parse(formatLayerDiff(d, 'json')).changes).toHaveLength(3);
    expect(formatLayerDiff(d, 'md')).toContain('| added | a/x[Pod] | a/y[Pod] | No Connections | TCP 80 |');
    const all = { layers: [d, { ...d, layer: 'kubernetes' as const }], hasChanges: true };
    expect(formatDiff(all, 'txt')).toMatch(/^# effective\n[\s\S]*\n# kubernetes\n/);
    expect(JSON.parse(formatDiff(all, 'json'))).toHaveLength(2);
  });
});
