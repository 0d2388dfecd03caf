/**
 * The SPIRE layer: ClusterSPIFFEID, ClusterStaticEntry (VM fleets) and ClusterFederatedTrustDomain
 * for the SPIRE controller manager.
 *
 * @see https://github.com/spiffe/spire-controller-manager
 */
import { Target } from '../types';
import { renderSpire, validateSpire } from './render';

export * from './types';
export { cloudPrincipal, istioPrincipal, renderSpiffeIdTemplate, SPIFFE_ID_TEMPLATE, spiffeTrustDomain, workloadSpiffeId } from './identity';
export { clusterNodeAliasEntryName, clusterSpiffeIdName, clusterStaticEntryName, spireServerId, federatedTrustDomainName, renderSpire, SPIRE_ERRORS, SPIRE_WARNINGS, validateSpire } from './render';

/**
 * The SPIRE target: layer `spire`, rendered only for clusters that run SPIRE.
 *
 * @see https://github.com/spiffe/spire-controller-manager
 */
export const spireTarget: Target = {
  layer: 'spire',
  render: renderSpire,
  validate: validateSpire,
};
