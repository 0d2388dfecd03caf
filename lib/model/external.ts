import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { Port } from '../core/port';
import { FlowOptions, IPeer, portList } from './peer';
import { Topology } from './topology';

/** Properties of an {@link External}. */
export interface ExternalProps {
  /**
   * Name (a DNS label).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Fully-qualified domain names, or patterns with one leading `*.` (`*.stripe.com`).
   * Enforced by name where a layer can (Cilium `toFQDNs`, Istio ServiceEntry).
   * @default - none
   */
  readonly fqdns?: string[];
  /**
   * Address ranges. For an FQDN external, the provider's published ranges that layers without
   * FQDN support (NetworkPolicy, security groups) fall back to.
   * @default - none
   */
  readonly cidrs?: string[];
  /**
   * Ranges carved out of `cidrs`.
   * @default - none
   */
  readonly except?: string[];
}

/**
 * Something outside the clusters: a CIDR (the internet, a partner network) or an FQDN (a
 * payment provider's API). Each layer expresses it as precisely as it can and warns where it
 * cannot be as precise as the declaration.
 *
 * @example
 * const stripe = new External(topo, 'stripe', { fqdns: ['api.stripe.com'] });
 * const internet = new External(topo, 'internet', { cidrs: ['0.0.0.0/0'] });
 */
export class External extends Construct implements IPeer {
  /** Whether a value is an External, also one made by another copy of the library. */
  public static isExternal(x: unknown): x is External {
    return hasBrand(x, 'External');
  }

  /** What kind of peer this is (`external`), for code that handles any {@link IPeer}. */
  public readonly peerKind = 'external' as const;
  /** The external's name. */
  public readonly peerName: string;
  /** Properties as declared. */
  public readonly props: ExternalProps;

  constructor(scope: Construct, id: string, props: ExternalProps) {
    super(checkedScope(scope, id, 'External'), id);
    setBrand(this, 'External');
    this.props = props;
    this.peerName = propsOf(props).name ?? id;
  }

  /**
   * Declares that this external may reach a workload (ingress at the destination).
   * @example internet.allowTo(web, Port.HTTPS)
   */
  public allowTo(peer: IPeer, ports: Port | Port[], options: FlowOptions = {}): void {
    Topology.of(this).addFlow({ path: this.node.path, source: this, destination: peer, ports: portList(ports), options });
  }
}
