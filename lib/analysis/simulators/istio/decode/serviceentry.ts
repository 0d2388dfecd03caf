/**
 * Decodes a `networking.istio.io` ServiceEntry: its hosts, the IPv4 ranges it covers (its
 * `addresses`, its IPv4 `endpoints` and its hosts resolved through the analysis context), its
 * ports (UDP is not a ServiceEntry port protocol) and `exportTo`. No evaluation here: see
 * `../serviceentry.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
import { inputError } from '../../../errors';
import { at, cidrRange, optList, optRecord, optString, optStringList, portNumber } from '../../decode';
import { DecodedServiceEntry, Meta } from '../model';

/**
 * Decodes one ServiceEntry; its hosts are resolved through `resolve` (name → addresses).
 *
 * @throws AnalysisInputError when the object is malformed
 */
export function decodeServiceEntry(obj: Readonly<Record<string, unknown>>, meta: Meta, resolve: Readonly<Record<string, readonly string[]>>): DecodedServiceEntry {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{hosts: [api.example.com], ports: [...]}') ?? {};
  const hosts = optStringList(spec.hosts, at(meta.ref, 'spec.hosts'), '["api.example.com"]') ?? [];
  if (hosts.length === 0) inputError(at(meta.ref, 'spec.hosts'), 'a ServiceEntry needs at least one host', spec.hosts, 'list the host names it stands for, such as [api.example.com]');
  const ranges: (readonly [number, number])[] = [];
  (optStringList(spec.addresses, at(meta.ref, 'spec.addresses'), '["203.0.113.0/24"]') ?? []).forEach((a, i) => {
    const r = cidrRange(a, at(meta.ref, `spec.addresses[${i}]`));
    if (r !== 'ipv6') ranges.push(r);
  });
  (optList(spec.endpoints, at(meta.ref, 'spec.endpoints'), '[{address: 203.0.113.10}]') ?? []).forEach((e, i) => {
    const ep = optRecord(e, at(meta.ref, `spec.endpoints[${i}]`), '{address: 203.0.113.10}') ?? {};
    const addr = optString(ep.address, at(meta.ref, `spec.endpoints[${i}].address`), '203.0.113.10');
    if (addr && /^[0-9.]+$/.test(addr)) {
      const r = cidrRange(addr, at(meta.ref, `spec.endpoints[${i}].address`));
      if (r !== 'ipv6') ranges.push(r);
    }
  });
  const resolved = normalizeResolve(resolve);
  for (const h of hosts) {
    const host = h.toLowerCase().replace(/\.$/, '');
    const names = host.startsWith('*.') ? [...resolved.keys()].filter((n) => n.endsWith(host.slice(1))) : resolved.has(host) ? [host] : [];
    for (const n of names) {
      for (const ip of resolved.get(n) ?? []) {
        const r = cidrRange(ip, at(meta.ref, `resolve[${n}]`));
        if (r !== 'ipv6') ranges.push(r);
      }
    }
  }
  const ports = (optList(spec.ports, at(meta.ref, 'spec.ports'), '[{number: 443, name: https, protocol: TLS}]') ?? []).map((p, i) => {
    const port = optRecord(p, at(meta.ref, `spec.ports[${i}]`), '{number: 443, name: https, protocol: TLS}') ?? {};
    const protocol = optString(port.protocol, at(meta.ref, `spec.ports[${i}].protocol`), 'TLS');
    if (protocol && protocol.toUpperCase() === 'UDP') inputError(at(meta.ref, `spec.ports[${i}].protocol`), 'UDP is not a ServiceEntry port protocol', protocol, 'use HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS');
    return { number: portNumber(port.number, at(meta.ref, `spec.ports[${i}].number`)), index: i };
  });
  const exportTo = optStringList(spec.exportTo, at(meta.ref, 'spec.exportTo'), '["."]');
  return { ref: meta.ref, namespace: meta.namespace, hosts, ranges, ports, exportTo };
}

function normalizeResolve(resolve: Readonly<Record<string, readonly string[]>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(resolve)) out.set(k.toLowerCase().replace(/\.$/, ''), v);
  return out;
}
