/**
 * Generates the compact field schemas the manifest loader checks objects against
 * (`lib/imports/schemas.ts`): the fields, required fields and value shapes of
 *
 * - the core kinds the analysis reads, from the OpenAPI-generated types of the
 *   `kubernetes-models` package;
 * - the custom resources of the policy layers, from their upstream CRDs in `../shared/crds`
 *   (kinds only for the policy sets the analysis does not simulate).
 *
 * It also generates, from the same compact schemas, the TypeScript types of the kinds the
 * simulators decode (`lib/imports/kinds.ts`): the decoders check an object against its
 * kind's schema first (`decodeShape` of `lib/analysis/schema.ts`), then read it as that type.
 *
 * Run with `npx projen gen-schemas`. The output is committed, so that neither users nor CI
 * need `../shared` at run time.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jsyaml from 'js-yaml';
import * as ts from 'typescript';

/** A compact schema: a primitive code, a `#Name` reference, `[item]` for a list, or an object. */
type S = string | [S] | { p?: Record<string, S>; r?: string[]; m?: S; o?: 1 };

const ROOT = path.resolve(__dirname, '..');
const CRDS = path.resolve(ROOT, '..', 'shared', 'crds');
const OUT = path.join(ROOT, 'lib', 'imports', 'schemas.ts');
const KINDS_OUT = path.join(ROOT, 'lib', 'imports', 'kinds.ts');

/**
 * The kinds the simulators decode, with the version whose schema they read, and the name of
 * the generated type. A new CRD version is picked up by adding its CRD to `../shared/crds`,
 * changing the version here and regenerating: the type checker then shows every decoder line
 * the new shape breaks.
 */
const TYPED_KINDS: readonly [apiVersion: string, kind: string][] = [
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy'],
  ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy'],
  ['policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy'],
  ['cilium.io/v2', 'CiliumNetworkPolicy'],
  ['cilium.io/v2', 'CiliumClusterwideNetworkPolicy'],
  ['security.istio.io/v1', 'AuthorizationPolicy'],
  ['security.istio.io/v1', 'PeerAuthentication'],
  ['networking.istio.io/v1', 'Sidecar'],
  ['networking.istio.io/v1', 'ServiceEntry'],
  ['ec2.aws.upbound.io/v1beta1', 'SecurityGroup'],
  ['ec2.aws.upbound.io/v1beta1', 'SecurityGroupIngressRule'],
  ['ec2.aws.upbound.io/v1beta1', 'SecurityGroupEgressRule'],
  ['ec2.aws.upbound.io/v1beta1', 'ManagedPrefixList'],
  ['ec2.aws.upbound.io/v1beta1', 'ManagedPrefixListEntry'],
  ['vpcresources.k8s.aws/v1beta1', 'SecurityGroupPolicy'],
];

/** Core kinds: apiVersion, kind and the declaration file in kubernetes-models. */
const CORE_KINDS: readonly [string, string, string][] = [
  ['v1', 'Pod', 'v1/Pod.d.ts'],
  ['v1', 'Service', 'v1/Service.d.ts'],
  ['v1', 'Namespace', 'v1/Namespace.d.ts'],
  ['v1', 'ReplicationController', 'v1/ReplicationController.d.ts'],
  ['apps/v1', 'Deployment', 'apps/v1/Deployment.d.ts'],
  ['apps/v1', 'StatefulSet', 'apps/v1/StatefulSet.d.ts'],
  ['apps/v1', 'DaemonSet', 'apps/v1/DaemonSet.d.ts'],
  ['apps/v1', 'ReplicaSet', 'apps/v1/ReplicaSet.d.ts'],
  ['batch/v1', 'Job', 'batch/v1/Job.d.ts'],
  ['batch/v1', 'CronJob', 'batch/v1/CronJob.d.ts'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'networking.k8s.io/v1/NetworkPolicy.d.ts'],
];

