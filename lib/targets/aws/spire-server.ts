/**
 * The Kubernetes side of the platform flow from the SPIRE agents of VM fleets to the SPIRE
 * server of their identity's cluster (`ClusterProps.spireServer`): the agents attest
 * (`aws_iid`) and fetch their SVIDs over the server's gRPC port, from the fleets' subnets.
 *
 * The security-group side is an egress rule of each fleet's group to the server's declared
 * addresses (see `render.ts`). In the cluster, the server's pods need admitting only where the
 * cluster's layers isolate them: Bulkhead isolates a namespace (default deny in the `kubernetes`
 * and `cilium` layers) when it holds declared workloads. There the layer places an allow into
 * the server's pods from the fleets' subnets on the server's port: a NetworkPolicy, which the
 * NetworkPolicy implementation enforces and Cilium enforces too (allows of NetworkPolicies and
 * CiliumNetworkPolicies selecting one endpoint add up), so one object serves a cluster that runs
 * `kubernetes`, `cilium` or both. In a namespace no
 * Bulkhead policy selects (the usual case: the server's namespace holds no declared workload)
 * nothing is placed: a policy there would isolate the server's pods, and cut off the cluster's
 * own agents.
 *
 * A load balancer in front of the server must keep the agents' addresses (client IP
 * preservation) for the pods to see the fleets' subnets.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation
 * @see https://docs.cilium.io/en/stable/security/policy/kubernetes/
 * @see https://spiffe.io/docs/latest/deploying/spire_agent/
 */
import { cmp } from '../../core/errors';
import { Protocol } from '../../core/port';
import { Plan, PlanNetwork } from '../../plan/types';
import { ANNOTATIONS } from '../../core/names';
import { meta, objectName, sortedRecord } from '../common';
import { NetworkPolicyManifest } from '../kubernetes/types';
import { cidrSet } from './addresses';
import { spireServerOf } from './render';

/** A policy the `aws` layer places into a SPIRE cluster, with the cluster it is applied to. */
export interface SpireServerAdmission {
  /** The SPIRE cluster. */
  readonly cluster: string;
  /** The policy. */
  readonly manifest: NetworkPolicyManifest;
}

/** The name of the policies that admit the SPIRE agents of one network's fleets. */
export function spireAgentsPolicyName(network: string): string {
  return objectName(['bulkhead', 'spire-agents', network]);
}

/**
 * The policies that admit the SPIRE agents of the VM fleets of `network` into the SPIRE server
 * pods of their identity's cluster, for each cluster whose layers isolate the server's
 * namespace; sorted by cluster.
 */
export function spireServerAdmissions(plan: Plan, network: PlanNetwork): SpireServerAdmission[] {
  const byCluster = new Map<string, { fleets: string[]; subnets: string[] }>();
  for (const vm of plan.cloudWorkloads) {
    if (vm.network !== network.name) continue;
    const server = spireServerOf(plan, vm);
    if (!server) continue;
    const entry = byCluster.get(server.cluster) ?? { fleets: [], subnets: [] };
    entry.fleets.push(vm.key);
    entry.subnets.push(...vm.subnetCidrs);
    byCluster.set(server.cluster, entry);
  }
  const out: SpireServerAdmission[] = [];
  for (const [name, { fleets, subnets }] of [...byCluster.entries()].sort(([a], [b]) => cmp(a, b))) {
    const cluster = plan.clusters.find((c) => c.name === name);
    const server = cluster?.spireServer;
    if (!cluster || !server || !cluster.namespaces.includes(server.namespace)) continue;
    const cidrs = cidrSet(subnets);
    const policyName = spireAgentsPolicyName(network.name);
    const sources = [...fleets].sort(cmp).map((k) => plan.cloudWorkloads.find((c) => c.key === k)?.path ?? k);
    if (cluster.layers.includes('kubernetes') || cluster.layers.includes('cilium')) {
      out.push({
        cluster: name,
        manifest: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: meta('aws', policyName, server.namespace, {}, { [ANNOTATIONS.source]: sources.join(',') }),
          spec: {
            podSelector: { matchLabels: sortedRecord(server.selector) },
            policyTypes: ['Ingress'],
            ingress: [{ from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: Protocol.TCP, port: server.port }] }],
          },
        },
      });
    }
  }
  return out;
}
