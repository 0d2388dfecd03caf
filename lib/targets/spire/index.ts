/**
 * The SPIRE layer: ClusterSPIFFEID and ClusterFederatedTrustDomain for the SPIRE controller manager.
 *
 * @see https://github.com/spiffe/spire-controller-manager
 */
import { Target } from '../types';
import { renderSpire } from './render';

export * from './types';
export { istioPrincipal, renderSpiffeIdTemplate, SPIFFE_ID_TEMPLATE, workloadSpiffeId } from './identity';
export { clusterSpiffeIdName, defaultBundleEndpointUrl, federatedTrustDomainName, renderSpire, SPIRE_WARNINGS } from './render';

/**
 * The SPIRE target: layer `spire`, rendered only for clusters that run SPIRE.
 *
 * @see https://github.com/spiffe/spire-controller-manager
 */
export const spireTarget: Target = {
  layer: 'spire',
  render: renderSpire,
};
