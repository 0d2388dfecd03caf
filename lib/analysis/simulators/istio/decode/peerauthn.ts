/**
 * Decodes a `security.istio.io` PeerAuthentication: its workload selector, `mtls.mode` and
 * `portLevelMtls` (which needs a selector). No evaluation here: see `../peerauthn.ts`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import { inputError } from '../../../errors';
import { at, optRecord, portNumber } from '../../decode';
import { DecodedPeerAuthentication, Meta, MtlsMode } from '../model';
import { checkKeys, readWorkloadSelector } from './shared';

/**
 * The fields of a PeerAuthentication spec, in the order messages name them: those of the
 * upstream CRD, and `portLevelTls` (read as a known field, not modelled).
 */
export const PEER_AUTHENTICATION_FIELDS: readonly string[] = ['selector', 'mtls', 'portLevelMtls', 'portLevelTls'];

/**
 * Decodes one PeerAuthentication.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodePeerAuthentication(obj: Readonly<Record<string, unknown>>, meta: Meta): DecodedPeerAuthentication {
  const spec = optRecord(obj.spec, at(meta.ref, 'spec'), '{mtls: {mode: STRICT}}') ?? {};
  checkKeys(spec, PEER_AUTHENTICATION_FIELDS, meta.ref, 'spec');
  const selector = readWorkloadSelector(spec.selector, meta.ref, 'spec.selector', 'matchLabels');
  const mtls = optRecord(spec.mtls, at(meta.ref, 'spec.mtls'), '{mode: STRICT}');
  const mode = readMode(mtls?.mode, meta.ref, 'spec.mtls.mode');
  const portLevel = new Map<number, MtlsMode>();
  const pl = optRecord(spec.portLevelMtls, at(meta.ref, 'spec.portLevelMtls'), '{8080: {mode: DISABLE}}');
  if (pl) {
    if (!selector) inputError(at(meta.ref, 'spec.portLevelMtls'), 'portLevelMtls requires a workload selector', pl, 'add spec.selector.matchLabels, or move the port settings to a workload-specific PeerAuthentication');
    for (const [k, v] of Object.entries(pl)) {
      const port = portNumber(k, at(meta.ref, `spec.portLevelMtls.${k}`));
      const entry = optRecord(v, at(meta.ref, `spec.portLevelMtls.${k}`), '{mode: DISABLE}');
      portLevel.set(port, readMode(entry?.mode, meta.ref, `spec.portLevelMtls.${k}.mode`));
    }
  }
  return { ref: meta.ref, namespace: meta.namespace, name: meta.name, created: meta.created, selector, mode, portLevel };
}

function readMode(v: unknown, ref: string, path: string): MtlsMode {
  if (v === undefined || v === null) return 'UNSET';
  if (v !== 'UNSET' && v !== 'DISABLE' && v !== 'PERMISSIVE' && v !== 'STRICT') {
    return inputError(at(ref, path), 'is not an mTLS mode', v, 'use STRICT, PERMISSIVE, DISABLE or UNSET');
  }
  return v;
}
