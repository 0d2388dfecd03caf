/**
 * The address at which verify checks a flow with an external: one address of its ranges, or a
 * test address for an FQDN-only external.
 */
import * as ipaddr from 'ipaddr.js';
import { PlanExternal } from './plan/types';

/** Address that FQDN externals are resolved to for the check (TEST-NET-3, RFC 5737). */
const FQDN_TEST_BASE = [203, 0, 113];

/**
 * An IPv4 address inside the external's ranges and outside its `except` ranges (the middle of a
 * range first, then its edges), or, for an external with FQDNs only, an address of TEST-NET-3
 * chosen by its index among the plan's externals.
 *
 * @param x the external
 * @param index its index in the plan's externals
 * @returns the address, or `undefined` when no IPv4 address of its ranges is outside `except`
 */
export function sampleAddressOf(x: PlanExternal, index: number): string | undefined {
  if (x.cidrs.length === 0) return [...FQDN_TEST_BASE, 10 + (index % 200)].join('.');
  const except = x.except.map((e) => ipaddr.parseCIDR(e));
  for (const cidr of x.cidrs) {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    if (network.kind() !== 'ipv4') continue;
    const start = network.toByteArray().reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    // the middle of the range first (for 0.0.0.0/0 a public address), then its edges
    for (const offset of [Math.floor(size / 2), 1, 0, size - 2]) {
      const n = start + Math.max(0, Math.min(size - 1, offset));
      const ip = ipaddr.fromByteArray([24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256));
      if (!except.some(([e, b]) => e.kind() === 'ipv4' && ip.match(e, b))) return ip.toString();
    }
  }
  return undefined;
}
