/**
 * Readers of the three flow-log formats, one line at a time. Each reader keeps only what a
 * format's own header says (the VPC column order), so memory does not grow with the input.
 *
 * - Cilium Hubble: `hubble observe -o json`, one JSON object per line, either a
 *   `GetFlowsResponse` (`{"flow": {...}, "node_name": ..., "time": ...}`) or a bare `Flow`.
 *   Fields read (flow.proto, JSON names as hubble prints them): `verdict`, `IP.source` /
 *   `IP.destination`, `l4.TCP|UDP|SCTP.source_port|destination_port`, `l4.TCP.flags`,
 *   `source` / `destination` endpoints (`namespace`, `labels` as `k8s:key=value`, `pod_name`,
 *   `workloads[].name`, `cluster_name`), `destination_names`, `is_reply` (and the deprecated
 *   `reply`), `l7.type` and `l7.http.method|url`.
 *   Verdicts: `FORWARDED`, `AUDIT` (a policy in audit mode let it through) and `REDIRECTED`
 *   (to a proxy) are traffic that flowed; `DROPPED` and `ERROR` did not flow and are left
 *   out (counted as denied: the declaration describes what flowed, not what was attempted);
 *   `TRACED` and `TRANSLATED` repeat a flow seen at another point and are left out.
 * - Istio / Envoy: Istio's default JSON access-log format (`meshConfig.accessLogEncoding:
 *   JSON`), one object per line with `method`, `path`, `authority`, `response_code`,
 *   `response_code_details`, `connection_termination_details`, `upstream_cluster`,
 *   `upstream_host`, `upstream_local_address`, `downstream_local_address`,
 *   `downstream_remote_address`, `requested_server_name`. A request Istio's RBAC filter denied
 *   (`rbac_access_denied…` details) did not reach the workload and is left out.
 * - AWS VPC flow logs, default format version 2: `version account-id interface-id srcaddr
 *   dstaddr srcport dstport protocol packets bytes start end action log-status`, separated by
 *   spaces; a header line is optional (when given, its field names choose the columns, so a
 *   custom format holding these fields works too). `REJECT` records did not flow and are left
 *   out (counted as denied); `NODATA` / `SKIPDATA` records carry no traffic.
 *
 * @see https://github.com/cilium/cilium/blob/main/api/v1/flow/flow.proto
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
 */
import * as ipaddr from 'ipaddr.js';
import { isRecord } from '../core/entry';
import { FlowFormat, InferProtocol, LineResult, ObservedEnd, ObservedHttp } from './types';

/** Reads the lines of one file of one format; keeps the state the format's header gives. */
export interface LineReader {
  /** The format read. */
  readonly format: FlowFormat;
  /** Reads one line (without its line break). */
  read(line: string): LineResult;
}

/** A reader of a format. */
export function readerFor(format: FlowFormat): LineReader {
  if (format === 'hubble') return { format, read: readHubble };
  if (format === 'envoy') return { format, read: readEnvoy };
  return vpcReader();
}

/**
 * The format of a file, from its first line that is not blank: a VPC header or a line of
 * VPC fields, a JSON object with a Hubble flow, or a JSON object with Envoy's keys. Undefined
 * when the line is none of these.
 */
export function detectFormat(firstLine: string): FlowFormat | undefined {
  const line = firstLine.trim();
  if (line.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (!isRecord(v)) return undefined;
    if (isRecord(v.flow) || 'verdict' in v || ('IP' in v && 'l4' in v) || 'node_status' in v || 'lost_events' in v) return 'hubble';
    if ('downstream_remote_address' in v || 'upstream_cluster' in v || 'upstream_host' in v) return 'envoy';
    return undefined;
  }
  const fields = line.split(/\s+/);
  if (fields.includes('srcaddr') && fields.includes('dstaddr')) return 'vpc';
  if (fields.length >= 14 && /^\d+$/.test(fields[0]) && /^(ACCEPT|REJECT|-)$/.test(fields[12]) && /^(OK|NODATA|SKIPDATA)$/.test(fields[13])) return 'vpc';
  return undefined;
}

const bad = (message: string, value: string | undefined, fix: string): LineResult => ({ kind: 'bad', message, value, fix });

