import { Construct, IConstruct } from 'constructs';
import { brandSymbol, brandVersion } from '../core/brand';
import { BulkheadError, Problem, show } from '../core/errors';
import { LayerName, LAYER_TABLE } from '../core/layers';
import { checkedScope, propsOf } from './args';
import { FlowStatement } from './peer';

/** How the topology enforces. */
export enum EnforcementMode {
  /** Deny everything not declared. */
  ENFORCE = 'enforce',
  /** Log what would be denied where a layer can (Istio PERMISSIVE + AUDIT); NetworkPolicy still enforces. */
  AUDIT = 'audit',
}

/**
 * The layers that have an audit mode, and what `audit` renders in each. Every other layer
 * enforces in an audit topology, and naming it `audit` in `layerModes` is an error
 * (`BH-MODE-LAYER`):
 *
 * - `istio`: PeerAuthentication PERMISSIVE; no `allow-nothing`, ALLOW policy or REGISTRY_ONLY
 *   Sidecar; the declared rules rendered as AUDIT policies (Istio denies nothing);
 * - `cilium`: policies with default deny off and without L7 rules, mutual authentication or
 *   guardrails (they deny nothing). Cilium's own policy audit mode is a setting of the agent
 *   (`policy-audit-mode`) or of an endpoint, not of a policy: Bulkhead cannot set it from a
 *   policy, and says so in a warning (`BH-CILIUM-AUDIT-MODE`).
 *
 * The layers without one: `kubernetes` (NetworkPolicy has no audit or log-only mode; Calico's
 * staged policies would be one, but they are Calico's, not the NetworkPolicy API's),
 * `cluster-network-policy` (no audit action), `spire` (identities, nothing to deny) and `aws`
 * (security groups have no audit mode).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://docs.cilium.io/en/stable/security/policy-creation/
 */
export const AUDIT_LAYERS: readonly LayerName[] = ['cilium', 'istio'];

/** The enforcement mode of each layer, where it differs from the topology's `mode`. */
export type LayerModes = Readonly<Partial<Record<LayerName, EnforcementMode>>>;

/** A cluster service that workloads need through default deny (DNS, mesh control plane, metrics). */
export interface PlatformService {
  /** Namespace of the service's pods. */
  readonly namespace: string;
  /** Pod labels of the service. */
  readonly selector: Record<string, string>;
  /**
   * Service account of the service's pods (for mesh principals).
   * @default 'default'
   */
  readonly serviceAccount?: string;
}

/** Platform flows: added where default deny would otherwise break the cluster. */
export interface PlatformProps {
  /**
   * The cluster DNS resolver; every workload may query it on UDP and TCP 53.
   * @default - kube-system pods labelled `k8s-app: kube-dns`, service account `coredns`
   */
  readonly dns?: PlatformService;
  /**
   * The mesh control plane, reached on TCP 15012 by every workload of a cluster that runs Istio.
   * @default - istio-system pods labelled `app: istiod`, service account `istiod`
   */
  readonly meshControlPlane?: PlatformService;
  /**
   * A metrics scraper that may reach every workload's port named `metrics`.
   * @default - no metrics scraping flows
   */
  readonly metricsScraper?: PlatformService;
}

/** Properties of a {@link Topology}. */
export interface TopologyProps {
  /** The SPIFFE trust domain, such as `prod.shop.example.com` (no `spiffe://`). */
  readonly trustDomain: string;
  /**
   * Enforcement mode.
   * @default EnforcementMode.ENFORCE
   */
  readonly mode?: EnforcementMode;
  /**
   * The enforcement mode of some layers, where it differs from `mode`: for example
   * `{ istio: EnforcementMode.AUDIT }` audits the mesh while every other layer enforces, or
   * `{ cilium: EnforcementMode.ENFORCE }` with `mode: AUDIT` enforces Cilium alone. Only the
   * layers of {@link AUDIT_LAYERS} have an audit mode; `audit` for another layer is an error
   * (`BH-MODE-LAYER`), as is a key that names no layer.
   * @default - every layer follows `mode`
   */
  readonly layerModes?: LayerModes;
  /**
   * Environment name (dev, staging, prod): validated as a label value, recorded in the plan
   * (`plan.topology.environment`) and, when given, written on every emitted object as the label
   * `bulkhead.io/environment`.
   * @default - the construct id, written on no object
   */
  readonly environment?: string;
  /**
   * Platform services that default deny must not cut off.
   * @default - DNS and mesh control plane defaults, no metrics scraper
   */
  readonly platform?: PlatformProps;
  /**
   * The clock that decides which BreakGlass grants are in force. Inject a fixed clock for
   * deterministic synthesis (tests, CI).
   * @default - the system clock
   */
  readonly clock?: () => Date;
  /**
   * Strict mode: an expired BreakGlass grant is an error instead of a warning.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Warning codes the team has reviewed and accepts, such as `['BH-NP-FQDN']`. A warning with an
   * acknowledged code is kept in the synthesis result, marked `acknowledged`, but not printed
   * again. A listed code that no warning of the synthesis carries is itself a warning
   * (`BH-ACK-UNKNOWN`: misspelled, or no longer needed); a code that is not of the form
   * `BH-…` is an error. Errors cannot be acknowledged.
   * @default - no code is acknowledged
   */
  readonly acknowledge?: readonly string[];
}

