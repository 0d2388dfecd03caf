/**
 * The YAML writer of manifests: js-yaml, configured so that the text is deterministic and reads
 * back as the same objects in any YAML reader, YAML 1.2 or YAML 1.1 (kubectl and most Go tools
 * read YAML 1.1 scalars: `yes`, `on`, `y`, `1_000`, `1:20`, `012`, timestamps).
 */
import * as jsyaml from 'js-yaml';

/**
 * The YAML 1.1 integer and float forms (https://yaml.org/type/int.html, https://yaml.org/type/float.html).
 * The YAML 1.2 core schema, and so js-yaml's own check, reads some of them as strings (`1_000`,
 * `1.2.3`, `.`, `0b1_0`), but a YAML 1.1 reader takes them for numbers. Every other YAML 1.1
 * reading (booleans such as `yes`/`on`/`y`, sexagesimal `1:20`, timestamps, `~`) js-yaml quotes already.
 */
const YAML11_NUMBER_FORMS: readonly RegExp[] = [
  // int: binary, octal, decimal, hexadecimal, sexagesimal
  /^[-+]?0b[01_]+$/, /^[-+]?0[0-7_]+$/, /^[-+]?[0-9][0-9_]*$/, /^[-+]?0x[0-9a-fA-F_]+$/, /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
  // float: the spec's form, the forms readers accept beside it (exponent without a dot, no sign), sexagesimal, infinity, not-a-number
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9._]*(?:[eE][-+]?[0-9]+)?$/, /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/, /^[-+]?\.(?:inf|Inf|INF)$/, /^\.(?:nan|NaN|NAN)$/,
];

/** {@link YAML11_NUMBER_FORMS} as one expression (js-yaml tests every plain string against it). */
const YAML11_NUMBER = new RegExp(YAML11_NUMBER_FORMS.map((r) => `(?:${r.source})`).join('|'));

/**
 * Whether a string can be one of {@link YAML11_NUMBER_FORMS} at all: after an optional sign, each
 * form starts with a digit, a dot or an exponent. Most strings of a manifest (names, labels,
 * kinds) start with a letter and are settled by this test alone.
 */
function mayBeYaml11Number(s: string): boolean {
  let c = s.charCodeAt(0);
  if (c === 0x2b || c === 0x2d) c = s.charCodeAt(1); // + or -
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x45 || c === 0x65; // 0-9 . E e
}

/**
 * A type the writer never produces: it only makes js-yaml quote a string that a YAML 1.1 reader
 * would take for a number when written plain (js-yaml quotes any string an implicit type of its
 * schema resolves).
 */
const YAML11_NUMBERS = new jsyaml.Type('tag:bulkhead.io,2026:yaml11-number', {
  kind: 'scalar',
  resolve: (s: string | null): boolean => typeof s === 'string' && mayBeYaml11Number(s) && YAML11_NUMBER.test(s),
  construct: (s: string): string => s,
});

/**
 * A multi-line string with a line that ends with a space or a tab (whitespace-only lines
 * included): as a block scalar (js-yaml's choice for multi-line strings) such lines read back
 * differently in different readers (and editors strip them), so it is written double-quoted instead.
 */
function isRiskyBlock(x: unknown): x is string {
  return typeof x === 'string' && x.includes('\n') && /[ \t](?:\n|$)/.test(x);
}

/** A double-quoted YAML scalar: JSON's escapes (a subset of YAML's), and the characters YAML takes for breaks or may not hold raw escaped too. */
function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes the strings {@link isRiskyBlock} picks double-quoted (never resolves a scalar when reading). */
const DOUBLE_QUOTED_BLOCK = new jsyaml.Type('tag:bulkhead.io,2026:double-quoted-str', {
  kind: 'scalar',
  resolve: (): boolean => false,
  predicate: isRiskyBlock,
  represent: (s: object): string => doubleQuoted(s as unknown as string),
});

/**
 * js-yaml's float type, writing numbers as JSON would: `-0` as `0`, and a number JSON cannot hold
 * (NaN, ±Infinity) as `null` (js-yaml would write `-0.0`, `.nan`, `.inf`). Integers other than
 * `-0` are js-yaml's int type and never reach it. It takes the tag of the float type, so the
 * schema holds it in that type's place (reading is unchanged).
 */
