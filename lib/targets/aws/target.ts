/**
 * The `aws` layer's renderer for the layer registry: per network, its security groups, rules
 * and prefix lists as cloud artifacts (placed in the network), and the EKS SecurityGroupPolicy
 * of every pod workload whose groups are all adopted (ids known), placed in the pods' cluster,
 * and the admission of VM fleets' SPIRE agents into the SPIRE server's pods where the SPIRE
 * cluster isolates them (see `./spire-server`).
 * The SecurityGroupPolicy of a workload whose group is created is made by the Pulumi host (with
 * the created group's `id`); manifest output warns (`BH-AWS-POD-GROUP-ID`) with the two-step
 * flow (see `./security-group-policy`).
 */
import { Plan, PlanNetwork } from '../../plan/types';
import { ApiResource, NetworkRenderResult, NetworkTarget, PlacedArtifact } from '../types';
import { renderAwsNetwork, validateAwsNetwork } from './render';
import { manifestSecurityGroupPolicies } from './security-group-policy';
import { spireServerAdmissions } from './spire-server';

/** Renders the `aws` layer of one network as placed artifacts. */
export function renderAwsArtifacts(plan: Plan, network: PlanNetwork): NetworkRenderResult {
  const r = renderAwsNetwork(plan, network);
  const sgp = manifestSecurityGroupPolicies(r.podGroups, r.resources);
  const artifacts: PlacedArtifact[] = [
    ...r.resources.map((resource): PlacedArtifact => ({ network: network.name, artifact: { type: 'aws', resource } })),
    ...sgp.policies.map((p): PlacedArtifact => ({ cluster: p.cluster, artifact: { type: 'manifest', manifest: p.manifest } })),
    ...spireServerAdmissions(plan, network).map((p): PlacedArtifact => ({ cluster: p.cluster, artifact: { type: 'manifest', manifest: p.manifest } })),
  ];
  return { artifacts, warnings: [...r.warnings, ...sgp.warnings] };
}

/**
 * The kinds in which the `aws` layer writes BreakGlass objects into a cluster: the Crossplane
 * rule objects of break-glass grants, applied to a network's control-plane cluster
 * (`NetworkProps.controlPlane`), whose reaper deletes them at expiry (Crossplane then revokes
 * the AWS rules: `deletionPolicy: Delete` is the default).
 */
export const AWS_BREAK_GLASS_RESOURCES: readonly ApiResource[] = [
  { group: 'ec2.aws.upbound.io', resource: 'securitygroupegressrules' },
  { group: 'ec2.aws.upbound.io', resource: 'securitygroupingressrules' },
];

/** The renderer of the `aws` layer. */
export const awsTarget: NetworkTarget = {
  layer: 'aws',
  render: renderAwsArtifacts,
  validate: validateAwsNetwork,
  breakGlassResources: AWS_BREAK_GLASS_RESOURCES,
};