function parseJsonLine(line: string, what: string, fix: string): { readonly value: Record<string, unknown> } | { readonly problem: LineResult } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { problem: bad(`not a JSON object (${(e as Error).message})`, clip(line), fix) };
  }
  if (!isRecord(v)) return { problem: bad(`not a JSON object: ${what} are JSON objects, one per line`, clip(line), fix) };
  return { value: v };
}

const HUBBLE_FIX = 'give the output of `hubble observe -o json` (one JSON flow object per line), or leave the line out';
const TRAFFIC_VERDICTS = new Set(['FORWARDED', 'AUDIT', 'REDIRECTED']);
const DENIED_VERDICTS = new Set(['DROPPED', 'ERROR']);
const TRACE_VERDICTS = new Set(['TRACED', 'TRANSLATED']);

/** One line of `hubble observe -o json`. */
export function readHubble(line: string): LineResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'header' };
  const top = parseJsonLine(line, 'Hubble flows', HUBBLE_FIX);
  if ('problem' in top) return top.problem;
  const obj = top.value;
  // GetFlowsResponse: a flow, or node status / lost events (no traffic).
  const flow = isRecord(obj.flow) ? obj.flow : ('verdict' in obj || 'IP' in obj || 'l4' in obj ? obj : undefined);
  if (flow === undefined) {
    if ('node_status' in obj || 'lost_events' in obj || 'agent_event' in obj || 'debug_event' in obj) return { kind: 'skip', reason: 'no-data' };
    return bad('a JSON object without a flow: neither `flow` nor the fields of a flow (`verdict`, `IP`, `l4`)', clip(line), HUBBLE_FIX);
  }
  const verdict = flow.verdict;
  if (typeof verdict !== 'string') return bad('the flow has no verdict (a string such as FORWARDED or DROPPED)', show(verdict), HUBBLE_FIX);
  if (DENIED_VERDICTS.has(verdict)) return { kind: 'skip', reason: 'denied' };
  if (TRACE_VERDICTS.has(verdict)) return { kind: 'skip', reason: 'trace' };
  if (!TRAFFIC_VERDICTS.has(verdict)) {
    if (verdict === 'VERDICT_UNKNOWN') return { kind: 'skip', reason: 'trace' };
    return bad(`unknown verdict ${verdict}`, verdict, 'Hubble verdicts are FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED and TRANSLATED');
  }
  if (flow.is_reply === true || (flow.is_reply === undefined && flow.reply === true)) return { kind: 'skip', reason: 'reply' };
  const l4 = flow.l4;
  if (l4 === undefined || l4 === null) return { kind: 'skip', reason: 'protocol' };
  if (!isRecord(l4)) return bad('`l4` is not an object', show(l4), HUBBLE_FIX);
  const proto = (['TCP', 'UDP', 'SCTP'] as const).find((p) => isRecord(l4[p]));
  if (!proto) return { kind: 'skip', reason: 'protocol' };
  const ports = l4[proto] as Record<string, unknown>;
  const dport = ports.destination_port;
  const sport = ports.source_port;
  if (!isPort(dport)) return bad(`l4.${proto}.destination_port is not a port (1-65535)`, show(dport), HUBBLE_FIX);
  if (sport !== undefined && !isPort(sport) && sport !== 0) return bad(`l4.${proto}.source_port is not a port (0-65535)`, show(sport), HUBBLE_FIX);
  const ip = flow.IP;
  if (ip !== undefined && !isRecord(ip)) return bad('`IP` is not an object', show(ip), HUBBLE_FIX);
  const src = endOf(flow.source, ip?.source, undefined);
  if (typeof src === 'string') return bad(`source: ${src}`, show(flow.source), HUBBLE_FIX);
  const names = Array.isArray(flow.destination_names) ? flow.destination_names.filter((n): n is string => typeof n === 'string') : [];
  const dst = endOf(flow.destination, ip?.destination, names);
  if (typeof dst === 'string') return bad(`destination: ${dst}`, show(flow.destination), HUBBLE_FIX);
  let http: ObservedHttp | undefined;
  if (isRecord(flow.l7)) {
    if (flow.l7.type === 'RESPONSE') return { kind: 'skip', reason: 'reply' };
    const h = flow.l7.http;
    if (isRecord(h) && typeof h.method === 'string' && h.method !== '') {
      http = { method: h.method.toUpperCase(), path: pathOfUrl(typeof h.url === 'string' ? h.url : '/') };
    }
  }
  // Without is_reply (unknown), a SYN without ACK opens a connection; a SYN-ACK answers one;
  // otherwise the ports decide when mapped.
  let ambiguous: number | undefined;
  if (flow.is_reply === undefined && flow.reply === undefined && http === undefined) {
    const flags = proto === 'TCP' && isRecord(ports.flags) ? ports.flags : {};
    if (flags.SYN === true && flags.ACK === true) return { kind: 'skip', reason: 'reply' };
    if (!(flags.SYN === true)) ambiguous = isPort(sport) ? sport : undefined;
  }
  return { kind: 'record', record: { source: src, destination: dst, protocol: proto, port: dport, ...(http ? { http } : {}), ...(ambiguous !== undefined ? { ambiguousSourcePort: ambiguous } : {}) } };
}

