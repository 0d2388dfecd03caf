/**
 * A catalogue of ill-typed declarations (plain JavaScript, casts, generated declarations):
 * each gets a coded problem with its construct path, the offending value and a fix, instead
 * of a TypeError or a silent misreading; and every such problem of a declaration is reported
 * at once.
 */
import * as util from 'util';
import { Construct } from 'constructs';
import { Duration } from '../../lib/core/duration';
import { BulkheadError, Problem } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { BreakGlass, BreakGlassProps } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { TEXT_LIMITS } from '../../lib/core/names';
import { synthesize } from '../../lib/synth';
import { Base, base, errors, NOW, plan, planError } from './declare';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A valid grant from web into cart, with some props replaced. */
function grant(b: Base, id: string, props: Record<string, unknown> = {}): BreakGlass {
  return new BreakGlass(b.topo, id, {
    from: [b.web], to: [b.cart], ports: Port.named('grpc'),
    start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
    reason: 'cart is losing orders', ticket: 'INC-1', approvers: ['alice'],
    ...props,
  } as BreakGlassProps);
}

/** A declaration with one ill-typed value, and the problem it must give. */
interface Case {
  readonly name: string;
  /** Adds the mistake to the base declaration (or returns a topology of its own). */
  readonly declare: (b: Base) => unknown;
  readonly code: string;
  readonly path: string;
  readonly message: RegExp;
  readonly value: RegExp;
  readonly fix: RegExp;
  /** Build the plan with the topology's clock instead of the fixed time. @default false */
  readonly clock?: boolean;
}

