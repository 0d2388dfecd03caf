/**
 * What the API server would store of an object: its fields are checked against the upstream
 * schema of its kind (generated into `lib/imports/schemas.ts` from the Kubernetes OpenAPI
 * types and the upstream CRDs). A field the schema does not know is dropped (as the API server
 * prunes it, or as `kubectl apply` refuses it); a required field that is missing means the API
 * server rejects the whole object.
 */
import { CRD_KINDS, DEFS, KINDS } from '../imports/schemas';
import { isRecord } from './selector';

/**
 * A compact field schema:
 *
 * - `'s'` string, `'n'` number, `'b'` boolean, `'x'` integer or string, `'*'` anything;
 * - `'#Name'` the named schema `Name`;
 * - `[item]` a list of `item`;
 * - `{ p, r, m, o }` a mapping with known fields `p`, required fields `r`, values `m` for any
 *   other key (a map), and `o: 1` when unknown fields are kept.
 */
export type CompactSchema =
  | string
  | readonly [CompactSchema]
  | {
    /** Known fields. @default - none */
    readonly p?: Readonly<Record<string, CompactSchema>>;
    /** Required fields. @default - none */
    readonly r?: readonly string[];
    /** The schema of the values of any other key (a map). @default - other keys are unknown */
    readonly m?: CompactSchema;
    /** `1` when unknown fields are kept (`x-kubernetes-preserve-unknown-fields`). @default - they are dropped */
    readonly o?: 1;
  };

/** A custom resource kind of the upstream CRDs. */
export interface CrdKindInfo {
  /** API group. */
  readonly group: string;
  /** Kind. */
  readonly kind: string;
  /** Whether objects of the kind live in a namespace. */
  readonly namespaced: boolean;
  /** Whether the analysis simulates (or reads) the kind. */
  readonly simulated: boolean;
  /** The CRD set it comes from (`calico`, `linkerd`, `cilium`, …). */
  readonly set: string;
  /** The versions the CRD serves. */
  readonly versions: readonly string[];
}

/** What {@link checkAgainstSchema} found. */
export interface SchemaCheck {
  /** The object with every unknown field removed: a copy when a field was dropped, the object itself otherwise (the input is never changed). */
  readonly value: unknown;
  /** Paths of the unknown fields, such as `spec.podSelectr`. */
  readonly unknown: readonly string[];
  /** Paths of the missing required fields, such as `spec.template.spec.containers[0].ports[0].containerPort`. */
  readonly missing: readonly string[];
}

/** The schema of `apiVersion/kind`, if the generated schemas have it. */
export function schemaOf(apiVersion: string, kind: string): CompactSchema | undefined {
  return KINDS[`${apiVersion}/${kind}`];
}

const CRD_BY_KEY = new Map(CRD_KINDS.map((k) => [`${k.group}|${k.kind}`, k]));

/** The upstream CRD kind of an API group and kind, if any. */
export function crdKind(group: string, kind: string): CrdKindInfo | undefined {
  return CRD_BY_KEY.get(`${group}|${kind}`);
}

/** Checks a value against a schema: removes unknown fields and lists the missing required ones. */
export function checkAgainstSchema(value: unknown, schema: CompactSchema): SchemaCheck {
  const unknown: string[] = [];
  const missing: string[] = [];
  const out = walk(value, schema, '', unknown, missing);
  return { value: out, unknown, missing };
}

function resolve(s: CompactSchema): CompactSchema {
  let cur = s;
  for (let i = 0; i < 64 && typeof cur === 'string' && cur.startsWith('#'); i++) cur = DEFS[cur.slice(1)] ?? '*';
  return cur;
}

const SEGMENTS = new Map<string, string>();

function join(base: string, key: string): string {
  let k = SEGMENTS.get(key);
  if (k === undefined) {
    k = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
    if (SEGMENTS.size < 10_000) SEGMENTS.set(key, k);
  }
  return base === '' ? k : `${base}.${k}`;
}

/** Walks a value; returns the value itself when nothing was dropped (no copy), a copy otherwise. */
function walk(value: unknown, schema: CompactSchema, at: string, unknown: string[], missing: string[]): unknown {
  const s = resolve(schema);
  if (typeof s === 'string') return value;
  if (Array.isArray(s)) {
    if (!Array.isArray(value)) return value;
    const item = (s as readonly [CompactSchema])[0];
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const w = walk(v, item, `${at}[${i}]`, unknown, missing);
      if (w !== v && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(w);
    });
    return out ?? value;
  }
  const o = s as Exclude<CompactSchema, string | readonly [CompactSchema]>;
  if (!isRecord(value)) return value;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  keys.forEach((k, i) => {
    const v = value[k];
    const known = o.p?.[k];
    let w: unknown;
    let keep = true;
    if (known !== undefined) w = walk(v, known, join(at, k), unknown, missing);
    else if (o.m !== undefined) w = walk(v, o.m, join(at, k), unknown, missing);
    else if (o.o === 1) w = v;
    else {
      unknown.push(join(at, k));
      keep = false;
    }
    if ((!keep || w !== v) && out === undefined) {
      out = {};
      for (const prev of keys.slice(0, i)) out[prev] = value[prev];
    }
    if (out !== undefined && keep) out[k] = w;
  });
  for (const r of o.r ?? []) {
    if (value[r] === undefined || value[r] === null) missing.push(join(at, r));
  }
  return out ?? value;
}

/** The schema of `apiVersion/kind`; throws when the generated schemas do not have it (a programming error). */
export function kindSchema(apiVersion: string, kind: string): CompactSchema {
  const s = schemaOf(apiVersion, kind);
  if (s === undefined) throw new Error(`no generated schema for ${apiVersion} ${kind}`);
  return s;
}

/** A named schema of the generated definitions (`#Name`); throws when there is none (a programming error). */
export function namedSchema(name: string): CompactSchema {
  const s = DEFS[name];
  if (s === undefined) throw new Error(`no generated schema named ${name}`);
  return s;
}

/**
 * The schema of a field below `schema`, following a path such as `spec.ingress[].from[]`
 * (`[]` steps into the items of a list). Throws when the path leaves the schema (a
 * programming error: decoders name fields of the upstream schema only).
 */
export function schemaAt(schema: CompactSchema, path: string): CompactSchema {
  let cur = resolve(schema);
  for (const seg of path.match(/[^.[\]]+|\[\]/g) ?? []) {
    if (seg === '[]') {
      if (!Array.isArray(cur)) throw new Error(`schema path ${path}: not a list at ${seg}`);
      cur = resolve((cur as readonly [CompactSchema])[0]);
      continue;
    }
    const o = typeof cur === 'string' || Array.isArray(cur) ? undefined : (cur as Exclude<CompactSchema, string | readonly [CompactSchema]>);
    const next = o?.p !== undefined && Object.prototype.hasOwnProperty.call(o.p, seg) ? o.p[seg] : o?.m;
    if (next === undefined) throw new Error(`schema path ${path}: no field ${seg}`);
    cur = resolve(next);
  }
  return cur;
}

/** The field names a mapping schema defines, sorted (none for a scalar, list or map schema). */
export function fieldNames(schema: CompactSchema): readonly string[] {
  const s = resolve(schema);
  if (typeof s === 'string' || Array.isArray(s)) return [];
  return Object.keys((s as Exclude<CompactSchema, string | readonly [CompactSchema]>).p ?? {}).sort();
}