/**
 * The root of a declaration: one trust domain, its clusters, domains, tiers, workloads,
 * externals, flows and break-glass grants. Host-neutral: render it with the cdk8s host
 * (`TopologyCharts`) or the Pulumi host (`SegmentationStack`).
 *
 * @example
 * const topo = new Topology(app, 'shop', { trustDomain: 'prod.shop.example.com' });
 * const eks = new Cluster(topo, 'eks-eu', { cloud: 'aws', region: 'eu-west-1' });
 */
export class Topology extends Construct {
  /** Whether a construct is a Topology. */
  public static isTopology(x: unknown): x is Topology {
    // Any shape version: a topology is only searched for (Topology.of) and handed to the
    // planner, which reports a construct of a copy it cannot read as such.
    return brandVersion(x, 'Topology') !== undefined;
  }

  /** The Topology a construct belongs to (its nearest Topology ancestor). */
  public static of(c: IConstruct): Topology {
    for (const s of [...c.node.scopes].reverse()) {
      if (Topology.isTopology(s)) return s;
    }
    throw new BulkheadError([{
      severity: 'error', code: 'BH-NO-TOPOLOGY', path: c.node.path || '(root)',
      message: 'this construct is not inside a Topology', fix: 'create it with a Topology (or a construct inside one) as its scope',
    }]);
  }

  /** The trust domain as declared. */
  public readonly trustDomain: string;
  /** Enforcement mode. */
  public readonly mode: EnforcementMode;
  /** Environment name. */
  public readonly environment: string;
  /** Whether the environment was named (TopologyProps.environment): then every emitted object carries it as a label. */
  public readonly environmentNamed: boolean;
  /** Enforcement mode of the layers whose mode differs from `mode`, keys sorted. */
  public readonly layerModes: LayerModes;
  /** Platform services. */
  public readonly platform: PlatformProps;
  /** Strict mode. */
  public readonly strict: boolean;
  /** Properties as declared (validated when the plan is built). */
  public readonly props: TopologyProps;
  private readonly clock: () => Date;
  private readonly acknowledgements = new Set<string>();
  private readonly flowStatements: FlowStatement[] = [];
  private hosts = 0;

  /**
   * @param scope the enclosing construct (a cdk8s `App`), or `undefined` for a stand-alone root (Pulumi programs).
   */
  constructor(scope: Construct | undefined, id: string, props: TopologyProps) {
    super(checkedScope(scope, id, 'Topology', true), id);
    // Written as `true`, as every earlier copy of the library writes and reads it.
    Object.defineProperty(this, brandSymbol('Topology'), { value: true });
    // Props from plain JavaScript may be anything: keep them as given for the planner's input
    // check, and read them here without assuming their shape.
    this.props = props;
    const p = propsOf(props);
    this.trustDomain = p.trustDomain as string;
    this.mode = p.mode ?? EnforcementMode.ENFORCE;
    this.environment = p.environment ?? id;
    this.environmentNamed = p.environment !== undefined;
    this.layerModes = checkLayerModes(this.node.path || id, p.layerModes);
    this.platform = p.platform ?? {};
    this.strict = p.strict ?? false;
    this.clock = p.clock ?? (() => new Date());
    if (p.acknowledge !== undefined) {
      if (!Array.isArray(p.acknowledge)) {
        throw new BulkheadError([{
          severity: 'error', code: 'BH-ACK-CODE', path: this.node.path || this.node.id, message: '`acknowledge` must be a list of problem codes', value: show(p.acknowledge),
          fix: "write a list, such as acknowledge: ['BH-NP-FQDN']",
        }]);
      }
      this.acknowledge(...(p.acknowledge as string[]));
    }
    this.node.addValidation({
      validate: () => (this.hosts === 0
        ? [`Topology '${this.node.path}' is declared but no host renders it: add \`new TopologyCharts(app, 'segmentation', { topology })\` (cdk8s) or \`new SegmentationStack('segmentation', { topology })\` (Pulumi), or call \`synthesize(topology)\``]
        : []),
    });
  }

