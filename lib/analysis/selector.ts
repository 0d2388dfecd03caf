/**
 * Kubernetes label selectors (`metav1.LabelSelector`): matchLabels and matchExpressions with
 * In, NotIn, Exists and DoesNotExist, all requirements ANDed. An empty selector selects
 * everything.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
import { InputLocation, inputError, showValue } from './errors';

/** One requirement of a selector. */
export interface LabelRequirement {
  /** The label key. */
  readonly key: string;
  /** The operator. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** The values, sorted (empty for Exists and DoesNotExist). */
  readonly values: readonly string[];
}

/** A parsed, validated label selector. */
export class LabelSelector {
  /** The selector that selects everything. */
  public static readonly EVERYTHING = new LabelSelector([]);

  /**
   * Parses a `metav1.LabelSelector` from a manifest.
   *
   * @param value the parsed YAML value
   * @param at where it is, for error messages
   */
  public static parse(value: unknown, at: InputLocation): LabelSelector {
    if (value === null || value === undefined) return LabelSelector.EVERYTHING;
    if (!isRecord(value)) {
      return inputError(at, 'a label selector must be a mapping with matchLabels and/or matchExpressions', value, 'write {} to select everything, or matchLabels: {key: value}');
    }
    const reqs: LabelRequirement[] = [];
    for (const k of Object.keys(value)) {
      if (k !== 'matchLabels' && k !== 'matchExpressions') {
        inputError({ ...at, field: `${at.field}.${k}` }, 'unknown field in a label selector', k, 'use matchLabels and matchExpressions only');
      }
    }
    const ml = value.matchLabels;
    if (ml !== undefined && ml !== null) {
      if (!isRecord(ml)) inputError({ ...at, field: `${at.field}.matchLabels` }, 'matchLabels must be a mapping of label keys to string values', ml, 'write matchLabels: {app: web}');
      for (const [k, v] of Object.entries(ml)) {
        if (typeof v !== 'string') {
          inputError({ ...at, field: `${at.field}.matchLabels.${k}` }, 'a label value must be a string', v, `quote the value: ${k}: "${typeof v === 'object' && v !== null ? showValue(v) : String(v)}"`);
        }
        reqs.push({ key: k, operator: 'In', values: [v] });
      }
    }
    const me = value.matchExpressions;
    if (me !== undefined && me !== null) {
      if (!Array.isArray(me)) inputError({ ...at, field: `${at.field}.matchExpressions` }, 'matchExpressions must be a list', me, 'write matchExpressions: [{key: tier, operator: In, values: [web]}]');
      me.forEach((e: unknown, i: number) => {
        const f = { ...at, field: `${at.field}.matchExpressions[${i}]` };
        if (!isRecord(e)) return inputError(f, 'a match expression must be a mapping with key, operator and values', e, 'write {key: tier, operator: In, values: [web]}');
        const key = e.key;
        const op = e.operator;
        if (typeof key !== 'string' || key.length === 0) inputError(f, 'a match expression needs a key', e.key, 'set key to a label key');
        if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
          inputError({ ...f, field: `${f.field}.operator` }, 'unknown selector operator', op, 'use In, NotIn, Exists or DoesNotExist');
        }
        const raw = e.values ?? [];
        if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
          inputError({ ...f, field: `${f.field}.values` }, 'values must be a list of strings', e.values, 'write values: [a, b]');
        }
        const values = [...new Set(raw as string[])].sort();
        if ((op === 'In' || op === 'NotIn') && values.length === 0) {
          inputError({ ...f, field: `${f.field}.values` }, `operator ${op} needs at least one value`, e.values, 'list the values, or use Exists / DoesNotExist');
        }
        if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
          inputError({ ...f, field: `${f.field}.values` }, `operator ${op} takes no values`, e.values, 'remove values, or use In / NotIn');
        }
        reqs.push({ key, operator: op, values });
      });
    }
    return new LabelSelector(reqs);
  }

  /** Builds a selector from requirements. */
  public static of(requirements: readonly LabelRequirement[]): LabelSelector {
    return new LabelSelector(requirements);
  }

  /** The requirements, sorted by key, operator and values. */
  public readonly requirements: readonly LabelRequirement[];

  private constructor(requirements: readonly LabelRequirement[]) {
    if (requirements.length <= 1) {
      this.requirements = requirements.length === 0 ? [] : [requirements[0]];
      return;
    }
    const sorted = [...requirements].sort(cmpRequirement);
    // an equal requirement is among the kept ones that sort the same
    const dedup: LabelRequirement[] = [];
    for (const r of sorted) {
      let seen = false;
      for (let j = dedup.length - 1; j >= 0 && cmpRequirement(dedup[j], r) === 0; j--) {
        if (sameRequirement(dedup[j], r)) {
          seen = true;
          break;
        }
      }
      if (!seen) dedup.push(r);
    }
    this.requirements = dedup;
  }

  /** A canonical text form: equal selectors have equal keys. */
  public get key(): string {
    let text = KEYS.get(this);
    if (text === undefined) {
      text = this.requirements.length === 0 ? '{}' : JSON.stringify(this.requirements.map((r) => [r.key, r.operator, r.values]));
      KEYS.set(this, text);
    }
    return text;
  }

  /** Whether the selector selects everything. */
  public get isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** Whether the labels satisfy every requirement. */
  public matches(labels: Readonly<Record<string, string>>): boolean {
    for (const r of this.requirements) {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      switch (r.operator) {
        case 'In':
          if (!has || !r.values.includes(labels[r.key])) return false;
          break;
        case 'NotIn':
          if (has && r.values.includes(labels[r.key])) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
      }
    }
    return true;
  }

  /** `app=web,tier in (a,b),!legacy`, in the style of kubectl. `{}` selects everything. */
  public toString(): string {
    if (this.isEmpty) return '{}';
    return this.requirements
      .map((r) => {
        switch (r.operator) {
          case 'In':
            return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
          case 'NotIn':
            return `${r.key} notin (${r.values.join(',')})`;
          case 'Exists':
            return r.key;
          default:
            return `!${r.key}`;
        }
      })
      .join(',');
  }
}