/** CRD sets whose schemas are generated (the layers the analysis reads). */
const SCHEMA_SETS = ['cilium', 'istio', 'network-policy-api', 'spire'];
/** CRD sets of policy kinds the analysis does not simulate: only their kinds are listed. */
const NOT_SIMULATED_SETS = ['aws', 'azure', 'calico', 'gateway-api', 'gcp', 'linkerd'];
/** API groups of those sets whose kinds the analysis reads all the same (the `aws` layer: Crossplane security groups). */
const SIMULATED_GROUPS = ['ec2.aws.upbound.io'];
/**
 * Groups of the not-simulated sets whose schemas are generated all the same: kinds Bulkhead
 * emits (the Istio layer's waypoint Gateway, which the Istio simulator reads as such, while
 * other Gateways stay unsimulated; the EKS SecurityGroupPolicy).
 */
const EMITTED_GROUPS = ['gateway.networking.k8s.io', 'vpcresources.k8s.aws'];

// ---------------------------------------------------------------------------------------------
// Core kinds, from the TypeScript declarations (generated from the Kubernetes OpenAPI schema)

const defs: Record<string, S> = {};
const defFiles = new Map<string, string>();

function coreSchemas(): Record<string, S> {
  const pkg = path.dirname(require.resolve('kubernetes-models/package.json', { paths: [ROOT] }));
  const files = CORE_KINDS.map(([, , f]) => path.join(pkg, f));
  const program = ts.createProgram(files, { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const out: Record<string, S> = {};
  for (const [apiVersion, kind, file] of CORE_KINDS) {
    const sf = program.getSourceFile(path.join(pkg, file));
    if (!sf) throw new Error(`cannot read ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    const iface = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === `I${kind}`);
    if (!iface) throw new Error(`no interface I${kind} in ${file}`);
    out[`${apiVersion}/${kind}`] = objectOf(checker, checker.getDeclaredTypeOfSymbol(iface), true);
  }
  return out;
}

function objectOf(checker: ts.TypeChecker, type: ts.Type, root: boolean): S {
  const p: Record<string, S> = {};
  const r: string[] = [];
  for (const prop of checker.getPropertiesOfType(type)) {
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    if (!decl) continue;
    const t = checker.getTypeOfSymbolAtLocation(prop, decl);
    p[prop.name] = shapeOf(checker, t);
    if (!(prop.flags & ts.SymbolFlags.Optional)) r.push(prop.name);
  }
  const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
  const out: { p?: Record<string, S>; r?: string[]; m?: S } = {};
  if (Object.keys(p).length > 0) out.p = sortKeys(p);
  if (r.length > 0) out.r = r.sort();
  if (index) out.m = shapeOf(checker, index.type);
  if (!root && !out.p && !out.m) return '*';
  return out;
}

function shapeOf(checker: ts.TypeChecker, t: ts.Type): S {
  const flags = t.getFlags();
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return '*';
  if (t.isUnion()) {
    const parts = t.types.filter((x) => !(x.getFlags() & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    const kinds = new Set(parts.map((x) => primitive(x)));
    if (kinds.size === 1) {
      const only = [...kinds][0];
      if (only !== undefined) return only;
    }
    if (kinds.size === 2 && kinds.has('s') && kinds.has('n')) return 'x';
    if (parts.length === 1) return shapeOf(checker, parts[0]);
    if (kinds.has('b') && kinds.size === 1) return 'b';
    return '*';
  }
  const prim = primitive(t);
  if (prim) return prim;
  if (checker.isArrayType(t)) {
    const [item] = checker.getTypeArguments(t as ts.TypeReference);
    return [shapeOf(checker, item)];
  }
  if (flags & ts.TypeFlags.Object) {
    const sym = t.aliasSymbol ?? t.getSymbol();
    const name = sym?.name;
    if (sym && name && name !== '__type' && name !== '__object') {
      const file = sym.declarations?.[0]?.getSourceFile().fileName ?? '';
      let key = defName(name);
      for (let i = 2; defFiles.has(key) && defFiles.get(key) !== file; i++) key = `${defName(name)}${i}`;
      if (!defFiles.has(key)) {
        defFiles.set(key, file);
        defs[key] = '*'; // placeholder while recursing
        defs[key] = objectOf(checker, t, false);
      }
      return `#${key}`;
    }
    return objectOf(checker, t, false);
  }
  return '*';
}

function primitive(t: ts.Type): string | undefined {
  const f = t.getFlags();
  if (f & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral)) return 's';
  if (f & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) return 'n';
  if (f & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) return 'b';
  return undefined;
}

/** `IContainer` → `Container` (the interface name without its `I`). */
function defName(name: string): string {
  return name.replace(/^I(?=[A-Z])/, '');
}

// ---------------------------------------------------------------------------------------------
// Custom resources, from their CRDs

interface CrdKind {
  readonly group: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly set: string;
  readonly versions: readonly string[];
}

function crds(): { kinds: CrdKind[]; schemas: Record<string, S> } {
  const kinds: CrdKind[] = [];
  const schemas: Record<string, S> = {};
  for (const set of [...SCHEMA_SETS, ...NOT_SIMULATED_SETS].sort()) {
    const dir = path.join(CRDS, set);
    for (const f of yamlFiles(dir)) {
      for (const doc of jsyaml.loadAll(fs.readFileSync(f, 'utf8'))) {
        const crd = doc as { kind?: string; spec?: { group: string; scope: string; names: { kind: string }; versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Json } }[] } };
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        const { group, names, scope, versions } = crd.spec;
        const served = versions.filter((v) => v.served !== false);
        if (!kinds.some((k) => k.group === group && k.kind === names.kind)) {
          kinds.push({ group, kind: names.kind, namespaced: scope === 'Namespaced', set, versions: served.map((v) => v.name).sort() });
        }
        if (!SCHEMA_SETS.includes(set) && !SIMULATED_GROUPS.includes(group) && !EMITTED_GROUPS.includes(group)) continue;
        for (const v of served) {
          const root = v.schema?.openAPIV3Schema;
          if (!root) continue;
          const s = crdShape(root);
          // every object has apiVersion, kind and an ObjectMeta, whatever the CRD's schema says
          if (typeof s === 'object' && !Array.isArray(s)) s.p = sortKeys({ ...(s.p ?? {}), apiVersion: 's', kind: 's', metadata: '#ObjectMeta' });
          // the same CRD from several channels (standard, experimental): the union of their fields
          const key = `${group}/${v.name}/${names.kind}`;
          schemas[key] = key in schemas ? union(schemas[key], s) : s;
        }
      }
    }
  }
  kinds.sort((a, b) => (a.group + a.kind < b.group + b.kind ? -1 : 1));
  return { kinds, schemas };
}

