/**
 * The Cilium layer: CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/
 */
import { Target } from '../types';
import { renderCilium } from './render';

export * from './types';
export { CILIUM_DEFAULT_DENY_NAME, CILIUM_LABELS, CILIUM_MAX_PORTS_PER_RULE, CILIUM_WARNINGS, ciliumFqdn, ciliumHttpRules, ciliumPathRegex, ciliumPorts, renderCilium } from './render';

/**
 * The Cilium target: layer `cilium`, rendered only for clusters that run Cilium.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/
 */
export const ciliumTarget: Target = {
  layer: 'cilium',
  render: renderCilium,
  breakGlassResources: [{ group: 'cilium.io', resource: 'ciliumnetworkpolicies' }],
};