/** A Hubble endpoint, or why it cannot be read. */
function endOf(ep: unknown, ip: unknown, names: readonly string[] | undefined): ObservedEnd | string {
  const address = typeof ip === 'string' && ip !== '' ? canonicalIp(ip) : undefined;
  if (ip !== undefined && ip !== '' && (typeof ip !== 'string' || address === null)) return `the address ${show(ip)} is not an IP address`;
  if (ep === undefined || ep === null) return { ...(address ? { ip: address } : {}), ...(names?.length ? { names } : {}) };
  if (!isRecord(ep)) return 'the endpoint is not an object';
  const labels: Record<string, string> = {};
  let reserved: string | undefined;
  if (ep.labels !== undefined) {
    if (!Array.isArray(ep.labels) || !ep.labels.every((l) => typeof l === 'string')) return 'labels are not a list of strings';
    for (const l of ep.labels as string[]) {
      const m = /^([a-z0-9-]+):([^=]+)(?:=(.*))?$/.exec(l);
      if (!m) continue;
      if (m[1] === 'reserved') {
        reserved ??= m[2];
        continue;
      }
      if (m[1] === 'k8s') labels[m[2]] = m[3] ?? '';
    }
  }
  const str = (k: string): string | undefined => (typeof ep[k] === 'string' && ep[k] !== '' ? (ep[k] as string) : undefined);
  const workloads = Array.isArray(ep.workloads) ? ep.workloads : [];
  const workload = workloads.length > 0 && isRecord(workloads[0]) && typeof workloads[0].name === 'string' ? workloads[0].name : undefined;
  for (const k of ['namespace', 'pod_name', 'cluster_name']) {
    if (ep[k] !== undefined && typeof ep[k] !== 'string') return `${k} is not a string`;
  }
  return {
    ...(address ? { ip: address } : {}),
    ...(str('namespace') ? { namespace: str('namespace') } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(str('pod_name') ? { podName: str('pod_name') } : {}),
    ...(workload ? { workload } : {}),
    ...(str('cluster_name') ? { cluster: str('cluster_name') } : {}),
    ...(reserved ? { reserved } : {}),
    ...(names?.length ? { names } : {}),
  };
}

const ENVOY_FIX = "give Istio's JSON access log (meshConfig.accessLogEncoding: JSON, the default format), one object per line, or leave the line out";

/** One line of an Istio / Envoy JSON access log. */
export function readEnvoy(line: string): LineResult {
  if (line.trim() === '') return { kind: 'skip', reason: 'header' };
  const top = parseJsonLine(line, 'access-log entries', ENVOY_FIX);
  if ('problem' in top) return top.problem;
  const o = top.value;
  const text = (k: string): string | undefined => {
    const v = o[k];
    return typeof v === 'string' && v !== '' && v !== '-' ? v : undefined;
  };
  for (const k of ['method', 'path', 'authority', 'upstream_cluster', 'upstream_host', 'upstream_local_address', 'downstream_local_address', 'downstream_remote_address', 'requested_server_name', 'response_code_details', 'connection_termination_details', 'response_flags']) {
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') return bad(`${k} is not a string`, show(o[k]), ENVOY_FIX);
  }
  const details = `${text('response_code_details') ?? ''} ${text('connection_termination_details') ?? ''}`;
  if (/rbac_access_denied/.test(details)) return { kind: 'skip', reason: 'denied' };
  if (/(^|,)NR(,|$)/.test(text('response_flags') ?? '')) return { kind: 'skip', reason: 'denied' };
  const cluster = text('upstream_cluster') ?? '';
  const inbound = cluster.startsWith('inbound|');
  const remote = addressOf(text('downstream_remote_address'));
  const local = addressOf(text('downstream_local_address'));
  const upstream = addressOf(text('upstream_host'));
  const upstreamLocal = addressOf(text('upstream_local_address'));
  for (const [k, v] of [['downstream_remote_address', remote], ['downstream_local_address', local], ['upstream_host', upstream], ['upstream_local_address', upstreamLocal]] as const) {
    if (v === 'bad') return bad(`${k} is not an address:port`, show(o[k]), ENVOY_FIX);
  }
  const a = (x: typeof remote): { ip: string; port: number } | undefined => (x === 'bad' ? undefined : x);
  const method = text('method');
  const http: ObservedHttp | undefined = method ? { method: method.toUpperCase(), path: pathOfUrl(text('path') ?? '/') } : undefined;
  // Names of the destination outside the clusters: a Service's cluster-local names are no such name.
  const names = [...new Set([text('authority')?.replace(/:\d+$/, ''), text('requested_server_name'), hostOfCluster(cluster)].filter((n): n is string => n !== undefined
    && /^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i.test(n) && n.includes('.') && !/\.(svc|cluster\.local)$|\.svc\./i.test(n) && !/^outbound_/.test(n) && ipaddr.isValid(n) === false))].sort();
  if (inbound) {
    // At the destination's sidecar: the peer called this pod's address and port.
    const from = a(remote);
    const to = a(local) ?? a(upstream);
    if (!from || !to) return bad('an inbound entry needs downstream_remote_address and downstream_local_address', clip(line), ENVOY_FIX);
    if (!isPort(to.port)) return bad('the destination port is not a port (1-65535)', String(to.port), ENVOY_FIX);
    return { kind: 'record', record: { source: { ip: from.ip }, destination: { ip: to.ip }, protocol: 'TCP', port: to.port, ...(http ? { http } : {}) } };
  }
  // Outbound (a sidecar's or a gateway's upstream call): the proxy's pod called the upstream host.
  const from = a(upstreamLocal) ?? a(remote);
  const to = a(upstream) ?? a(local);
  if (!from || !to) return bad('an outbound entry needs upstream_host (or downstream_local_address) and upstream_local_address (or downstream_remote_address)', clip(line), ENVOY_FIX);
  if (!isPort(to.port)) return bad('the destination port is not a port (1-65535)', String(to.port), ENVOY_FIX);
  const record = { source: { ip: from.ip }, destination: { ip: to.ip, ...(names.length ? { names } : {}) }, protocol: 'TCP' as InferProtocol, port: to.port, ...(http ? { http } : {}) };
  // A gateway accepts on its own address (the one it calls upstream from): the client's call
  // to the gateway pod is a flow of its own. A sidecar's downstream_local_address is the
  // original destination (a Service address) instead.
  const l = a(local);
  const r = a(remote);
  const u = a(upstreamLocal);
  if (l && r && u && l.ip === u.ip && r.ip !== l.ip) {
    return { kind: 'record', record, also: { source: { ip: r.ip }, destination: { ip: l.ip }, protocol: 'TCP', port: l.port, ...(http ? { http } : {}) } };
  }
  return { kind: 'record', record };
}

const VPC_FIX = 'give VPC flow log records in the default format (version 2: version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status), optionally after a header line';
const VPC_DEFAULT = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'];
const IANA: Readonly<Record<string, InferProtocol>> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

function vpcReader(): LineReader {
  let columns = VPC_DEFAULT;
  let at = indexes(columns);
  let seenRecord = false;
  return {
    format: 'vpc',
    read(line: string): LineResult {
      const trimmed = line.trim();
      if (trimmed === '') return { kind: 'skip', reason: 'header' };
      const fields = trimmed.split(/\s+/);
      if (fields.includes('srcaddr') || fields.includes('dstaddr')) {
        if (seenRecord) return bad('a header line after records', clip(line), 'give the header once, on the first line');
        const need = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action', 'log-status'].filter((f) => !fields.includes(f));
        if (need.length > 0) return bad(`the header lacks the field(s) ${need.join(', ')}`, clip(line), VPC_FIX);
        columns = fields;
        at = indexes(columns);
        return { kind: 'skip', reason: 'header' };
      }
      seenRecord = true;
      if (fields.length !== columns.length) return bad(`${fields.length} fields where the format has ${columns.length}`, clip(line), VPC_FIX);
      const f = (name: string): string => fields[at[name]];
      if (at.version !== undefined && !/^\d+$/.test(f('version'))) return bad('the version is not a number', f('version'), VPC_FIX);
      const status = f('log-status');
      if (status === 'NODATA' || status === 'SKIPDATA') return { kind: 'skip', reason: 'no-data' };
      if (status !== 'OK') return bad(`log-status ${status} is not OK, NODATA or SKIPDATA`, status, VPC_FIX);
      const action = f('action');
      if (action === 'REJECT') return { kind: 'skip', reason: 'denied' };
      if (action !== 'ACCEPT') return bad(`action ${action} is not ACCEPT or REJECT`, action, VPC_FIX);
      const protocol = IANA[f('protocol')];
      if (!/^\d+$/.test(f('protocol'))) return bad('the protocol is not an IANA protocol number', f('protocol'), VPC_FIX);
      if (!protocol) return { kind: 'skip', reason: 'protocol' };
      const src = f('srcaddr');
      const dst = f('dstaddr');
      const srcIp = canonicalIp(src);
      const dstIp = canonicalIp(dst);
      if (srcIp === null) return bad('srcaddr is not an IP address', src, VPC_FIX);
      if (dstIp === null) return bad('dstaddr is not an IP address', dst, VPC_FIX);
      const sport = Number(f('srcport'));
      const dport = Number(f('dstport'));
      if (!/^\d+$/.test(f('srcport')) || sport > 65535) return bad('srcport is not a port', f('srcport'), VPC_FIX);
      if (!/^\d+$/.test(f('dstport')) || !isPort(dport)) return bad('dstport is not a port (1-65535)', f('dstport'), VPC_FIX);
      // A VPC record does not say who opened the connection; both directions are logged.
      return { kind: 'record', record: { source: { ip: srcIp }, destination: { ip: dstIp }, protocol, port: dport, ambiguousSourcePort: sport } };
    },
  };
}

function indexes(columns: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  columns.forEach((c, i) => { out[c] = i; });
  return out;
}

/** `ip:port` or `[ipv6]:port`; undefined when absent, `bad` when malformed. */
function addressOf(text: string | undefined): { ip: string; port: number } | undefined | 'bad' {
  if (text === undefined) return undefined;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const ip = m ? canonicalIp(m[1]) : null;
  if (!m || ip === null || Number(m[2]) > 65535) return 'bad';
  return { ip, port: Number(m[2]) };
}

/** The host of an Istio outbound cluster name: `outbound|443||api.stripe.com` → `api.stripe.com`. */
function hostOfCluster(cluster: string): string | undefined {
  const m = /^outbound\|\d+\|[^|]*\|(.+)$/.exec(cluster);
  if (!m || /\.svc\.cluster\.local$/.test(m[1]) || /\.svc$/.test(m[1])) return undefined;
  return m[1];
}

/** The path of a URL or request target, without query string or fragment. */
export function pathOfUrl(url: string): string {
  let p = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme) p = p.slice(scheme[0].length);
  p = p.split(/[?#]/)[0];
  return p.startsWith('/') ? p : `/${p}`;
}

const ipMemo = new Map<string, string | null>();

/** The canonical text of an address, or null when it is none (memoized: logs repeat their addresses). */
function canonicalIp(ip: string): string | null {
  const hit = ipMemo.get(ip);
  if (hit !== undefined) return hit;
  const v = ipaddr.isValid(ip) ? normalizeIp(ip) : null;
  if (ipMemo.size >= 100_000) ipMemo.clear();
  ipMemo.set(ip, v);
  return v;
}

/** The canonical text of an address (IPv6 compressed). */
export function normalizeIp(ip: string): string {
  try {
    const a = ipaddr.parse(ip);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) return (a as ipaddr.IPv6).toIPv4Address().toString();
    return a.toString();
  } catch {
    return ip;
  }
}

function isPort(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v) ?? String(v);
  return clip(s);
}

function clip(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
