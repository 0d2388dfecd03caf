/**
 * Decodes a `networking.istio.io` Sidecar: its workload selector, `outboundTrafficPolicy.mode`
 * and the `namespace/host` imports of `egress[].hosts`. No evaluation here: see `../sidecar.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import { inputError } from '../../../errors';
import { at, optList, optRecord, optStringList } from '../../decode';
import { DecodedSidecar, Meta, OutboundMode } from '../model';
import { readWorkloadSelector } from './shared';

/**
 * Decodes one Sidecar.
 *
 * @throws AnalysisInputError when the object is malformed
 */
export function decodeSidecar(obj: Readonly<Record<string, unknown>>, meta: Meta): DecodedSidecar {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}') ?? {};
  const selector = readWorkloadSelector(spec.workloadSelector, meta.ref, 'spec.workloadSelector', 'labels');
  const otp = optRecord(spec.outboundTrafficPolicy, at(meta.ref, 'spec.outboundTrafficPolicy'), '{mode: REGISTRY_ONLY}');
  const modeRaw = otp?.mode;
  if (modeRaw !== undefined && modeRaw !== 'ALLOW_ANY' && modeRaw !== 'REGISTRY_ONLY') {
    inputError(at(meta.ref, 'spec.outboundTrafficPolicy.mode'), 'is not an outbound traffic policy mode', modeRaw, 'use REGISTRY_ONLY or ALLOW_ANY');
  }
  const egress = optList(spec.egress, at(meta.ref, 'spec.egress'), '[{hosts: ["./*", "istio-system/*"]}]');
  let egressHosts: string[] | undefined;
  if (egress && egress.length > 0) {
    egressHosts = [];
    egress.forEach((e, i) => {
      const l = optRecord(e, at(meta.ref, `spec.egress[${i}]`), '{hosts: ["./*"]}') ?? {};
      const hosts = optStringList(l.hosts, at(meta.ref, `spec.egress[${i}].hosts`), '["./*"]') ?? [];
      hosts.forEach((h, j) => {
        if (!h.includes('/')) inputError(at(meta.ref, `spec.egress[${i}].hosts[${j}]`), 'must be written namespace/dnsName', h, `write "*/${h}" or "./${h}"`);
      });
      egressHosts?.push(...hosts);
    });
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode: modeRaw as OutboundMode | undefined, egressHosts };
}
