/**
 * Decodes a `security.istio.io` PeerAuthentication: its workload selector, `mtls.mode` and
 * `portLevelMtls` (which needs a selector). No evaluation here: see `../peerauthn.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { inputError } from '../../../errors';
import { ShapeSpec, decodeShape, exampleWords, kindSchema, schemaAt } from '../../../schema';
import { at, portNumber } from '../../decode';
import { DecodedPeerAuthentication, Meta, MtlsMode } from '../model';
import { readWorkloadSelector, unknownIstioField, workloadSelectorWords } from './shared';

type PeerAuthenticationSpec = NonNullable<K.PeerAuthentication['spec']>;

/**
 * The fields of a PeerAuthentication spec, in the order messages name them: those of the
 * upstream CRD, and `portLevelTls` (read as a known field, not modelled).
 */
export const PEER_AUTHENTICATION_FIELDS: readonly string[] = ['selector', 'mtls', 'portLevelMtls', 'portLevelTls'];

const MODE = { message: 'is not an mTLS mode', fix: 'use STRICT, PERMISSIVE, DISABLE or UNSET' };

/** The shape of a PeerAuthentication's spec, and the words of its problems. */
const SHAPE: ShapeSpec = {
  schema: schemaAt(kindSchema(KIND_VERSIONS.PeerAuthentication, 'PeerAuthentication'), 'spec'),
  mistyped: {
    spec: exampleWords('a mapping', '{mtls: {mode: STRICT}}'),
    ...workloadSelectorWords('spec.selector', 'matchLabels'),
    'spec.mtls': exampleWords('a mapping', '{mode: STRICT}'),
    'spec.mtls.mode': MODE,
    'spec.portLevelMtls': exampleWords('a mapping', '{8080: {mode: DISABLE}}'),
    'spec.portLevelMtls.*': exampleWords('a mapping', '{mode: DISABLE}'),
    'spec.portLevelMtls.*.mode': MODE,
  },
  unknown: unknownIstioField,
  extra: { spec: ['portLevelTls'] },
};

/**
 * Decodes one PeerAuthentication.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodePeerAuthentication(obj: Readonly<Record<string, unknown>>, meta: Meta): DecodedPeerAuthentication {
  const spec: PeerAuthenticationSpec = decodeShape<PeerAuthenticationSpec>(obj.spec, SHAPE, { object: meta.ref }, 'spec') ?? {};
  const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
  const mode = readMode(spec.mtls?.mode, meta.ref, 'spec.mtls.mode');
  const portLevel = new Map<number, MtlsMode>();
  const pl = spec.portLevelMtls;
  if (pl) {
    if (!selector) inputError(at(meta.ref, 'spec.portLevelMtls'), 'portLevelMtls requires a workload selector', pl, 'add spec.selector.matchLabels, or move the port settings to a workload-specific PeerAuthentication');
    for (const [k, entry] of Object.entries(pl)) {
      const port = portNumber(k, at(meta.ref, `spec.portLevelMtls.${k}`));
      portLevel.set(port, readMode(entry.mode, meta.ref, `spec.portLevelMtls.${k}.mode`));
    }
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode, portLevel };
}

function readMode(v: string | null | undefined, ref: string, path: string): MtlsMode {
  if (v === undefined || v === null) return 'UNSET';
  if (v !== 'UNSET' && v !== 'DISABLE' && v !== 'PERMISSIVE' && v !== 'STRICT') {
    return inputError(at(ref, path), 'is not an mTLS mode', v, 'use STRICT, PERMISSIVE, DISABLE or UNSET');
  }
  return v;
}
