/**
 * The cloud half of the plan tests' base declaration: one AWS network (`vpc`), a VM fleet
 * (`erp`) and a managed service (`orders-db`) in it, next to the base cluster.
 */
import { Port } from '../../lib/core/port';
import { ManagedService, ManagedServiceProps } from '../../lib/model/managed-service';
import { Network, NetworkProps } from '../../lib/model/network';
import { VmFleet, VmFleetProps } from '../../lib/model/vm';
import { Construct } from 'constructs';
import { Base } from './declare';

/** The account, Region and VPC of the base network. */
export const ACCOUNT = '123456789012';
export const VPC_ID = 'vpc-0a1b2c3d4e5f67890';

/** The base plus a network, a VM fleet and a managed service. */
export interface CloudBase extends Base {
  readonly vpc: Network;
  readonly erp: VmFleet;
  readonly db: ManagedService;
}

/** A network `id` with valid props, some replaced. */
export function network(scope: Construct, id: string, props: Partial<NetworkProps> = {}): Network {
  return new Network(scope, id, { account: ACCOUNT, region: 'eu-west-1', vpcId: VPC_ID, cidrs: ['10.0.0.0/16'], ...props });
}

/** A VM fleet `id` in `vpc` with valid props, some replaced. */
export function vm(scope: Construct, id: string, vpc: Network, props: Partial<VmFleetProps> = {}): VmFleet {
  return new VmFleet(scope, id, { network: vpc, subnetCidrs: ['10.0.32.0/20'], ports: { https: Port.HTTPS }, tags: { app: id }, ...props });
}

/** A managed service `id` in `vpc` with valid props, some replaced. */
export function managed(scope: Construct, id: string, vpc: Network, props: Partial<ManagedServiceProps> = {}): ManagedService {
  return new ManagedService(scope, id, { network: vpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES }, ...props });
}

/** Adds the cloud base to a base declaration. */
export function cloud(b: Base): CloudBase {
  const vpc = network(b.topo, 'vpc');
  const erp = vm(b.topo, 'erp', vpc);
  const db = managed(b.topo, 'orders-db', vpc);
  return { ...b, vpc, erp, db };
}
