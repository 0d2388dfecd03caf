import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { checkedScope, propsOf } from './args';
import { Port } from '../core/port';
import { HttpMatch, portList } from './peer';
import { SensitiveTier } from './tier';
import { ManagedService } from './managed-service';
import { VmFleet } from './vm';
import { Workload, WorkloadProps } from './workload';

/** What a domain may hold and export: a Kubernetes workload, a VM fleet or a managed service. */
export type DomainMember = Workload | VmFleet | ManagedService;

/** Properties of a {@link DomainBoundary}. */
export interface DomainBoundaryProps {
  /**
   * Domain name, written as the `bulkhead.io/domain` label value.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Default tier of the domain's workloads.
   * @default - none (workloads default to an implicit `internal` tier)
   */
  readonly tier?: SensitiveTier;
  /**
   * What the domain is for (documentation; written nowhere else).
   * @default - none
   */
  readonly description?: string;
}

/** Options of {@link DomainBoundary.export}. */
export interface ExportOptions {
  /**
   * Restrict the export to these HTTP methods and paths: a cross-domain flow must then carry
   * HTTP rules within them.
   * @default - the whole port
   */
  readonly http?: HttpMatch | HttpMatch[];
}

/** One export of a domain: a workload and ports (and optional HTTP rules) other domains may call. */
export interface DomainExport {
  /** The exported workload (a Kubernetes workload, a VM fleet or a managed service). */
  readonly workload: DomainMember;
  /** Exported ports. */
  readonly ports: readonly Port[];
  /** HTTP rules the caller's flow must stay within; empty means the whole port. */
  readonly http: readonly HttpMatch[];
  /** The options as given (validated when the plan is built). @default - none given */
  readonly options?: ExportOptions;
}

/**
 * A bounded context. Workloads inside it talk only as declared; other domains may reach only
 * what it exports. A cross-domain flow to anything not exported is a validation error.
 *
 * @example
 * const payments = new DomainBoundary(topo, 'payments', { tier: paymentsTier });
 * const api = payments.addWorkload('payment-api', { cluster: eks, namespace: 'payments', ports: { grpc: Port.tcp(9090) } });
 * payments.export(api, Port.named('grpc'));
 */
export class DomainBoundary extends Construct {
  /** Whether a construct is a DomainBoundary, also one made by another copy of the library. */
  public static isDomainBoundary(x: unknown): x is DomainBoundary {
    return hasBrand(x, 'DomainBoundary');
  }

  /** The nearest DomainBoundary enclosing a construct, if any. */
  public static find(c: Construct): DomainBoundary | undefined {
    for (const s of [...c.node.scopes].reverse()) {
      if (s !== c && DomainBoundary.isDomainBoundary(s)) return s;
    }
    return undefined;
  }

  /** The domain name. */
  public readonly domainName: string;
  /** Properties as declared. */
  public readonly props: DomainBoundaryProps;
  private readonly exportList: DomainExport[] = [];

  constructor(scope: Construct, id: string, props: DomainBoundaryProps = {}) {
    super(checkedScope(scope, id, 'DomainBoundary'), id);
    setBrand(this, 'DomainBoundary');
    this.props = props;
    this.domainName = propsOf(props).name ?? id;
  }

  /** Declares a workload inside this domain (same as `new Workload(domain, id, props)`). */
  public addWorkload(id: string, props: WorkloadProps): Workload {
    return new Workload(this, id, props);
  }

  /**
   * Exports a workload's ports (optionally only some HTTP methods and paths) to other domains.
   *
   * @example
   * payments.export(api, Port.named('grpc'), { http: { paths: ['/payments.Payments/*'] } });
   */
  public export(workload: DomainMember, ports: Port | Port[], options: ExportOptions = {}): void {
    // Options from plain JavaScript may be anything: the planner reports a bad shape, here
    // it is only kept (`options` as given, for the report).
    const o = propsOf(options);
    const http = o.http === undefined ? [] : Array.isArray(o.http) ? o.http : [o.http];
    this.exportList.push({ workload, ports: portList(ports), http, options });
  }

  /** Exports, in declaration order. */
  public get exports(): readonly DomainExport[] {
    return this.exportList;
  }

  /** The workloads declared inside this domain, sorted by construct path. */
  public get workloads(): Workload[] {
    return this.node.findAll().filter((c): c is Workload => Workload.isWorkload(c)).sort((a, b) => (a.node.path < b.node.path ? -1 : 1));
  }
}
