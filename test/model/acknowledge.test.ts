import { App, Testing } from 'cdk8s';
import { declareShop } from '../../examples/ecommerce/declaration';
import { BulkheadError, formatProblem, formatProblems, INFO_CODES, Problem } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { TopologyCharts } from '../../lib/cdk8s';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { synthesize } from '../../lib/synth';
import { base, NOW } from '../plan/declare';

/** The base declaration with a call to an External known by name only (NetworkPolicy and ClusterNetworkPolicy warn). */
function withFqdn(acknowledge?: readonly string[]) {
  const b = base(acknowledge ? { acknowledge } : {});
  const api = new External(b.topo, 'api', { fqdns: ['api.example.com'] });
  b.web.allowTo(api, Port.tcp(443));
  return b;
}

const codes = (ps: readonly Problem[]) => ps.map((p) => `${p.code}${p.acknowledged ? ' (acknowledged)' : ''}`);

describe('acknowledging warnings on the Topology', () => {
  test('without acknowledgements, the warning is printed', () => {
    const s = synthesize(withFqdn().topo, { now: NOW });
    expect(codes(s.warnings)).toContain('BH-NP-FQDN');
    expect(formatProblems(s.warnings)).toContain('[BH-NP-FQDN] warning at shop/api');
  });

  test('an acknowledged code stays in the result, marked, and is not printed again', () => {
    const s = synthesize(withFqdn(['BH-NP-FQDN']).topo, { now: NOW });
    expect(codes(s.warnings)).toContain('BH-NP-FQDN (acknowledged)');
    expect(s.warnings.filter((w) => w.code === 'BH-NP-FQDN').every((w) => w.acknowledged === true)).toBe(true);
    expect(formatProblems(s.warnings)).not.toContain('BH-NP-FQDN');
    expect(formatProblems(s.warnings, { includeAcknowledged: true })).toContain('BH-NP-FQDN');
  });

  test('the acknowledge method does the same as the prop', () => {
    const b = withFqdn();
    b.topo.acknowledge('BH-NP-FQDN', 'BH-CNP-FQDN');
    expect(b.topo.acknowledgedCodes).toEqual(['BH-CNP-FQDN', 'BH-NP-FQDN']);
    const s = synthesize(b.topo, { now: NOW });
    expect(s.warnings.filter((w) => w.code === 'BH-NP-FQDN').every((w) => w.acknowledged)).toBe(true);
  });

  test('a code no warning carries is itself a warning (misspelled or stale); a malformed code is an error', () => {
    const s = synthesize(withFqdn(['BH-NP-FQDM']).topo, { now: NOW });
    const unknown = s.warnings.find((w) => w.code === 'BH-ACK-UNKNOWN');
    expect(unknown).toMatchObject({ severity: 'warning', path: 'shop', value: '"BH-NP-FQDM"' });
    expect(unknown?.fix).toMatch(/correct the code/);
    let e: unknown;
    try {
      base({ acknowledge: ['np-fqdn'] });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(BulkheadError);
    expect((e as BulkheadError).problems.map((p) => [p.code, p.path, p.value])).toEqual([['BH-ACK-CODE', 'shop', '"np-fqdn"']]);
  });

  test('errors cannot be acknowledged: synthesis still fails', () => {
    const b = base({ acknowledge: ['BH-DUPLICATE-CLUSTER'] });
    new Cluster(b.topo, 'eks-2', { cloud: 'aws', name: 'eks' });
    let e: unknown;
    try {
      synthesize(b.topo, { now: NOW });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(BulkheadError);
    expect((e as BulkheadError).problems.find((p) => p.code === 'BH-DUPLICATE-CLUSTER')?.acknowledged).toBeUndefined();
  });

  test('cdk8s prints with the one formatter, and leaves acknowledged warnings out', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => {
      writes.push(String(t));
      return true;
    });
    try {
      const app = new App();
      const shop = declareShop(app);
      shop.topology.acknowledge('BH-NP-FQDN');
      const charts = new TopologyCharts(app, 'segmentation', { topology: shop.topology });
      Testing.synth(charts.chart('eks-prod'));
      const printed = writes.join('');
      const visible = charts.synthesis.warnings.filter((w) => !w.acknowledged);
      expect(printed).toBe(formatProblems(visible));
      expect(printed).not.toContain('BH-NP-FQDN');
      expect(charts.synthesis.warnings.some((w) => w.code === 'BH-NP-FQDN' && w.acknowledged)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('information: warnings whose fix is "nothing to do"', () => {
  test('are reported with severity info, after the warnings', () => {
    const app = new App();
    const shop = declareShop(app);
    const s = synthesize(shop.topology);
    const info = s.warnings.filter((w) => w.severity === 'info');
    expect(info.map((w) => w.code)).toEqual(expect.arrayContaining(['BH-CILIUM-GUARDRAIL-SKIPPED']));
    expect(info.every((w) => INFO_CODES.has(w.code) && /^nothing to do/.test(w.fix))).toBe(true);
    const severities = s.warnings.map((w) => w.severity);
    expect(severities.indexOf('info')).toBeGreaterThan(severities.lastIndexOf('warning'));
    expect(formatProblem(info[0])).toMatch(/^\[BH-CILIUM-GUARDRAIL-SKIPPED\] info at /);
  });
});
