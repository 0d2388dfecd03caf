/**
 * The Istio layer: PeerAuthentication, AuthorizationPolicy, ServiceEntry, Sidecar; waypoint Gateways in ambient mode.
 *
 * @see https://istio.io/latest/docs/concepts/security/
 */
import { Target } from '../types';
import { renderIstio, validateIstio } from './render';

export * from './types';
export {
  ISTIO_ALLOW_NOTHING_NAME, ISTIO_ERRORS, ISTIO_MAX_PLAINTEXT_PORTS, ISTIO_MAX_RANGE_EXPANSION, ISTIO_PURPOSE_ANNOTATION, ISTIO_SIDECAR_NAME, ISTIO_WARNINGS, istioPorts, renderIstio, validateIstio,
} from './render';
export type { IstioPorts } from './render';
export {
  AMBIENT_LABELS, ambientStandIns, ISTIO_AMBIENT_WARNINGS, ISTIO_WAYPOINT_NAME, waypointGateway, waypointNamespaces, waypointPrincipal,
} from './ambient';
export type { AmbientStandIn } from './ambient';

/**
 * The Istio target: layer `istio`, rendered only for clusters that run Istio.
 *
 * @see https://istio.io/latest/docs/concepts/security/
 */
export const istioTarget: Target = {
  layer: 'istio',
  render: renderIstio,
  validate: validateIstio,
  breakGlassResources: [{ group: 'security.istio.io', resource: 'authorizationpolicies' }],
};
