/**
 * Decodes a `cilium.io/v2` CiliumNetworkPolicy: namespaced, so its subject selectors apply in
 * its namespace (`default` when it names none) and its peer endpoint selectors without a
 * namespace key too. The rule format is the one of `./rule.ts`.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
import { DecodedCiliumPolicy } from '../model';
import { CiliumDecoder } from './rule';

/**
 * Decodes one CiliumNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeCiliumNetworkPolicy(obj: Readonly<Record<string, unknown>>, decoder: CiliumDecoder): DecodedCiliumPolicy {
  return decoder.readPolicy(obj, false);
}