const CASES: Case[] = [
  // ---------------------------------------------------------------- props objects
  {
    name: 'Workload props that are not an object',
    declare: (b) => new Workload(b.topo, 'api', null as any),
    code: 'BH-INPUT-PROPS', path: 'shop/api', message: /props of a Workload must be an object/, value: /^null$/, fix: /cluster: eks, namespace: 'shop'/,
  },
  {
    name: 'Topology props that are a string',
    declare: () => new Topology(undefined, 'loose', 'prod.example.com' as any),
    code: 'BH-INPUT-PROPS', path: 'loose', message: /props of a Topology must be an object/, value: /prod\.example\.com/, fix: /trustDomain: 'prod\.shop\.example\.com'/,
  },
  // ---------------------------------------------------------------- strings where lists are expected
  {
    name: 'a string where a list of pod CIDRs is expected',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: '10.2.0.0/16' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/gke', message: /podCidrs must be a list of strings, not a string/, value: /^"10\.2\.0\.0\/16"$/, fix: /podCidrs: .*\["10\.2\.0\.0\/16"\]/,
  },
  {
    name: 'a string where a list of FQDNs is expected',
    declare: (b) => new External(b.topo, 'stripe', { fqdns: 'api.stripe.com' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/stripe', message: /fqdns must be a list of strings, not a string/, value: /api\.stripe\.com/, fix: /\["api\.stripe\.com"\]/,
  },
  {
    name: 'a single peer where the list of BreakGlass identities is expected',
    declare: (b) => grant(b, 'oncall', { from: b.web }),
    code: 'BH-INPUT-TYPE', path: 'shop/oncall', message: /from must be a list, not a Workload/, value: /Workload shop\/web/, fix: /from: \[oncall\]/,
  },
  {
    name: 'a number among the approvers',
    declare: (b) => grant(b, 'oncall', { approvers: ['alice', 7] }),
    code: 'BH-INPUT-TYPE', path: 'shop/oncall', message: /approvers\[1\] must be a string, not a number/, value: /^7$/, fix: /'alice'/,
  },
  // ---------------------------------------------------------------- HTTP rules
  {
    name: 'http: null on a flow',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), { http: null as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/web (web -> cart)', message: /http must be an HTTP match object, not null/, value: /^null$/, fix: /leave http out/,
  },
  {
    name: 'a string where the HTTP methods are expected',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), { http: { methods: 'GET' as any } }),
    code: 'BH-INPUT-TYPE', path: 'shop/web (web -> cart)', message: /http\.methods must be a list of strings, not a string/, value: /"GET"/, fix: /\['GET', 'POST'\]/,
  },
  {
    name: 'flow options that are not an object',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), 'justified' as any),
    code: 'BH-INPUT-TYPE', path: 'shop/web (web -> cart)', message: /options must be an object, not a string/, value: /justified/, fix: /justification/,
  },
  {
    name: 'export options with a null http',
    declare: (b) => {
      const d = new DomainBoundary(b.topo, 'pay');
      const api = d.addWorkload('api', { cluster: b.eks, namespace: 'pay', ports: { grpc: Port.tcp(9090) } });
      d.export(api, Port.named('grpc'), { http: null as any });
    },
    code: 'BH-INPUT-TYPE', path: 'shop/pay (export api)', message: /http must be an HTTP match object, not null/, value: /^null$/, fix: /methods: \['GET'\]/,
  },
  // ---------------------------------------------------------------- booleans and enums
  {
    name: "a string boolean: mutualAuth: 'no' (truthy, so it turned the control on)",
    declare: (b) => new SensitiveTier(b.topo, 'internal-ish', { level: Sensitivity.INTERNAL, mutualAuth: 'no' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/internal-ish', message: /mutualAuth must be true or false, not a string/, value: /^"no"$/, fix: /false \(the boolean, not a string\)/,
  },
  {
    name: "a string boolean: strict: 'false' (truthy, so expired grants became errors)",
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', strict: 'false' as any, clock: () => NOW }),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /strict must be true or false/, value: /"false"/, fix: /boolean, not a string/,
  },
  {
    name: 'an unknown enforcement mode (read as enforce)',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', mode: 'Audit' as any, clock: () => NOW }),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /mode must be one of "enforce", "audit"/, value: /"Audit"/, fix: /EnforcementMode\.AUDIT/,
  },
  {
    name: 'a non-SensitiveTier value as tier (read as internal)',
    declare: (b) => new Workload(b.topo, 'vault', { cluster: b.eks, namespace: 'vault', tier: Sensitivity.CRITICAL as any }),
    code: 'BH-TIER-TYPE', path: 'shop/vault', message: /tier is not a SensitiveTier/, value: /"critical"/, fix: /new SensitiveTier\(topology/,
  },
  {
    name: 'a non-SensitiveTier value as the tier of a domain',
    declare: (b) => new DomainBoundary(b.topo, 'pay', { tier: { level: Sensitivity.CRITICAL } as any }),
    code: 'BH-TIER-TYPE', path: 'shop/pay', message: /tier is not a SensitiveTier/, value: /critical/, fix: /\{ tier: t \}/,
  },
  {
    name: 'a workload whose cluster is a name, not a Cluster',
    declare: (b) => new Workload(b.topo, 'api', { cluster: 'eks' as any, namespace: 'shop' }),
    code: 'BH-INPUT-TYPE', path: 'shop/api', message: /cluster must be a Cluster, not a string/, value: /"eks"/, fix: /new Cluster\(topology/,
  },
  // ---------------------------------------------------------------- layers
  {
    name: 'layers: [] (a cluster that enforces nothing)',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: [] }),
    code: 'BH-LAYERS-EMPTY', path: 'shop/gke', message: /runs no layer, so nothing would enforce/, value: /^\[\]$/, fix: /at least 'kubernetes'/,
  },
  {
    name: 'a layer name that is not a string',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: ['kubernetes', 42 as any] }),
    code: 'BH-LAYER', path: 'shop/gke', message: /unknown layer/, value: /^42$/, fix: /kubernetes, cluster-network-policy, cilium, istio, spire/,
  },
  {
    name: 'layers given as one string',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: 'kubernetes' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/gke', message: /layers must be a list of layer names, not a string/, value: /"kubernetes"/, fix: /\['kubernetes'\]/,
  },
  // ---------------------------------------------------------------- ports and selectors
  {
    name: 'a named port that is not a Port',
    declare: (b) => new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', ports: { http: 8080 as any } }),
    code: 'BH-PORT', path: 'shop/api', message: /port 'http' is not a Port/, value: /^8080$/, fix: /Port\.tcp\(9090\)/,
  },
  {
    name: 'a Port changed after it was made (a value error names the construct it was passed to)',
    declare: (b) => {
      const p = Port.tcp(8080);
      (p as any).protocol = 'ICMP';
      new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', ports: { http: p } });
    },
    code: 'BH-PORT', path: 'shop/api', message: /ports\.http is not a valid Port/, value: /ICMP/, fix: /Port\.tcp\(443\)/,
  },
  {
    name: 'a selector with a non-string value',
    declare: (b) => new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', selector: { app: 'api', replicas: 3 as any } }),
    code: 'BH-INPUT-TYPE', path: 'shop/api', message: /selector\['replicas'\] must be a string \(a label value\), not a number/, value: /^3$/, fix: /'value'/,
  },
  {
    name: 'a selector given as a string',
    declare: (b) => new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', selector: 'app=api' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/api', message: /selector must be an object of label names and values, not a string/, value: /app=api/, fix: /\{ app: 'web' \}/,
  },
  {
    name: 'a platform service without a selector object',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, platform: { dns: { namespace: 'kube-system', selector: null as any } } }),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /platform\.dns\.selector must be an object/, value: /^null$/, fix: /app: 'web'/,
  },
  {
    name: 'an empty platform selector (the platform flow would reach every pod of the namespace)',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => NOW, platform: { dns: { namespace: 'kube-system', selector: {} } } }),
    code: 'BH-SELECTOR-EMPTY', path: 'shop', message: /selector of platform\.dns is empty/, value: /^\{\}$/, fix: /'k8s-app': 'kube-dns'/,
  },
  {
    name: 'an empty Cilium cluster name (written into every cluster-aware selector)',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', ciliumClusterName: '' }),
    code: 'BH-NAME', path: 'shop/gke', message: /Cilium cluster name is not a valid cluster name: it is empty/, value: /^""$/, fix: /at most 32/,
  },
  // ---------------------------------------------------------------- durations and dates
  {
    name: 'a BreakGlass duration that is a number of hours, not a Duration',
    declare: (b) => grant(b, 'oncall', { duration: 2 }),
    code: 'BH-INPUT-TYPE', path: 'shop/oncall', message: /duration must be a Duration, not a number/, value: /^2$/, fix: /Duration\.hours\(1\)/,
  },
  {
    name: 'a tier override that is a string, not a Duration',
    declare: (b) => new SensitiveTier(b.topo, 'pay', { level: Sensitivity.SENSITIVE, maxSvidTtl: '15m' as any }),
    code: 'BH-INPUT-TYPE', path: 'shop/pay', message: /maxSvidTtl must be a Duration, not a string/, value: /"15m"/, fix: /Duration\.hours/,
  },
  {
    name: 'a BreakGlass start that is a number',
    declare: (b) => grant(b, 'oncall', { start: 1795000000000 }),
    code: 'BH-BG-START', path: 'shop/oncall', message: /must be a Date or an RFC 3339 string/, value: /^1795000000000$/, fix: /RFC 3339/,
  },
  {
    name: 'a BreakGlass start that is an invalid Date',
    declare: (b) => grant(b, 'oncall', { start: new Date('2026-13-45') }),
    code: 'BH-BG-START', path: 'shop/oncall', message: /start is not a valid date$/, value: /Invalid Date/, fix: /RFC 3339/,
  },
  {
    name: 'a BreakGlass start in local time (read in the time zone of the machine)',
    declare: (b) => grant(b, 'oncall', { start: '2026-11-22 20:30' }),
    code: 'BH-BG-START', path: 'shop/oncall', message: /time zone of the machine that synthesizes/, value: /2026-11-22 20:30/, fix: /2026-11-22T20:00:00Z/,
  },
  {
    name: 'a clock that returns a string',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: (() => '2026-11-22T21:00:00Z') as any }),
    clock: true,
    code: 'BH-CLOCK', path: 'shop', message: /did not return a Date/, value: /2026-11-22T21:00:00Z/, fix: /return a Date/,
  },
  {
    name: 'a clock that returns an invalid Date (expired grants would stay in force)',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => new Date('yesterday') }),
    clock: true,
    code: 'BH-CLOCK', path: 'shop', message: /invalid Date, which would keep every expired BreakGlass grant in force/, value: /Invalid Date/, fix: /valid Date/,
  },
  {
    name: 'a clock that is not a function',
    declare: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: NOW as any }),
    clock: true,
    code: 'BH-CLOCK', path: 'shop', message: /clock is not a function/, value: /2026-11-22T21:00:00\.000Z/, fix: /clock: \(\) => new Date/,
  },
  // ---------------------------------------------------------------- text limits
  {
    name: 'a 300 KiB break-glass reason (annotations are limited to 256 KiB per object)',
    declare: (b) => grant(b, 'oncall', { reason: 'x'.repeat(300 * 1024) }),
    code: 'BH-TEXT-LIMIT', path: 'shop/oncall', message: /reason is 307200 bytes long; .* at most 1024 bytes .*256 KiB/, value: /^"x{80}"… \(307200 bytes\)$/, fix: /at most 1024 bytes/,
  },
  {
    name: 'a long ticket',
    declare: (b) => grant(b, 'oncall', { ticket: 'INC-'.repeat(100) }),
    code: 'BH-TEXT-LIMIT', path: 'shop/oncall', message: /ticket is 400 bytes long/, value: /INC-/, fix: /at most 253 bytes/,
  },
  {
    name: 'a long justification',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), { justification: 'é'.repeat(600) }),
    code: 'BH-TEXT-LIMIT', path: 'shop/web (web -> cart)', message: /justification is 1200 bytes long/, value: /é/, fix: /at most 1024 bytes/,
  },
  {
    name: 'too many approvers',
    declare: (b) => grant(b, 'oncall', { approvers: Array.from({ length: 30 }, (_, i) => `approver-${i}`) }),
    code: 'BH-TEXT-LIMIT', path: 'shop/oncall', message: /at most 20 approvers/, value: /30 approvers/, fix: /actually approved/,
  },
  // ---------------------------------------------------------------- peers
  {
    name: 'a flow to something that is neither a Workload nor an External',
    declare: (b) => b.web.allowTo({ toString: 1 } as any, Port.HTTPS),
    code: 'BH-UNDECLARED-PEER', path: 'shop/web (web -> {"toString":1})', message: /destination is neither a Workload, an External, a VmFleet nor a ManagedService/, value: /toString/, fix: /pass a Workload, an External, a VmFleet or a ManagedService/,
  },
  {
    name: 'a Workload of another copy of Bulkhead at another shape version',
    declare: (b) => {
      class Newer extends Construct {
        public readonly props = { cluster: b.eks, namespace: 'shop' };
        public readonly peerKind = 'workload';
        public readonly peerName = 'newer';
        constructor(scope: Construct, id: string) {
          super(scope, id);
          Object.defineProperty(this, Symbol.for('bulkhead.Workload'), { value: 2 });
        }
      }
      new Newer(b.topo, 'newer');
    },
    code: 'BH-FOREIGN-COPY', path: 'shop/newer', message: /another copy of Bulkhead, whose Workload has shape version 2; this copy reads version 1/, value: /newer/, fix: /npm dedupe/,
  },
  {
    name: 'a Cluster of an older copy of Bulkhead that brands nothing',
    declare: (b) => {
      // The class name is what an older copy's Cluster is called.
      const Older = class Cluster extends Construct {
        public readonly props = { cloud: 'aws' };
      };
      new Older(b.topo, 'old-eks');
    },
    code: 'BH-FOREIGN-COPY', path: 'shop/old-eks', message: /another copy of Bulkhead that marks no Cluster as its own/, value: /old-eks/, fix: /one copy of bulkhead, at one version/,
  },
];

