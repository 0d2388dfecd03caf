/**
 * The `aws` layer in the Pulumi host: every {@link AwsResource} becomes one `@pulumi/aws` v7
 * resource, a child of the given parent, with a logical name derived from its key:
 * - a group: `aws.ec2.SecurityGroup` without inline rules (an adopted group is read with
 *   `aws.ec2.SecurityGroup.get` and never changed);
 * - a rule: `aws.vpc.SecurityGroupIngressRule` / `aws.vpc.SecurityGroupEgressRule`, one peer
 *   each (inline and standalone rules on one group fight each other: only standalone ones here);
 * - a prefix list: `aws.ec2.ManagedPrefixList`.
 * Each account and region gets one explicit `aws.Provider` (pinned to the account with
 * `allowedAccountIds`), never the ambient default provider; a user-supplied provider keyed
 * `<account>/<region>` takes its place.
 *
 * EKS SecurityGroupPolicies take the created groups' `id` outputs, so one deployment creates a
 * pod workload's group and binds its pods to it.
 *
 * Break-glass rules are revoked at expiry without another deployment: beside each one, a
 * one-time EventBridge Scheduler schedule (`aws.scheduler.Schedule`, `at(<expiry>)` in UTC,
 * deleted after it ran) calls `ec2:RevokeSecurityGroupIngress` / `RevokeSecurityGroupEgress`
 * through the universal target with the group's id and the rule's id, as an IAM role
 * (`aws.iam.Role` + `aws.iam.RolePolicy`, one per group) that EventBridge Scheduler of the
 * account alone may assume and that may revoke rules of that group only. The next `pulumi up`
 * after expiry no longer declares the rule: Pulumi deletes the (already revoked) rule, the
 * schedule (already deleted) and the role from its state (`pulumi refresh` shows the same).
 *
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/vpc/securitygroupingressrule/
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/scheduler/schedule/
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { cmp, Problem, show } from '../core/errors';
import { AWS_TAGS } from '../targets/aws/render';
import { securityGroupPolicy } from '../targets/aws/security-group-policy';
import { shortHash } from '../targets/common';
import { AwsPodSelection, AwsPrefixList, AwsResource, AwsSecurityGroup, AwsSecurityGroupRule } from '../targets/aws/types';

/** Options of {@link createAwsResources}. */
export interface CreateAwsOptions {
  /** The prefix of every logical name (the component's name). */
  readonly stack: string;
  /** The parent of every resource (the component). */
  readonly parent: pulumi.Resource;
  /**
   * AWS providers by `<account>/<region>`; the others are created (one per account and region).
   * @default - one provider per account and region is created
   */
  readonly providers?: Readonly<Record<string, aws.Provider>>;
  /**
   * The Kubernetes provider of a cluster, for the SecurityGroupPolicies of pods with their own
   * groups (created with the groups' `id` outputs, unless every group of the workload is
   * adopted: that policy is a manifest of the layer, created with the cluster's objects).
   * @default - no SecurityGroupPolicy is created
   */
  readonly kubernetesProvider?: (cluster: string) => k8s.Provider | undefined;
}

/** What {@link createAwsResources} created, so far, for one parent. */
export interface CreatedAws {
  /** The provider of each account and region, by `<account>/<region>`. */
  readonly providers: Readonly<Record<string, aws.Provider>>;
  /** The groups (created or adopted), by resource key. */
  readonly groups: Readonly<Record<string, aws.ec2.SecurityGroup>>;
  /** Every resource created by this call, providers excluded, by logical name. */
  readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
}

/** What has been created for one parent, across calls (one call per network). */
interface State {
  readonly providers: Record<string, aws.Provider>;
  readonly groups: Record<string, aws.ec2.SecurityGroup>;
  readonly lists: Record<string, aws.ec2.ManagedPrefixList>;
  /** The role that revokes the break-glass rules of a group at expiry, by group key. */
  readonly revokers: Record<string, { readonly role: aws.iam.Role; readonly policy: aws.iam.RolePolicy }>;
  /** Rules and pod policies waiting for a group or prefix list of a network not created yet. */
  readonly waiting: AwsResource[];
}

const STATES = new WeakMap<pulumi.Resource, State>();

/** The provider key of a resource: `<account>/<region>`. */
export function awsProviderKey(r: { readonly account: string; readonly region: string }): string {
  return `${r.account}/${r.region}`;
}

/** The logical name of an AWS resource: `<stack>.aws.<kind>.<key>`. */
export function awsLogicalName(stack: string, r: AwsResource): string {
  return [stack, 'aws', r.kind, r.key].join('.');
}