const JSON_FLOAT = ((): jsyaml.Type => {
  // js-yaml exports its types (`types`), the type definitions do not declare them
  const float = (jsyaml as unknown as { readonly types: { readonly float: jsyaml.Type } }).types.float;
  const represent = float.represent as (n: object, style: string | null) => string;
  return new jsyaml.Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (s: string) => float.resolve(s),
    construct: (s: string) => float.construct(s),
    predicate: (n: object) => float.predicate?.(n) === true,
    represent: (n: object): string => {
      const x = n as unknown as number;
      if (!Number.isFinite(x)) return 'null';
      if (x === 0) return '0';
      return represent(n, float.defaultStyle);
    },
    ...(float.defaultStyle ? { defaultStyle: float.defaultStyle } : {}),
  });
})();

const SCHEMA = jsyaml.DEFAULT_SCHEMA.extend({ implicit: [JSON_FLOAT, YAML11_NUMBERS, DOUBLE_QUOTED_BLOCK] });

const OPTIONS: jsyaml.DumpOptions = {
  schema: SCHEMA,
  // keys in the order the renderers wrote them (deterministic: renderers build objects in a fixed order)
  sortKeys: false,
  // an object used twice is written twice: no anchors or aliases
  noRefs: true,
  // long lines are never folded
  lineWidth: -1,
  // quote YAML 1.1 booleans (`yes`, `no`, `on`, `off`, `y`, `n`) too
  noCompatMode: false,
  quotingType: '"',
};

/**
 * One YAML document of a value (a manifest), ending with a newline. Map keys keep their order;
 * `undefined` map values are left out and `undefined` list items are written as `null`, `-0` as
 * `0` and non-finite numbers as `null` (as `JSON.stringify` does); strings that any YAML reader would take for another type are quoted.
 */
export function dumpYaml(value: unknown): string {
  return jsyaml.dump(value, OPTIONS);
}

/** Multi-document YAML of values (manifests), in the given order, `---` between documents. */
export function dumpYamlDocuments(values: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += '---\n';
    out += dumpYaml(values[i]);
  }
  return out;
}

const SEPARATOR = Buffer.from('---\n', 'utf8');

/** The size of the buffer {@link streamYamlDocuments} encodes into (small enough to stay in the processor's cache). */
const PIECE = 256 * 1024;

/** The buffer {@link streamYamlDocuments} reuses from call to call, while no other call holds it. */
let scratch: Buffer | undefined;

/**
 * Gives the UTF-8 bytes of {@link dumpYamlDocuments} to `sink`, piece by piece and in order (their
 * concatenation is the text), as the documents are written: each document is encoded as soon as
 * js-yaml has written it. A document's text is a string of many small pieces; encoding it while
 * those are fresh, rather than joining every document into one string first, keeps them from
 * piling up in memory and makes them cheap to flatten. The bytes are encoded into one buffer,
 * reused from piece to piece and from call to call: a piece given to `sink` is valid only during
 * that call (hash it, write it or copy it).
 */
export function streamYamlDocuments(values: readonly unknown[], sink: (piece: Buffer) => void): void {
  const reused = scratch;
  scratch = undefined;
  const buf = reused ?? Buffer.allocUnsafe(PIECE);
  try {
    let end = 0;
    for (let i = 0; i < values.length; i++) {
      const doc = dumpYaml(values[i]);
      // a UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair, 2 units, takes 4)
      const room = SEPARATOR.length + doc.length * 3;
      if (end + room > buf.length) {
        if (end > 0) sink(buf.subarray(0, end));
        end = 0;
      }
      if (i > 0) end += SEPARATOR.copy(buf, end);
      if (room <= buf.length) {
        end += buf.write(doc, end, 'utf8');
      } else {
        // a document larger than the buffer: encoded on its own
        if (end > 0) sink(buf.subarray(0, end));
        end = 0;
        sink(Buffer.from(doc, 'utf8'));
      }
    }
    if (end > 0) sink(buf.subarray(0, end));
  } finally {
    scratch = buf;
  }
}

/** The UTF-8 bytes of {@link dumpYamlDocuments}, encoded as {@link streamYamlDocuments} does. */
export function dumpYamlDocumentsUtf8(values: readonly unknown[]): Buffer {
  const pieces: Buffer[] = [];
  streamYamlDocuments(values, (piece) => pieces.push(Buffer.from(piece)));
  return Buffer.concat(pieces);
}
