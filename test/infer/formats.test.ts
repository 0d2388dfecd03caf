/**
 * The line readers of the three formats: what each takes from a record in the format's
 * documented shape, what it leaves out and why, and that no line makes one throw.
 */
import * as fc from 'fast-check';
import { detectFormat, pathOfUrl, readEnvoy, readerFor, readHubble } from '../../lib/infer';

const hubble = (flow: Record<string, unknown>): string => JSON.stringify({ flow, node_name: 'eks/n1', time: '2026-11-30T09:00:00Z' });
const tcp = (sport: number, dport: number, flags: Record<string, boolean> = { SYN: true }) => ({ TCP: { source_port: sport, destination_port: dport, flags } });
const ep = (ns: string, app: string) => ({ namespace: ns, labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`], pod_name: `${app}-5d8f7c9b4-abcde` });

describe('Hubble (hubble observe -o json)', () => {
  const base = { verdict: 'FORWARDED', IP: { source: '10.20.1.10', destination: '10.20.1.20', ipVersion: 'IPv4' }, l4: tcp(43000, 9090), source: ep('shop', 'web'), destination: ep('shop', 'cart'), traffic_direction: 'EGRESS', is_reply: false };

  test('a forwarded request: both endpoints with namespace, labels (source prefix dropped) and address, the port', () => {
    const r = readHubble(hubble(base));
    expect(r).toEqual({ kind: 'record', record: {
      source: { ip: '10.20.1.10', namespace: 'shop', labels: { 'app': 'web', 'io.kubernetes.pod.namespace': 'shop' }, podName: 'web-5d8f7c9b4-abcde' },
      destination: { ip: '10.20.1.20', namespace: 'shop', labels: { 'app': 'cart', 'io.kubernetes.pod.namespace': 'shop' }, podName: 'cart-5d8f7c9b4-abcde' },
      protocol: 'TCP', port: 9090,
    } });
  });

  test.each([
    ['DROPPED', 'denied'], ['ERROR', 'denied'], ['TRACED', 'trace'], ['TRANSLATED', 'trace'],
  ])('verdict %s is left out (%s)', (verdict, reason) => {
    expect(readHubble(hubble({ ...base, verdict }))).toEqual({ kind: 'skip', reason });
  });

  test.each(['AUDIT', 'REDIRECTED'])('verdict %s is traffic that flowed', (verdict) => {
    expect(readHubble(hubble({ ...base, verdict })).kind).toBe('record');
  });

  test('replies are left out: is_reply, the deprecated reply, an L7 response, a SYN-ACK when is_reply is unknown', () => {
    expect(readHubble(hubble({ ...base, is_reply: true }))).toEqual({ kind: 'skip', reason: 'reply' });
    const { is_reply: _r, ...unknown } = base;
    expect(readHubble(hubble({ ...unknown, reply: true }))).toEqual({ kind: 'skip', reason: 'reply' });
    expect(readHubble(hubble({ ...base, l7: { type: 'RESPONSE', http: { code: 200 } } }))).toEqual({ kind: 'skip', reason: 'reply' });
    expect(readHubble(hubble({ ...unknown, l4: tcp(9090, 43000, { SYN: true, ACK: true }) }))).toEqual({ kind: 'skip', reason: 'reply' });
  });

  test('without is_reply and without a SYN the direction is left to the ports (the source port is kept)', () => {
    const { is_reply: _r, ...unknown } = base;
    const r = readHubble(hubble({ ...unknown, l4: tcp(9090, 43000, { ACK: true }) }));
    expect(r.kind === 'record' && r.record.ambiguousSourcePort).toBe(9090);
  });

  test('an L7 HTTP request gives method and path (no scheme, host or query); the world identity and DNS names are kept', () => {
    const r = readHubble(hubble({ ...base, destination: { identity: 2, labels: ['reserved:world'] }, destination_names: ['api.example.com'], l7: { type: 'REQUEST', http: { method: 'get', url: 'http://api.example.com/v1/pay?x=1' } } }));
    expect(r.kind === 'record' && r.record.http).toEqual({ method: 'GET', path: '/v1/pay' });
    expect(r.kind === 'record' && r.record.destination).toEqual({ ip: '10.20.1.20', reserved: 'world', names: ['api.example.com'] });
  });

  test('a bare Flow (older hubble) reads like a GetFlowsResponse; node status is no traffic; ICMP has no port', () => {
    expect(readHubble(JSON.stringify(base)).kind).toBe('record');
    expect(readHubble(JSON.stringify({ node_status: { state_change: 'NODE_CONNECTED' } }))).toEqual({ kind: 'skip', reason: 'no-data' });
    expect(readHubble(hubble({ ...base, l4: { ICMPv4: { type: 8 } } }))).toEqual({ kind: 'skip', reason: 'protocol' });
  });

  test('malformed: no verdict, an unknown verdict, a port that is a string, an address that is not one', () => {
    expect(readHubble(hubble({ ...base, verdict: undefined })).kind).toBe('bad');
    expect(readHubble(hubble({ ...base, verdict: 'MAYBE' })).kind).toBe('bad');
    expect(readHubble(hubble({ ...base, l4: { TCP: { destination_port: '9090' } } })).kind).toBe('bad');
    expect(readHubble(hubble({ ...base, IP: { source: '10.20.1.300', destination: '10.20.1.20' } })).kind).toBe('bad');
  });
});

describe('Istio / Envoy JSON access log (the default format)', () => {
  const entry = {
    start_time: '2026-11-30T09:01:00.000Z', method: 'GET', path: '/products/42?lang=en', protocol: 'HTTP/1.1', response_code: 200, response_flags: '-', response_code_details: 'via_upstream',
    authority: 'catalog.shop.svc.cluster.local', upstream_host: '10.20.1.30:8080', upstream_cluster: 'outbound|80||catalog.shop.svc.cluster.local',
    upstream_local_address: '10.20.1.10:43210', downstream_local_address: '172.20.0.30:80', downstream_remote_address: '10.20.1.10:43200', requested_server_name: null,
  };

  test("a sidecar's outbound entry: from its pod to the upstream host's address and port", () => {
    expect(readEnvoy(JSON.stringify(entry))).toEqual({ kind: 'record', record: { source: { ip: '10.20.1.10' }, destination: { ip: '10.20.1.30' }, protocol: 'TCP', port: 8080, http: { method: 'GET', path: '/products/42' } } });
  });

  test("an inbound entry: from the downstream peer to this pod's address and port", () => {
    const r = readEnvoy(JSON.stringify({ ...entry, upstream_cluster: 'inbound|8080||', upstream_host: '10.20.1.30:8080', upstream_local_address: '127.0.0.6:52100', downstream_local_address: '10.20.1.30:8080', downstream_remote_address: '10.20.1.10:43300' }));
    expect(r.kind === 'record' && [r.record.source.ip, r.record.destination.ip, r.record.port]).toEqual(['10.20.1.10', '10.20.1.30', 8080]);
  });

  test("a gateway's entry is two flows: the client to the gateway, the gateway to the upstream", () => {
    const r = readEnvoy(JSON.stringify({ ...entry, upstream_host: '10.20.1.10:8080', upstream_cluster: 'outbound|8080||web.shop.svc.cluster.local', upstream_local_address: '10.20.0.5:40100', downstream_local_address: '10.20.0.5:8443', downstream_remote_address: '203.0.113.9:51000' }));
    expect(r.kind === 'record' && [r.record.source.ip, r.record.destination.ip, r.record.port]).toEqual(['10.20.0.5', '10.20.1.10', 8080]);
    expect(r.kind === 'record' && r.also && [r.also.source.ip, r.also.destination.ip, r.also.port]).toEqual(['203.0.113.9', '10.20.0.5', 8443]);
  });

  test('the host of an outbound cluster to a ServiceEntry, and the SNI, name the external', () => {
    const r = readEnvoy(JSON.stringify({ ...entry, method: null, path: null, authority: null, upstream_host: '198.51.100.7:443', upstream_cluster: 'outbound|443||api.payments.example', downstream_local_address: '198.51.100.7:443', requested_server_name: 'api.payments.example' }));
    expect(r.kind === 'record' && r.record.destination).toEqual({ ip: '198.51.100.7', names: ['api.payments.example'] });
    expect(r.kind === 'record' && r.record.http).toBeUndefined();
  });

  test('an RBAC denial and a request without a route did not reach a workload', () => {
    expect(readEnvoy(JSON.stringify({ ...entry, response_code: 403, response_code_details: 'rbac_access_denied_matched_policy[none]' }))).toEqual({ kind: 'skip', reason: 'denied' });
    expect(readEnvoy(JSON.stringify({ ...entry, method: null, connection_termination_details: 'rbac_access_denied_matched_policy[ns[shop]-policy[deny]-rule[0]]' }))).toEqual({ kind: 'skip', reason: 'denied' });
    expect(readEnvoy(JSON.stringify({ ...entry, response_flags: 'NR', response_code: 404 }))).toEqual({ kind: 'skip', reason: 'denied' });
  });
});

describe('AWS VPC flow logs (default format, version 2)', () => {
  test('records with and without a header; REJECT is denied, NODATA carries nothing, ICMP has no port', () => {
    const r = readerFor('vpc');
    expect(r.read('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status')).toEqual({ kind: 'skip', reason: 'header' });
    expect(r.read('2 123456789012 eni-1 10.20.1.20 10.20.2.10 48000 6379 6 10 840 1 2 ACCEPT OK')).toEqual({ kind: 'record', record: { source: { ip: '10.20.1.20' }, destination: { ip: '10.20.2.10' }, protocol: 'TCP', port: 6379, ambiguousSourcePort: 48000 } });
    expect(r.read('2 123456789012 eni-1 10.20.1.20 10.20.2.10 48000 6379 6 10 840 1 2 REJECT OK')).toEqual({ kind: 'skip', reason: 'denied' });
    expect(r.read('2 123456789012 eni-1 - - - - - - - 1 2 - NODATA')).toEqual({ kind: 'skip', reason: 'no-data' });
    expect(r.read('2 123456789012 eni-1 10.20.1.20 10.20.2.10 0 0 1 4 336 1 2 ACCEPT OK')).toEqual({ kind: 'skip', reason: 'protocol' });
    expect(readerFor('vpc').read('2 123456789012 eni-1 10.20.1.20 10.20.2.10 48000 53 17 1 60 1 2 ACCEPT OK')).toMatchObject({ kind: 'record', record: { protocol: 'UDP', port: 53 } });
  });

  test('a custom format named by its header is read by field name', () => {
    const r = readerFor('vpc');
    r.read('srcaddr dstaddr srcport dstport protocol action log-status');
    expect(r.read('10.20.1.20 10.50.0.8 48100 5432 6 ACCEPT OK')).toMatchObject({ kind: 'record', record: { destination: { ip: '10.50.0.8' }, port: 5432 } });
    expect(r.read('10.20.1.20 10.50.0.8 48100 5432 6 ACCEPT').kind).toBe('bad');
  });
});

test('format detection from the first record', () => {
  expect(detectFormat('{"flow":{"verdict":"FORWARDED"}}')).toBe('hubble');
  expect(detectFormat('{"downstream_remote_address":"10.0.0.1:1"}')).toBe('envoy');
  expect(detectFormat('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status')).toBe('vpc');
  expect(detectFormat('2 123456789012 eni-1 10.20.1.20 10.20.2.10 48000 6379 6 10 840 1 2 ACCEPT OK')).toBe('vpc');
  expect(detectFormat('{"hello":1}')).toBeUndefined();
  expect(detectFormat('src,dst')).toBeUndefined();
});

test('pathOfUrl drops scheme, host, query and fragment', () => {
  expect(pathOfUrl('http://a.b:8080/x/y?z=1#f')).toBe('/x/y');
  expect(pathOfUrl('/x?y')).toBe('/x');
  expect(pathOfUrl('x')).toBe('/x');
});

describe('no line makes a reader throw', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  test.each(['hubble', 'envoy', 'vpc'] as const)('%s: any text, any JSON, any mutation of a valid record', (format) => {
    const valid = format === 'vpc' ? '2 123456789012 eni-1 10.20.1.20 10.20.2.10 48000 6379 6 10 840 1 2 ACCEPT OK'
      : format === 'hubble' ? hubble({ verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: tcp(1000, 80), source: ep('a', 'b'), destination: ep('a', 'c') })
        : JSON.stringify({ method: 'GET', path: '/', upstream_cluster: 'outbound|80||x', upstream_host: '10.0.0.2:80', downstream_remote_address: '10.0.0.1:1000' });
    fc.assert(fc.property(fc.oneof(fc.string(), json.map((j) => JSON.stringify(j)), fc.tuple(fc.nat(valid.length), fc.string({ maxLength: 8 }), fc.nat(8)).map(([at, ins, del]) => valid.slice(0, at) + ins + valid.slice(at + del)),
      fc.tuple(fc.constantFrom('flow', 'l4', 'IP', 'source', 'destination', 'verdict', 'upstream_host', 'method', 'labels'), json).map(([k, v]) => JSON.stringify({ flow: { verdict: 'FORWARDED', [k]: v }, [k]: v }))), (line) => {
      const r = readerFor(format).read(line);
      expect(['record', 'skip', 'bad']).toContain(r.kind);
    }), { numRuns: 400 });
  });
});