interface Json {
  readonly type?: string;
  readonly properties?: Record<string, Json>;
  readonly required?: readonly string[];
  readonly items?: Json;
  readonly additionalProperties?: boolean | Json;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly default?: unknown;
}

function crdShape(j: Json): S {
  if (j['x-kubernetes-int-or-string']) return 'x';
  switch (j.type) {
    case 'string':
      return 's';
    case 'integer':
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'array':
      return [j.items ? crdShape(j.items) : '*'];
    case 'object':
    case undefined: {
      const out: { p?: Record<string, S>; r?: string[]; m?: S; o?: 1 } = {};
      if (j.properties) {
        const p: Record<string, S> = {};
        for (const [k, v] of Object.entries(j.properties)) p[k] = crdShape(v);
        out.p = sortKeys(p);
      }
      // a required field with a default is filled in by the API server before validation
      const required = (j.required ?? []).filter((k) => j.properties?.[k]?.default === undefined);
      if (required.length > 0) out.r = [...required].sort();
      if (j['x-kubernetes-preserve-unknown-fields']) out.o = 1;
      if (typeof j.additionalProperties === 'object') out.m = crdShape(j.additionalProperties);
      else if (j.additionalProperties === true) out.m = '*';
      if (!out.p && !out.m && !out.o) return j.type === undefined ? '*' : { o: 1 };
      return out;
    }
    default:
      return '*';
  }
}