  /**
   * Acknowledges warning codes: warnings with these codes stay in the synthesis result, marked
   * `acknowledged`, and are not printed again.
   *
   * @param codes codes such as `BH-NP-FQDN`
   * @throws BulkheadError when a code is not of the form `BH-…`
   */
  public acknowledge(...codes: string[]): void {
    const bad = codes.filter((c) => typeof c !== 'string' || !/^BH-[A-Z0-9]+(-[A-Z0-9]+)*$/.test(c));
    if (bad.length > 0) {
      throw new BulkheadError(bad.map((c) => ({
        severity: 'error' as const, code: 'BH-ACK-CODE', path: this.node.path || this.node.id, message: 'an acknowledged code must be a Bulkhead problem code', value: show(c),
        fix: 'write the code as printed in brackets, such as BH-NP-FQDN',
      })));
    }
    for (const c of codes) this.acknowledgements.add(c);
  }

  /** The acknowledged warning codes, sorted. */
  public get acknowledgedCodes(): readonly string[] {
    return [...this.acknowledgements].sort();
  }

  /** The current time according to the topology's clock. */
  public now(): Date {
    return this.clock();
  }

  /** Every flow statement declared so far, in declaration order (the plan sorts them). */
  public get flows(): readonly FlowStatement[] {
    return this.flowStatements;
  }

  /** Records a flow statement. Called by `allowTo` / `allowFrom`; not usually called directly. */
  public addFlow(statement: FlowStatement): void {
    this.flowStatements.push(statement);
  }

  /**
   * Forgets the flow statements that start or end at one of these constructs (an environment
   * that leaves them out). Returns how many were removed.
   * @internal
   */
  public removeFlowsOf(constructs: ReadonlySet<IConstruct>): number {
    const before = this.flowStatements.length;
    const kept = this.flowStatements.filter((s) => !constructs.has(s.source) && !constructs.has(s.destination));
    this.flowStatements.splice(0, this.flowStatements.length, ...kept);
    return before - kept.length;
  }

  /** The enforcement mode of one layer: its entry of `layerModes`, else `mode`. */
  public modeOf(layer: LayerName): EnforcementMode {
    return this.layerModes[layer] ?? this.mode;
  }

  /** Marks the topology as rendered by a host (so that forgetting a host is a validation error). */
  public markRendered(): void {
    this.hosts += 1;
  }
}

/**
 * Checks `layerModes`: an object whose keys name layers and whose values are enforcement
 * modes, `audit` only for a layer of {@link AUDIT_LAYERS}. Returns the modes with sorted keys.
 * @throws BulkheadError (`BH-MODE-LAYER`) listing every problem
 */
function checkLayerModes(path: string, v: unknown): LayerModes {
  if (v === undefined) return {};
  const problems: Problem[] = [];
  const error = (message: string, value: unknown, fix: string): void => {
    problems.push({ severity: 'error', code: 'BH-MODE-LAYER', path, message, value: show(value), fix });
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    error('`layerModes` must be an object of enforcement modes by layer', v, "write { istio: EnforcementMode.AUDIT }, or leave layerModes out");
    throw new BulkheadError(problems);
  }
  const layers = Object.keys(LAYER_TABLE);
  const modes = Object.values(EnforcementMode) as string[];
  const out: Partial<Record<LayerName, EnforcementMode>> = {};
  for (const key of Object.keys(v).sort()) {
    const mode = (v as Record<string, unknown>)[key];
    if (!layers.includes(key)) {
      error(`layerModes has the key '${key}', which names no layer`, key, `key the modes by layer: ${layers.join(', ')}`);
    } else if (typeof mode !== 'string' || !modes.includes(mode)) {
      error(`layerModes.${key} is not an enforcement mode`, mode, 'write EnforcementMode.ENFORCE or EnforcementMode.AUDIT');
    } else if (mode === EnforcementMode.AUDIT && !AUDIT_LAYERS.includes(key as LayerName)) {
      error(`layerModes.${key} is 'audit', but the ${key} layer has no audit mode: it would enforce all the same`, mode, `leave ${key} out of layerModes (it enforces); only ${AUDIT_LAYERS.join(' and ')} can audit`);
    } else {
      out[key as LayerName] = mode as EnforcementMode;
    }
  }
  if (problems.length > 0) throw new BulkheadError(problems);
  return out;
}
