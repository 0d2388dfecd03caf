/**
 * Decodes a `networking.istio.io` Sidecar: its workload selector, `outboundTrafficPolicy.mode`
 * and the `namespace/host` imports of `egress[].hosts`. No evaluation here: see `../sidecar.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { inputError } from '../../../errors';
import { ShapeSpec, decodeShape, exampleWords, kindSchema, schemaAt } from '../../../schema';
import { at } from '../../decode';
import { DecodedSidecar, Meta, OutboundMode } from '../model';
import { readWorkloadSelector, stringItem, workloadSelectorWords } from './shared';

type SidecarSpec = NonNullable<K.Sidecar['spec']>;

/** The shape of a Sidecar's spec, and the words of its problems (its fields are the loader's to check). */
const SHAPE: ShapeSpec = {
  schema: schemaAt(kindSchema(KIND_VERSIONS.Sidecar, 'Sidecar'), 'spec'),
  mistyped: {
    spec: exampleWords('a mapping', '{outboundTrafficPolicy: {mode: REGISTRY_ONLY}}'),
    ...workloadSelectorWords('spec.workloadSelector', 'labels'),
    'spec.outboundTrafficPolicy': exampleWords('a mapping', '{mode: REGISTRY_ONLY}'),
    'spec.outboundTrafficPolicy.mode': { message: 'is not an outbound traffic policy mode', fix: 'use REGISTRY_ONLY or ALLOW_ANY' },
    'spec.egress': exampleWords('a list', '[{hosts: ["./*", "istio-system/*"]}]'),
    'spec.egress[]': exampleWords('a mapping', '{hosts: ["./*"]}'),
    'spec.egress[].hosts': exampleWords('a list', '["./*"]'),
    'spec.egress[].hosts[]': stringItem('["./*"]'),
  },
};

/**
 * Decodes one Sidecar.
 *
 * @throws AnalysisInputError when the object is malformed
 */
export function decodeSidecar(obj: Readonly<Record<string, unknown>>, meta: Meta): DecodedSidecar {
  const spec: SidecarSpec = decodeShape<SidecarSpec>(obj.spec, SHAPE, { object: meta.ref }, 'spec') ?? {};
  const selector = readWorkloadSelector(spec.workloadSelector, meta.ref, 'spec.workloadSelector', 'labels');
  const modeRaw = spec.outboundTrafficPolicy?.mode ?? undefined;
  if (modeRaw !== undefined && modeRaw !== 'ALLOW_ANY' && modeRaw !== 'REGISTRY_ONLY') {
    inputError(at(meta.ref, 'spec.outboundTrafficPolicy.mode'), 'is not an outbound traffic policy mode', modeRaw, 'use REGISTRY_ONLY or ALLOW_ANY');
  }
  const egress = spec.egress;
  let egressHosts: string[] | undefined;
  if (egress && egress.length > 0) {
    egressHosts = [];
    egress.forEach((l, i) => {
      const hosts = l.hosts ?? [];
      hosts.forEach((h, j) => {
        if (!h.includes('/')) inputError(at(meta.ref, `spec.egress[${i}].hosts[${j}]`), 'must be written namespace/dnsName', h, `write "*/${h}" or "./${h}"`);
      });
      egressHosts?.push(...hosts);
    });
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode: modeRaw as OutboundMode | undefined, egressHosts };
}
