/**
 * Loads a declaration (a Topology) from a program file, for `bulkhead verify`, `bulkhead synth`
 * and `bulkhead diff` on declarations.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Topology } from '../model/topology';

/** Thrown when a program file does not yield a Topology. */
export class DeclarationLoadError extends Error {}

/** Whether a path names a program (TypeScript or JavaScript) rather than manifests. */
export function isProgram(p: string): boolean {
  return /\.(ts|js|cjs|mts|cts)$/.test(p) && fs.existsSync(p) && fs.statSync(p).isFile();
}

/**
 * Loads a Topology from a module. The module may export it as `topology`, as its default
 * export, or through a function (named with `exportName`, or the default export) that returns
 * a Topology or an object with a `topology` property; the function is called with no scope.
 * TypeScript files are compiled on the fly with ts-node when it is installed.
 *
 * @param file the program file
 * @param exportName the export to use @default - `topology`, then the default export
 */
export function loadTopology(file: string, exportName?: string): Topology {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new DeclarationLoadError(`no such file: ${file}`);
  if (/\.[mc]?ts$/.test(abs)) registerTypeScript(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(abs) as Record<string, unknown>;
  const names = exportName ? [exportName] : ['topology', 'default'];
  for (const name of names) {
    const found = fromValue(mod[name]);
    if (found) return found;
  }
  const exported = Object.keys(mod).sort().join(', ') || 'nothing';
  throw new DeclarationLoadError(`${file} does not export a Topology as ${names.map((n) => `'${n}'`).join(' or ')} (it exports: ${exported}); export one, or name the export (or a function returning one) with --export`);
}

function fromValue(v: unknown): Topology | undefined {
  if (Topology.isTopology(v)) return v;
  if (typeof v === 'function') return fromValue((v as (scope?: unknown) => unknown)(undefined));
  if (v && typeof v === 'object' && 'topology' in v) return fromValue((v as { topology: unknown }).topology);
  return undefined;
}

function registerTypeScript(file: string): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsNode = require('ts-node') as { register(o: object): void };
    tsNode.register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
  } catch {
    throw new DeclarationLoadError(`${file} is TypeScript and ts-node is not installed: install ts-node, or compile the program to JavaScript`);
  }
}
