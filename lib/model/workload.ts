import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { Port } from '../core/port';
import { Cluster } from './cluster';
import { FlowOptions, IPeer, portList } from './peer';
import { SensitiveTier } from './tier';
import { Topology } from './topology';
import { AdoptedSecurityGroup } from './vm';

/** Properties of a Kubernetes {@link Workload}. */
export interface WorkloadProps {
  /** The cluster it runs in. */
  readonly cluster: Cluster;
  /** Its namespace (a DNS label). */
  readonly namespace: string;
  /**
   * Workload name (a DNS label, unique per cluster and namespace).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Service account of its pods: its identity in the mesh and in SPIRE.
   * @default - the workload name
   */
  readonly serviceAccount?: string;
  /**
   * Pod labels that select exactly this workload's pods.
   * @default - `{ 'app.kubernetes.io/name': <name> }`
   */
  readonly selector?: Record<string, string>;
  /**
   * Named ports the workload serves, such as `{ grpc: Port.tcp(9090) }`. Flows may name them
   * (`Port.named('grpc')`).
   * @default - none
   */
  readonly ports?: Record<string, Port>;
  /**
   * Its sensitivity tier.
   * @default - the enclosing DomainBoundary's tier, else an implicit `internal` tier
   */
  readonly tier?: SensitiveTier;
  /**
   * EKS security groups for pods: the workload's pods get a security group of their own
   * (through a `SecurityGroupPolicy`), so that security groups of the cluster's network (VMs,
   * managed services) admit exactly these pods. `true` creates the group; `{ adoptId }` manages
   * an existing one. Only on a cluster whose `network` is an AWS network (VPC CNI).
   * @default - the pods use the node's security groups
   * @see https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html
   */
  readonly securityGroup?: boolean | AdoptedSecurityGroup;
}

/**
 * A Kubernetes workload: the pods of one Deployment / StatefulSet / DaemonSet, with an
 * identity (service account → SPIFFE ID), labels and named ports. Flows are declared on it in
 * the style of aws-cdk `Connections`.
 *
 * @example
 * const cart = new Workload(shop, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
 * web.allowTo(cart, Port.named('grpc'));
 */
export class Workload extends Construct implements IPeer {
  /** Whether a value is a Workload, also one made by another copy of the library. */
  public static isWorkload(x: unknown): x is Workload {
    return hasBrand(x, 'Workload');
  }

  /** What kind of peer this is (`workload`), for code that handles any {@link IPeer}. */
  public readonly peerKind = 'workload' as const;
  /** The workload name. */
  public readonly peerName: string;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: WorkloadProps;

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(checkedScope(scope, id, 'Workload'), id);
    setBrand(this, 'Workload');
    this.props = props;
    this.peerName = propsOf(props).name ?? id;
  }

  /** The cluster. */
  public get cluster(): Cluster {
    return propsOf(this.props).cluster as Cluster;
  }
  /** The namespace. */
  public get namespace(): string {
    return propsOf(this.props).namespace as string;
  }
  /** The service account. */
  public get serviceAccount(): string {
    return propsOf(this.props).serviceAccount ?? this.peerName;
  }
  /** The pod selector. */
  public get selector(): Record<string, string> {
    return { ...(propsOf(this.props).selector ?? { 'app.kubernetes.io/name': this.peerName }) };
  }

  /**
   * Declares that this workload may call `peer` on `ports` (egress here, ingress there).
   *
   * @example
   * web.allowTo(cart, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/cart.Cart/*'] } });
   */
  public allowTo(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: this, destination: peer, ports: portList(ports), options });
  }

  /**
   * Declares that `peer` may call this workload on `ports` (the same flow as `peer.allowTo(this, …)`).
   *
   * @example
   * db.allowFrom(api, Port.POSTGRES);
   */
  public allowFrom(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: peer, destination: this, ports: portList(ports), options });
  }
}
