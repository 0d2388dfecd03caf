/**
 * The `aws` layer's renderer for the layer registry: per network, its security groups, rules
 * and prefix lists as cloud artifacts (placed in the network), and the EKS SecurityGroupPolicy
 * of every pod workload whose groups are all adopted (ids known), placed in the pods' cluster.
 * The SecurityGroupPolicy of a workload whose group is created is made by the Pulumi host (with
 * the created group's `id`); manifest output warns (`BH-AWS-POD-GROUP-ID`) with the two-step
 * flow (see `./security-group-policy`).
 */
import { Plan, PlanNetwork } from '../../plan/types';
import { NetworkRenderResult, NetworkTarget, PlacedArtifact } from '../types';
import { renderAwsNetwork, validateAwsNetwork } from './render';
import { manifestSecurityGroupPolicies } from './security-group-policy';

/** Renders the `aws` layer of one network as placed artifacts. */
export function renderAwsArtifacts(plan: Plan, network: PlanNetwork): NetworkRenderResult {
  const r = renderAwsNetwork(plan, network);
  const sgp = manifestSecurityGroupPolicies(r.podGroups, r.resources);
  const artifacts: PlacedArtifact[] = [
    ...r.resources.map((resource): PlacedArtifact => ({ network: network.name, artifact: { type: 'aws', resource } })),
    ...sgp.policies.map((p): PlacedArtifact => ({ cluster: p.cluster, artifact: { type: 'manifest', manifest: p.manifest } })),
  ];
  return { artifacts, warnings: [...r.warnings, ...sgp.warnings] };
}

/** The renderer of the `aws` layer. */
export const awsTarget: NetworkTarget = {
  layer: 'aws',
  render: renderAwsArtifacts,
  validate: validateAwsNetwork,
};