/**
 * The problems of user-supplied AWS providers: a key that is not `<account>/<region>` of any
 * resource (`BH-PULUMI-AWS-PROVIDER-UNKNOWN`), a value that is no `aws.Provider`
 * (`BH-PULUMI-AWS-PROVIDER-TYPE`).
 */
export function awsProviderProblems(where: string, resources: readonly AwsResource[], providers: Readonly<Record<string, unknown>> | undefined): Problem[] {
  const used = [...new Set(resources.map(awsProviderKey))].sort(cmp);
  const problems: Problem[] = [];
  for (const key of Object.keys(providers ?? {}).sort(cmp)) {
    const value = (providers ?? {})[key];
    if (!used.includes(key)) {
      problems.push({
        severity: 'error', code: 'BH-PULUMI-AWS-PROVIDER-UNKNOWN', path: `${where}/awsProviders`,
        message: `the AWS providers key '${key}' names no account and region of the synthesis`,
        value: show(key),
        fix: `key each AWS provider by '<account>/<region>' of a network: ${used.map((u) => `'${u}'`).join(', ') || '(none)'} (or remove the key)`,
      });
    } else if (!aws.Provider.isInstance(value)) {
      problems.push({
        severity: 'error', code: 'BH-PULUMI-AWS-PROVIDER-TYPE', path: `${where}/awsProviders/${key}`,
        message: `the AWS provider of '${key}' is not a @pulumi/aws Provider`,
        value: show(value),
        fix: `pass new aws.Provider('${key.replace('/', '-')}', { region: '${key.split('/')[1] ?? ''}', allowedAccountIds: ['${key.split('/')[0]}'] })`,
      });
    }
  }
  return problems;
}

/**
 * Creates AWS resources as children of `opts.parent`: those of one network per call, or of all
 * at once. A rule may reference a group of another network: what is created is remembered per
 * parent, and a rule whose group or prefix list does not exist yet is created in the call that
 * creates it. Providers are made once per account and region and parent.
 */
export function createAwsResources(resources: readonly AwsResource[], opts: CreateAwsOptions): CreatedAws {
  let state = STATES.get(opts.parent);
  if (!state) {
    state = { providers: {}, groups: {}, lists: {}, revokers: {}, waiting: [] };
    STATES.set(opts.parent, state);
  }
  const st = state;
  const providerOf = (r: { readonly account: string; readonly region: string }): aws.Provider => {
    const key = awsProviderKey(r);
    let p = st.providers[key] ?? opts.providers?.[key];
    if (!p) p = new aws.Provider(`${opts.stack}-aws-${r.account}-${r.region}`, { region: r.region, allowedAccountIds: [r.account] }, { parent: opts.parent });
    st.providers[key] = p;
    return p;
  };
  const out: Record<string, pulumi.CustomResource> = {};
  const ofKind = <K extends AwsResource['kind']>(list: readonly AwsResource[], kind: K) => list.filter((r): r is Extract<AwsResource, { kind: K }> => r.kind === kind);
  for (const l of ofKind(resources, 'ManagedPrefixList')) {
    const logical = awsLogicalName(opts.stack, l);
    st.lists[l.key] = prefixList(logical, l, { parent: opts.parent, provider: providerOf(l) });
    out[logical] = st.lists[l.key];
  }
  for (const g of ofKind(resources, 'SecurityGroup')) {
    const logical = awsLogicalName(opts.stack, g);
    st.groups[g.key] = securityGroup(logical, g, { parent: opts.parent, provider: providerOf(g) });
    out[logical] = st.groups[g.key];
  }
  const pending = [...st.waiting, ...ofKind(resources, 'SecurityGroupIngressRule'), ...ofKind(resources, 'SecurityGroupEgressRule'), ...ofKind(resources, 'SecurityGroup').filter((g) => g.pods)];
  st.waiting.length = 0;
  for (const r of pending) {
    if (r.kind === 'SecurityGroup') {
      const pods = r.pods;
      if (!pods || !opts.kubernetesProvider || pods.groups.every((k) => k === r.key && r.adoptId !== undefined)) continue;
      if (!pods.groups.every((k) => st.groups[k])) {
        st.waiting.push(r);
        continue;
      }
      Object.assign(out, securityGroupPolicyResource(pods, st.groups, opts));
      continue;
    }
    if (r.kind === 'ManagedPrefixList') continue;
    if (!st.groups[r.group] || (r.peer.referencedGroup !== undefined && !st.groups[r.peer.referencedGroup]) || (r.peer.prefixList !== undefined && !st.lists[r.peer.prefixList])) {
      st.waiting.push(r);
      continue;
    }
    const logical = awsLogicalName(opts.stack, r);
    const created = rule(logical, r, st.groups, st.lists, { parent: opts.parent, provider: providerOf(r) });
    out[logical] = created;
    if (breakGlassExpiry(r) !== undefined) Object.assign(out, revocationAtExpiry(r, created, st, opts, providerOf(r)));
  }
  return { providers: { ...st.providers }, groups: { ...st.groups }, resources: out };
}