function run(c: Case): { topo: Topology; error: BulkheadError } {
  const b = base();
  const returned = c.declare(b);
  const topo = Topology.isTopology(returned) ? returned : b.topo;
  if (c.clock) {
    try {
      buildPlan(topo);
    } catch (e) {
      if (BulkheadError.isBulkheadError(e)) return { topo, error: e };
      throw e;
    }
    throw new Error('expected a BulkheadError');
  }
  return { topo, error: planError(topo) };
}

describe('ill-typed input: the catalogue', () => {
  test('names are unique', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { error } = run(c);
    const found = error.problems.filter((p) => p.code === c.code);
    expect(found).toHaveLength(1);
    const p = found[0];
    expect(p).toMatchObject({ severity: 'error', path: c.path });
    expect(p.message).toMatch(c.message);
    expect(p.value).toMatch(c.value);
    expect(p.fix).toMatch(c.fix);
    // One mistake, one problem.
    expect(errors(error.problems)).toHaveLength(1);
    expect(error.message).toContain(`[${c.code}] error at ${c.path}: ${p.message}`);
  });
});

describe('ill-typed input: every problem at once', () => {
  test('a declaration with many ill-typed values reports each of them in one error', () => {
    const b = base();
    new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: '10.2.0.0/16' as any, layers: [] });
    new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', tier: 'critical' as any, selector: { app: 1 as any } });
    new SensitiveTier(b.topo, 'pay', { level: Sensitivity.SENSITIVE, mutualAuth: 'no' as any });
    b.web.allowTo(b.cart, Port.named('grpc'), { http: null as any });
    grant(b, 'oncall', { reason: 'x'.repeat(300 * 1024), approvers: 'alice' });
    const e = planError(b.topo);
    expect(e.problems.map((p) => [p.code, p.path])).toEqual([
      ['BH-INPUT-TYPE', 'shop/api'],
      ['BH-TIER-TYPE', 'shop/api'],
      ['BH-INPUT-TYPE', 'shop/gke'],
      ['BH-LAYERS-EMPTY', 'shop/gke'],
      ['BH-INPUT-TYPE', 'shop/oncall'],
      ['BH-TEXT-LIMIT', 'shop/oncall'],
      ['BH-INPUT-TYPE', 'shop/pay'],
      ['BH-INPUT-TYPE', 'shop/web (web -> cart)'],
    ]);
    // A 300 KiB value is not repeated in the message.
    expect(e.message.length).toBeLessThan(10_000);
  });

  test('the same declaration, typed correctly, is valid', () => {
    const b = base();
    const pay = new SensitiveTier(b.topo, 'pay', { level: Sensitivity.SENSITIVE, mutualAuth: true });
    new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], layers: ['kubernetes'] });
    new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'api', tier: pay, selector: { app: 'api' } });
    b.web.allowTo(b.cart, Port.named('grpc'), {});
    grant(b, 'oncall', { reason: 'cart is losing orders', approvers: ['alice'] });
    expect(plan(b.topo).breakGlass.map((g) => g.name)).toEqual(['oncall']);
  });
});