/** The YAML files of a folder and its subfolders, sorted. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(e.name)) out.push(full);
  }
  return out.sort();
}

/** The union of two schemas: every field of either; required only where both require it. */
function union(a: S, b: S): S {
  if (typeof a !== 'object' || typeof b !== 'object') return a === b ? a : '*';
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) ? [union(a[0], b[0])] : '*';
  const oa = a as Exclude<S, string | [S]>;
  const ob = b as Exclude<S, string | [S]>;
  const out: { p?: Record<string, S>; r?: string[]; m?: S; o?: 1 } = {};
  const keys = [...new Set([...Object.keys(oa.p ?? {}), ...Object.keys(ob.p ?? {})])];
  if (keys.length > 0) {
    const p: Record<string, S> = {};
    for (const k of keys) p[k] = oa.p?.[k] !== undefined && ob.p?.[k] !== undefined ? union(oa.p[k], ob.p[k]) : (oa.p?.[k] ?? ob.p?.[k]) as S;
    out.p = sortKeys(p);
  }
  const r = (oa.r ?? []).filter((k) => (ob.r ?? []).includes(k));
  if (r.length > 0) out.r = r;
  if (oa.m !== undefined || ob.m !== undefined) out.m = oa.m !== undefined && ob.m !== undefined ? union(oa.m, ob.m) : (oa.m ?? ob.m);
  if (oa.o || ob.o) out.o = 1;
  return out;
}

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The text of `lib/imports/schemas.ts`. */
export function generate(): string {
  for (const k of Object.keys(defs)) delete defs[k];
  defFiles.clear();
  const core = coreSchemas();
  const { kinds, schemas } = crds();
  const kindsOut = sortKeys({ ...core, ...schemas });
  const crdKinds = kinds.map((k) => ({ group: k.group, kind: k.kind, namespaced: k.namespaced, simulated: SCHEMA_SETS.includes(k.set) || SIMULATED_GROUPS.includes(k.group), set: k.set, versions: k.versions }));
  const text = [
    '// Generated by `npx projen gen-schemas` (projenrc/gen-schemas.ts). Do not edit by hand.',
    '// Sources: the OpenAPI-generated types of kubernetes-models (core kinds) and the upstream',
    '// CustomResourceDefinitions of Cilium, Istio, network-policy-api, SPIRE, Calico, Linkerd,',
    '// Gateway API and the cloud providers. Only fields, required fields and value shapes are kept.',
    '/* eslint-disable */',
    "import type { CompactSchema, CrdKindInfo } from '../analysis/schema';",
    '',
    '/** Named schemas referenced as `#name`. */',
    `export const DEFS: Readonly<Record<string, CompactSchema>> = ${JSON.stringify(sortKeys(defs))};`,
    '',
    '/** The schema of each kind, by `apiVersion/kind` (`v1/Pod`, `cilium.io/v2/CiliumNetworkPolicy`). */',
    `export const KINDS: Readonly<Record<string, CompactSchema>> = ${JSON.stringify(kindsOut)};`,
    '',
    '/** Every custom resource kind of the upstream CRDs, with its scope and whether the analysis simulates it. */',
    `export const CRD_KINDS: readonly CrdKindInfo[] = ${JSON.stringify(crdKinds)};`,
    '',
  ].join('\n');
  return text;
}

// ---------------------------------------------------------------------------------------------
// TypeScript types of the decoded kinds, from the compact schemas

/**
 * The TypeScript type of a compact schema. Every field is optional and may be `null` (the
 * decoders also read objects the loader did not check, and the API server reads `null` as
 * absent); list items and map values are never `null` (the shape check refuses them).
 */
