/**
 * What the API server would store of an object: its fields are checked against the upstream
 * schema of its kind (generated into `lib/imports/schemas.ts` from the Kubernetes OpenAPI
 * types and the upstream CRDs). A field the schema does not know is dropped (as the API server
 * prunes it, or as `kubectl apply` refuses it); a required field that is missing means the API
 * server rejects the whole object.
 *
 * The decoders of the simulators check the shape of what they read against the same schemas
 * ({@link decodeShape}: the type of every value, and, where they say so, every field), so
 * that they read an object as its generated type (`lib/imports/kinds.ts`) whether or not the
 * loader checked it, and word each problem as the analysis always has.
 */
import { CRD_KINDS, DEFS, KINDS } from '../imports/schemas';
import { AnalysisInputError, InputLocation, InputProblem, showValue, toProblem } from './errors';
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
  const w = new SchemaWalk();
  const out = w.walk(value, schema);
  return { value: out, unknown: w.unknown, missing: w.missing };
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

/**
 * One walk of {@link checkAgainstSchema}: the path to the value walked is kept as a stack of
 * keys and item indices, written out only for an unknown or missing field.
 */
class SchemaWalk {
  public readonly unknown: string[] = [];
  public readonly missing: string[] = [];
  private readonly segs: (string | number)[] = [];

  private path(last?: string): string {
    let at = '';
    for (const x of this.segs) at = typeof x === 'number' ? `${at}[${x}]` : join(at, x);
    return last === undefined ? at : join(at, last);
  }

  /** Walks a value; returns the value itself when nothing was dropped (no copy), a copy otherwise. */
  public walk(value: unknown, schema: CompactSchema): unknown {
    const s = resolve(schema);
    if (typeof s === 'string') return value;
    if (Array.isArray(s)) {
      if (!Array.isArray(value)) return value;
      const item = (s as readonly [CompactSchema])[0];
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        this.segs.push(i);
        const w = this.walk(v, item);
        this.segs.pop();
        if (w !== v && out === undefined) out = value.slice(0, i);
        if (out !== undefined) out.push(w);
      }
      return out ?? value;
    }
    const o = s as MappingSchema;
    if (!isRecord(value)) return value;
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = value[k];
      const known = o.p?.[k];
      let w: unknown;
      let keep = true;
      if (known !== undefined || o.m !== undefined) {
        this.segs.push(k);
        w = this.walk(v, known ?? (o.m as CompactSchema));
        this.segs.pop();
      } else if (o.o === 1) w = v;
      else {
        this.unknown.push(this.path(k));
        keep = false;
      }
      if ((!keep || w !== v) && out === undefined) {
        out = {};
        for (const prev of keys.slice(0, i)) out[prev] = value[prev];
      }
      if (out !== undefined && keep) out[k] = w;
    }
    for (const r of o.r ?? []) {
      if (value[r] === undefined || value[r] === null) this.missing.push(this.path(r));
    }
    return out ?? value;
  }
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

// ---------------------------------------------------------------------------------------------
// The shape of a value: what a decoder checks before it reads an object as its generated type

/** What a value at a place should have been: the words of a shape problem. */
export type ShapeExpected = 'a list' | 'a mapping' | 'a string' | 'a number' | 'true or false' | 'a number or a string';

/** How a decoder words one shape problem. */
export interface ShapeWords {
  /** What is wrong. */
  readonly message: string;
  /** How to fix it: text, or text made from the offending value and its field (`spec.forProvider.fromPort`). */
  readonly fix: string | ((value: unknown, field: string) => string);
}

/**
 * How a decoder checks the shape of (a part of) an object against the upstream schema of its
 * kind, and how it words what it finds. Places are field paths with `[]` for the items of a
 * list and `*` for the values of a map (`spec.ingress[].from[]`, `spec.selector.matchLabels.*`);
 * a key starting with `*.` names every place that ends so (`*.toPorts[]`).
 */
