/**
 * The browser bundle of dagre (the layout library, `@dagrejs/dagre`, MIT), read from the
 * installed package so that the page can lay its views out with no network access. Its licence
 * notice travels with it.
 */
import * as fs from 'fs';
import * as path from 'path';

let source: string | undefined;

/**
 * The script text that defines the global `dagre`: the package's minified browser bundle,
 * prefixed by its licence notice, without its source-map reference. Read once.
 */
export function dagreBrowserSource(): string {
  if (source !== undefined) return source;
  // the package's main entry is dist/dagre.cjs; the browser bundle sits beside it
  const dir = path.dirname(require.resolve('@dagrejs/dagre'));
  const bundle = fs.readFileSync(path.join(dir, 'dagre.min.js'), 'utf8');
  const legal = path.join(dir, 'dagre.min.js.LEGAL.txt');
  const text = fs.existsSync(legal) ? fs.readFileSync(legal, 'utf8').trim() : '';
  // the notice is a comment of its own; anything else is wrapped into one
  const notice = /^\/\*[\s\S]*\*\/$/.test(text) && text.indexOf('*/') === text.length - 2 ? text : `/*\n${text.replace(/\*\//g, '* /')}\n*/`;
  const body = bundle.replace(/\n?\/\/# sourceMappingURL=.*$/m, '').replace(/\n?\/\*! For license information[^*]*\*\/\n?/, '\n');
  // placed inside a <script> element: nothing in it may end the element or open a comment
  if (/<\/script|<!--/i.test(body + notice)) throw new Error('the dagre bundle holds text that would end its script element');
  source = `${notice}\n${body.trim()}\n`;
  return source;
}
