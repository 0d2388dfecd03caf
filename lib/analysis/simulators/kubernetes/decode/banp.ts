/**
 * Decodes a `policy.networking.k8s.io/v1alpha1` BaselineAdminNetworkPolicy, the predecessor
 * of the Baseline tier of ClusterNetworkPolicy: one per cluster (no priority), actions Allow /
 * Deny, ports as AdminNetworkPolicy writes them. No evaluation here: see `../cnp.ts`.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
import { ProblemSet } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { decodeAnpPorts } from './anp';
import { DecodedTieredPolicy, TieredKindSpec, decodeTieredPolicy } from './tiered';

const BASELINE_ADMIN_NETWORK_POLICY: TieredKindSpec = {
  version: 'v1alpha1',
  specFix: 'add spec.subject and the rules',
  tier: () => ({ tier: 'baseline', priority: 0, text: 'Baseline tier' }),
  accept: 'Allow',
  actions: ['Allow', 'Deny'],
  ports: (rule, path, at) => decodeAnpPorts(rule.ports, at(`${path}.ports`)),
};

/**
 * Decodes one BaselineAdminNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeBaselineAdminNetworkPolicy(o: ManifestObject, warnings: ProblemSet): DecodedTieredPolicy {
  return decodeTieredPolicy(o, BASELINE_ADMIN_NETWORK_POLICY, warnings);
}