/** The key of each selector, made on first use (kept apart so that selectors compare by their requirements alone). */
const KEYS = new WeakMap<LabelSelector, string>();

/**
 * An inverted index over labelled items, to find the items a selector selects without
 * testing every item.
 */
export class LabelIndex<T> {
  private readonly byPair = new Map<string, number[]>();
  private readonly byKey = new Map<string, number[]>();
  private readonly all: number[] = [];

  constructor(private readonly items: readonly T[], private readonly labelsOf: (item: T) => Readonly<Record<string, string>>) {
    items.forEach((item, i) => {
      this.all.push(i);
      for (const [k, v] of Object.entries(labelsOf(item))) {
        push(this.byPair, `${k}\u0000${v}`, i);
        push(this.byKey, k, i);
      }
    });
  }

  /** The indices of the items the selector selects, ascending. */
  public select(selector: LabelSelector): number[] {
    let best: readonly number[] = this.all;
    for (const r of selector.requirements) {
      let cand: readonly number[] | undefined;
      if (r.operator === 'In') {
        if (r.values.length === 1) cand = this.byPair.get(`${r.key}\u0000${r.values[0]}`) ?? [];
        else {
          const u = new Set<number>();
          for (const v of r.values) for (const i of this.byPair.get(`${r.key}\u0000${v}`) ?? []) u.add(i);
          cand = [...u].sort((a, b) => a - b);
        }
      } else if (r.operator === 'Exists') {
        cand = this.byKey.get(r.key) ?? [];
      }
      if (cand && cand.length < best.length) best = cand;
      if (best.length === 0) return [];
    }
    const out: number[] = [];
    for (const i of best) if (selector.matches(this.labelsOf(this.items[i]))) out.push(i);
    return out;
  }
}

function push(m: Map<string, number[]>, k: string, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}

/** Whether a parsed value is a plain mapping. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders requirements by key, operator, then values (joined with commas). */
function cmpRequirement(a: LabelRequirement, b: LabelRequirement): number {
  return cmp(a.key, b.key) || cmp(a.operator, b.operator) || (a.values.length === 1 && b.values.length === 1 ? cmp(a.values[0], b.values[0]) : cmp(a.values.join(','), b.values.join(',')));
}

function sameRequirement(a: LabelRequirement, b: LabelRequirement): boolean {
  return a.key === b.key && a.operator === b.operator && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}