/** The rules and policies still waiting for a group or prefix list of a network not created yet (keys, sorted). */
export function awsResourcesWaiting(parent: pulumi.Resource): string[] {
  return (STATES.get(parent)?.waiting ?? []).map((r) => r.key).sort(cmp);
}

function securityGroup(logical: string, g: AwsSecurityGroup, opts: pulumi.CustomResourceOptions): aws.ec2.SecurityGroup {
  if (g.adoptId !== undefined) return aws.ec2.SecurityGroup.get(logical, g.adoptId, undefined, opts);
  return new aws.ec2.SecurityGroup(logical, {
    name: g.name, description: g.description, vpcId: g.vpcId, revokeRulesOnDelete: true, tags: { ...g.tags },
  }, opts);
}

function prefixList(logical: string, l: AwsPrefixList, opts: pulumi.CustomResourceOptions): aws.ec2.ManagedPrefixList {
  return new aws.ec2.ManagedPrefixList(logical, {
    name: l.name, addressFamily: l.addressFamily, maxEntries: l.maxEntries,
    entries: l.entries.map((e) => ({ cidr: e.cidr, description: e.description })), tags: { ...l.tags },
  }, opts);
}

function rule(
  logical: string, r: AwsSecurityGroupRule, groups: Readonly<Record<string, aws.ec2.SecurityGroup>>,
  lists: Readonly<Record<string, aws.ec2.ManagedPrefixList>>, opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const must = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`internal: the rule ${r.key} names the ${what}, which is not among the resources`);
    return x;
  };
  const p = r.peer;
  const args: aws.vpc.SecurityGroupIngressRuleArgs = {
    securityGroupId: must(groups[r.group], `group ${r.group}`).id,
    ipProtocol: r.ipProtocol,
    ...(r.ipProtocol === '-1' || r.fromPort === undefined ? {} : { fromPort: r.fromPort }),
    ...(r.ipProtocol === '-1' || r.toPort === undefined ? {} : { toPort: r.toPort }),
    ...(p.cidrIpv4 !== undefined ? { cidrIpv4: p.cidrIpv4 } : {}),
    ...(p.cidrIpv6 !== undefined ? { cidrIpv6: p.cidrIpv6 } : {}),
    ...(p.referencedGroup !== undefined ? { referencedSecurityGroupId: must(groups[p.referencedGroup], `group ${p.referencedGroup}`).id } : {}),
    ...(p.referencedGroupId !== undefined ? { referencedSecurityGroupId: p.referencedGroupId } : {}),
    ...(p.prefixList !== undefined ? { prefixListId: must(lists[p.prefixList], `prefix list ${p.prefixList}`).id } : {}),
    description: r.description,
    tags: { ...r.tags },
  };
  return r.kind === 'SecurityGroupIngressRule'
    ? new aws.vpc.SecurityGroupIngressRule(logical, args, opts)
    : new aws.vpc.SecurityGroupEgressRule(logical, args, opts);
}

/** The expiry of a break-glass rule (its `bulkhead.io/expires-at` tag, Unix seconds), or undefined for another rule. */
export function breakGlassExpiry(r: AwsSecurityGroupRule): number | undefined {
  const grant = r.tags[AWS_TAGS.breakGlass];
  const at = r.tags[AWS_TAGS.expiresAt];
  if (grant === undefined || at === undefined || !/^\d+$/.test(at)) return undefined;
  return Number(at);
}

