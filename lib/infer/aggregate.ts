/**
 * Streams flow-log files one line at a time and aggregates their records into the distinct
 * flows they show: source, destination, protocol and port, with the HTTP methods and
 * generalized paths where the records have them. Memory grows with the distinct flows (and
 * the distinct generalized paths, at most a few per flow), never with the number of records.
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { StringDecoder } from 'string_decoder';
import { Problem } from '../core/errors';
import { detectFormat, LineReader, readerFor } from './formats';
import { Inventory, InferWorkload, Resolved } from './inventory';
import { generalizePath, reducePaths } from './paths';
import { FlowFormat, INFER_CODES, InferProtocol, ObservedRecord, SkipReason } from './types';

/** One side of an inferred flow. */
export type InferredEnd =
  | { readonly kind: 'workload'; readonly key: string }
  | { readonly kind: 'external'; readonly name: string };

/** An HTTP rule of an inferred flow: these methods on these paths. */
export interface InferredHttp {
  /** Upper-case methods, sorted. */
  readonly methods: readonly string[];
  /** Paths (exact or `prefix*`), sorted; empty means every path. */
  readonly paths: readonly string[];
}

/** One distinct observed flow. */
export interface InferredFlow {
  /** The source. */
  readonly source: InferredEnd;
  /** The destination. */
  readonly destination: InferredEnd;
  /** The protocol. */
  readonly protocol: InferProtocol;
  /** The destination port. */
  readonly port: number;
  /** How many records showed it. */
  readonly records: number;
  /** HTTP rules (ORed), sorted; empty when no record of the flow was an HTTP request. */
  readonly http: readonly InferredHttp[];
}

/** An address (or range) outside the clusters that traffic went to or came from. */
export interface InferredExternal {
  /** Its name (a DNS label, from its FQDN or address). */
  readonly name: string;
  /** Its addresses, as CIDRs, sorted. */
  readonly cidrs: readonly string[];
  /** FQDNs it was known by, sorted. */
  readonly fqdns: readonly string[];
}

/** What the records held, counted. */
export interface InferCounts {
  /** Lines read (blank lines and headers included). */
  readonly lines: number;
  /** Records aggregated into flows. */
  readonly records: number;
  /** Lines per format. */
  readonly byFormat: Readonly<Record<FlowFormat, number>>;
  /** Lines left out, by reason (see {@link SkipReason}); `unmapped` and `node` are records whose ends are no declared workload or external. */
  readonly skipped: Readonly<Record<SkipReason | 'unmapped' | 'node' | 'external-only', number>>;
  /** Malformed lines. */
  readonly malformed: number;
}

/** The result of aggregating observed flows. */
export interface Inference {
  /** The inventory the records were mapped with. */
  readonly inventory: Inventory;
  /** The workloads that take part in an observed flow, sorted by key. */
  readonly workloads: readonly InferWorkload[];
  /** The externals, sorted by name. */
  readonly externals: readonly InferredExternal[];
  /** The distinct flows, sorted. */
  readonly flows: readonly InferredFlow[];
  /** The counts. */
  readonly counts: InferCounts;
  /** Warnings (unmapped addresses, an empty result); errors are thrown. */
  readonly warnings: readonly Problem[];
}

/** Options of {@link Aggregator}. */
export interface AggregatorOptions {
  /**
   * When one workload talks on one port with more than this many distinct addresses outside
   * the clusters (in one direction), those addresses fold into one `internet` External
   * (`0.0.0.0/0`): a public endpoint's clients, a CDN's many addresses. This widens the
   * declaration beyond what was seen, on purpose; the report says where.
   * @default 16
   */
  readonly foldExternalsAbove?: number;
  /** At most this many malformed lines are reported one by one; the rest are counted. @default 50 */
  readonly maxProblems?: number;
}

interface FlowAcc {
  records: number;
  l4: boolean;
  /** generalized path → methods */
  http: Map<string, Set<string>> | undefined;
}

interface ExternalAcc {
  names: Set<string>;
}

const PLATFORM_DNS = { namespace: 'kube-system', label: ['k8s-app', 'kube-dns'] } as const;

