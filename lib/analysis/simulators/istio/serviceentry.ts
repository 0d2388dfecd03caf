/**
 * Evaluation of ServiceEntry (decoded by `./decode/serviceentry.ts`): whether a workload sees
 * an entry (its `exportTo`, and the `egress[].hosts` imports of the workload's Sidecar), and
 * which port of the entry covers an address and port.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
import { rangeWithin } from '../../ipv4';
import { ExternalEndpoint, WorkloadEndpoint } from '../../types';
import { DecodedServiceEntry, DecodedSidecar } from './model';

/** Whether the entry is visible to a workload with the given Sidecar. */
export function serviceEntryVisible(se: DecodedServiceEntry, src: WorkloadEndpoint, sidecar: DecodedSidecar | undefined): boolean {
  const exportTo = se.exportTo ?? ['*'];
  const exported = exportTo.some((e) => e === '*' || e === src.namespace || (e === '.' && se.namespace === src.namespace));
  if (!exported) return false;
  if (!sidecar?.egressHosts) return true;
  return sidecar.egressHosts.some((h) => {
    const [ns, host] = h.split('/', 2);
    const nsOk = ns === '*' || ns === se.namespace || (ns === '.' && se.namespace === sidecar.namespace);
    if (!nsOk || host === undefined) return false;
    return se.hosts.some((sh) => host === '*' || sh.toLowerCase() === host.toLowerCase() || (host.startsWith('*.') && sh.toLowerCase().endsWith(host.slice(1).toLowerCase())));
  });
}

/** The port of the entry that covers an external range on a port, if any. */
export function serviceEntryCovers(se: DecodedServiceEntry, dst: ExternalEndpoint, port: number): { readonly number: number; readonly index: number } | undefined {
  if (!se.ranges.some(([a, b]) => rangeWithin(dst.first, dst.last, a, b))) return undefined;
  return se.ports.find((p) => p.number === port);
}
