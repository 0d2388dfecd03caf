/**
 * `reportGraph` is written into the page as its source text (`Function.prototype.toString`) and
 * called there with the embedded dagre, so it may refer to nothing outside itself but its
 * parameter and the language's built-ins. Checked twice: by the TypeScript checker on the
 * serialized text alone (a name it cannot find is a reference to something the page lacks), and
 * by running the text in a fresh context that holds nothing else, where it must draw what the
 * Node side draws.
 */
import * as vm from 'vm';
import * as dagre from '@dagrejs/dagre';
import * as ts from 'typescript';
import { dagreBrowserSource } from '../../lib/report/dagre-source';
import { reportGraph } from '../../lib/report/graph';
import { GraphView, layoutSvg, svgText } from '../../lib/report/layout';

/**
 * Per function source text: the names it uses but neither declares nor finds among the ES2022
 * built-ins (one program for them all: the checker's start is the slow part).
 */
function unresolvedNames(sources: readonly string[]): string[][] {
  const files = sources.map((_, i) => `serialized-${i}.js`);
  const options: ts.CompilerOptions = { allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [], noResolve: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) => {
    const i = files.indexOf(name);
    // each one a script of its own: var serialized_i = <source>;
    return i >= 0 ? ts.createSourceFile(name, `var serialized_${i} = ${sources[i]};\n`, version, true, ts.ScriptKind.JS) : read(name, version, onError);
  };
  const program = ts.createProgram(files, options, host);
  // "Cannot find name" (2304), with a suggestion (2552), and the names of Node or the DOM (2580-2592)
  const codes = new Set([2304, 2552, 2580, 2582, 2584, 2591, 2592]);
  return files.map((f) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f))
    .filter((d) => codes.has(d.code))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')));
}

const view: GraphView = {
  nodes: [
    { id: 'a', label: 'shop/a', sub: 'c · tier', classes: ['kind-workload'], data: { node: 'a' }, parent: 'g' },
    { id: 'b', label: 'shop/b', classes: ['kind-workload'], data: { node: 'b' }, parent: 'g' },
    { id: 'x', label: 'outside', classes: ['group'], data: { group: 'external' } },
  ],
  edges: [{ from: 'a', to: 'b', flows: [0], classes: [] }, { from: 'b', to: 'x', flows: [1, 2], classes: ['external'], label: '2' }],
  clusters: [{ id: 'g', label: 'ns shop', data: { group: 'ns:c/shop' } }],
};

test('the serialized source names nothing the checker cannot find in itself or the built-ins; the check finds what is outside', () => {
  const [own, outside, dom] = unresolvedNames([
    reportGraph.toString(),
    'function f(dagre) { return helper(dagre) + CHAR; }',
    'function f() { return document.title; }',
  ]);
  expect(own).toEqual([]);
  // the check itself: a function that uses a module's helper and constant, or the page's document
  expect(outside).toEqual([expect.stringContaining("'helper'"), expect.stringContaining("'CHAR'")]);
  expect(dom).toEqual([expect.stringContaining("'document'")]);
});

test('run from its text in an empty context with the browser bundle of dagre, it draws what the Node side draws', () => {
  // dagre's bundle uses structuredClone, a built-in of browsers (and of Node's main context)
  const context = vm.createContext({ structuredClone });
  vm.runInContext(`${dagreBrowserSource()}\nvar reportGraph = ${reportGraph.toString()};`, context);
  const G = vm.runInContext('reportGraph(dagre)', context) as ReturnType<typeof reportGraph>;
  expect(svgText(G.layout(view))).toBe(layoutSvg(view));
  expect(svgText(G.layout(view))).toBe(svgText(reportGraph(dagre).layout(view)));
});
