/**
 * The `istio` layer: `security.istio.io` AuthorizationPolicy, PeerAuthentication and
 * RequestAuthentication, `networking.istio.io` ServiceEntry and Sidecar, and in ambient mode
 * the waypoint Gateways (`gateway.networking.k8s.io`, class `istio-waypoint`).
 *
 * The folder follows the pattern of every simulator layer:
 *
 * - `decode/<kind>.ts`: one file per kind (`authz.ts`, `peerauthn.ts`, `sidecar.ts`,
 *   `serviceentry.ts`, and `service.ts` for the core Services protocol selection reads),
 *   turning a manifest object into its typed decoded form (`model.ts`) and reporting
 *   malformed input as coded problems; `decode/shared.ts` reads metadata and selectors.
 *   Nothing is evaluated while decoding. (RequestAuthentication counts as Istio input but
 *   holds nothing the analysis evaluates: JWTs are not modelled.)
 * - `<kind>.ts`: the evaluation of one kind from its decoded form (`authz.ts` compiles and
 *   evaluates rules, `peerauthn.ts` gives a port's mTLS mode, `sidecar.ts` a workload's
 *   Sidecar, `serviceentry.ts` what an entry covers); each kind says which workloads it
 *   applies to (`selects` and its Sidecar / PeerAuthentication counterparts); `waypoint.ts`
 *   reads ambient mode (namespace labels, waypoint Gateways, the Services they serve).
 * - `simulator.ts`: the layer's simulator, combining the kinds by the upstream precedence
 *   (PeerAuthentication, then CUSTOM, DENY, ALLOW inbound; Sidecar and ServiceEntry outbound)
 *   and answering the queries of `LayerSimulator`.
 * - `index.ts`: what the rest of the library imports.
 *
 * @see ./simulator.ts for the semantics
 */
export { createIstioSimulator } from './simulator';
export type { IstioOutboundMode, IstioPortProtocol, IstioSimulator, IstioSimulatorOptions } from './simulator';