/** Aggregates records, one at a time, into distinct flows. */
export class Aggregator {
  private readonly flows = new Map<string, FlowAcc>();
  private readonly externals = new Map<string, ExternalAcc>();
  private readonly unmapped = new Map<string, number>();
  private readonly problems: Problem[] = [];
  private malformed = 0;
  private lines = 0;
  private records = 0;
  private readonly byFormat: Record<FlowFormat, number> = { hubble: 0, envoy: 0, vpc: 0 };
  private readonly skipped: Record<SkipReason | 'unmapped' | 'node' | 'external-only', number> = {
    'reply': 0, 'denied': 0, 'no-data': 0, 'protocol': 0, 'trace': 0, 'header': 0, 'unmapped': 0, 'node': 0, 'external-only': 0,
  };
  private readonly foldAbove: number;
  private readonly maxProblems: number;

  constructor(private readonly inventory: Inventory, options: AggregatorOptions = {}) {
    this.foldAbove = options.foldExternalsAbove ?? 16;
    this.maxProblems = options.maxProblems ?? 50;
  }

  /** Reads one line of a file of a format (`where`: `file:line`, for problems). */
  public line(reader: LineReader, text: string, where: string): void {
    this.lines++;
    this.byFormat[reader.format]++;
    const r = reader.read(text);
    if (r.kind === 'skip') {
      this.skipped[r.reason]++;
      return;
    }
    if (r.kind === 'bad') {
      this.malformed++;
      if (this.malformed <= this.maxProblems) {
        this.problems.push({ severity: 'error', code: INFER_CODES.line, path: where, message: `${reader.format}: ${r.message}`, ...(r.value !== undefined ? { value: r.value } : {}), fix: r.fix });
      }
      return;
    }
    this.add(r.record);
    if (r.also) this.add(r.also);
  }

  /** Adds one record in the request's direction (or an ambiguous one, decided by the ports). */
  public add(record: ObservedRecord): void {
    const src = this.inventory.resolve(record.source);
    const dst = this.inventory.resolve(record.destination, record.port);
    const port = dst.kind === 'workload' && dst.port !== undefined ? dst.port : record.port;
    const protocol = record.protocol;
    if (record.ambiguousSourcePort !== undefined && isReply(src, dst, record.port, record.ambiguousSourcePort, protocol)) {
      this.skipped.reply++;
      return;
    }
    for (const end of [src, dst]) {
      if (end.kind === 'unmapped') {
        this.skipped.unmapped++;
        if (this.unmapped.size < 10_000 || this.unmapped.has(end.what)) this.unmapped.set(end.what, (this.unmapped.get(end.what) ?? 0) + 1);
        return;
      }
      if (end.kind === 'node') {
        this.skipped.node++;
        return;
      }
    }
    if (src.kind === 'external' && dst.kind === 'external') {
      this.skipped['external-only']++;
      return;
    }
    // DNS and the mesh control plane are platform flows the declaration adds by itself.
    if (dst.kind === 'workload' && isPlatform(dst.workload, port)) {
      this.skipped.node++;
      return;
    }
    const key = `${endKey(src)}\u0000${endKey(dst)}\u0000${protocol}\u0000${port}`;
    for (const end of [src, dst]) {
      if (end.kind !== 'external') continue;
      let x = this.externals.get(end.ip);
      if (!x) {
        x = { names: new Set() };
        this.externals.set(end.ip, x);
      }
      for (const n of end.names) if (x.names.size < 8) x.names.add(n.toLowerCase());
    }
    let acc = this.flows.get(key);
    if (!acc) {
      acc = { records: 0, l4: false, http: undefined };
      this.flows.set(key, acc);
    }
    acc.records++;
    this.records++;
    const h = record.http;
    if (h && /^[A-Z]+$/.test(h.method)) {
      acc.http ??= new Map();
      const p = generalizePath(h.path);
      const methods = acc.http.get(p) ?? new Set<string>();
      methods.add(h.method);
      if (methods.size === 1) acc.http.set(p, methods);
      // bound the paths kept per flow: cut them to their first segment when they grow
      if (acc.http.size > 256) acc.http = collapse(acc.http);
    } else {
      acc.l4 = true;
    }
  }

