import { Port } from '../../lib/core/port';
import { BulkheadError } from '../../lib/core/errors';
import { Network } from '../../lib/model/network';
import { Topology } from '../../lib/model/topology';
import { VmFleet } from '../../lib/model/vm';
import { Workload } from '../../lib/model/workload';
import { Cluster } from '../../lib/model/cluster';
import { IPeer } from '../../lib/model/peer';
import { Construct } from 'constructs';

function setup() {
  const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com' });
  const vpc = new Network(topo, 'vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] });
  const erp = new VmFleet(topo, 'erp', { network: vpc, subnetCidrs: ['10.0.32.0/20'], ports: { https: Port.HTTPS } });
  const eks = new Cluster(topo, 'eks', { cloud: 'aws', network: vpc });
  const web = new Workload(topo, 'web', { cluster: eks, namespace: 'shop' });
  return { topo, vpc, erp, web };
}

describe('VmFleet', () => {
  test('is a peer of kind vm, named by its id unless named', () => {
    const { topo, vpc, erp } = setup();
    const peer: IPeer = erp;
    expect([peer.peerKind, peer.peerName]).toEqual(['vm', 'erp']);
    expect(new VmFleet(topo, 'x', { network: vpc, subnetCidrs: [], name: 'legacy-erp' }).peerName).toBe('legacy-erp');
    expect(erp.network).toBe(vpc);
    expect(VmFleet.isVmFleet(erp)).toBe(true);
    expect(VmFleet.isVmFleet(vpc)).toBe(false);
  });

  test('allowTo and allowFrom record flow statements at the fleet\'s path', () => {
    const { topo, erp, web } = setup();
    erp.allowTo(web, Port.HTTPS, { justification: 'invoices' });
    erp.allowFrom(web, [Port.HTTPS, Port.tcp(8443)]);
    expect(topo.flows.map((f) => [f.path, f.source.node.id, f.destination.node.id, f.ports.map(String), f.options])).toEqual([
      ['shop/erp', 'erp', 'web', ['tcp/443'], { justification: 'invoices' }],
      ['shop/erp', 'web', 'erp', ['tcp/443', 'tcp/8443'], {}],
    ]);
  });

  test('outside a topology, a flow statement is a coded error', () => {
    const { erp } = setup();
    const stray = new VmFleet(new Construct(undefined as never, 'root'), 'stray', { network: erp.network, subnetCidrs: [] });
    expect(() => stray.allowTo(erp, Port.HTTPS)).toThrow(BulkheadError);
  });
});
