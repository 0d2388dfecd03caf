/**
 * The `aws` layer of one network for the manifest hosts (cdk8s, the CLI): the Crossplane
 * objects (applied where Crossplane runs, written in a folder per account and region) and the
 * SecurityGroupPolicies (applied to the pods' clusters), with every warning.
 */
import { Problem, sortProblems } from '../../core/errors';
import { Plan, PlanNetwork } from '../../plan/types';
import { CrossplaneAwsManifest, toCrossplane } from './crossplane';
import { renderAwsNetwork } from './render';
import { ClusterSecurityGroupPolicy, manifestSecurityGroupPolicies } from './security-group-policy';

/** The manifests of one network. */
export interface AwsNetworkManifests {
  /** The network's account. */
  readonly account: string;
  /** The network's region. */
  readonly region: string;
  /** The Crossplane objects, in resource order (kind, then key). */
  readonly manifests: readonly CrossplaneAwsManifest[];
  /** The SecurityGroupPolicies, with the cluster each one is applied to, sorted by cluster, namespace and name. */
  readonly clusterManifests: readonly ClusterSecurityGroupPolicy[];
  /** The layer's warnings and those of the policies not written. */
  readonly warnings: readonly Problem[];
}

/** Renders one network for a manifest host. Throws a `BulkheadError` with every error of the layer. */
export function awsNetworkManifests(plan: Plan, network: PlanNetwork): AwsNetworkManifests {
  const r = renderAwsNetwork(plan, network);
  const sgp = manifestSecurityGroupPolicies(r.podGroups, r.resources);
  const key = (p: ClusterSecurityGroupPolicy) => `${p.cluster}\u0000${p.manifest.metadata.namespace ?? ''}\u0000${p.manifest.metadata.name}`;
  return {
    account: network.account,
    region: network.region,
    manifests: toCrossplane(r.resources),
    clusterManifests: [...sgp.policies].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
    warnings: sortProblems([...r.warnings, ...sgp.warnings]),
  };
}
