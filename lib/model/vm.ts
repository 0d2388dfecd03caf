import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { Port } from '../core/port';
import { checkedScope, propsOf } from './args';
import { Cluster } from './cluster';
import { Network } from './network';
import { FlowOptions, IPeer, portList } from './peer';
import { SensitiveTier } from './tier';
import { Topology } from './topology';

/** An existing security group a cloud workload uses instead of one Bulkhead creates. */
export interface AdoptedSecurityGroup {
  /** The group's id, such as `sg-0123456789abcdef0`. Bulkhead manages its rules (and only its rules). */
  readonly adoptId: string;
}

/**
 * The SPIFFE identity of a VM fleet and how SPIRE attests it. The SPIFFE ID is named as every
 * Kubernetes workload's is (`spiffe://<trust domain>/ns/<namespace>/sa/<service account>`), so
 * that mesh principals and the plan name VMs and pods alike.
 *
 * The instances run a SPIRE agent attested by the `aws_iid` node attestor. One agent's ID
 * names one instance (`spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance id>`), so
 * a fleet's entry hangs off a node alias instead: an entry that groups every agent whose node
 * carries all the node selectors.
 *
 * @see https://github.com/spiffe/spire/blob/main/doc/plugin_server_nodeattestor_aws_iid.md
 */
export interface VmIdentityProps {
  /**
   * The namespace segment of the SPIFFE ID.
   * @default - the network's name
   */
  readonly namespace?: string;
  /**
   * The service-account segment of the SPIFFE ID.
   * @default - the fleet's name
   */
  readonly serviceAccount?: string;
  /**
   * The cluster whose SPIRE server holds the entries (it must run the `spire` layer). The
   * fleet's agents attest and fetch their SVIDs there: the cluster's `spireServer` says where
   * the server is reachable, and the fleet's security group gets the egress to it (without it,
   * warning `BH-VM-SPIRE-SERVER`).
   * @default - the one cluster of the VMs' network that runs `spire`, else the one cluster of the topology that does
   */
  readonly spireCluster?: Cluster;
  /**
   * The node selectors of the `aws_iid` attestor (without the `aws_iid:` type) that every
   * instance of the fleet, and no other, carries: `sg:id:sg-…`, `tag:<key>:<value>`,
   * `iamrole:<arn>`, `image:id:ami-…`.
   * @default - the adopted security group (`sg:id:<adoptId>`), else the fleet's tags (`tag:<key>:<value>`)
   */
  readonly nodeSelectors?: string[];
  /**
   * The workload selectors of the process on the instance that gets the identity
   * (`type:value`, such as `unix:user:erp` or `systemd:id:erp.service`).
   * @default - `unix:user:<service account>`
   */
  readonly workloadSelectors?: string[];
}

/** Properties of a {@link VmFleet}. */
export interface VmFleetProps {
  /** The network its instances live in. */
  readonly network: Network;
  /**
   * Name (a DNS label, unique in its network).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The CIDRs of the subnets its instances take addresses from (inside the network's VPC).
   * Layers that address the fleet by IP (NetworkPolicy, Cilium, security groups across
   * Regions) admit these ranges.
   */
  readonly subnetCidrs: string[];
  /**
   * Named ports it serves, such as `{ https: Port.HTTPS }`. Flows may name them.
   * @default - none
   */
  readonly ports?: Record<string, Port>;
  /**
   * The tags its instances carry (the default node selectors of its SPIRE identity).
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
  /**
   * Its SPIFFE identity and SPIRE attestation, or `false` for instances without a SPIRE agent
   * (they cannot present a mesh identity).
   * @default - an identity with the defaults of {@link VmIdentityProps}
   */
  readonly identity?: VmIdentityProps | false;
}

/**
 * Virtual machines: an EC2 fleet or autoscaling group, in one network, with a security group,
 * named ports and a SPIFFE identity. Flows are declared on it as on a Kubernetes workload.
 *
 * @example
 * const erp = new VmFleet(topo, 'erp', {
 *   network: prodVpc, subnetCidrs: ['10.0.32.0/20'], ports: { https: Port.HTTPS }, tags: { app: 'erp' },
 * });
 * erp.allowTo(ordersDb, Port.POSTGRES);
 */
export class VmFleet extends Construct implements IPeer {
  /** Whether a value is a VmFleet, also one made by another copy of the library. */
  public static isVmFleet(x: unknown): x is VmFleet {
    return hasBrand(x, 'VmFleet');
  }

  /** What kind of peer this is (`vm`), for code that handles any {@link IPeer}. */
  public readonly peerKind = 'vm' as const;
  /** The fleet's name. */
  public readonly peerName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: VmFleetProps;

  constructor(scope: Construct, id: string, props: VmFleetProps) {
    super(checkedScope(scope, id, 'VmFleet'), id);
    setBrand(this, 'VmFleet');
    this.props = props;
    this.peerName = propsOf(props).name ?? id;
  }

  /** The network. */
  public get network(): Network {
    return propsOf(this.props).network as Network;
  }

  /**
   * Declares that this fleet may call `peer` on `ports` (egress here, ingress there).
   *
   * @example erp.allowTo(ordersDb, Port.POSTGRES)
   */
  public allowTo(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: this, destination: peer, ports: portList(ports), options });
  }

  /**
   * Declares that `peer` may call this fleet on `ports` (the same flow as `peer.allowTo(this, …)`).
   *
   * @example erp.allowFrom(orders, Port.HTTPS)
   */
  public allowFrom(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: peer, destination: this, ports: portList(ports), options });
  }
}
