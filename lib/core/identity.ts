import { hasBrand, setBrand } from './brand';
import { fail } from './errors';

const TD_RE = /^[a-z0-9._-]+$/;
const SEGMENT_RE = /^[A-Za-z0-9._-]+$/;

/**
 * A SPIFFE trust domain, such as `prod.example.com`.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#21-trust-domain
 */
export class TrustDomain {
  /** Whether a value is a TrustDomain, also one made by another copy of the library. */
  public static isTrustDomain(x: unknown): x is TrustDomain {
    return hasBrand(x, 'TrustDomain');
  }

  /** Validates and wraps a trust domain name (lowercase letters, digits, `.`, `-`, `_`). */
  public static of(name: string): TrustDomain {
    if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !TD_RE.test(name)) {
      const hint = typeof name === 'string' && name.startsWith('spiffe://')
        ? `write '${name.slice('spiffe://'.length).toLowerCase()}' without the scheme, in lowercase`
        : "use lowercase letters, digits, '.', '-' and '_' only, such as 'prod.example.com'";
      fail('BH-TRUST-DOMAIN', 'TrustDomain.of', 'not a valid SPIFFE trust domain', name, hint);
    }
    return new TrustDomain(name);
  }

  private constructor(
    /** The trust domain name. */
    public readonly name: string,
  ) {
    setBrand(this, 'TrustDomain');
  }

  /**
   * The SPIFFE ID of a workload in this trust domain: a Kubernetes service account, or the
   * namespace and service account a VM fleet's identity declares (one naming for both, so
   * that mesh principals name VMs and pods alike).
   */
  public workloadId(namespace: string, serviceAccount: string): SpiffeId {
    return SpiffeId.of(`spiffe://${this.name}/ns/${namespace}/sa/${serviceAccount}`);
  }

  /**
   * The SPIFFE ID of a SPIRE agent that the `aws_iid` node attestor attested: one EC2
   * instance (`spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance id>`).
   *
   * @see https://github.com/spiffe/spire/blob/main/doc/plugin_server_nodeattestor_aws_iid.md
   */
  public awsIidAgentId(account: string, region: string, instanceId: string): SpiffeId {
    return SpiffeId.of(`spiffe://${this.name}/spire/agent/aws_iid/${account}/${region}/${instanceId}`);
  }

  /**
   * The SPIFFE ID of a node alias: the parent of the entries of a group of nodes (a VM fleet),
   * `spiffe://<td>/node/<cloud>/<network>/<name>`. Outside `/spire/`, which SPIRE reserves
   * for its agents and servers.
   */
  public nodeAliasId(cloud: string, network: string, name: string): SpiffeId {
    return SpiffeId.of(`spiffe://${this.name}/node/${cloud}/${network}/${name}`);
  }

  /** The SPIFFE ID of this trust domain's SPIRE server, the parent of node alias entries. */
  public get spireServerId(): SpiffeId {
    return SpiffeId.of(`spiffe://${this.name}/spire/server`);
  }

  /** `prod.example.com`. */
  public toString(): string {
    return this.name;
  }
}

/**
 * A SPIFFE ID: `spiffe://<trust-domain>/<path>`.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md
 */
export class SpiffeId {
  /** Whether a value is a SpiffeId, also one made by another copy of the library. */
  public static isSpiffeId(x: unknown): x is SpiffeId {
    return hasBrand(x, 'SpiffeId');
  }

  /** Parses and validates a SPIFFE ID. */
  public static of(uri: string): SpiffeId {
    const m = typeof uri === 'string' ? /^spiffe:\/\/([^/]+)(\/.*)?$/.exec(uri) : null;
    if (!m) {
      fail('BH-SPIFFE-ID', 'SpiffeId.of', 'not a SPIFFE ID', uri, "write 'spiffe://<trust-domain>/<path>', such as 'spiffe://prod.example.com/ns/shop/sa/web'");
    }
    const td = TrustDomain.of(m[1]);
    const path = m[2] ?? '';
    if (path !== '' && path.split('/').slice(1).some((s) => !SEGMENT_RE.test(s) || s === '.' || s === '..')) {
      fail('BH-SPIFFE-ID', 'SpiffeId.of', 'the SPIFFE ID path has an empty, dot or invalid segment', uri, "use segments of letters, digits, '.', '-' and '_', separated by single '/'");
    }
    return new SpiffeId(td, path);
  }

  private constructor(
    /** The trust domain. */
    public readonly trustDomain: TrustDomain,
    /** The path, starting with `/`, or empty. */
    public readonly path: string,
  ) {
    setBrand(this, 'SpiffeId');
  }

  /** The principal as Istio writes it: the ID without `spiffe://`. */
  public get istioPrincipal(): string {
    return `${this.trustDomain.name}${this.path}`;
  }

  /** `spiffe://prod.example.com/ns/shop/sa/web`. */
  public toString(): string {
    return `spiffe://${this.trustDomain.name}${this.path}`;
  }
}
