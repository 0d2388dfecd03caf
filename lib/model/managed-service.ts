import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { Port } from '../core/port';
import { checkedScope, propsOf } from './args';
import { Network } from './network';
import { FlowOptions, IPeer, portList } from './peer';
import { SensitiveTier } from './tier';
import { Topology } from './topology';
import { AdoptedSecurityGroup } from './vm';

/** Properties of a {@link ManagedService}. */
export interface ManagedServiceProps {
  /** The network its endpoints live in. */
  readonly network: Network;
  /**
   * Name (a DNS label, unique in its network).
   * @default - the construct id
   */
  readonly name?: string;
  /** The service, such as `rds`, `aurora`, `elasticache`, `opensearch`, `msk` (lowercase letters, digits and `-`). */
  readonly service: string;
  /** The CIDRs of the subnets its endpoints take addresses from (its subnet group; inside the VPC). */
  readonly subnetCidrs: string[];
  /** Named ports it serves, such as `{ postgres: Port.POSTGRES }` (at least one). */
  readonly ports: Record<string, Port>;
  /**
   * Tags of its security group.
   * @default - none
   */
  readonly tags?: Record<string, string>;
  /**
   * Its sensitivity tier.
   * @default - the enclosing DomainBoundary's tier, else an implicit `internal` tier
   */
  readonly tier?: SensitiveTier;
  /**
   * An existing security group to manage instead of creating one.
   * @default - Bulkhead creates the group
   */
  readonly securityGroup?: AdoptedSecurityGroup;
}

/**
 * A managed service (RDS, ElastiCache, …) reachable by security group. It opens no
 * connections: it is only ever a destination, and a flow from it is an error.
 *
 * @example
 * const ordersDb = new ManagedService(topo, 'orders-db', {
 *   network: prodVpc, service: 'rds', subnetCidrs: ['10.0.64.0/24'], ports: { postgres: Port.POSTGRES },
 * });
 * erp.allowTo(ordersDb, Port.POSTGRES);
 */
export class ManagedService extends Construct implements IPeer {
  /** Whether a value is a ManagedService, also one made by another copy of the library. */
  public static isManagedService(x: unknown): x is ManagedService {
    return hasBrand(x, 'ManagedService');
  }

  /** What kind of peer this is (`managed-service`), for code that handles any {@link IPeer}. */
  public readonly peerKind = 'managed-service' as const;
  /** The service's name. */
  public readonly peerName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: ManagedServiceProps;

  constructor(scope: Construct, id: string, props: ManagedServiceProps) {
    super(checkedScope(scope, id, 'ManagedService'), id);
    setBrand(this, 'ManagedService');
    this.props = props;
    this.peerName = propsOf(props).name ?? id;
  }

  /** The network. */
  public get network(): Network {
    return propsOf(this.props).network as Network;
  }

  /**
   * Declares that `peer` may call this service on `ports`.
   *
   * @example ordersDb.allowFrom(erp, Port.POSTGRES)
   */
  public allowFrom(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: peer, destination: this, ports: portList(ports), options });
  }
}
