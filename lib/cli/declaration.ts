/**
 * Loads a declaration (a Topology, or an Environments) from a program file, for `bulkhead
 * verify`, `bulkhead synth` and `bulkhead diff` on declarations. `<file>#<environment>` names
 * one environment of an exported Environments.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BulkheadError } from '../core/errors';
import { Environments } from '../model/environment';
import { Topology } from '../model/topology';

/** Thrown when a program file does not yield a Topology. */
export class DeclarationLoadError extends Error {
  /**
   * @param file the program file, as given
   * @param message what is wrong
   * @param fix how to fix it @default - check the path
   */
  constructor(public readonly file: string, message: string, public readonly fix: string = 'pass the TypeScript or JavaScript file that declares the Topology') {
    super(message);
    this.name = 'DeclarationLoadError';
  }
}

/** Whether a path names a program (TypeScript or JavaScript) rather than manifests. */
export function isProgram(p: string): boolean {
  try {
    return /\.(ts|js|cjs|mts|cts)$/.test(p) && fs.existsSync(p) && fs.statSync(p).isFile();
  } catch {
    return false;
  }
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
  const side = environmentSide(file);
  const found = loadDeclaration(side ? side.file : file, exportName);
  if (Topology.isTopology(found)) {
    if (side) throw new DeclarationLoadError(file, `${side.file} exports a Topology, not an Environments: it has no environment '${side.environment}'`, `pass ${side.file} without #${side.environment}`);
    return found;
  }
  if (!side) {
    throw new DeclarationLoadError(file, `${file} exports an Environments (${found.names.join(', ')}), not one Topology`, `name the environment: ${file}#${found.names[found.names.length - 1] ?? 'prod'}`);
  }
  if (!found.names.includes(side.environment)) {
    throw new DeclarationLoadError(file, `${side.file} has no environment '${side.environment}' (it has ${found.names.join(', ')})`, `name one of its environments: ${found.names.map((n) => `${side.file}#${n}`).join(', ')}`);
  }
  return found.topology(side.environment);
}

/**
 * A program file followed by `#<environment>` (such as `main.ts#staging`): the file and the
 * environment; undefined for a plain path.
 */
export function environmentSide(text: string): { file: string; environment: string } | undefined {
  const m = /^(.+\.(?:ts|js|cjs|mjs|mts|cts))#([^#/\\]+)$/.exec(text);
  return m ? { file: m[1], environment: m[2] } : undefined;
}

/**
 * Loads a Topology or an Environments from a module, as {@link loadTopology} does (exports
 * `topology`, `environments`, then the default export; or the export named `exportName`).
 *
 * @param file the program file
 * @param exportName the export to use @default - `topology`, `environments`, then the default export
 */
export function loadDeclaration(file: string, exportName?: string): Topology | Environments {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new DeclarationLoadError(file, `no such file: ${file}`);
  if (fs.statSync(abs).isDirectory()) {
    throw new DeclarationLoadError(file, `${file} is a folder, not a declaration program`, `pass the program that declares the Topology (a .ts or .js file); to analyse a folder of manifests, use: bulkhead connlist ${file}`);
  }
  if (!/\.(ts|js|cjs|mjs|mts|cts)$/.test(abs)) {
    throw new DeclarationLoadError(file, `${file} is not a TypeScript or JavaScript program`, `pass the program that declares the Topology (a .ts or .js file); to analyse manifests, use: bulkhead connlist ${file}`);
  }
  if (/\.[mc]?ts$/.test(abs)) registerTypeScript(file);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof BulkheadError) throw e;
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new DeclarationLoadError(file, `${file} failed to load: ${first}`, 'fix the program so that it runs (try it with node or ts-node)');
  }
  const names = exportName ? [exportName] : ['topology', 'environments', 'default'];
  for (const name of names) {
    let found: Topology | Environments | undefined;
    try {
      found = fromValue(mod[name]);
    } catch (e) {
      if (e instanceof BulkheadError) throw e;
      throw new DeclarationLoadError(file, `the export '${name}' of ${file} failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, 'fix the function so that it returns the Topology');
    }
    if (found) return found;
  }
  const exported = Object.keys(mod).sort().join(', ') || 'nothing';
  throw new DeclarationLoadError(file, `${file} does not export a Topology as ${names.map((n) => `'${n}'`).join(' or ')}, nor an Environments (it exports: ${exported})`, 'export one, or name the export (or a function returning one) with --export');
}

function fromValue(v: unknown): Topology | Environments | undefined {
  if (Topology.isTopology(v) || Environments.isEnvironments(v)) return v;
  if (typeof v === 'function') return fromValue((v as (scope?: unknown) => unknown)(undefined));
  if (v && typeof v === 'object' && 'topology' in v) return fromValue((v as { topology: unknown }).topology);
  if (v && typeof v === 'object' && 'environments' in v) return fromValue((v as { environments: unknown }).environments);
  return undefined;
}

function registerTypeScript(file: string): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsNode = require('ts-node') as { register(o: object): void };
    tsNode.register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
  } catch {
    throw new DeclarationLoadError(file, `${file} is TypeScript and ts-node is not installed`, 'install ts-node, or compile the program to JavaScript');
  }
}
