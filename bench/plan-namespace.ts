/**
 * Planning one crowded namespace: N workloads in a single namespace, timed through
 * `buildPlan()` (validation included, so the selector-overlap check of the namespace is in
 * the measured phase). The check compares each selector with the pods that carry its rarest
 * label, so planning grows linearly; a pairwise comparison grows with the square of N.
 *
 *   npx ts-node --transpile-only bench/plan-namespace.ts
 *   npx ts-node --transpile-only bench/plan-namespace.ts --sizes 5000,20000 --repeat 3
 *
 * Target: growth per doubling ≤ 2.2 between the smallest and the largest size (a quadratic
 * check gives about 4). Prints a table and one PASS/FAIL line; always exits 0.
 */
import { Cluster, Port, Topology, Workload } from '../lib';
import { buildPlan } from '../lib/plan/build';
import { fullGc, growthPerDoubling, intOption, parseSizes, sec, table, timed } from './harness';

const DEFAULT_SIZES = [2500, 5000, 10000, 20000];
const NOW = new Date('2026-11-22T21:00:00Z');

/**
 * N workloads in namespace `crowd`, each selected by its own `app` label and a team label
 * shared by a tenth of them (a selector on the shared label alone would overlap them all).
 */
function declare(n: number): Topology {
  const topo = new Topology(undefined, 'crowd', { trustDomain: 'crowd.example.com', clock: () => NOW });
  const cluster = new Cluster(topo, 'eks', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'], layers: ['kubernetes'] });
  for (let i = 0; i < n; i++) {
    new Workload(topo, `w${i}`, { cluster, namespace: 'crowd', selector: { 'app': `w${i}`, 'example.com/team': `t${i % 10}` }, ports: { http: Port.tcp(8080) } });
  }
  return topo;
}

function main(argv: readonly string[]): void {
  const sizes = parseSizes(argv, DEFAULT_SIZES);
  const repeat = intOption(argv, '--repeat', 1);
  const rows: { n: number; ms: number }[] = [];
  for (const n of sizes) {
    const topo = declare(n);
    let best = Infinity;
    for (let r = 0; r < repeat; r++) {
      fullGc();
      const [, ms] = timed(() => buildPlan(topo, { now: NOW }));
      best = Math.min(best, ms);
    }
    rows.push({ n, ms: best });
    process.stderr.write(`${n} workloads in one namespace: ${sec(best)} s\n`);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const growth = rows.length > 1 ? growthPerDoubling(first.n, first.ms, last.n, last.ms) : NaN;
  process.stdout.write(`\nbuildPlan, one namespace (best of ${repeat})\n`);
  process.stdout.write(table(['workloads', 'plan s', 'ms per workload'], rows.map((r) => [String(r.n), sec(r.ms), (r.ms / r.n).toFixed(3)])) + '\n');
  if (rows.length > 1) {
    process.stdout.write(`${growth <= 2.2 ? 'PASS' : 'FAIL'} growth per doubling ${growth.toFixed(2)} (target ≤ 2.2; quadratic ≈ 4), ${first.n} → ${last.n} workloads\n`);
  }
}

main(process.argv.slice(2));
