import { Port } from '../../lib/core/port';
import { ManagedService } from '../../lib/model/managed-service';
import { Network } from '../../lib/model/network';
import { Topology } from '../../lib/model/topology';
import { VmFleet } from '../../lib/model/vm';

describe('ManagedService', () => {
  test('is a peer of kind managed-service that only accepts flows', () => {
    const topo = new Topology(undefined, 'shop', { trustDomain: 'shop.example.com' });
    const vpc = new Network(topo, 'vpc', { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: ['10.0.0.0/16'] });
    const db = new ManagedService(topo, 'orders-db', { network: vpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES } });
    const erp = new VmFleet(topo, 'erp', { network: vpc, subnetCidrs: ['10.0.32.0/20'] });
    expect([db.peerKind, db.peerName, db.network]).toEqual(['managed-service', 'orders-db', vpc]);
    expect(ManagedService.isManagedService(db)).toBe(true);
    expect(ManagedService.isManagedService(erp)).toBe(false);
    // It opens no connections: the typed API offers no allowTo.
    expect('allowTo' in db).toBe(false);
    db.allowFrom(erp, Port.POSTGRES);
    expect(topo.flows.map((f) => [f.path, f.source.node.id, f.destination.node.id])).toEqual([['shop/orders-db', 'erp', 'orders-db']]);
  });
});
