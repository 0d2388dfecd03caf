/**
 * Decodes a `policy.networking.k8s.io/v1alpha1` BaselineAdminNetworkPolicy, the predecessor
 * of the Baseline tier of ClusterNetworkPolicy: one per cluster (no priority), actions Allow /
 * Deny, ports as AdminNetworkPolicy writes them. No evaluation here: see `../cnp.ts`.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { ProblemSet } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { kindSchema, schemaAt } from '../../../schema';
import { ANP_PORT_WORDS, decodeAnpPorts } from './anp';
import { DecodedTieredPolicy, TieredKindSpec, decodeTieredPolicy, tieredShape } from './tiered';

const SPEC_FIX = 'add spec.subject and the rules';
const ACTIONS = ['Allow', 'Deny'];

const BASELINE_ADMIN_NETWORK_POLICY: TieredKindSpec = {
  version: KIND_VERSIONS.BaselineAdminNetworkPolicy.split('/')[1],
  specFix: SPEC_FIX,
  shape: tieredShape(schemaAt(kindSchema(KIND_VERSIONS.BaselineAdminNetworkPolicy, 'BaselineAdminNetworkPolicy'), 'spec'), 'BaselineAdminNetworkPolicy', SPEC_FIX, ACTIONS, ANP_PORT_WORDS),
  tier: () => ({ tier: 'baseline', priority: 0, text: 'Baseline tier' }),
  accept: 'Allow',
  actions: ACTIONS,
  ports: (rule, path, at) => decodeAnpPorts((rule as { readonly ports?: Parameters<typeof decodeAnpPorts>[0] }).ports, at(`${path}.ports`)),
};

/**
 * Decodes one BaselineAdminNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeBaselineAdminNetworkPolicy(o: ManifestObject, warnings: ProblemSet): DecodedTieredPolicy {
  return decodeTieredPolicy(o, BASELINE_ADMIN_NETWORK_POLICY, warnings);
}
