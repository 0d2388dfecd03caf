/**
 * EKS security groups for pods: a `vpcresources.k8s.aws/v1beta1` SecurityGroupPolicy in the
 * workload's namespace of its cluster gives the selected pods the workload's groups (and only
 * those: pods with a policy no longer carry the node's groups).
 *
 * The policy names groups by id. Where that id comes from:
 * - **Pulumi host**: the created group's `id` output (see `lib/pulumi/aws.ts`), so one
 *   deployment creates the group and the policy;
 * - **manifest hosts** (cdk8s, the CLI): an id is known only for an adopted group. For a group
 *   Crossplane creates, the policy is not written and the warning `BH-AWS-POD-GROUP-ID` says so:
 *   apply the `aws` layer, read the id Crossplane reports (`status.atProvider.id` of the
 *   SecurityGroup), declare it as the workload's adopted group id, and synthesize again. Until
 *   then the pods keep the node's groups and the rules that reference the pods' group match
 *   none of them (the flows stay closed, never wider). A workload whose rules need several
 *   groups (shards) cannot adopt them all, so its policy needs the Pulumi host.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html
 */
import { Problem, sortProblems } from '../../core/errors';
import { LABELS } from '../../core/names';
import { MANAGED_BY, objectName, sortedRecord } from '../common';
import { KubeManifest } from '../types';
import { AwsPodGroup } from './render';
import { AwsResource } from './types';

/** The API version of the EKS SecurityGroupPolicy. */
export const SECURITY_GROUP_POLICY_API_VERSION = 'vpcresources.k8s.aws/v1beta1';

/** An EKS SecurityGroupPolicy, generic in how the group ids are given (text, or a host's output). */
export interface SecurityGroupPolicy<Id = string> extends KubeManifest {
  /** The API version. */
  readonly apiVersion: typeof SECURITY_GROUP_POLICY_API_VERSION;
  /** The kind. */
  readonly kind: 'SecurityGroupPolicy';
  /** The spec. */
  readonly spec: {
    /** The workload's pods. */
    readonly podSelector: { readonly matchLabels: Readonly<Record<string, string>> };
    /** The groups the pods get. */
    readonly securityGroups: { readonly groupIds: readonly Id[] };
  };
}

/** A SecurityGroupPolicy and the cluster it is applied to. */
export interface ClusterSecurityGroupPolicy<Id = string> {
  /** The pods' cluster. */
  readonly cluster: string;
  /** The policy. */
  readonly manifest: SecurityGroupPolicy<Id>;
}

/** The name of a workload's SecurityGroupPolicy. */
export function securityGroupPolicyName(pg: AwsPodGroup): string {
  return objectName(['bulkhead', pg.name]);
}

/** The SecurityGroupPolicy of one pod workload, with the given group ids (in the order of `pg.groups`). */
export function securityGroupPolicy<Id>(pg: AwsPodGroup, groupIds: readonly Id[]): ClusterSecurityGroupPolicy<Id> {
  return {
    cluster: pg.cluster,
    manifest: {
      apiVersion: SECURITY_GROUP_POLICY_API_VERSION,
      kind: 'SecurityGroupPolicy',
      metadata: {
        name: securityGroupPolicyName(pg),
        namespace: pg.namespace,
        labels: sortedRecord({ [LABELS.managedBy]: MANAGED_BY, [LABELS.layer]: 'aws', [LABELS.workload]: pg.name }),
      },
      spec: { podSelector: { matchLabels: pg.selector }, securityGroups: { groupIds } },
    },
  };
}

/**
 * The SecurityGroupPolicies a manifest host can write: those whose groups are all adopted (ids
 * known). Every other pod workload gets the `BH-AWS-POD-GROUP-ID` warning with the two-step flow.
 */
export function manifestSecurityGroupPolicies(podGroups: readonly AwsPodGroup[], resources: readonly AwsResource[]): { readonly policies: ClusterSecurityGroupPolicy[]; readonly warnings: Problem[] } {
  const ids = new Map<string, string>();
  for (const r of resources) if (r.kind === 'SecurityGroup' && r.adoptId !== undefined) ids.set(r.key, r.adoptId);
  const policies: ClusterSecurityGroupPolicy[] = [];
  const warnings: Problem[] = [];
  for (const pg of podGroups) {
    const known = pg.groups.map((g) => ids.get(g));
    if (known.every((x): x is string => x !== undefined)) {
      policies.push(securityGroupPolicy(pg, known));
      continue;
    }
    const sharded = pg.groups.length > 1;
    warnings.push({
      severity: 'warning', code: 'BH-AWS-POD-GROUP-ID', path: pg.path,
      message: sharded
        ? `manifest output (cdk8s, the CLI) holds no SecurityGroupPolicy for the pods of ${pg.workload}: their rules need ${pg.groups.length} security groups, which Crossplane creates, so their ids are not known at synthesis; until a policy gives the pods those groups they keep the node's groups, and the flows that reference their groups stay closed (the Pulumi host creates the policy with the groups' ids: nothing to do there)`
        : `manifest output (cdk8s, the CLI) holds no SecurityGroupPolicy for the pods of ${pg.workload} yet: Crossplane creates their security group, so its id is not known at synthesis; until the policy is applied the pods keep the node's groups, and the flows that reference their group stay closed (the Pulumi host creates the policy with the group's id: nothing to do there)`,
      value: JSON.stringify(pg.groups),
      fix: sharded
        ? 'deploy with the Pulumi host, which passes the created groups\' ids to the policy, or reduce the workload\'s peers so that one group holds its rules'
        : `two steps: (1) apply the aws layer and read the group's id (kubectl get securitygroups.ec2.aws.upbound.io ${pg.groups[0]} -o jsonpath='{.status.atProvider.id}'); (2) declare it on the workload (securityGroup: { adoptId: '<that id>' }) and synthesize again: the SecurityGroupPolicy is then written into the manifests of cluster ${pg.cluster}. Or deploy with the Pulumi host`,
    });
  }
  return { policies, warnings: sortProblems(warnings) };
}