/** The AWS partition of a Region (`aws`, `aws-cn`, `aws-us-gov`). */
export function awsPartition(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The EventBridge Scheduler expression of a one-time schedule at a Unix time: `at(yyyy-mm-ddThh:mm:ss)` (UTC). */
export function atExpression(epochSeconds: number): string {
  return `at(${new Date(epochSeconds * 1000).toISOString().slice(0, 19)})`;
}

/** The universal target that revokes a rule: `arn:<partition>:scheduler:::aws-sdk:ec2:revokeSecurityGroupIngress` (or `Egress`). */
export function revokeTargetArn(r: Pick<AwsSecurityGroupRule, 'kind' | 'region'>): string {
  const action = r.kind === 'SecurityGroupIngressRule' ? 'revokeSecurityGroupIngress' : 'revokeSecurityGroupEgress';
  return `arn:${awsPartition(r.region)}:scheduler:::aws-sdk:ec2:${action}`;
}

/**
 * The schedule that revokes a break-glass rule at its expiry, and (once per group) the role it
 * runs as: the role trusts EventBridge Scheduler of the rule's account only, and may call
 * `ec2:RevokeSecurityGroupIngress` / `ec2:RevokeSecurityGroupEgress` on the rule's group only.
 */
function revocationAtExpiry(
  r: AwsSecurityGroupRule, created: pulumi.CustomResource, st: State, opts: CreateAwsOptions, provider: aws.Provider,
): Record<string, pulumi.CustomResource> {
  const out: Record<string, pulumi.CustomResource> = {};
  const group = st.groups[r.group];
  const partition = awsPartition(r.region);
  let access = st.revokers[r.group];
  if (!access) {
    const roleName = [opts.stack, 'aws', 'RevokeRole', r.group].join('.');
    const role = new aws.iam.Role(roleName, {
      namePrefix: `bulkhead-revoke-${shortHash(r.group)}-`,
      description: `Bulkhead: EventBridge Scheduler revokes the break-glass rules of security group ${r.group} at their expiry`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': r.account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:scheduler:${r.region}:${r.account}:schedule/default/*` },
          },
        }],
      }),
      tags: { [AWS_TAGS.managedBy]: r.tags[AWS_TAGS.managedBy] ?? 'bulkhead', [AWS_TAGS.network]: r.network, ...(r.tags[AWS_TAGS.environment] !== undefined ? { [AWS_TAGS.environment]: r.tags[AWS_TAGS.environment] } : {}) },
    }, { parent: opts.parent, provider });
    const policyName = [opts.stack, 'aws', 'RevokeRolePolicy', r.group].join('.');
    const policy = new aws.iam.RolePolicy(policyName, {
      role: role.name,
      policy: group.id.apply((id) => JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Action: ['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress'],
          Resource: `arn:${partition}:ec2:${r.region}:${r.account}:security-group/${id}`,
        }],
      })),
    }, { parent: opts.parent, provider });
    access = { role, policy };
    st.revokers[r.group] = access;
    out[roleName] = role;
    out[policyName] = policy;
  }
  const ruleId = (created as aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule).securityGroupRuleId;
  const scheduleName = [opts.stack, 'aws', 'Schedule', r.key].join('.');
  const expiry = breakGlassExpiry(r) as number;
  out[scheduleName] = new aws.scheduler.Schedule(scheduleName, {
    namePrefix: `bulkhead-${shortHash(r.key)}-`,
    description: awsScheduleDescription(r),
    scheduleExpression: atExpression(expiry),
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'OFF' },
    actionAfterCompletion: 'DELETE',
    target: {
      arn: revokeTargetArn(r),
      roleArn: access.role.arn,
      input: pulumi.all([group.id, ruleId]).apply(([groupId, id]) => JSON.stringify({ GroupId: groupId, SecurityGroupRuleIds: [id] })),
    },
  }, { parent: opts.parent, provider, dependsOn: [access.policy, created] });
  return out;
}

/** The description of the schedule that revokes a rule (at most 512 characters). */
function awsScheduleDescription(r: AwsSecurityGroupRule): string {
  const text = `Bulkhead: revoke ${r.kind === 'SecurityGroupIngressRule' ? 'ingress' : 'egress'} rule ${r.key} of BreakGlass grant ${r.tags[AWS_TAGS.breakGlass] ?? ''} at its expiry`;
  return text.length <= 512 ? text : `${text.slice(0, 511)}*`;
}

/** The logical name of a SecurityGroupPolicy: `<stack>.<cluster>.SecurityGroupPolicy.<namespace>.<name>`. */
export function securityGroupPolicyLogicalName(stack: string, cluster: string, namespace: string, name: string): string {
  return [stack, cluster, 'SecurityGroupPolicy', namespace, name].join('.');
}

/** The SecurityGroupPolicy of one pod workload, in its cluster, naming its groups by their `id` outputs. */
function securityGroupPolicyResource(pods: AwsPodSelection, groups: Readonly<Record<string, aws.ec2.SecurityGroup>>, opts: CreateAwsOptions): Record<string, k8s.apiextensions.CustomResource> {
  const { cluster, manifest } = securityGroupPolicy<pulumi.Output<string>>(pods, pods.groups.map((g) => groups[g].id));
  const provider = opts.kubernetesProvider?.(cluster);
  if (!provider) throw new Error(`internal: the cluster ${cluster} of ${pods.workload} has no Kubernetes provider`);
  const logical = securityGroupPolicyLogicalName(opts.stack, cluster, pods.namespace, manifest.metadata.name);
  return {
    [logical]: new k8s.apiextensions.CustomResource(logical, {
      apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: { ...manifest.metadata }, spec: manifest.spec,
    } as k8s.apiextensions.CustomResourceArgs, { parent: opts.parent, provider }),
  };
}
