/**
 * The page's data (`pageData`): the rows of no block as tuples, and each block of rows of one
 * answer said once, by its sources and destinations. Decoded as the page's script decodes it,
 * it gives back every row of the model, with the same answer, and no other.
 */
import { GENERATED_NOW, generateTopology } from '../../bench/generate';
import { pageData, ReportData, reportOfTopology } from '../../lib/report';
import { AnalysisLayer } from '../../lib/analysis/types';

jest.setTimeout(180_000);

interface Page {
  layers: AnalysisLayer[];
  strings: string[];
  nodes: number[][];
  flows: number[][];
  sets: number[][];
  blocks: number[][];
  explanations: unknown[];
}

/** A row as the page shows it: ends, flags, per-layer answer, effective. */
function rowText(src: string, dst: string, flags: number, layers: Partial<Record<AnalysisLayer, string>>, effective: string): string {
  return JSON.stringify([src, dst, flags, Object.entries(layers).sort(), effective]);
}

/** Every row the page lists: its flows, and every pair of every block. */
function decoded(page: Page): string[] {
  const S = page.strings;
  const id = (n: number): string => S[page.nodes[n][0]];
  const layersOf = (t: number[], at: number): Partial<Record<AnalysisLayer, string>> => {
    const out: Partial<Record<AnalysisLayer, string>> = {};
    page.layers.forEach((l, k) => { if (t[at + k] >= 0) out[l] = S[t[at + k]]; });
    return out;
  };
  const rows = rowsOf(page).map(({ src, t }) => rowText(id(src), id(t[1]), t[2], layersOf(t, 4), S[t[3]]));
  const sets = setsOf(page);
  for (const b of page.blocks) {
    const layers = layersOf(b, 3);
    for (const s of sets[b[0]]) for (const d of sets[b[1]]) rows.push(rowText(id(s), id(d), b[2], layers, ''));
  }
  return rows.sort();
}

/** The flow tuples with their source node index and their index in the model (both written as differences). */
function rowsOf(page: Page): { src: number; row: number; t: number[] }[] {
  let src = 0;
  let row = -1;
  const gapAt = 7 + page.layers.length;
  return page.flows.map((t) => {
    src += t[0];
    row += 1 + (t.length > gapAt ? t[gapAt] : 0);
    return { src, row, t };
  });
}

/** The node index lists (written as differences). */
function setsOf(page: Page): number[][] {
  return page.sets.map((d) => d.reduce<number[]>((out, x, k) => [...out, k === 0 ? x : out[k - 1] + x], []));
}

function modelRows(data: ReportData): string[] {
  return data.flows.map((f) => rowText(f.src, f.dst, (f.cross ? 1 : 0) | (f.external ? 2 : 0) | (f.disagreement ? 4 : 0), f.layers, f.effective)).sort();
}

let data: ReportData;
let page: Page;
beforeAll(() => {
  // some rows explained, the others not: both kinds of tuple
  data = reportOfTopology(generateTopology(undefined, { workloads: 100 }).topology, { clock: GENERATED_NOW, verify: false, maxExplanations: 100 });
  page = pageData(data) as Page;
});

test('the topology has blocks, and the page lists their rows once per block, not per pair', () => {
  expect(data.blocks.length).toBeGreaterThan(0);
  const inBlocks = data.flows.filter((f) => f.block !== undefined).length;
  expect(inBlocks).toBeGreaterThan(data.blocks.length);
  expect(page.flows).toHaveLength(data.flows.length - inBlocks);
  expect(page.blocks).toHaveLength(data.blocks.length);
  // each flow tuple gives its row's index in the model
  expect(rowsOf(page).map((r) => r.row)).toEqual(data.flows.filter((f) => f.block === undefined).map((f) => f.id));
  // trailing defaults are left out: a tuple ends with its layers or with a field that says something
  const L = page.layers.length;
  expect(page.flows.filter((t) => t.length > 4 + L && (t.length === 8 + L ? t[7 + L] === 0 : t[t.length - 1] === -1))).toEqual([]);
  expect(page.flows.some((t) => t.length === 4 + L)).toBe(true);
});

test('decoded as the page decodes it, the flows and the blocks\' pairs are exactly the model\'s rows', () => {
  expect(decoded(page)).toEqual(modelRows(data));
});

test('the comparison sees a block that lost a pair or changed its answer', () => {
  const lost: Page = { ...page, sets: page.sets.map((s, i) => (i === page.blocks[0][0] ? s.slice(0, -1) : s)) };
  expect(decoded(lost)).not.toEqual(modelRows(data));
  const changed: Page = { ...page, blocks: page.blocks.map((b, i) => (i === 0 ? b.map((x, k) => (k === 2 ? x ^ 4 : x)) : b)) };
  expect(decoded(changed)).not.toEqual(modelRows(data));
});

test('a block holds the explanation of its first pair when the model holds one', () => {
  const L = page.layers.length;
  data.blocks.forEach((b, i) => {
    const held = data.flows[b.sample].explanation !== undefined;
    expect(page.blocks[i][3 + L] >= 0).toBe(held);
  });
});
