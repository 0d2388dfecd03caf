/**
 * ClusterNetworkPolicy / AdminNetworkPolicy `networks` peers apply to pod traffic too. The
 * API reference (policy.networking.k8s.io, `networks` of an egress peer) says the field is
 * meant for entities outside the cluster, but that cluster-internal traffic is checked
 * against the rule as well: accepting or denying 0.0.0.0/0 accepts or denies all IPv4
 * pod-to-pod traffic too. A CIDR rule therefore matches the pods whose addresses lie inside
 * it. Pod addresses come from Pods' `status.podIP` / `status.podIPs`; without them a pod lies
 * in the cluster's pod CIDRs when the analysis is given them, else anywhere.
 */
import * as fc from 'fast-check';
import { createKubernetesSimulator } from '../../lib/analysis/simulators/kubernetes';
import { Endpoint, WorkloadEndpoint } from '../../lib/analysis/types';
import { loadObjects } from '../../lib/analysis/loader';
import { context, external, workload } from './simulator-fixtures';
import { analyse, clusterNetworkPolicy, deployment, namespace, ports } from './util';

/** A Pod with a status address, as `kubectl get pod -o yaml` prints it. */
function pod(ns: string, name: string, labels: Record<string, string>, ips: string[]): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
  };
}
function anp(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name }, spec };
}

const base = [namespace('app'), namespace('other'), pod('app', 'client', { app: 'client' }, ['10.1.0.10']), pod('other', 'near', { app: 'near' }, ['10.1.2.3']), pod('other', 'far', { app: 'far' }, ['10.2.0.7'])];
const denyNet = clusterNetworkPolicy('deny-net', {
  tier: 'Admin', priority: 1, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } } },
  egress: [{ action: 'Deny', to: [{ networks: ['10.1.0.0/16'] }] }],
});
const acceptNetOnly = clusterNetworkPolicy('accept-net', {
  tier: 'Admin', priority: 1, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } } },
  egress: [{ action: 'Accept', to: [{ networks: ['10.1.0.0/16'] }] }, { action: 'Deny', to: [{ namespaces: {} }] }],
});