  /** Reads a whole file, one line at a time (see {@link forEachLine}); the format is detected from its first line unless given. */
  public file(file: string, format?: FlowFormat): void {
    let reader: LineReader | undefined = format ? readerFor(format) : undefined;
    forEachLine(file, (text, n) => {
      if (!reader) {
        if (text.trim() === '') {
          this.lines++;
          return;
        }
        const f = detectFormat(text);
        if (!f) {
          this.problems.push({ severity: 'error', code: INFER_CODES.format, path: `${file}:${n}`, message: 'the format of the file is not recognised: the first record is neither a Hubble flow (JSON), an Istio/Envoy JSON access-log entry, nor a VPC flow log record', value: text.length > 160 ? `${text.slice(0, 157)}...` : text, fix: 'give --format hubble, envoy or vpc, or give a file of one of these formats' });
          return false;
        }
        reader = readerFor(f);
      }
      this.line(reader, text, `${file}:${n}`);
      return true;
    }, (message) => this.problems.push({ severity: 'error', code: INFER_CODES.file, path: file, message: `the file cannot be read: ${message}`, fix: 'give a readable flow-log file' }));
  }

  /**
   * Reads a stream (a file, standard input, a `hubble observe -o json --follow` pipe) one line
   * at a time with `readline`; resolves when the stream ends. The format is detected from the
   * first record unless given.
   *
   * @param name the stream's name in problems (`name:line`)
   */
  public async stream(input: NodeJS.ReadableStream, name: string, format?: FlowFormat): Promise<void> {
    let reader: LineReader | undefined = format ? readerFor(format) : undefined;
    let n = 0;
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    for await (const text of lines) {
      n++;
      if (!reader) {
        if (text.trim() === '') {
          this.lines++;
          continue;
        }
        const f = detectFormat(text);
        if (!f) {
          this.problems.push({ severity: 'error', code: INFER_CODES.format, path: `${name}:${n}`, message: 'the format of the stream is not recognised: the first record is neither a Hubble flow (JSON), an Istio/Envoy JSON access-log entry, nor a VPC flow log record', value: text.length > 160 ? `${text.slice(0, 157)}...` : text, fix: 'give --format hubble, envoy or vpc' });
          lines.close();
          return;
        }
        reader = readerFor(f);
      }
      this.line(reader, text, `${name}:${n}`);
    }
  }

  /** Errors found so far (malformed lines, unknown formats, unreadable files), with a count of those not listed. */
  public errors(): Problem[] {
    const extra = this.malformed - Math.min(this.malformed, this.maxProblems);
    return [
      ...this.problems,
      ...(extra > 0 ? [{ severity: 'error' as const, code: INFER_CODES.tooMany, path: 'input', message: `${extra} more malformed line(s) are not listed`, value: String(this.malformed), fix: 'fix the lines listed first, or check that the files are of the format read' }] : []),
    ];
  }