describe('the time the plan is built at', () => {
  test('an invalid `now` does not keep an expired grant in force', () => {
    const b = base();
    grant(b, 'old', { start: '2020-01-01T00:00:00Z' });
    // Valid: the grant has expired and is not emitted.
    expect(plan(b.topo).breakGlass).toEqual([]);
    // Invalid: an error, never a plan (an invalid Date compares false with every expiry).
    let thrown: unknown;
    try {
      synthesize(b.topo, { now: new Date(Number.NaN) });
    } catch (e) {
      thrown = e;
    }
    expect(BulkheadError.isBulkheadError(thrown)).toBe(true);
    expect((thrown as BulkheadError).problems).toEqual([expect.objectContaining({
      code: 'BH-NOW', path: 'shop', value: 'Invalid Date', message: expect.stringMatching(/not a valid Date/), fix: expect.stringMatching(/valid Date/),
    })]);
  });

  test('a clock that throws is reported, with its message', () => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', clock: () => { throw new Error('no time source'); } });
    new Cluster(topo, 'eks', { cloud: 'aws' });
    expect(() => buildPlan(topo)).toThrow(/\[BH-CLOCK\] error at shop: the clock threw an error: no time source/);
  });
});

describe('construct scopes and ids', () => {
  test.each([
    ['a scope that is not a construct', () => new Workload({} as any, 'w', {} as any), 'BH-CONSTRUCT-SCOPE', 'new Workload', /scope of a Workload must be a construct/, /an object/],
    ['no scope for a Cluster', () => new Cluster(undefined as any, 'c', { cloud: 'aws' }), 'BH-CONSTRUCT-SCOPE', 'new Cluster', /scope of a Cluster must be a construct/, /undefined/],
    ['an id that is a number', () => new External(base().topo, 5 as any, { fqdns: ['a.example.com'] }), 'BH-CONSTRUCT-ID', 'shop/?', /id of an External must be a non-empty string/, /^5$/],
    ['an id used twice', () => { const b = base(); new Cluster(b.topo, 'eks', { cloud: 'aws' }); }, 'BH-CONSTRUCT-ID', 'shop/eks', /already has the id 'eks'/, /^"eks"$/],
  ] as const)('%s', (_name, f, code, path, message, value) => {
    let thrown: unknown;
    try {
      f();
    } catch (e) {
      thrown = e;
    }
    expect(BulkheadError.isBulkheadError(thrown)).toBe(true);
    const p = (thrown as BulkheadError).problems[0] as Problem;
    expect(p).toMatchObject({ code, path });
    expect(p.message).toMatch(message);
    expect(p.value).toMatch(value);
    expect(p.fix.length).toBeGreaterThan(10);
  });
});