describe('networks peers match pods by address', () => {
  test.each([
    { name: 'ClusterNetworkPolicy Deny networks 10.1.0.0/16: a pod at 10.1.2.3 is denied', objects: [denyNet], to: 'other/near', want: 'No Connections' },
    { name: 'ClusterNetworkPolicy Deny networks 10.1.0.0/16: a pod at 10.2.0.7 is not', objects: [denyNet], to: 'other/far', want: 'All Connections' },
    { name: 'Accept networks 10.1.0.0/16 before a Deny of every namespace: the pod inside is accepted', objects: [acceptNetOnly], to: 'other/near', want: 'All Connections' },
    { name: 'Accept networks 10.1.0.0/16 before a Deny of every namespace: the pod outside is denied', objects: [acceptNetOnly], to: 'other/far', want: 'No Connections' },
    {
      name: 'AdminNetworkPolicy (v1alpha1) Deny networks: the same',
      objects: [anp('deny-net', { priority: 5, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } } }, egress: [{ name: 'no-net', action: 'Deny', to: [{ networks: ['10.1.2.0/24'] }] }] })],
      to: 'other/near', want: 'No Connections',
    },
    {
      name: 'a pod with several addresses matches only when every one is inside',
      objects: [denyNet, pod('other', 'dual', { app: 'dual' }, ['10.1.9.9', '10.2.9.9'])], to: 'other/dual', want: 'All Connections',
    },
    {
      name: 'an IPv6 address of a dual-stack pod does not keep its IPv4 address from matching',
      objects: [denyNet, pod('other', 'ds', { app: 'ds' }, ['10.1.9.9', 'fd00::9'])], to: 'other/ds', want: 'No Connections',
    },
  ])('$name', ({ objects, to, want }) => {
    expect(ports(analyse([...base, ...objects]), 'app/client', to)).toBe(want);
  });

  test('a pod reported as its owner carries the owner\'s pod addresses', () => {
    const owned = { ...(pod('other', 'near-abc', { app: 'near2' }, ['10.1.3.3']) as Record<string, unknown>) };
    (owned.metadata as Record<string, unknown>).ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'near-rs', uid: 'u', controller: true }];
    const a = analyse([...base, owned, denyNet]);
    const w = a.context.workloads.find((x) => x.name === 'near-rs');
    expect(w?.addresses).toEqual([0x0a010303]);
    expect(ports(a, 'app/client', 'other/near-rs')).toBe('No Connections');
  });

  test('without pod addresses: only 0.0.0.0/0 matches, unless the pod CIDRs are given', () => {
    const objects = [deployment('app', 'client', { app: 'client' }), deployment('other', 'srv', { app: 'srv' }), denyNet];
    expect(ports(analyse(objects), 'app/client', 'other/srv')).toBe('All Connections');
    expect(analyse(objects).warnings.map((w) => w.message).join('\n')).toMatch(/networks match pod addresses too/);
    expect(ports(analyse(objects, { podCidrs: ['10.1.128.0/17'] }), 'app/client', 'other/srv')).toBe('No Connections');
    expect(ports(analyse(objects, { podCidrs: ['10.9.0.0/16'] }), 'app/client', 'other/srv')).toBe('All Connections');
    const world = clusterNetworkPolicy('deny-world', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] });
    expect(ports(analyse([objects[0], objects[1], world]), 'app/client', 'other/srv')).toBe('No Connections');
  });

  test('the bulk query agrees with the per-pair query on pods with addresses', () => {
    const ips = [0x0a010005, 0x0a01ff05, 0x0a020005, 0x0b000001];
    const wsArb = fc.array(fc.record({ ns: fc.constantFrom('a', 'b'), app: fc.constantFrom('x', 'y'), addrs: fc.option(fc.subarray(ips, { minLength: 1, maxLength: 2 }), { nil: undefined }) }), { minLength: 1, maxLength: 6 })
      .map((ws) => ws.map((w, i): WorkloadEndpoint => ({ ...workload(w.ns, `w${i}`, { labels: { app: w.app } }), ...(w.addrs ? { addresses: [...w.addrs].sort((p, q) => p - q) } : {}) })));
    const cidrArb = fc.subarray(['10.1.0.0/16', '10.1.255.0/24', '0.0.0.0/0', '10.0.0.0/8', '11.0.0.0/8'], { minLength: 1, maxLength: 2 });
    const ruleArb = fc.record({ action: fc.constantFrom('Accept', 'Deny', 'Pass'), nets: cidrArb });
    fc.assert(fc.property(wsArb, fc.array(ruleArb, { minLength: 1, maxLength: 3 }), fc.constantFrom(undefined, ['10.1.0.0/16'], ['10.0.0.0/8']), (ws, rules, podCidrs) => {
      const objects = loadObjects([clusterNetworkPolicy('p', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: rules.map((r) => ({ action: r.action, to: [{ networks: r.nets }] })) })], 'mem').objects;
      const ranges = podCidrs?.map((c) => external(c)).map((e) => [e.first, e.last] as const);
      const ctx = { ...context(ws), ...(ranges ? { podCidrs: ranges } : {}) };
      const sim = createKubernetesSimulator(objects, ctx);
      const eps: Endpoint[] = [...ctx.workloads, external('10.1.0.0/16'), external('192.0.2.0/24')];
      const per = new Map<string, string>();
      eps.forEach((s, i) => eps.forEach((d, j) => {
        if (s.id === d.id || (s.type === 'external' && d.type === 'external')) return;
        const p = sim.allowedPorts(s, d);
        if (!p.isEmpty()) per.set(`${i}>${j}`, p.toString());
      }));
      const bulk = new Map<string, string>();
      for (const p of sim.allowedPairs!(eps, eps)) {
        if (eps[p.src].type === 'external' && eps[p.dst].type === 'external') continue;
        bulk.set(`${p.src}>${p.dst}`, p.ports.toString());
      }
      expect(bulk).toEqual(per);
      // and explain agrees with allowedPorts
      for (const s of ctx.workloads) for (const d of ctx.workloads) if (s.id !== d.id) expect(sim.allowedPorts(s, d).has('TCP', 80)).toBe(sim.explain(s, d, { protocol: 'TCP', port: 80 }).allowed);
    }), { numRuns: 200 });
  });
});