  /** The distinct flows, externals and counts. */
  public result(): Inference {
    const warnings: Problem[] = [];
    // Fold externals: per (workload, direction, protocol, port), more than N distinct addresses.
    const groups = new Map<string, string[]>();
    for (const key of this.flows.keys()) {
      const [s, d, proto, port] = key.split('\u0000');
      const ext = s.startsWith('ext:') ? s : d.startsWith('ext:') ? d : undefined;
      if (!ext) continue;
      const g = `${s.startsWith('ext:') ? `in\u0000${d}` : `out\u0000${s}`}\u0000${proto}\u0000${port}`;
      const list = groups.get(g) ?? [];
      list.push(ext.slice(4));
      groups.set(g, list);
    }
    const folded = new Set<string>();
    for (const [g, ips] of groups) if (ips.length > this.foldAbove) for (const ip of ips) folded.add(`${g}\u0000${ip}`);
    const flowMap = new Map<string, FlowAcc>();
    const externalNames = new Map<string, InferredExternal>();
    const used = new Set<string>();
    const externalOf = (ip: string): string => {
      const acc = this.externals.get(ip);
      const fqdns = [...(acc?.names ?? [])].sort();
      const base = label(fqdns[0] ?? `ext-${ip}`);
      let name = base;
      for (let i = 2; used.has(name) && externalNames.get(name)?.cidrs[0] !== cidrOf(ip); i++) name = `${base.slice(0, 60)}-${i}`;
      used.add(name);
      if (!externalNames.has(name)) externalNames.set(name, { name, cidrs: [cidrOf(ip)], fqdns });
      return name;
    };
    const ipOrder = [...this.externals.keys()].sort(compareIps);
    const nameOfIp = new Map<string, string>();
    for (const ip of ipOrder) nameOfIp.set(ip, externalOf(ip));
    for (const [key, acc] of this.flows) {
      const [s, d, proto, port] = key.split('\u0000');
      const g = s.startsWith('ext:') ? `in\u0000${d}\u0000${proto}\u0000${port}\u0000${s.slice(4)}` : d.startsWith('ext:') ? `out\u0000${s}\u0000${proto}\u0000${port}\u0000${d.slice(4)}` : undefined;
      const fold = g !== undefined && folded.has(g);
      const name = (x: string): string => (x.startsWith('ext:') ? `ext:${fold ? 'internet' : nameOfIp.get(x.slice(4))}` : x);
      const k = `${name(s)}\u0000${name(d)}\u0000${proto}\u0000${port}`;
      const into = flowMap.get(k);
      if (!into) flowMap.set(k, { records: acc.records, l4: acc.l4, http: acc.http ? new Map([...acc.http].map(([p, m]) => [p, new Set(m)])) : undefined });
      else merge(into, acc);
    }
    if (folded.size > 0) {
      externalNames.set('internet', { name: 'internet', cidrs: ['0.0.0.0/0'], fqdns: [] });
      const where = [...new Set([...folded].map((f) => f.split('\u0000').slice(0, 4).join(' ')))].sort();
      warnings.push({ severity: 'warning', code: INFER_CODES.folded, path: 'input', message: `more than ${this.foldAbove} distinct outside addresses on one workload port: folded into the External 'internet' (0.0.0.0/0), wider than what was seen`, value: where.slice(0, 10).join('; ').replace(/\u0000/g, ' '), fix: 'narrow the internet External by hand if these addresses have a known range, or raise --fold-externals' });
    }
    // Keep the externals a flow still names.
    const named = new Set<string>();
    const flows: InferredFlow[] = [];
    for (const [k, acc] of flowMap) {
      const [s, d, proto, port] = k.split('\u0000');
      const end = (x: string): InferredEnd => (x.startsWith('ext:') ? { kind: 'external', name: x.slice(4) } : { kind: 'workload', key: x });
      const source = end(s);
      const destination = end(d);
      for (const e of [source, destination]) if (e.kind === 'external') named.add(e.name);
      flows.push({ source, destination, protocol: proto as InferProtocol, port: Number(port), records: acc.records, http: httpRules(acc) });
    }
    flows.sort(compareFlows);
    const keys = new Set(flows.flatMap((f) => [f.source, f.destination]).filter((e): e is { kind: 'workload'; key: string } => e.kind === 'workload').map((e) => e.key));
    const unmapped = [...this.unmapped.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (unmapped.length > 0) {
      warnings.push({
        severity: 'warning', code: INFER_CODES.unmapped, path: 'input',
        message: `${this.skipped.unmapped} record(s) from or to ${unmapped.length} address(es) or pod(s) inside the clusters that no input manifest maps to a workload were left out`,
        value: unmapped.slice(0, 10).map(([w, n]) => `${w} (${n})`).join('; ') + (unmapped.length > 10 ? `; ${unmapped.length - 10} more` : ''),
        fix: 'give the manifests of these workloads (--manifests), or their Pods with status.podIP for address-only logs',
      });
    }
    if (flows.length === 0) {
      warnings.push({ severity: 'warning', code: INFER_CODES.empty, path: 'input', message: 'no flow was observed: the declaration declares no flow', value: `${this.lines} line(s)`, fix: 'check that the logs hold traffic of the workloads in the manifests (see the counts of what was left out)' });
    }
    return {
      inventory: this.inventory,
      workloads: this.inventory.workloads.filter((w) => keys.has(w.key)),
      externals: [...externalNames.values()].filter((x) => named.has(x.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      flows,
      counts: { lines: this.lines, records: this.records, byFormat: { ...this.byFormat }, skipped: { ...this.skipped }, malformed: this.malformed },
      warnings,
    };
  }
}

/**
 * Calls `each` with every line of a file (without its line break) and its 1-based number,
 * reading 64 KiB at a time: memory stays bounded by the longest line. `each` returns false to
 * stop. Synchronous, so that the command returns its exit code; a caller with a stream can feed
 * {@link Aggregator.line} from `readline` instead.
 */
export function forEachLine(file: string, each: (line: string, n: number) => boolean | void, onError: (message: string) => void = (m) => { throw new Error(m); }): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    onError((e as Error).message);
    return;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    let rest = '';
    let n = 0;
    const decoder = new StringDecoder('utf8');
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const text = rest + decoder.write(buf.subarray(0, got));
      let start = 0;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
        const line = text.charCodeAt(i - 1) === 13 ? text.slice(start, i - 1) : text.slice(start, i);
        start = i + 1;
        if (each(line, ++n) === false) return;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) each(rest.endsWith('\r') ? rest.slice(0, -1) : rest, ++n);
  } catch (e) {
    onError((e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether an ambiguous record (VPC; Hubble without is_reply) is the answering side of a connection. */
function isReply(src: Resolved, dst: Resolved, dport: number, sport: number, protocol: InferProtocol): boolean {
  const serves = (r: Resolved, port: number): boolean => r.kind === 'workload' && r.workload.ports.some((p) => p.port === port && p.protocol === protocol);
  if (serves(dst, dport)) return false;
  if (serves(src, sport)) return true;
  // Neither side is known to serve its port: the lower port is the server's (clients use
  // ephemeral ports, 1024 and above; Linux picks them from 32768-60999).
  return sport < dport;
}

function isPlatform(w: InferWorkload, port: number): boolean {
  if (w.namespace === PLATFORM_DNS.namespace && w.podLabels[PLATFORM_DNS.label[0]] === PLATFORM_DNS.label[1] && port === 53) return true;
  return w.namespace === 'istio-system' && w.podLabels.app === 'istiod' && port === 15012;
}

function endKey(r: Resolved): string {
  return r.kind === 'workload' ? r.workload.key : r.kind === 'external' ? `ext:${r.ip}` : '?';
}

function collapse(http: Map<string, Set<string>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [p, m] of http) {
    const c = /^\/([^/*]+)\/./.exec(p) ? `/${/^\/([^/*]+)/.exec(p)?.[1]}/*` : p;
    const s = out.get(c) ?? new Set<string>();
    for (const x of m) s.add(x);
    out.set(c, s);
  }
  return out;
}

function merge(into: FlowAcc, acc: FlowAcc): void {
  into.records += acc.records;
  into.l4 ||= acc.l4;
  if (acc.http) {
    into.http ??= new Map();
    for (const [p, m] of acc.http) {
      const s = into.http.get(p) ?? new Set<string>();
      for (const x of m) s.add(x);
      into.http.set(p, s);
    }
    if (into.http.size > 256) into.http = collapse(into.http);
  }
}

/** HTTP rules of a flow: paths grouped by their method set; none when no record was HTTP. */
function httpRules(acc: FlowAcc): InferredHttp[] {
  if (!acc.http || acc.http.size === 0) return [];
  const byMethods = new Map<string, Set<string>>();
  for (const [p, m] of acc.http) {
    const k = [...m].sort().join(',');
    const s = byMethods.get(k) ?? new Set<string>();
    s.add(p);
    byMethods.set(k, s);
  }
  const rules: InferredHttp[] = [];
  for (const [k, paths] of byMethods) {
    const reduced = reducePaths(paths);
    rules.push({ methods: k.split(','), paths: reduced ?? [] });
  }
  return rules.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function cidrOf(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/** A DNS label from a name or an address. */
function label(text: string): string {
  const s = text.toLowerCase().replace(/^\*\./, '').replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const t = s.slice(0, 63).replace(/-$/, '');
  return /^[a-z]/.test(t) ? t : `ext-${t}`.slice(0, 63);
}

function compareIps(a: string, b: string): number {
  const n = (ip: string): string => (ip.includes(':') ? `1${ip}` : `0${ip.split('.').map((x) => x.padStart(3, '0')).join('.')}`);
  return n(a) < n(b) ? -1 : n(a) > n(b) ? 1 : 0;
}

function endText(e: InferredEnd): string {
  return e.kind === 'workload' ? e.key : `external:${e.name}`;
}

function compareFlows(a: InferredFlow, b: InferredFlow): number {
  const x = `${endText(a.source)}\u0000${endText(a.destination)}\u0000${a.protocol}\u0000${String(a.port).padStart(5, '0')}`;
  const y = `${endText(b.source)}\u0000${endText(b.destination)}\u0000${b.protocol}\u0000${String(b.port).padStart(5, '0')}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