describe('value-type errors', () => {
  test('an uncaught value-type error prints its problems once, not the internal array', () => {
    let thrown: unknown;
    try {
      const b = base();
      new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', ports: { http: Port.tcp(0) } });
    } catch (e) {
      thrown = e;
    }
    const printed = util.inspect(thrown);
    expect(printed).toContain('[BH-PORT-RANGE] error at Port.tcp: a port must be a whole number from 1 to 65535');
    expect(printed).not.toMatch(/problems: \[/);
    expect(printed).not.toMatch(/severity: 'error'/);
    expect(Object.keys(thrown as object)).toEqual([]);
    // The problems stay readable.
    expect((thrown as BulkheadError).problems.map((p) => p.code)).toEqual(['BH-PORT-RANGE']);
  });

  test('a Duration changed after it was made names the construct it was passed to', () => {
    const b = base();
    const d = Duration.hours(1);
    (d as any).totalSeconds = Number.NaN;
    grant(b, 'oncall', { duration: d });
    const e = planError(b.topo);
    expect(e.problems).toEqual([expect.objectContaining({ code: 'BH-DURATION', path: 'shop/oncall', value: 'NaN', message: expect.stringMatching(/duration is not a valid Duration/) })]);
  });

  test('text limits are documented and fit the annotation limit many times over', () => {
    const total = TEXT_LIMITS.reason + TEXT_LIMITS.ticket + TEXT_LIMITS.group + TEXT_LIMITS.justification + TEXT_LIMITS.approvers * (TEXT_LIMITS.approver + 1);
    expect(total).toBeLessThan(256 * 1024 / 16);
  });
});
