import { BulkheadError, Cluster, Topology } from '../../lib';
import { aksCluster, eksCluster, gkeCluster, onPremCluster } from '../../lib/templates';

function topo(): Topology {
  return new Topology(undefined, 't', { trustDomain: 't.example.com', clock: () => new Date('2026-11-22T21:00:00Z') });
}

const POD = ['10.1.0.0/16'];

describe('cluster templates', () => {
  test.each<[string, (t: Topology) => Cluster, string, string[]]>([
    ['EKS, Cilium', (t) => eksCluster(t, 'c', { region: 'eu-west-1', podCidrs: POD, dataplane: 'cilium' }), 'aws', ['kubernetes', 'cilium']],
    ['EKS, Cilium, mesh', (t) => eksCluster(t, 'c', { region: 'eu-west-1', podCidrs: POD, dataplane: 'cilium', mesh: true }), 'aws', ['kubernetes', 'cilium', 'istio', 'spire']],
    ['EKS, Cilium, ClusterNetworkPolicy, mesh', (t) => eksCluster(t, 'c', { region: 'eu-west-1', podCidrs: POD, dataplane: 'cilium', clusterNetworkPolicy: true, mesh: true }), 'aws', ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire']],
    ['EKS, VPC CNI', (t) => eksCluster(t, 'c', { region: 'eu-west-1', podCidrs: POD, dataplane: 'vpc-cni' }), 'aws', ['kubernetes']],
    ['EKS, VPC CNI, mesh', (t) => eksCluster(t, 'c', { region: 'eu-west-1', podCidrs: POD, dataplane: 'vpc-cni', mesh: true }), 'aws', ['kubernetes', 'istio', 'spire']],
    ['GKE', (t) => gkeCluster(t, 'c', { region: 'us-east1', podCidrs: POD }), 'gcp', ['kubernetes']],
    ['GKE, mesh', (t) => gkeCluster(t, 'c', { region: 'us-east1', podCidrs: POD, mesh: true }), 'gcp', ['kubernetes', 'istio', 'spire']],
    ['GKE, ClusterNetworkPolicy', (t) => gkeCluster(t, 'c', { region: 'us-east1', podCidrs: POD, clusterNetworkPolicy: true }), 'gcp', ['kubernetes', 'cluster-network-policy']],
    ['AKS', (t) => aksCluster(t, 'c', { region: 'westeurope', podCidrs: POD }), 'azure', ['kubernetes']],
    ['AKS, ACNS, mesh', (t) => aksCluster(t, 'c', { region: 'westeurope', podCidrs: POD, advancedContainerNetworking: true, mesh: true }), 'azure', ['kubernetes', 'cilium', 'istio', 'spire']],
    ['on-prem', (t) => onPremCluster(t, 'c', { region: 'fra-dc1', podCidrs: POD }), 'on-prem', ['kubernetes', 'cilium']],
    ['on-prem, ClusterNetworkPolicy, mesh', (t) => onPremCluster(t, 'c', { region: 'fra-dc1', podCidrs: POD, clusterNetworkPolicy: true, mesh: true }), 'on-prem', ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire']],
  ])('%s: cloud, region and layers', (_name, make, cloud, layers) => {
    const c = make(topo());
    expect(c.props.cloud).toBe(cloud);
    expect(c.props.region).toBeTruthy();
    expect(c.layers).toEqual(layers);
  });

  test('templates pass pod, node and API server CIDRs, trust domain and name through', () => {
    const t = topo();
    const props = { region: 'r1', podCidrs: ['10.9.0.0/16'], nodeCidrs: ['10.8.0.0/20'], apiServerCidrs: ['10.8.15.0/28'], trustDomain: 'other.example.com', name: 'named' };
    for (const c of [
      eksCluster(t, 'eks', { ...props, name: 'eks-named', dataplane: 'vpc-cni' }),
      gkeCluster(t, 'gke', { ...props, name: 'gke-named' }),
      aksCluster(t, 'aks', { ...props, name: 'aks-named' }),
      onPremCluster(t, 'dc', { ...props, name: 'dc-named' }),
    ]) {
      expect(c.props.region).toBe('r1');
      expect(c.props.podCidrs).toEqual(['10.9.0.0/16']);
      expect(c.props.nodeCidrs).toEqual(['10.8.0.0/20']);
      expect(c.props.apiServerCidrs).toEqual(['10.8.15.0/28']);
      expect(c.props.trustDomain).toBe('other.example.com');
      expect(c.clusterName).toMatch(/-named$/);
    }
  });

  test('GKE and AKS never get Cilium policies by default; AKS never gets ClusterNetworkPolicy', () => {
    const t = topo();
    expect(gkeCluster(t, 'g', { region: 'r', podCidrs: POD, mesh: true }).runs('cilium')).toBe(false);
    expect(aksCluster(t, 'a', { region: 'r', podCidrs: POD, mesh: true, advancedContainerNetworking: true }).runs('cluster-network-policy')).toBe(false);
  });

  test('ClusterNetworkPolicy with the VPC CNI is an error naming the fix', () => {
    expect(() => eksCluster(topo(), 'c', { region: 'r', podCidrs: POD, dataplane: 'vpc-cni', clusterNetworkPolicy: true })).toThrow(BulkheadError);
    expect(() => eksCluster(topo(), 'c', { region: 'r', podCidrs: POD, dataplane: 'vpc-cni', clusterNetworkPolicy: true })).toThrow(/dataplane: 'cilium'/);
  });
});
