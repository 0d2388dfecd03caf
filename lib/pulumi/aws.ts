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
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/vpc/securitygroupingressrule/
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { cmp, Problem, show } from '../core/errors';
import { securityGroupPolicy } from '../targets/aws/security-group-policy';
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
    state = { providers: {}, groups: {}, lists: {}, waiting: [] };
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
    out[logical] = rule(logical, r, st.groups, st.lists, { parent: opts.parent, provider: providerOf(r) });
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
