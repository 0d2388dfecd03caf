/**
 * Decodes a `cilium.io/v2` CiliumClusterwideNetworkPolicy: cluster-scoped, so its subject
 * selectors apply cluster-wide and its peer endpoint selectors select endpoints of every
 * namespace. The rule format is the one of `./rule.ts`.
 *
 * @see https://docs.cilium.io/en/stable/security/policy/language/
 */
import { DecodedCiliumPolicy } from '../model';
import { CiliumDecoder } from './rule';

/**
 * Decodes one CiliumClusterwideNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeCiliumClusterwideNetworkPolicy(obj: Readonly<Record<string, unknown>>, decoder: CiliumDecoder): DecodedCiliumPolicy {
  return decoder.readPolicy(obj, true);
}
