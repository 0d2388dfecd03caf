/** Aggregation of records into distinct flows: direction, denials, external folding, bounded HTTP paths, streaming. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aggregator, flowText, forEachLine, loadInventory, readerFor } from '../../lib/infer';

const inv = loadInventory([{ path: path.join(__dirname, '..', 'fixtures', 'flows', 'manifests') }]);

function vpc(lines: string[], options = {}) {
  const agg = new Aggregator(inv, options);
  const r = readerFor('vpc');
  lines.forEach((l, i) => agg.line(r, `2 123456789012 eni-1 ${l} 1 40 1 2 ACCEPT OK`, `vpc.log:${i + 1}`));
  return agg.result();
}

test('VPC: the side that serves the port is the destination; both records of one connection are one flow', () => {
  const r = vpc(['10.20.1.20 10.20.2.10 48000 6379 6', '10.20.2.10 10.20.1.20 6379 48000 6']);
  expect(r.flows.map(flowText)).toEqual(['eks/shop/cart => eks/data/redis : TCP/6379']);
  expect(r.counts.skipped.reply).toBe(1);
});

test('VPC: with no known port on either side, the lower port is the server (ephemeral client ports)', () => {
  const r = vpc(['10.20.1.20 10.50.0.8 48100 5432 6', '10.50.0.8 10.20.1.20 5432 48100 6']);
  expect(r.flows.map(flowText)).toEqual(['eks/shop/cart => external:ext-10-50-0-8 : TCP/5432']);
});

test('more outside addresses on a workload port than the threshold fold into one internet External', () => {
  const lines = Array.from({ length: 5 }, (_, i) => `198.51.100.${i + 1} 10.20.1.10 ${40000 + i} 8080 6`);
  const folded = vpc(lines, { foldExternalsAbove: 4 });
  expect(folded.flows.map(flowText)).toEqual(['external:internet => eks/shop/web : TCP/8080']);
  expect(folded.externals).toEqual([{ name: 'internet', cidrs: ['0.0.0.0/0'], fqdns: [] }]);
  expect(folded.warnings.map((w) => w.code)).toEqual(['BH-INFER-FOLDED']);
  expect(vpc(lines, { foldExternalsAbove: 5 }).externals).toHaveLength(5);
});

test('HTTP paths stay bounded per flow however many distinct paths the records hold', () => {
  const agg = new Aggregator(inv);
  for (let i = 0; i < 2000; i++) {
    agg.add({ source: { ip: '10.20.1.10' }, destination: { ip: '10.20.1.30' }, protocol: 'TCP', port: 8080, http: { method: 'GET', path: `/r${i % 700}/x${i}` } });
  }
  const [flow] = agg.result().flows;
  expect(flow.records).toBe(2000);
  expect(flow.http).toEqual([{ methods: ['GET'], paths: [] }]);
});

test('lines are read one at a time, across chunk boundaries, with CRLF and without a final newline', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-lines-'));
  try {
    const f = path.join(dir, 'x.log');
    const long = 'y'.repeat(70_000);
    fs.writeFileSync(f, `a\r\n${long}\nb\n\nc`);
    const seen: [string, number][] = [];
    forEachLine(f, (l, n) => { seen.push([l.length > 10 ? `${l.length}` : l, n]); });
    expect(seen).toEqual([['a', 1], ['70000', 2], ['b', 3], ['', 4], ['c', 5]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a stream read with readline gives the same flows as the file', async () => {
  const file = path.join(__dirname, '..', 'fixtures', 'flows', 'hubble.jsonl');
  const a = new Aggregator(inv);
  a.file(file);
  const b = new Aggregator(inv);
  await b.stream(fs.createReadStream(file), 'hubble.jsonl');
  expect(b.errors()).toEqual([]);
  expect(b.result().flows).toEqual(a.result().flows);
  const c = new Aggregator(inv);
  const { Readable } = await import('stream');
  await c.stream(Readable.from(['src,dst\n']), 'stdin');
  expect(c.errors().map((p) => `${p.code} ${p.path}`)).toEqual(['BH-INFER-FORMAT stdin:1']);
});