export interface ShapeSpec {
  /** The schema the value is checked against. */
  readonly schema: CompactSchema;
  /** Words for a value of the wrong type, by place. @default - the words of {@link ShapeSpec.defaults} */
  readonly mistyped?: Readonly<Record<string, ShapeWords>>;
  /** Words for a value of the wrong type, by what was expected, where no place has words of its own. @default - `this field must be a list` and so on */
  readonly defaults?: (expected: ShapeExpected) => ShapeWords;
  /** Words for a field the schema does not define (`known`: the fields it does define). @default - such fields are left alone (the loader drops them, or reports them) */
  readonly unknown?: (known: readonly string[], place: string) => ShapeWords | undefined;
  /** Fields beyond the schema that the decoder reads (an experimental channel, a newer release), by place. @default - none */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
  /** Places whose value a parser of its own reads and checks entirely (label selectors). @default - none */
  readonly opaque?: readonly string[];
}

/** One shape problem: a value of the wrong type or a field the schema does not define. */
export interface ShapeProblem {
  /** The field, such as `spec.ingress[0].from`. */
  readonly field: string;
  /** The place, such as `spec.ingress[].from`. */
  readonly place: string;
  /** The offending value (the field name, for an unknown field). */
  readonly value: unknown;
  /** The words. */
  readonly words: ShapeWords;
}

/** Words for a value of the wrong type, with an example of the right one (`must be a list`, `write a YAML list, for example [a]`). */
export function exampleWords(expected: ShapeExpected, example: string): ShapeWords {
  return {
    message: `must be ${expected}`,
    fix: expected === 'a list' ? `write a YAML list, for example ${example}` : expected === 'a mapping' ? `write a YAML mapping, for example ${example}` : `write ${expected}, for example ${example}`,
  };
}

const DEFAULT_WORDS = (expected: ShapeExpected): ShapeWords => ({
  message: `this field must be ${expected}`,
  fix: expected === 'a list' ? 'write it as a YAML list (- item)' : expected === 'a mapping' ? 'write it as a YAML mapping (key: value)' : `write ${expected}, as the upstream schema defines it`,
});

const EXPECTED: Readonly<Record<string, [ShapeExpected, (v: unknown) => boolean]>> = {
  s: ['a string', (v) => typeof v === 'string'],
  n: ['a number', (v) => typeof v === 'number' && Number.isFinite(v)],
  b: ['true or false', (v) => typeof v === 'boolean'],
  x: ['a number or a string', (v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string'],
};

function byPlace<T>(table: Readonly<Record<string, T>> | undefined, place: string): T | undefined {
  if (table === undefined) return undefined;
  if (Object.prototype.hasOwnProperty.call(table, place)) return table[place];
  for (const k of Object.keys(table)) if (k.startsWith('*.') && (place.endsWith(k.slice(1)) || place === k.slice(2))) return table[k];
  return undefined;
}

/**
 * The shape problems of a value: every value whose type is not the one the schema gives its
 * place (`null` is an absent field, but never a list item or a map value), and, when the spec
 * words them, every field the schema does not define. Values of type `*` and opaque places
 * are not looked into.
 *
 * @param value the value
 * @param spec the schema and the words
 * @param at the field path of the value (`spec`); `''` for a whole object @default ''
 */
export function shapeProblems(value: unknown, spec: ShapeSpec, at: string = ''): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  if (value === undefined || value === null) return out;
  const words = (place: string, expected: ShapeExpected): ShapeWords => byPlace(spec.mistyped, place) ?? (spec.defaults ?? DEFAULT_WORDS)(expected);
  // The field path is kept as a stack of keys and item indices, written out for a problem only.
  const segs: (string | number)[] = [];
  const field = (): string => {
    let f = at;
    for (const x of segs) f = typeof x === 'number' ? `${f}[${x}]` : f === '' ? x : `${f}.${x}`;
    return f;
  };
  const visit = (v: unknown, node: PlaceNode): void => {
    if (node.opaque) return;
    const s = node.schema;
    if (typeof s === 'string') {
      const e = EXPECTED[s];
      if (e && !e[1](v)) out.push({ field: field(), place: node.place, value: v, words: words(node.place, e[0]) });
      return;
    }
    if (Array.isArray(s)) {
      if (!Array.isArray(v)) {
        out.push({ field: field(), place: node.place, value: v, words: words(node.place, 'a list') });
        return;
      }
      const item = itemNode(spec, node);
      for (let i = 0; i < v.length; i++) {
        segs.push(i);
        visit(v[i], item);
        segs.pop();
      }
      return;
    }
    if (!isRecord(v)) {
      out.push({ field: field(), place: node.place, value: v, words: words(node.place, 'a mapping') });
      return;
    }
    const o = s as MappingSchema;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const x = v[k];
      const known = o.p !== undefined && Object.prototype.hasOwnProperty.call(o.p, k) ? o.p[k] : undefined;
      if (known !== undefined) {
        if (x === undefined || x === null) continue;
        segs.push(k);
        visit(x, fieldNode(spec, node, k, known));
        segs.pop();
      } else if (o.m !== undefined) {
        segs.push(k);
        visit(x, valuesNode(spec, node, o.m));
        segs.pop();
      } else if (o.o !== 1 && spec.unknown !== undefined && !(byPlace(spec.extra, node.place) ?? []).includes(k)) {
        const w = spec.unknown(Object.keys(o.p ?? {}).sort(), node.place);
        if (w !== undefined) {
          segs.push(k);
          out.push({ field: field(), place: node.place, value: k, words: w });
          segs.pop();
        }
      }
    }
  };
  visit(value, rootNode(spec, at.replace(/\[\d+\]/g, '[]')));
  return out;
}

