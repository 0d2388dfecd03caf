/**
 * Catalogue of the declaration-level checks on addresses, HTTP on non-TCP ports, reserved
 * label keys, platform namespaces, shared identities and break-glass grants. Each entry
 * declares one mistake on top of the valid base and states the problem the planner reports:
 * code, message, construct path, value and fix.
 */
import { Port, Protocol } from '../../lib/core/port';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { Workload } from '../../lib/model/workload';
import { Base, base, CatalogueCase, checkCatalogueCase, grant } from './declare';

/** A cluster that runs the mesh (and SPIRE), whatever a bare cluster runs by default. */
function meshCluster(b: Base, id: string, props: { podCidrs?: string[]; trustDomain?: string; istioRootNamespace?: string } = {}): Cluster {
  return new Cluster(b.topo, id, { cloud: 'gcp', layers: ['kubernetes', 'istio', 'spire'], ...props });
}

type Case = CatalogueCase;

const CASES: Case[] = [
  // ---------------------------------------------------------------- addresses
  {
    name: 'pod CIDRs of two clusters that overlap',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.1.128.0/17'] }),
    code: 'BH-CIDR-OVERLAP', path: 'shop/gke',
    message: /its podCidrs range 10\.1\.128\.0\/17 overlaps the podCidrs range 10\.1\.0\.0\/16 of cluster 'eks' \(shop\/eks\): .* ambiguous/,
    value: /"gke\.podCidrs":"10\.1\.128\.0\/17","eks\.podCidrs":"10\.1\.0\.0\/16"/, fix: /give each cluster its own address ranges: change the podCidrs of cluster 'gke' or the podCidrs of cluster 'eks'/,
  },
  {
    name: 'node CIDRs of one cluster that hold the pod CIDRs of another',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['172.20.0.0/16'], nodeCidrs: ['10.0.0.0/8'] }),
    code: 'BH-CIDR-OVERLAP', path: 'shop/gke',
    message: /its nodeCidrs range 10\.0\.0\.0\/8 overlaps the podCidrs range 10\.1\.0\.0\/16 of cluster 'eks'/,
    value: /"gke\.nodeCidrs":"10\.0\.0\.0\/8"/, fix: /change the nodeCidrs of cluster 'gke'/,
  },
  {
    name: 'an External inside the pod CIDRs of a cluster',
    declare: (b) => new External(b.topo, 'office', { cidrs: ['10.1.2.0/24'] }),
    code: 'BH-EXTERNAL-OVERLAP', path: 'shop/office',
    message: /its range 10\.1\.2\.0\/24 lies within the podCidrs range 10\.1\.0\.0\/16 of cluster 'eks': an External stands for addresses outside the clusters/,
    value: /^"10\.1\.2\.0\/24"$/, fix: /declare those pods as Workloads of cluster 'eks'/,
  },
  {
    name: 'an External whose except ranges take in part of a cluster range',
    declare: (b) => new External(b.topo, 'corp', { cidrs: ['10.0.0.0/8'], except: ['10.1.0.0/17'] }),
    code: 'BH-EXTERNAL-OVERLAP', path: 'shop/corp',
    message: /its range 10\.0\.0\.0\/8 minus its except ranges takes in part of the podCidrs range 10\.1\.0\.0\/16 of cluster 'eks'/,
    value: /"except":\["10\.1\.0\.0\/17"\]/, fix: /except the whole range \(except: \['10\.1\.0\.0\/16'\]\), or none of it/,
  },
  {
    name: 'an External whose except ranges cover all its cidrs',
    declare: (b) => new External(b.topo, 'partner', { cidrs: ['203.0.113.0/24'], except: ['203.0.113.0/25', '203.0.113.128/25'] }),
    code: 'BH-EXTERNAL-NO-ADDRESS', path: 'shop/partner',
    message: /the except ranges cover every cidr of the External, so it stands for no address/,
    value: /"cidrs":\["203\.0\.113\.0\/24"\],"except":\["203\.0\.113\.0\/25","203\.0\.113\.128\/25"\]/, fix: /remove the except ranges that cover a cidr/,
  },
  {
    name: 'an External whose except equals one of its cidrs',
    declare: (b) => new External(b.topo, 'partner', { cidrs: ['203.0.113.0/24', '198.51.100.0/24'], except: ['198.51.100.0/24'] }),
    code: 'BH-CIDR-EXCEPTED', path: 'shop/partner', severity: 'warning',
    message: /the cidr 198\.51\.100\.0\/24 is covered by except ranges, so it adds no address/,
    value: /"cidr":"198\.51\.100\.0\/24","except":\["198\.51\.100\.0\/24"\]/, fix: /remove 198\.51\.100\.0\/24 from cidrs and 198\.51\.100\.0\/24 from except/,
  },
  // ---------------------------------------------------------------- HTTP on non-TCP ports
  {
    name: 'HTTP rules on a flow with a UDP port',
    declare: (b) => b.web.allowTo(b.cart, [Port.tcp(9090), Port.udp(9090)], { http: { methods: ['GET'] } }),
    code: 'BH-HTTP-PROTOCOL', path: 'shop/web (web -> cart)',
    message: /the flow has HTTP rules, and HTTP runs over TCP only: no layer can apply them to udp\/9090/,
    value: /"ports":\["udp\/9090"\],"http":\[\{"methods":\["GET"\],"paths":\[\]\}\]/, fix: /declare the UDP ports apart, without http, and keep the HTTP rules on the TCP ports/,
  },
  {
    name: 'HTTP rules on a flow with an SCTP port range',
    declare: (b) => b.web.allowTo(b.cart, Port.range(Protocol.SCTP, 3868, 3869), { http: { paths: ['/api/*'] } }),
    code: 'BH-HTTP-PROTOCOL', path: 'shop/web (web -> cart)',
    message: /no layer can apply them to sctp\/3868-3869/,
    value: /"ports":\["sctp\/3868-3869"\]/, fix: /declare the SCTP ports apart/,
  },
  {
    name: 'HTTP rules on an export with a UDP port',
    declare: (b) => {
      const d = new DomainBoundary(b.topo, 'voice');
      const sip = d.addWorkload('sip', { cluster: b.eks, namespace: 'voice', ports: { sip: Port.udp(5060) } });
      d.export(sip, Port.named('sip', Protocol.UDP), { http: { methods: ['INVITE'] } });
    },
    code: 'BH-HTTP-PROTOCOL', path: 'shop/voice (export sip)',
    message: /the export has HTTP rules, and HTTP runs over TCP only: no layer can apply them to udp\/5060/,
    value: /"ports":\["udp\/5060"\]/, fix: /declare the UDP ports apart, without http/,
  },
  // ---------------------------------------------------------------- reserved label keys
  {
    name: 'a workload selector on the bulkhead.io/domain label',
    declare: (b) => new Workload(b.topo, 'sneaky', { cluster: b.eks, namespace: 'misc', selector: { 'bulkhead.io/domain': 'payments' } }),
    code: 'BH-LABEL-RESERVED', path: 'shop/sneaky',
    message: /the selector uses the label key 'bulkhead\.io\/domain', which Bulkhead writes on the pods it binds: it would take in every pod of that domain/,
    value: /^"bulkhead\.io\/domain"$/, fix: /select the workload's own pod labels, such as \{ app: '<name>' \}; Bulkhead adds the bulkhead\.io\/\* labels itself/,
  },
  {
    name: 'a workload selector on the bulkhead.io/tier label takes in its neighbours once they are bound',
    // web and cart carry bulkhead.io/tier=internal once bound: the selector takes them in too.
    declare: (b) => new Workload(b.topo, 'sneaky', { cluster: b.eks, namespace: 'shop', selector: { 'bulkhead.io/tier': 'internal' } }),
    code: 'BH-LABEL-RESERVED', path: 'shop/sneaky', also: ['BH-SELECTOR-OVERLAP'],
    message: /the label key 'bulkhead\.io\/tier'.* every pod of that tier/,
    value: /^"bulkhead\.io\/tier"$/, fix: /Bulkhead adds the bulkhead\.io\/\* labels itself/,
  },
  {
    name: 'a workload selector on a key under a subdomain of bulkhead.io',
    declare: (b) => new Workload(b.topo, 'sneaky', { cluster: b.eks, namespace: 'misc', selector: { 'policy.bulkhead.io/owner': 'me' } }),
    code: 'BH-LABEL-RESERVED', path: 'shop/sneaky',
    message: /'policy\.bulkhead\.io\/owner'.* pods of other workloads/,
    value: /^"policy\.bulkhead\.io\/owner"$/, fix: /\{ app: '<name>' \}/,
  },
  // ---------------------------------------------------------------- platform namespaces
  {
    name: 'a workload in kube-system',
    declare: (b) => new Workload(b.topo, 'agent', { cluster: b.eks, namespace: 'kube-system' }),
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/agent',
    message: /namespace 'kube-system' of cluster 'eks' holds the Kubernetes system services .*the cluster DNS, which every workload of the cluster depends on: declaring a workload there puts the namespace under default deny/,
    value: /^"kube-system"$/, fix: /declare the workload in a namespace of its own; platform services are named in the topology's platform settings/,
  },
  {
    name: 'a workload in the namespace of a custom DNS service',
    declare: () => {
      const b = base({ platform: { dns: { namespace: 'dns', selector: { app: 'resolver' } } } });
      new Workload(b.topo, 'cache', { cluster: b.eks, namespace: 'dns' });
      return b.topo;
    },
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/cache',
    message: /namespace 'dns' of cluster 'eks' holds the cluster DNS, which every workload/,
    value: /^"dns"$/, fix: /a namespace of its own/,
  },
  {
    name: 'a workload in the metrics scraper\'s namespace',
    declare: () => {
      const b = base({ platform: { metricsScraper: { namespace: 'monitoring', selector: { app: 'prometheus' }, serviceAccount: 'prometheus' } } });
      new Workload(b.topo, 'grafana', { cluster: b.eks, namespace: 'monitoring' });
      return b.topo;
    },
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/grafana',
    message: /namespace 'monitoring' of cluster 'eks' holds the metrics scraper/,
    value: /^"monitoring"$/, fix: /metricsScraper/,
  },
  {
    name: 'a workload in bulkhead-system, where the break-glass reaper lives',
    declare: (b) => new Workload(b.topo, 'helper', { cluster: b.eks, namespace: 'bulkhead-system' }),
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/helper',
    message: /namespace 'bulkhead-system' of cluster 'eks' holds Bulkhead's break-glass reaper/,
    value: /^"bulkhead-system"$/, fix: /a namespace of its own/,
  },
  {
    name: 'a workload in istio-system of a mesh cluster',
    declare: (b) => new Workload(b.topo, 'gateway', { cluster: meshCluster(b, 'gke', { podCidrs: ['10.2.0.0/16'] }), namespace: 'istio-system' }),
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/gateway',
    message: /namespace 'istio-system' of cluster 'gke' holds the mesh control plane, .*; Istio's root namespace, where the namespace's deny-all and STRICT mTLS would apply mesh-wide/,
    value: /^"istio-system"$/, fix: /a namespace of its own/,
  },
  {
    name: 'a workload in the Istio root namespace of a mesh cluster',
    declare: (b) => new Workload(b.topo, 'gateway', { cluster: meshCluster(b, 'gke', { podCidrs: ['10.2.0.0/16'], istioRootNamespace: 'mesh-root' }), namespace: 'mesh-root' }),
    code: 'BH-NAMESPACE-PLATFORM', path: 'shop/gateway',
    message: /namespace 'mesh-root' of cluster 'gke' holds Istio's root namespace/,
    value: /^"mesh-root"$/, fix: /a namespace of its own/,
  },
  // ---------------------------------------------------------------- shared identities
  {
    name: 'two workloads of one namespace that run as one service account',
    declare: (b) => {
      const gke = meshCluster(b, 'gke', { podCidrs: ['10.2.0.0/16'] });
      new Workload(b.topo, 'api', { cluster: gke, namespace: 'shop', serviceAccount: 'shop' });
      new Workload(b.topo, 'worker', { cluster: gke, namespace: 'shop', serviceAccount: 'shop' });
    },
    code: 'BH-SHARED-IDENTITY', path: 'shop/worker',
    message: /it runs as service account 'shop', like shop\/api: both present the identity spiffe:\/\/shop\.example\.com\/ns\/shop\/sa\/shop, so each would inherit the other's access/,
    value: /"gke\/shop\/api":"spiffe:\/\/shop\.example\.com\/ns\/shop\/sa\/shop","gke\/shop\/worker"/, fix: /give each workload its own service account \(serviceAccount: 'worker'\)/,
  },
  {
    name: 'two clusters of one trust domain with the same namespace and service account',
    declare: (b) => {
      const gke = meshCluster(b, 'gke', { podCidrs: ['10.2.0.0/16'] });
      const aks = meshCluster(b, 'aks', { podCidrs: ['10.3.0.0/16'] });
      new Workload(b.topo, 'api-gke', { cluster: gke, namespace: 'api', name: 'api' });
      new Workload(b.topo, 'api-aks', { cluster: aks, namespace: 'api', name: 'api' });
    },
    code: 'BH-SHARED-IDENTITY', path: 'shop/api-gke',
    message: /it has the identity spiffe:\/\/shop\.example\.com\/ns\/api\/sa\/api of shop\/api-aks in cluster 'aks' \(same trust domain, namespace and service account\)/,
    value: /"aks\/api\/api":"spiffe:\/\/shop\.example\.com\/ns\/api\/sa\/api","gke\/api\/api"/, fix: /give cluster 'gke' a trust domain of its own \(trustDomain on the Cluster, such as 'gke\.shop\.example\.com'\)/,
  },
  // ---------------------------------------------------------------- break-glass grants
  {
    name: 'a grant across clusters into a cluster without pod CIDRs',
    declare: (b) => {
      const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp' });
      const collector = new Workload(b.topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } });
      grant(b, 'oncall', { to: [collector], ports: Port.named('http') });
    },
    code: 'BH-CROSS-CLUSTER-CIDR', path: 'shop/oncall (web -> collector)',
    message: /cluster 'eks' must address a peer in cluster 'gke' by IP .* that cluster declares no pod CIDRs/, value: /^"gke"$/, fix: /set podCidrs on cluster 'gke'/,
  },
  {
    name: 'a grant from an External into a mesh workload of a tier that accepts mutual TLS only',
    declare: (b) => {
      const gke = meshCluster(b, 'gke', { podCidrs: ['10.2.0.0/16'] });
      const api = new Workload(b.topo, 'api', { cluster: gke, namespace: 'api', ports: { http: Port.tcp(8080) } });
      grant(b, 'vendor', { from: [new External(b.topo, 'vendor-vpn', { cidrs: ['198.51.100.0/24'] })], to: [api], ports: Port.named('http') });
    },
    code: 'BH-TIER-PLAINTEXT', path: 'shop/vendor (vendor-vpn -> api)',
    message: /an External cannot present a mesh identity, and the internal tier of gke\/api\/api accepts mutual TLS only/,
    value: /vendor-vpn -> gke\/api\/api/, fix: /route the traffic through an internet-facing workload of the public tier/,
  },
];

describe('declaration checks: addresses, protocols, labels, namespaces, identities, grants', () => {
  test('every entry is distinct', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => `${c.code} ${c.message.source} ${c.value.source}`)).size).toBe(CASES.length);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});
