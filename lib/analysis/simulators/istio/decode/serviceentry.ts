/**
 * Decodes a `networking.istio.io` ServiceEntry: its hosts, the IPv4 ranges it covers (its
 * `addresses`, its IPv4 `endpoints` and its hosts resolved through the analysis context), its
 * ports (UDP is not a ServiceEntry port protocol) and `exportTo`. No evaluation here: see
 * `../serviceentry.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { inputError } from '../../../errors';
import { ShapeSpec, decodeShape, exampleWords, kindSchema, schemaAt } from '../../../schema';
import { at, cidrRange, portNumber } from '../../decode';
import { DecodedServiceEntry, Meta } from '../model';
import { stringItem } from './shared';

type ServiceEntrySpec = NonNullable<K.ServiceEntry['spec']>;

/** The shape of a ServiceEntry's spec, and the words of its problems (its fields are the loader's to check). */
const SHAPE: ShapeSpec = {
  schema: schemaAt(kindSchema(KIND_VERSIONS.ServiceEntry, 'ServiceEntry'), 'spec'),
  mistyped: {
    spec: exampleWords('a mapping', '{hosts: [api.example.com], ports: [...]}'),
    'spec.hosts': exampleWords('a list', '["api.example.com"]'),
    'spec.hosts[]': stringItem('["api.example.com"]'),
    'spec.addresses': exampleWords('a list', '["203.0.113.0/24"]'),
    'spec.addresses[]': stringItem('["203.0.113.0/24"]'),
    'spec.endpoints': exampleWords('a list', '[{address: 203.0.113.10}]'),
    'spec.endpoints[]': exampleWords('a mapping', '{address: 203.0.113.10}'),
    'spec.endpoints[].address': exampleWords('a string', '203.0.113.10'),
    'spec.ports': exampleWords('a list', '[{number: 443, name: https, protocol: TLS}]'),
    'spec.ports[]': exampleWords('a mapping', '{number: 443, name: https, protocol: TLS}'),
    'spec.ports[].protocol': exampleWords('a string', 'TLS'),
    'spec.ports[].number': { message: 'is not a port number (0 to 65535)', fix: 'write a port number such as 443' },
    'spec.exportTo': exampleWords('a list', '["."]'),
    'spec.exportTo[]': stringItem('["."]'),
  },
};

/**
 * Decodes one ServiceEntry; its hosts are resolved through `resolve` (name → addresses).
 *
 * @throws AnalysisInputError when the object is malformed
 */
export function decodeServiceEntry(obj: Readonly<Record<string, unknown>>, meta: Meta, resolve: Readonly<Record<string, readonly string[]>>): DecodedServiceEntry {
  const spec: ServiceEntrySpec = decodeShape<ServiceEntrySpec>(obj.spec, SHAPE, { object: meta.ref }, 'spec') ?? {};
  const hosts = [...(spec.hosts ?? [])];
  if (hosts.length === 0) inputError(at(meta.ref, 'spec.hosts'), 'a ServiceEntry needs at least one host', spec.hosts, 'list the host names it stands for, such as [api.example.com]');
  const ranges: (readonly [number, number])[] = [];
  (spec.addresses ?? []).forEach((a, i) => {
    const r = cidrRange(a, at(meta.ref, `spec.addresses[${i}]`));
    if (r !== 'ipv6') ranges.push(r);
  });
  (spec.endpoints ?? []).forEach((ep, i) => {
    const addr = ep.address;
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
  const ports = (spec.ports ?? []).map((port, i) => {
    const protocol = port.protocol;
    if (protocol && protocol.toUpperCase() === 'UDP') inputError(at(meta.ref, `spec.ports[${i}].protocol`), 'UDP is not a ServiceEntry port protocol', protocol, 'use HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP or TLS');
    return { number: portNumber(port.number, at(meta.ref, `spec.ports[${i}].number`)), index: i };
  });
  const exportTo = spec.exportTo ? [...spec.exportTo] : undefined;
  return { ref: meta.ref, namespace: meta.namespace, hosts, ranges, ports, exportTo };
}

function normalizeResolve(resolve: Readonly<Record<string, readonly string[]>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(resolve)) out.set(k.toLowerCase().replace(/\.$/, ''), v);
  return out;
}
