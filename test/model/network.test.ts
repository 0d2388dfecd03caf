import { Network } from '../../lib/model/network';
import { Topology } from '../../lib/model/topology';
import { BulkheadError } from '../../lib/core/errors';

const props = { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] };

describe('Network', () => {
  test('is named by its id unless named; keeps its props as given', () => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com' });
    const a = new Network(topo, 'prod-vpc', props);
    const b = new Network(topo, 'b', { ...props, name: 'shared' });
    expect([a.networkName, b.networkName]).toEqual(['prod-vpc', 'shared']);
    expect(a.props).toBe(props);
    expect(Network.isNetwork(a)).toBe(true);
    expect(Network.isNetwork({ props })).toBe(false);
  });

  test('records links in declaration order, with the path of the network that declared them', () => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com' });
    const a = new Network(topo, 'a', props);
    const b = new Network(topo, 'b', props);
    const c = new Network(topo, 'c', props);
    a.linkViaTransitGateway(c);
    a.peerWith(b);
    expect(a.links.map((l) => [l.peer.node.id, l.kind, l.path])).toEqual([['c', 'transit-gateway', 'shop/a'], ['b', 'peering', 'shop/a']]);
    expect(b.links).toEqual([]);
  });

  test('props from plain JavaScript that are not an object do not throw until the plan reports them', () => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com' });
    expect(new Network(topo, 'n', undefined as never).networkName).toBe('n');
    expect(() => new Network(topo, 'n', props)).toThrow(BulkheadError);
  });
});
