/**
 * Evaluation of PeerAuthentication (decoded by `./decode/peerauthn.ts`): the mTLS mode of a
 * destination port. Mesh-wide (root namespace, no selector), namespace-wide (no selector) and
 * workload (selector) policies, the more specific one winning unless its mode is UNSET, then
 * `portLevelMtls` of the workload policy; without any, PERMISSIVE. Among several policies of
 * one level the oldest wins (the caller sorts them by creation time, then name).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import { WorkloadEndpoint } from '../../types';
import { DecodedPeerAuthentication, MtlsMode, selects } from './model';

/** The mTLS mode of a port and the policy field that set it. */
export interface MtlsDecision {
  /** The mode. */
  readonly mode: MtlsMode;
  /** The policy that set it. @default - none: the default PERMISSIVE */
  readonly ref?: string;
  /** The field that set it. @default - none: the default PERMISSIVE */
  readonly field?: string;
}

/** Whether a PeerAuthentication applies to a workload at its level (mesh, namespace, workload). */
export function peerAuthenticationSelects(p: DecodedPeerAuthentication, w: WorkloadEndpoint, rootNamespace: string): boolean {
  if (p.selector === undefined) return p.namespace === w.namespace || p.namespace === rootNamespace;
  return p.namespace === w.namespace && selects(p.selector, w.labels);
}

/** The mTLS mode of a port of a destination, from the PeerAuthentications (oldest first). */
export function mtlsModeOf(policies: readonly DecodedPeerAuthentication[], rootNamespace: string, dst: WorkloadEndpoint, port: number): MtlsDecision {
  return mtlsModeAt(mtlsLevelsOf(policies, rootNamespace, dst), port);
}

/** The PeerAuthentications that apply to a destination, one per level (the oldest of each). */
export interface MtlsLevels {
  /** Mesh-wide. @default - none */
  readonly mesh?: DecodedPeerAuthentication;
  /** Namespace-wide. @default - none */
  readonly ns?: DecodedPeerAuthentication;
  /** Workload (selector). @default - none */
  readonly wl?: DecodedPeerAuthentication;
}

/** The PeerAuthentications of each level that apply to a destination (its ports' modes follow from them). */
export function mtlsLevelsOf(policies: readonly DecodedPeerAuthentication[], rootNamespace: string, dst: WorkloadEndpoint): MtlsLevels {
  const mesh = policies.find((p) => p.namespace === rootNamespace && !p.selector);
  const ns = policies.find((p) => p.namespace === dst.namespace && !p.selector);
  const wl = policies.find((p) => p.namespace === dst.namespace && p.selector !== undefined && selects(p.selector, dst.labels));
  return { mesh, ns, wl };
}

/** The mTLS mode of a port, given the PeerAuthentications of each level that apply to its workload. */
export function mtlsModeAt(levels: MtlsLevels, port: number): MtlsDecision {
  const { mesh, ns, wl } = levels;
  let out: MtlsDecision = { mode: 'PERMISSIVE' };
  for (const p of [mesh, ns, wl]) {
    if (p && p.mode !== 'UNSET') out = { mode: p.mode, ref: p.ref, field: 'spec.mtls.mode' };
  }
  const portMode = wl?.portLevel.get(port);
  if (wl && portMode !== undefined && portMode !== 'UNSET') out = { mode: portMode, ref: wl.ref, field: `spec.portLevelMtls.${port}.mode` };
  return out;
}