/** A mapping schema. */
type MappingSchema = Exclude<CompactSchema, string | readonly [CompactSchema]>;

/**
 * One place of a {@link ShapeSpec} (`spec.ingress[].from`): its resolved schema, whether it is
 * opaque, and the places below it, made once per spec and place, as objects are checked.
 */
interface PlaceNode {
  readonly place: string;
  readonly schema: CompactSchema;
  readonly opaque: boolean;
  readonly fields: Map<string, PlaceNode>;
  item?: PlaceNode;
  values?: PlaceNode;
}

/** The places of each spec met, by the place of the value checked. */
const PLACES = new WeakMap<ShapeSpec, Map<string, PlaceNode>>();

function placeNode(spec: ShapeSpec, place: string, schema: CompactSchema): PlaceNode {
  const opaque = spec.opaque !== undefined && spec.opaque.some((k) => k === place || (k.startsWith('*.') && (place.endsWith(k.slice(1)) || place === k.slice(2))));
  return { place, schema: resolve(schema), opaque, fields: new Map() };
}

function rootNode(spec: ShapeSpec, place: string): PlaceNode {
  let roots = PLACES.get(spec);
  if (!roots) PLACES.set(spec, (roots = new Map()));
  let n = roots.get(place);
  if (!n) roots.set(place, (n = placeNode(spec, place, spec.schema)));
  return n;
}

function fieldNode(spec: ShapeSpec, parent: PlaceNode, key: string, schema: CompactSchema): PlaceNode {
  let n = parent.fields.get(key);
  if (!n) parent.fields.set(key, (n = placeNode(spec, parent.place === '' ? key : `${parent.place}.${key}`, schema)));
  return n;
}

function valuesNode(spec: ShapeSpec, parent: PlaceNode, schema: CompactSchema): PlaceNode {
  return (parent.values ??= placeNode(spec, parent.place === '' ? '*' : `${parent.place}.*`, schema));
}

function itemNode(spec: ShapeSpec, parent: PlaceNode): PlaceNode {
  return (parent.item ??= placeNode(spec, `${parent.place}[]`, (parent.schema as readonly [CompactSchema])[0]));
}

/**
 * Checks the shape of a value (see {@link shapeProblems}) and returns it as the generated type
 * of its place when it has none; throws an {@link AnalysisInputError} with every problem
 * otherwise. The type parameter is the generated type (`lib/imports/kinds.ts`) of the place.
 *
 * @param value the value
 * @param spec the schema and the words
 * @param where the object (and its file) the value belongs to
 * @param at the field path of the value @default ''
 * @throws AnalysisInputError when the value does not have the shape of its schema
 */
export function decodeShape<T>(value: unknown, spec: ShapeSpec, where: Omit<InputLocation, 'field'>, at: string = ''): T | undefined {
  const problems = shapeProblems(value, spec, at);
  if (problems.length > 0) {
    const [first, ...rest] = problems.map((p): InputProblem => ({
      ...where,
      field: p.field,
      message: p.words.message,
      value: showValue(p.value),
      fix: typeof p.words.fix === 'string' ? p.words.fix : p.words.fix(p.value, p.field),
    }));
    throw new AnalysisInputError(first, rest.map((p) => toProblem(p)));
  }
  return value === undefined || value === null ? undefined : (value as T);
}
