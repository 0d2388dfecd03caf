/**
 * Catalogue of the cloud half's errors: networks, links, clusters in networks, pod security
 * groups, VM fleets, managed services and flows with a cloud side. Each entry declares one
 * mistake on top of the valid base (plus a network, a VM fleet and a managed service) and
 * states the problem the planner reports: code, message, construct path, value and fix.
 */
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { ManagedService } from '../../lib/model/managed-service';
import { Network } from '../../lib/model/network';
import { VmFleet } from '../../lib/model/vm';
import { External } from '../../lib/model/external';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { CatalogueCase, checkCatalogueCase, NOW } from './declare';
import { cloud, managed, network, vm } from './declare-cloud';

/* eslint-disable @typescript-eslint/no-explicit-any */

const OTHER_VPC = 'vpc-0b1b2c3d4e5f67890';

const CASES: CatalogueCase[] = [
  // ---------------------------------------------------------------- networks
  {
    name: 'two networks of one name',
    declare: (b) => { cloud(b); network(b.topo, 'vpc2', { name: 'vpc', vpcId: OTHER_VPC, cidrs: ['10.2.0.0/16'] }); },
    code: 'BH-DUPLICATE-NETWORK', path: 'shop/vpc2', message: /another network has the same name \(shop\/vpc\)/, value: /^"vpc"$/, fix: /rename one of them \(name: 'vpc-2'\)/,
  },
  {
    name: 'a network of another cloud',
    declare: (b) => { network(b.topo, 'vnet', { cloud: 'azure' }); },
    code: 'BH-NETWORK-CLOUD', path: 'shop/vnet', message: /only AWS networks are supported/, value: /^"azure"$/, fix: /cloud: 'aws'.*clusters of other clouds without a network/,
  },
  {
    name: 'an account id that is not 12 digits',
    declare: (b) => { network(b.topo, 'vpc', { account: '12345678901' }); },
    code: 'BH-AWS-ACCOUNT', path: 'shop/vpc', message: /not 12 digits/, value: /^"12345678901"$/, fix: /12-digit account id as a string, leading zeros included/,
  },
  {
    name: 'an Availability Zone for a Region',
    declare: (b) => { network(b.topo, 'vpc', { region: 'eu-west-1a' }); },
    code: 'BH-AWS-REGION', path: 'shop/vpc', message: /not an AWS Region name/, value: /^"eu-west-1a"$/, fix: /'eu-west-1'.*not an Availability Zone/,
  },
  {
    name: 'a VPC id that is not one',
    declare: (b) => { network(b.topo, 'vpc', { vpcId: 'vpc-123' }); },
    code: 'BH-AWS-VPC-ID', path: 'shop/vpc', message: /not a VPC id/, value: /^"vpc-123"$/, fix: /existing VPC.*does not create VPCs/,
  },
  {
    name: 'one VPC declared by two networks',
    declare: (b) => { network(b.topo, 'a'); network(b.topo, 'b'); },
    code: 'BH-DUPLICATE-VPC', path: 'shop/b', message: /another network declares the same VPC \(shop\/a\)/, value: /vpc-0a1b2c3d4e5f67890/, fix: /declare each VPC once/,
  },
  {
    name: 'a network without CIDR blocks',
    declare: (b) => { network(b.topo, 'vpc', { cidrs: [] }); },
    code: 'BH-NETWORK-CIDRS', path: 'shop/vpc', message: /needs the CIDR blocks of its VPC/, value: /^\[\]$/, fix: /the primary block first/,
  },
  {
    name: 'a VPC block larger than AWS allows',
    declare: (b) => { network(b.topo, 'vpc', { cidrs: ['10.0.0.0/8'] }); },
    code: 'BH-NETWORK-CIDR-SIZE', path: 'shop/vpc', message: /IPv4 block from \/16 to \/28/, value: /^"10\.0\.0\.0\/8"$/, fix: /as the VPC has it/,
  },
  {
    name: 'an IPv6 primary block',
    declare: (b) => { network(b.topo, 'vpc', { cidrs: ['2001:db8:1200::/56', '10.0.0.0/16'] }); },
    code: 'BH-NETWORK-CIDR-SIZE', path: 'shop/vpc', message: /primary CIDR block of a VPC is IPv4/, value: /2001:db8:1200::\/56/, fix: /primary IPv4 block first/,
  },
  {
    name: 'two VPC blocks that overlap',
    declare: (b) => { network(b.topo, 'vpc', { cidrs: ['10.0.0.0/16', '10.0.128.0/17'] }); },
    code: 'BH-NETWORK-CIDR-OVERLAP', path: 'shop/vpc', message: /two CIDR blocks of the VPC overlap/, value: /10\.0\.0\.0\/16.*10\.0\.128\.0\/17/, fix: /each block of the VPC once/,
  },
  {
    name: 'a rule quota over AWS\'s maximum',
    declare: (b) => { network(b.topo, 'vpc', { quotas: { inboundRulesPerGroup: 1001 } }); },
    code: 'BH-NETWORK-QUOTA', path: 'shop/vpc', message: /quotas\.inboundRulesPerGroup is out of AWS's range/, value: /^1001$/, fix: /from 1 to 1000.*default is 60/,
  },
  {
    name: 'groups per interface over AWS\'s maximum',
    declare: (b) => { network(b.topo, 'vpc', { quotas: { groupsPerInterface: 17 } }); },
    code: 'BH-NETWORK-QUOTA', path: 'shop/vpc', message: /quotas\.groupsPerInterface is out of AWS's range/, value: /^17$/, fix: /from 1 to 16.*default is 5/,
  },
  {
    name: 'rules times groups over 1,000',
    declare: (b) => { network(b.topo, 'vpc', { quotas: { outboundRulesPerGroup: 200, groupsPerInterface: 6 } }); },
    code: 'BH-NETWORK-QUOTA', path: 'shop/vpc', message: /rules per group times groups per interface is 1200; AWS allows at most 1000/, value: /"rulesPerGroup":200,"groupsPerInterface":6/, fix: /product is at most 1000/,
  },
  {
    name: 'a custom resolver without addresses',
    declare: (b) => { network(b.topo, 'vpc', { platform: { dns: { cidrs: [] } } }); },
    code: 'BH-NETWORK-PLATFORM', path: 'shop/vpc', message: /platform\.dns lists no addresses/, value: /^\[\]$/, fix: /dns: true for the Amazon-provided service/,
  },
  // ---------------------------------------------------------------- links
  {
    name: 'a network linked to itself',
    declare: (b) => { const c = cloud(b); c.vpc.peerWith(c.vpc); },
    code: 'BH-NETWORK-LINK-SELF', path: 'shop/vpc', message: /linked to itself/, value: /^"vpc"$/, fix: /a\.peerWith\(b\)/,
  },
  {
    name: 'a link to a network of another topology',
    declare: (b) => {
      const c = cloud(b);
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      c.vpc.linkViaTransitGateway(network(other, 'far', { vpcId: OTHER_VPC, cidrs: ['10.9.0.0/16'] }));
    },
    code: 'BH-FOREIGN-NETWORK', path: 'shop/vpc', message: /linked network is not declared in this topology/, value: /^"other\/far"$/, fix: /same Topology/,
  },
  {
    name: 'two networks linked by a peering and a transit gateway',
    declare: (b) => {
      const c = cloud(b);
      const n2 = network(b.topo, 'legacy', { vpcId: OTHER_VPC, cidrs: ['10.2.0.0/16'] });
      n2.linkViaTransitGateway(c.vpc);
      c.vpc.peerWith(n2);
    },
    code: 'BH-NETWORK-LINK-KIND', path: 'shop/vpc', message: /'legacy' and 'vpc' are linked twice, by a transit-gateway and a peering/, value: /transit-gateway.*peering/, fix: /the one link the route tables use/,
  },
  {
    name: 'a link between VPCs of overlapping blocks',
    declare: (b) => {
      const c = cloud(b);
      c.vpc.peerWith(network(b.topo, 'legacy', { vpcId: OTHER_VPC, cidrs: ['10.0.128.0/17'] }));
    },
    code: 'BH-NETWORK-LINK-OVERLAP', path: 'shop/vpc', message: /overlapping CIDR blocks: AWS neither peers nor routes between them/, value: /10\.0\.128\.0\/17 ~ 10\.0\.0\.0\/16/, fix: /disjoint/,
  },
  // ---------------------------------------------------------------- clusters
  {
    name: 'a GKE cluster in an AWS network',
    declare: (b) => { const c = cloud(b); new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], network: c.vpc }); },
    code: 'BH-CLUSTER-NETWORK-CLOUD', path: 'shop/gke', message: /runs in cloud 'gcp', its network 'vpc' in 'aws'/, value: /^"gcp"$/, fix: /a cluster of another cloud has no network/,
  },
  {
    name: 'a cluster in a network of another Region',
    declare: (b) => { const c = cloud(b); new Cluster(b.topo, 'eks-us', { cloud: 'aws', region: 'us-east-1', podCidrs: ['10.2.0.0/16'], network: c.vpc }); },
    code: 'BH-CLUSTER-NETWORK-REGION', path: 'shop/eks-us', message: /Region 'us-east-1', its network 'vpc' in 'eu-west-1'/, value: /^"us-east-1"$/, fix: /region: 'eu-west-1'/,
  },
  {
    name: 'cluster nodes outside the VPC',
    declare: (b) => { const c = cloud(b); new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.2.0.0/16'], nodeCidrs: ['10.9.0.0/20'], network: c.vpc }); },
    code: 'BH-CLUSTER-NETWORK-CIDR', path: 'shop/eks2', message: /node CIDR 10\.9\.0\.0\/20 lies outside the VPC of network 'vpc'/, value: /^"10\.9\.0\.0\/20"$/, fix: /10\.0\.0\.0\/16/,
  },
  {
    name: 'a cluster in a network of another topology',
    declare: (b) => {
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.2.0.0/16'], network: network(other, 'far') });
    },
    code: 'BH-FOREIGN-NETWORK', path: 'shop/eks2', message: /cluster's network is not declared in this topology/, value: /^"other\/far"$/, fix: /same Topology/,
  },
  {
    name: 'pod security groups on a cluster in no network',
    declare: (b) => { new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', securityGroup: true }); },
    code: 'BH-POD-SG-NETWORK', path: 'shop/api', message: /only on an EKS cluster in an AWS network, and cluster 'eks' declares none/, value: /^true$/, fix: /set network on cluster 'eks'/,
  },
  // ---------------------------------------------------------------- VMs and managed services
  {
    name: 'an adopted group id that is not one',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { securityGroup: { adoptId: 'sg-xyz' } }); },
    code: 'BH-AWS-SG-ID', path: 'shop/billing', message: /not a security group id/, value: /^"sg-xyz"$/, fix: /sg-0123456789abcdef0/,
  },
  {
    name: 'one group adopted twice',
    declare: (b) => {
      const c = cloud(b);
      vm(b.topo, 'billing', c.vpc, { securityGroup: { adoptId: 'sg-0123456789abcdef0' } });
      managed(b.topo, 'cache', c.vpc, { service: 'elasticache', ports: { redis: Port.REDIS }, securityGroup: { adoptId: 'sg-0123456789abcdef0' } });
    },
    code: 'BH-DUPLICATE-SG', path: 'shop/cache', message: /adopted by shop\/billing too/, value: /sg-0123456789abcdef0/, fix: /a group of its own/,
  },
  {
    name: 'two cloud workloads of one name in a network',
    declare: (b) => { const c = cloud(b); managed(b.topo, 'erp-db', c.vpc, { name: 'erp' }); },
    code: 'BH-DUPLICATE-CLOUD-WORKLOAD', path: 'shop/erp-db', message: /of network 'vpc' has the same name \(shop\/erp\)/, value: /^"erp"$/, fix: /name: 'erp-2'/,
  },
  {
    name: 'a managed service of an upper-case service name',
    declare: (b) => { const c = cloud(b); managed(b.topo, 'cache', c.vpc, { service: 'ElastiCache' }); },
    code: 'BH-MANAGED-SERVICE', path: 'shop/cache', message: /not a short lowercase name/, value: /^"ElastiCache"$/, fix: /'elasticache'/,
  },
  {
    name: 'a managed service without ports',
    declare: (b) => { const c = cloud(b); managed(b.topo, 'cache', c.vpc, { ports: {} }); },
    code: 'BH-MANAGED-PORTS', path: 'shop/cache', message: /declares no ports/, value: /^\{\}$/, fix: /ports: \{ postgres: Port\.POSTGRES \}/,
  },
  {
    name: 'a VM fleet without subnets',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { subnetCidrs: [] }); },
    code: 'BH-CLOUD-SUBNETS', path: 'shop/billing', message: /no subnet CIDRs/, value: /^\[\]$/, fix: /subnetCidrs: \['10\.0\.32\.0\/20'\]/,
  },
  {
    name: 'a subnet outside the VPC',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { subnetCidrs: ['10.5.0.0/24'] }); },
    code: 'BH-CLOUD-SUBNET-OUTSIDE', path: 'shop/billing', message: /10\.5\.0\.0\/24 lies outside the VPC of network 'vpc'/, value: /^"10\.5\.0\.0\/24"$/, fix: /10\.0\.0\.0\/16/,
  },
  {
    name: 'a tag key AWS reserves',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { tags: { 'aws:team': 'x', app: 'billing' } }); },
    code: 'BH-AWS-TAG', path: 'shop/billing', message: /the tag 'aws:team' is not a valid AWS tag: keys starting with 'aws:' are reserved/, value: /"aws:team":"x"/, fix: /not starting with aws:/,
  },
  // ---------------------------------------------------------------- VM identities
  {
    name: 'a VM fleet with nothing to tell its instances apart',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { tags: {} }); },
    code: 'BH-VM-NODE-SELECTORS', path: 'shop/billing', message: /no node selector tells the fleet's instances apart/, value: /^\[\]$/, fix: /tag the instances.*adoptId.*identity\.nodeSelectors/,
  },
  {
    name: 'a node selector the attestor does not produce',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: { nodeSelectors: ['aws_iid:tag:app:billing'] } }); },
    code: 'BH-VM-NODE-SELECTORS', path: 'shop/billing', message: /not a node selector of the aws_iid attestor/, value: /^"aws_iid:tag:app:billing"$/, fix: /without the 'aws_iid:' type/,
  },
  {
    name: 'node selectors that name only a Region',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: { nodeSelectors: ['region:eu-west-1'] } }); },
    code: 'BH-VM-NODE-SELECTORS', path: 'shop/billing', message: /only a Region, zone or image: every instance there would get the fleet's identity/, value: /region:eu-west-1/, fix: /a tag, its security group or its instance profile/,
  },
  {
    name: 'a workload selector without a type',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: { workloadSelectors: ['billing'] } }); },
    code: 'BH-VM-WORKLOAD-SELECTORS', path: 'shop/billing', message: /not a SPIRE workload selector \(type:value\)/, value: /^"billing"$/, fix: /'unix:user:erp'/,
  },
  {
    name: 'no workload selector',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: { workloadSelectors: [] } }); },
    code: 'BH-VM-WORKLOAD-SELECTORS', path: 'shop/billing', message: /SPIRE would give the identity to no process/, value: /^\[\]$/, fix: /workloadSelectors: \['unix:user:erp'\]/,
  },
  {
    name: 'two clusters run SPIRE and the fleet names neither',
    declare: (b) => { cloud(b); new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'], layers: ['kubernetes', 'spire'] }); },
    code: 'BH-VM-SPIRE-CLUSTER', path: 'shop/erp', message: /more than one cluster runs SPIRE/, value: /\["eks","gke"\]/, fix: /identity: \{ spireCluster: eks \}.*identity: false/,
  },
  {
    name: 'a SPIRE cluster that runs no SPIRE',
    declare: (b) => {
      const c = cloud(b);
      const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.2.0.0/16'] });
      vm(b.topo, 'billing', c.vpc, { identity: { spireCluster: gke } });
    },
    code: 'BH-VM-SPIRE-CLUSTER', path: 'shop/billing', message: /cluster 'gke' runs no SPIRE/, value: /\["kubernetes"\]/, fix: /add 'spire' to the layers of cluster 'gke'/,
  },
  {
    name: 'a VM fleet in a network of another topology',
    declare: (b) => {
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      vm(b.topo, 'billing', network(other, 'far'));
    },
    code: 'BH-FOREIGN-NETWORK', path: 'shop/billing', message: /the network is not declared in this topology/, value: /^"other\/far"$/, fix: /same Topology/,
  },
  // ---------------------------------------------------------------- flows
  {
    name: 'a flow from a managed service',
    declare: (b) => { const c = cloud(b); c.erp.allowFrom(c.db, Port.HTTPS); },
    code: 'BH-MANAGED-SOURCE', path: 'shop/erp (orders-db -> erp)', message: /managed service 'orders-db' opens no connections/, value: /cloud:vpc\/orders-db/, fix: /turn it around/,
  },
  {
    name: 'a break-glass grant from a managed service',
    declare: (b) => {
      const c = cloud(b);
      new BreakGlass(b.topo, 'db-push', {
        from: [c.db], to: [c.erp], ports: Port.HTTPS, start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
        reason: 'replay', approvers: ['alice'],
      });
    },
    code: 'BH-MANAGED-SOURCE', path: 'shop/db-push (orders-db -> erp)', message: /opens no connections/, value: /cloud:vpc\/orders-db/, fix: /turn it around/,
  },
  {
    name: 'HTTP rules on a flow only security groups enforce',
    declare: (b) => { const c = cloud(b); c.erp.allowTo(c.db, Port.POSTGRES, { http: { methods: ['GET'] } }); },
    code: 'BH-CLOUD-HTTP', path: 'shop/erp (erp -> orders-db)', message: /only security groups enforce this flow into cloud:vpc\/orders-db.*open the whole port/, value: /"methods":\["GET"\]/, fix: /remove the http rules.*Cilium/,
  },
  {
    name: 'a VM fleet calling an External known by name only',
    declare: (b) => { const c = cloud(b); c.erp.allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.HTTPS); },
    code: 'BH-CLOUD-FQDN', path: 'shop/erp (erp -> stripe)', message: /security groups match addresses only, and External 'stripe' has none/, value: /api\.stripe\.com/, fix: /cidrs: \[\.\.\.\]/,
  },
  {
    name: 'a flow between networks that are not linked',
    declare: (b) => {
      const c = cloud(b);
      const legacy = network(b.topo, 'legacy', { vpcId: OTHER_VPC, cidrs: ['10.2.0.0/16'] });
      c.erp.allowTo(vm(b.topo, 'mainframe', legacy, { subnetCidrs: ['10.2.0.0/24'] }), Port.named('https'));
    },
    code: 'BH-CLOUD-UNLINKED', path: 'shop/erp (erp -> mainframe)', message: /networks 'vpc' and 'legacy' are not linked/, value: /\["vpc","legacy"\]/, fix: /vpc\.peerWith\(legacy\)/,
  },
  {
    name: 'pods of a cluster outside every network, without pod CIDRs, calling a VM',
    declare: (b) => {
      const c = cloud(b);
      const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp' });
      new Workload(b.topo, 'reports', { cluster: gke, namespace: 'bi' }).allowTo(c.erp, Port.named('https'));
    },
    code: 'BH-CLOUD-PEER-CIDRS', path: 'shop/reports (reports -> erp)', message: /cluster 'gke' is in no network.*declares no pod CIDRs/, value: /^"gke"$/, fix: /set podCidrs on cluster 'gke'/,
  },
  {
    name: 'a VM fleet without identity calling a meshed pod',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'batch', c.vpc, { identity: false }).allowTo(b.cart, Port.named('grpc')); },
    code: 'BH-CLOUD-PLAINTEXT', path: 'shop/batch (batch -> cart)', message: /VM fleet 'batch' has no SPIFFE identity to present, and the internal tier accepts mutual TLS only/, value: /cloud:vpc\/batch/, fix: /give the fleet an identity/,
  },
];