function tsType(s: S, indent: string, used: Set<string>): string {
  if (typeof s === 'string') {
    if (s.startsWith('#')) {
      used.add(s.slice(1));
      return s.slice(1);
    }
    return ({ s: 'string', n: 'number', b: 'boolean', x: 'number | string' } as Record<string, string>)[s] ?? 'unknown';
  }
  if (Array.isArray(s)) {
    const item = tsType(s[0], indent, used);
    return /^[\w.]+$/.test(item) ? `readonly ${item}[]` : `ReadonlyArray<${item}>`;
  }
  const o = s as Exclude<S, string | [S]>;
  const inner = `${indent}  `;
  const lines: string[] = [];
  for (const [k, v] of Object.entries(o.p ?? {})) {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
    // the members of a named type carry a comment (the library documents every exported member)
    if (indent === '') lines.push(`${inner}/** \`${k}\`. @default - not set */`);
    lines.push(`${inner}readonly ${key}?: ${tsType(v, inner, used)} | null;`);
  }
  if (indent === '' && (o.m !== undefined || o.o)) lines.push(`${inner}/** Any other field. */`);
  if (o.m !== undefined) lines.push(`${inner}readonly [key: string]: ${o.p ? 'unknown' : tsType(o.m, inner, used)};`);
  else if (o.o) lines.push(`${inner}readonly [key: string]: unknown;`);
  if (lines.length === 0) return '{}';
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** The text of `lib/imports/kinds.ts`. */
export function generateKinds(): string {
  for (const k of Object.keys(defs)) delete defs[k];
  defFiles.clear();
  const core = coreSchemas();
  const { schemas } = crds();
  const all: Record<string, S> = { ...core, ...schemas };
  const used = new Set<string>();
  const out: string[] = [
    '// Generated by `npx projen gen-schemas` (projenrc/gen-schemas.ts). Do not edit by hand.',
    '// The types of the kinds the simulators decode, from the compact schemas of',
    '// `./schemas.ts` (the OpenAPI-generated types of kubernetes-models and the upstream CRDs).',
    '// An object has this type once `decodeShape` (lib/analysis/schema.ts) accepted it against the',
    '// schema of its kind. Every field is optional: required fields are the loader\'s check.',
    '/* eslint-disable */',
    '',
    '/** The `apiVersion` whose schema each decoded kind is read with. */',
    `export const KIND_VERSIONS = ${JSON.stringify(Object.fromEntries(TYPED_KINDS.map(([v, k]) => [k, v])))} as const;`,
    '',
  ];
  for (const [apiVersion, kind] of TYPED_KINDS) {
    const s = all[`${apiVersion}/${kind}`];
    if (s === undefined) throw new Error(`no schema for ${apiVersion} ${kind}`);
    out.push(`/** ${kind} (${apiVersion}), as its upstream schema defines it. */`, `export interface ${kind} ${tsType(s, '', used)}`, '');
  }
  const done = new Set<string>();
  while ([...used].some((n) => !done.has(n))) {
    for (const name of [...used].sort()) {
      if (done.has(name)) continue;
      done.add(name);
      const d = defs[name];
      if (d === undefined) throw new Error(`no definition ${name}`);
      const t = tsType(d, '', used);
      out.push(`/** The upstream \`${name}\` (Kubernetes OpenAPI schema). */`, t.startsWith('{') ? `export interface ${name} ${t}` : `export type ${name} = ${t};`, '');
    }
  }
  return out.join('\n');
}

/** The generated file. */
export const SCHEMAS_FILE = OUT;

/** The generated types of the decoded kinds. */
export const KINDS_FILE = KINDS_OUT;

if (require.main === module) {
  const text = generate();
  fs.writeFileSync(OUT, text);
  process.stdout.write(`${path.relative(ROOT, OUT)}: ${text.length} bytes\n`);
  const kinds = generateKinds();
  fs.writeFileSync(KINDS_OUT, kinds);
  process.stdout.write(`${path.relative(ROOT, KINDS_OUT)}: ${kinds.length} bytes\n`);
}