/** Ill-typed cloud input (plain JavaScript, casts): a coded problem, never a TypeError. */
const INPUT: CatalogueCase[] = [
  {
    name: 'Network props that are not an object',
    declare: (b) => { new Network(b.topo, 'vpc', null as any); },
    code: 'BH-INPUT-PROPS', path: 'shop/vpc', message: /props of a Network must be an object/, value: /^null$/, fix: /account: '123456789012'/,
  },
  {
    name: 'an account id given as a number',
    declare: (b) => { network(b.topo, 'vpc', { account: 123456789012 as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/vpc', message: /account must be a string, not a number/, value: /^123456789012$/, fix: /a number loses leading zeros/,
  },
  {
    name: 'VPC CIDRs given as one string',
    declare: (b) => { network(b.topo, 'vpc', { cidrs: '10.0.0.0/16' as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/vpc', message: /cidrs must be a list of strings/, value: /10\.0\.0\.0\/16/, fix: /a list, also for one value/,
  },
  {
    name: 'a quota given as a string',
    declare: (b) => { network(b.topo, 'vpc', { quotas: { inboundRulesPerGroup: '100' as any } }); },
    code: 'BH-INPUT-TYPE', path: 'shop/vpc', message: /quotas\.inboundRulesPerGroup must be a number/, value: /"100"/, fix: /60/,
  },
  {
    name: 'a platform destination given as a string',
    declare: (b) => { network(b.topo, 'vpc', { platform: { ntp: 'yes' as any } }); },
    code: 'BH-INPUT-TYPE', path: 'shop/vpc', message: /platform\.ntp must be true, false or an object of cidrs/, value: /"yes"/, fix: /ntp: true/,
  },
  {
    name: 'a link to something that is not a Network',
    declare: (b) => { const c = cloud(b); c.vpc.peerWith({ node: 1 } as any); },
    code: 'BH-INPUT-TYPE', path: 'shop/vpc', message: /links\[0\] must be a Network/, value: /node/, fix: /vpc\.peerWith\(otherVpc\)/,
  },
  {
    name: 'a cluster network that is not a Network',
    declare: (b) => { new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.2.0.0/16'], network: 'vpc' as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/eks2', message: /network must be a Network, not a string/, value: /"vpc"/, fix: /network: prodVpc/,
  },
  {
    name: 'a VM fleet network that is missing',
    declare: (b) => { new VmFleet(b.topo, 'erp', { subnetCidrs: ['10.0.32.0/20'] } as any); },
    code: 'BH-INPUT-TYPE', path: 'shop/erp', message: /network must be a Network, not missing/, value: /undefined/, fix: /network: prodVpc/,
  },
  {
    name: 'a VM fleet without subnet CIDRs',
    declare: (b) => { const c = cloud(b); new VmFleet(b.topo, 'billing', { network: c.vpc } as any); },
    code: 'BH-INPUT-TYPE', path: 'shop/billing', message: /subnetCidrs must be a list of strings/, value: /undefined/, fix: /10\.0\.32\.0\/20/,
  },
  {
    name: 'a VM identity given as a string',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: 'spiffe' as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/billing', message: /identity must be an object or false/, value: /"spiffe"/, fix: /identity: false|false for instances without a SPIRE agent/,
  },
  {
    name: 'a SPIRE cluster that is not a Cluster',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { identity: { spireCluster: 'eks' as any } }); },
    code: 'BH-INPUT-TYPE', path: 'shop/billing', message: /identity\.spireCluster must be a Cluster/, value: /"eks"/, fix: /spireCluster: eks/,
  },
  {
    name: 'tags whose value is a number',
    declare: (b) => { const c = cloud(b); vm(b.topo, 'billing', c.vpc, { tags: { app: 1 as any } }); },
    code: 'BH-INPUT-TYPE', path: 'shop/billing', message: /tags\['app'\] must be a string/, value: /^1$/, fix: /'web'/,
  },
  {
    name: 'a managed service without ports',
    declare: (b) => { const c = cloud(b); new ManagedService(b.topo, 'cache', { network: c.vpc, service: 'elasticache', subnetCidrs: ['10.0.64.0/24'] } as any); },
    code: 'BH-INPUT-TYPE', path: 'shop/cache', message: /ports must be an object of named ports/, value: /undefined/, fix: /postgres: Port\.POSTGRES/,
  },
  {
    name: 'an adopted group given as a string',
    declare: (b) => { const c = cloud(b); managed(b.topo, 'cache', c.vpc, { securityGroup: 'sg-0123456789abcdef0' as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/cache', message: /securityGroup must be an object/, value: /sg-0123456789abcdef0/, fix: /adoptId: 'sg-0123456789abcdef0'/,
  },
  {
    name: 'a pod security group given as a string',
    declare: (b) => { new Workload(b.topo, 'api', { cluster: b.eks, namespace: 'shop', securityGroup: 'yes' as any }); },
    code: 'BH-INPUT-TYPE', path: 'shop/api', message: /securityGroup must be an object/, value: /"yes"/, fix: /adoptId/,
  },
];

describe('cloud declaration errors', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});

describe('ill-typed cloud input', () => {
  test.each(INPUT.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});

describe('cloud declaration errors shared with Kubernetes workloads', () => {
  const SHARED: CatalogueCase[] = [
    {
      name: 'a VM fleet with the identity of a pod',
      declare: (b) => { const c = cloud(b); vm(b.topo, 'web-vm', c.vpc, { identity: { namespace: 'shop', serviceAccount: 'web' } }); },
      code: 'BH-SHARED-IDENTITY', path: 'shop/web-vm', message: /its identity spiffe:\/\/shop\.example\.com\/ns\/shop\/sa\/web is that of shop\/web/, value: /"eks\/shop\/web":"spiffe:\/\/shop\.example\.com\/ns\/shop\/sa\/web"/, fix: /identity: \{ serviceAccount: 'web-vm' \}/,
    },
    {
      name: 'two VM fleets of one identity',
      declare: (b) => { const c = cloud(b); vm(b.topo, 'erp2', c.vpc, { identity: { serviceAccount: 'erp' } }); },
      code: 'BH-SHARED-IDENTITY', path: 'shop/erp2', message: /is that of shop\/erp,/, value: /cloud:vpc\/erp2/, fix: /serviceAccount: 'erp2'/,
    },
    {
      name: 'a VM subnet inside the pod CIDRs of a cluster',
      declare: (b) => { const c = cloud(b); vm(b.topo, 'edge', c.vpc, { subnetCidrs: ['10.0.48.0/20'] }); new Cluster(b.topo, 'eks2', { cloud: 'aws', podCidrs: ['10.0.48.0/21'], network: c.vpc }); },
      code: 'BH-CLOUD-CIDR-OVERLAP', path: 'shop/edge', message: /its subnet 10\.0\.48\.0\/20 overlaps the podCidrs range 10\.0\.48\.0\/21 of cluster 'eks2'/, value: /"edge\.subnetCidrs":"10\.0\.48\.0\/20","eks2\.podCidrs":"10\.0\.48\.0\/21"/, fix: /subnets of its own/,
    },
  ];
  test.each(SHARED.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});
