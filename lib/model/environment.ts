import { Construct, IConstruct } from 'constructs';
import { Cidr } from '../core/cidr';
import { ArgCheck, isRecord } from '../core/entry';
import { BulkheadError, cmp } from '../core/errors';
import { dnsLabelProblem, labelValueProblem } from '../core/names';
import { checkedScope } from './args';
import { BreakGlass, BreakGlassProps } from './break-glass';
import { Cluster, ClusterProps, SpireBundleEndpoint } from './cluster';
import { External } from './external';
import { ManagedService } from './managed-service';
import { Network, NetworkProps } from './network';
import { IPeer } from './peer';
import { EnforcementMode, LayerModes, PlatformProps, Topology } from './topology';
import { VmFleet } from './vm';
import { Workload } from './workload';
import { ClusterLayerName } from '../core/layers';

/** What an environment changes of a cluster the declaration declares with {@link Environment.cluster}. */
export interface ClusterOverlay {
  /**
   * The cluster's name in this environment (a DNS label). Every environment names its
   * clusters apart (`BH-ENV-CLUSTER-NAME`).
   * @default - the name the declaration gives
   */
  readonly name?: string;
  /**
   * Region.
   * @default - the declaration's
   */
  readonly region?: string;
  /**
   * Pod CIDRs.
   * @default - the declaration's
   */
  readonly podCidrs?: string[];
  /**
   * Node CIDRs.
   * @default - the declaration's
   */
  readonly nodeCidrs?: string[];
  /**
   * API server addresses.
   * @default - the declaration's
   */
  readonly apiServerCidrs?: string[];
  /**
   * Layers the cluster runs in this environment.
   * @default - the declaration's
   */
  readonly layers?: ClusterLayerName[];
  /**
   * The cluster's own trust domain (it must be no other environment's).
   * @default - the declaration's, else the environment's trust domain
   */
  readonly trustDomain?: string;
  /**
   * The SPIRE bundle endpoint of the cluster's trust domain in this environment.
   * @default - the declaration's
   */
  readonly spireBundleEndpoint?: SpireBundleEndpoint;
  /**
   * The Cilium ClusterMesh name.
   * @default - the declaration's, else the cluster name
   */
  readonly ciliumClusterName?: string;
}

/** What an environment changes of a network the declaration declares with {@link Environment.network}. */
export interface NetworkOverlay {
  /**
   * The network's name in this environment.
   * @default - the declaration's
   */
  readonly name?: string;
  /**
   * The AWS account.
   * @default - the declaration's
   */
  readonly account?: string;
  /**
   * The AWS Region.
   * @default - the declaration's
   */
  readonly region?: string;
  /**
   * The VPC id.
   * @default - the declaration's
   */
  readonly vpcId?: string;
  /**
   * The VPC's CIDR blocks.
   * @default - the declaration's
   */
  readonly cidrs?: string[];
}

/** What an environment changes of a BreakGlass grant the declaration declares with {@link Environment.breakGlass}. */
export interface BreakGlassOverlay {
  /**
   * The approvers in this environment: more (stricter) or fewer (looser) than the
   * declaration's, never fewer than the destination tier demands (the planner checks it).
   */
  readonly approvers: string[];
}

/** One environment: the values that differ from the declaration, and what it leaves out. */
export interface EnvironmentOverlay {
  /**
   * The environment's SPIFFE trust domain, such as `staging.shop.example.com`. No two
   * environments share a trust domain (`BH-ENV-TRUST-DOMAIN`): an identity of one would match
   * the policies of the other.
   */
  readonly trustDomain: string;
  /**
   * Enforcement mode of the environment (audit in staging while prod enforces, for example).
   * @default EnforcementMode.ENFORCE
   */
  readonly mode?: EnforcementMode;
  /**
   * The mode of the layers whose mode differs from `mode` (see `TopologyProps.layerModes`).
   * @default - every layer follows `mode`
   */
  readonly layerModes?: LayerModes;
  /**
   * Per cluster, by the construct id the declaration gives it ({@link Environment.cluster}).
   * @default - no cluster changes
   */
  readonly clusters?: Readonly<Record<string, ClusterOverlay>>;
  /**
   * Per network, by the construct id the declaration gives it ({@link Environment.network}).
   * @default - no network changes
   */
  readonly networks?: Readonly<Record<string, NetworkOverlay>>;
  /**
   * Per BreakGlass grant, by the construct id the declaration gives it ({@link Environment.breakGlass}).
   * @default - the declaration's approvers
   */
  readonly breakGlass?: Readonly<Record<string, BreakGlassOverlay>>;
  /**
   * What the environment leaves out, by construct path below the topology (`'fraud-detection'`,
   * `'payments/fraud-detection'`): workloads, VM fleets, managed services, externals,
   * BreakGlass grants, clusters or networks. Their flows are left out with them; a grant that
   * names a left-out peer must be left out too (`BH-ENV-LEAVE-OUT`).
   *
   * A left-out cluster takes the workloads that run in it with it, and a left-out network the
   * VM fleets and managed services in it (as if each were left out). What the environment keeps
   * must not need them: a kept cluster in a left-out network, a kept network whose control
   * plane is a left-out cluster or that is linked to a left-out network, and a kept VM fleet
   * whose SPIRE cluster is left out are errors (`BH-ENV-LEAVE-OUT-USED`).
   * @default - nothing
   */
  readonly leaveOut?: string[];
  /**
   * The Externals of this environment that stand for endpoints of another environment, by
   * construct path, with the other environment's name: the one way a flow leaves its
   * environment, declared explicitly. An External whose addresses overlap another
   * environment's clusters or networks without an entry here is an error (`BH-ENV-CROSS-ADDRESS`).
   * @default - no flow leaves the environment
   */
  readonly crossings?: Readonly<Record<string, string>>;
}

/** Settings every environment's Topology shares. */
export interface SharedTopologyProps {
  /**
   * Platform services (see `TopologyProps.platform`).
   * @default - DNS and mesh control plane defaults, no metrics scraper
   */
  readonly platform?: PlatformProps;
  /**
   * The clock (see `TopologyProps.clock`).
   * @default - the system clock
   */
  readonly clock?: () => Date;
  /**
   * Strict mode (see `TopologyProps.strict`).
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Acknowledged warning codes (see `TopologyProps.acknowledge`).
   * @default - none
   */
  readonly acknowledge?: readonly string[];
}

/** Properties of {@link Environments}. */
export interface EnvironmentsProps {
  /** The environments, by name (a DNS label: `dev`, `staging`, `prod`), with their overlays. */
  readonly environments: Readonly<Record<string, EnvironmentOverlay>>;
  /**
   * Declares the segmentation once: called once per environment, in the order of the names,
   * with that environment's Topology and its {@link Environment} (declare clusters, networks
   * and grants through it so that the overlays apply).
   */
  readonly declare: (topology: Topology, env: Environment) => void;
  /**
   * Settings every environment's Topology shares.
   * @default - none
   */
  readonly shared?: SharedTopologyProps;
}

/** Codes of the problems of {@link Environments}. */
export const ENVIRONMENT_CODES = {
  /** An environment name that is not a DNS label. */
  name: 'BH-ENV-NAME',
  /** An overlay key that names nothing the declaration declares (or a field no overlay has). */
  key: 'BH-ENV-KEY',
  /** A trust domain of two environments. */
  trustDomain: 'BH-ENV-TRUST-DOMAIN',
  /** A cluster name of two environments. */
  clusterName: 'BH-ENV-CLUSTER-NAME',
  /** A flow, grant or workload of one environment that uses a construct of another. */
  crossFlow: 'BH-ENV-CROSS-FLOW',
  /** An External whose addresses are another environment's, not declared as a crossing. */
  crossAddress: 'BH-ENV-CROSS-ADDRESS',
  /** A left-out construct of a kind that cannot be left out, or still named by a grant. */
  leaveOut: 'BH-ENV-LEAVE-OUT',
  /** A left-out cluster or network that a kept construct needs (its network, control plane, SPIRE cluster, a network link). */
  leaveOutUsed: 'BH-ENV-LEAVE-OUT-USED',
} as const;

const OVERLAY_FIELDS = ['trustDomain', 'mode', 'layerModes', 'clusters', 'networks', 'breakGlass', 'leaveOut', 'crossings'];
const CLUSTER_FIELDS = ['name', 'region', 'podCidrs', 'nodeCidrs', 'apiServerCidrs', 'layers', 'trustDomain', 'spireBundleEndpoint', 'ciliumClusterName'];
const NETWORK_FIELDS = ['name', 'account', 'region', 'vpcId', 'cidrs'];

/**
 * One environment, as the declare callback sees it: its name and overlay, and factories that
 * declare clusters, networks and BreakGlass grants with the environment's overlay applied.
 */
export class Environment {
  private readonly declared = { clusters: new Map<string, Cluster>(), networks: new Map<string, Network>(), breakGlass: new Map<string, BreakGlass>() };

  /**
   * @param name the environment's name
   * @param overlay its overlay, as given (checked by {@link Environments})
   */
  constructor(public readonly name: string, public readonly overlay: EnvironmentOverlay) {}

  /** Declares a Cluster: `props` with this environment's overlay of the cluster `id` applied. */
  public cluster(scope: Construct, id: string, props: ClusterProps): Cluster {
    const o = (isRecord(this.overlay.clusters) ? this.overlay.clusters[id] : undefined) ?? {};
    // Props of the wrong kind (plain JavaScript) are passed as given: the planner reports them.
    const c = new Cluster(scope, id, isRecord(props) ? { ...props, ...(isRecord(o) ? (o as ClusterOverlay) : {}) } : props);
    this.declared.clusters.set(id, c);
    return c;
  }

  /** Declares a Network: `props` with this environment's overlay of the network `id` applied. */
  public network(scope: Construct, id: string, props: NetworkProps): Network {
    const o = (isRecord(this.overlay.networks) ? this.overlay.networks[id] : undefined) ?? {};
    const n = new Network(scope, id, isRecord(props) ? { ...props, ...(isRecord(o) ? (o as NetworkOverlay) : {}) } : props);
    this.declared.networks.set(id, n);
    return n;
  }

  /** Declares a BreakGlass grant: `props` with this environment's approvers of the grant `id`, if it has some. */
  public breakGlass(scope: Construct, id: string, props: BreakGlassProps): BreakGlass {
    const o = isRecord(this.overlay.breakGlass) ? this.overlay.breakGlass[id] : undefined;
    const approvers = isRecord(o) && Array.isArray(o.approvers) ? { approvers: [...(o.approvers as string[])] } : {};
    const g = new BreakGlass(scope, id, isRecord(props) ? { ...props, ...approvers } : props);
    this.declared.breakGlass.set(id, g);
    return g;
  }

  /** The constructs declared through the factories, by kind and id. @internal */
  public get declaredConstructs(): { readonly clusters: ReadonlyMap<string, Cluster>; readonly networks: ReadonlyMap<string, Network>; readonly breakGlass: ReadonlyMap<string, BreakGlass> } {
    return this.declared;
  }
}

/**
 * dev / staging / prod from one declaration: one {@link Topology} per environment, each built
 * by the same declare callback with the environment's overlay (its clusters and networks, its
 * trust domain, its enforcement mode, its break-glass approvers, what it leaves out). Every
 * object an environment emits carries the label `bulkhead.io/environment`; `synthesize` of the
 * Environments writes `out/<environment>/<cluster>/<layer>.yaml`.
 *
 * Environments are kept apart: no two share a trust domain or a cluster name, and a flow,
 * grant or workload that uses a construct of another environment is an error. The one way out
 * of an environment is an External named in the overlay's `crossings`.
 *
 * Every problem of every environment is reported at once, when the construct is created.
 *
 * @example
 * const envs = new Environments(app, 'shop', {
 *   environments: {
 *     staging: { trustDomain: 'staging.shop.example.com', mode: EnforcementMode.AUDIT, clusters: { eks: { name: 'eks-staging' } } },
 *     prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-prod' } } },
 *   },
 *   declare: (topology, env) => {
 *     const eks = env.cluster(topology, 'eks', { cloud: 'aws', region: 'eu-west-1' });
 *     // workloads and flows, once
 *   },
 * });
 */
export class Environments extends Construct {
  /** Whether a value is an Environments construct (also of another copy of the library). */
  public static isEnvironments(x: unknown): x is Environments {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ENVIRONMENTS_BRAND] === true;
  }

  /** The environment names, sorted. */
  public readonly names: readonly string[];
  private readonly byName = new Map<string, Topology>();
  private readonly envs = new Map<string, Environment>();

  /**
   * @param scope the enclosing construct (a cdk8s `App`), or `undefined` for a stand-alone root (Pulumi programs)
   */
  constructor(scope: Construct | undefined, id: string, props: EnvironmentsProps) {
    const here = (scope ? [scope.node.path, id] : [id]).filter((s) => typeof s === 'string' && s !== '').join('/') || 'Environments';
    const check = new ArgCheck();
    const p = check.options(here, 'props', props, '{ environments: { prod: { trustDomain: ... } }, declare: (topology, env) => { ... } }', false);
    const overlays = p ? checkOverlays(check, here, p.environments) : new Map<string, EnvironmentOverlay>();
    if (p) {
      check.fn(here, 'declare', p.declare, '(topology, env) => { /* clusters, workloads, flows */ }');
      const shared = check.options(here, 'shared', p.shared, '{ clock: () => new Date() }');
      if (shared) {
        for (const key of Object.keys(shared).sort(cmp)) {
          if (!['platform', 'clock', 'strict', 'acknowledge'].includes(key)) {
            check.error(ENVIRONMENT_CODES.key, here, `shared has the key '${key}', which no environment shares`, key, "share platform, clock, strict or acknowledge; set trustDomain, mode and layerModes per environment");
          }
        }
      }
    }
    check.throwIfAny();
    super(checkedScope(scope, id, 'Environments', true), id);
    Object.defineProperty(this, ENVIRONMENTS_BRAND, { value: true });
    this.names = [...overlays.keys()].sort(cmp);
    const shared = (props.shared ?? {}) as SharedTopologyProps;
    for (const name of this.names) {
      const overlay = overlays.get(name)!;
      let topology: Topology;
      try {
        topology = new Topology(this, name, {
        ...shared,
        trustDomain: overlay.trustDomain,
        environment: name,
        ...(overlay.mode !== undefined ? { mode: overlay.mode } : {}),
          ...(overlay.layerModes !== undefined ? { layerModes: overlay.layerModes } : {}),
        });
      } catch (e) {
        if (!BulkheadError.isBulkheadError(e)) throw e;
        check.problems.push(...e.problems.map((q) => ({ ...q, path: `${here}/${name}` })));
        continue;
      }
      const env = new Environment(name, overlay);
      this.byName.set(name, topology);
      this.envs.set(name, env);
      try {
        props.declare(topology, env);
      } catch (e) {
        // every environment's problems at once: a problem thrown while declaring one is kept
        if (!BulkheadError.isBulkheadError(e)) throw e;
        check.problems.push(...e.problems);
      }
    }
    check.throwIfAny();
    for (const name of this.names) checkDeclared(check, this.byName.get(name)!, this.envs.get(name)!);
    if (check.problems.length === 0) {
      for (const name of this.names) leaveOut(check, this.byName.get(name)!, this.envs.get(name)!.overlay);
    }
    checkApart(check, this.names.map((n) => ({ name: n, topology: this.byName.get(n)!, overlay: this.envs.get(n)!.overlay })));
    check.throwIfAny();
  }

  /**
   * The Topology of an environment.
   * @throws BulkheadError when there is no environment of that name (`BH-ENV-KEY`)
   */
  public topology(name: string): Topology {
    const t = this.byName.get(name);
    if (t) return t;
    throw new BulkheadError([{
      severity: 'error', code: ENVIRONMENT_CODES.key, path: this.node.path || this.node.id,
      message: 'there is no environment of that name', value: JSON.stringify(name), fix: `name one of: ${this.names.join(', ')}`,
    }]);
  }

  /** Every environment's Topology, in the order of the names. */
  public get topologies(): readonly Topology[] {
    return this.names.map((n) => this.byName.get(n)!);
  }
}

const ENVIRONMENTS_BRAND = Symbol.for('bulkhead.Environments');

/** The environments as given, checked for kinds, unknown fields and names; the valid ones by name. */
function checkOverlays(check: ArgCheck, here: string, v: unknown): Map<string, EnvironmentOverlay> {
  const out = new Map<string, EnvironmentOverlay>();
  if (!isRecord(v)) {
    check.kind(here, 'environments', v, 'an object of environments by name', "{ staging: { trustDomain: 'staging.shop.example.com' }, prod: { trustDomain: 'prod.shop.example.com' } }");
    return out;
  }
  const names = Object.keys(v).sort(cmp);
  if (names.length === 0) {
    check.error(ENVIRONMENT_CODES.name, here, 'environments names no environment: nothing would be declared', '{}', "name at least one: { prod: { trustDomain: 'prod.shop.example.com' } }");
  }
  for (const name of names) {
    const at = `environments.${name}`;
    const problem = dnsLabelProblem(name) ?? labelValueProblem(name);
    if (problem) check.error(ENVIRONMENT_CODES.name, here, `the environment name '${name}' is not a DNS label: ${problem}`, name, "name it like 'staging' or 'prod' (lower-case letters, digits and '-')");
    const o = v[name];
    if (!isRecord(o)) {
      check.kind(here, at, o, 'an environment overlay', "{ trustDomain: 'staging.shop.example.com' }");
      continue;
    }
    unknownFields(check, here, at, o, OVERLAY_FIELDS, 'an environment overlay');
    check.text(here, `${at}.trustDomain`, o.trustDomain, `'${name}.shop.example.com' (each environment its own)`);
    if (o.mode !== undefined && !(Object.values(EnforcementMode) as unknown[]).includes(o.mode)) {
      check.kind(here, `${at}.mode`, o.mode, 'an enforcement mode', 'write EnforcementMode.ENFORCE or EnforcementMode.AUDIT');
    }
    check.options(here, `${at}.layerModes`, o.layerModes, '{ istio: EnforcementMode.AUDIT }');
    recordOf(check, here, `${at}.clusters`, o.clusters, "{ eks: { name: 'eks-staging' } }", (f, c) => {
      unknownFields(check, here, f, c, CLUSTER_FIELDS, 'a cluster overlay');
      for (const k of ['name', 'region', 'trustDomain', 'ciliumClusterName']) check.text(here, `${f}.${k}`, c[k], "'eks-staging'", { optional: true });
      for (const k of ['podCidrs', 'nodeCidrs', 'apiServerCidrs', 'layers']) check.textList(here, `${f}.${k}`, c[k], "['10.20.0.0/16']", true);
      check.options(here, `${f}.spireBundleEndpoint`, c.spireBundleEndpoint, "{ url: 'https://spire.eks.example.com:8443', profile: 'https_web' }");
    });
    recordOf(check, here, `${at}.networks`, o.networks, "{ vpc: { account: '123456789012', vpcId: 'vpc-…' } }", (f, n) => {
      unknownFields(check, here, f, n, NETWORK_FIELDS, 'a network overlay');
      for (const k of ['name', 'account', 'region', 'vpcId']) check.text(here, `${f}.${k}`, n[k], "'123456789012'", { optional: true });
      check.textList(here, `${f}.cidrs`, n.cidrs, "['10.0.0.0/16']", true);
    });
    recordOf(check, here, `${at}.breakGlass`, o.breakGlass, "{ 'db-oncall': { approvers: ['alice', 'bob'] } }", (f, g) => {
      unknownFields(check, here, f, g, ['approvers'], 'a break-glass overlay');
      check.textList(here, `${f}.approvers`, g.approvers, "['alice', 'bob']");
    });
    check.textList(here, `${at}.leaveOut`, o.leaveOut, "['fraud-detection']", true);
    recordOf(check, here, `${at}.crossings`, o.crossings, "{ 'prod-api': 'prod' }", (f, target, raw) => {
      if (typeof raw !== 'string') return check.kind(here, f, raw, 'an environment name', "'prod'");
      if (!names.includes(raw)) check.error(ENVIRONMENT_CODES.key, here, `${f} names the environment '${raw}', which is not declared`, raw, `name one of: ${names.join(', ')}`);
      else if (raw === name) check.error(ENVIRONMENT_CODES.key, here, `${f} names its own environment: a crossing leads into another one`, raw, 'name the other environment, or remove the entry');
      void target;
    }, true);
    out.set(name, o as unknown as EnvironmentOverlay);
  }
  return out;
}

function unknownFields(check: ArgCheck, here: string, at: string, o: Record<string, unknown>, known: readonly string[], what: string): void {
  for (const k of Object.keys(o).sort(cmp)) {
    if (!known.includes(k)) check.error(ENVIRONMENT_CODES.key, here, `${at} has the field '${k}', which ${what} does not have: it would change nothing`, k, `use the fields ${known.join(', ')}`);
  }
}

function recordOf(
  check: ArgCheck, here: string, field: string, v: unknown, example: string,
  item: (field: string, value: Record<string, unknown>, raw: unknown) => void, raw: boolean = false,
): void {
  if (v === undefined) return;
  if (!isRecord(v)) return check.kind(here, field, v, 'an object by construct id', example);
  for (const k of Object.keys(v).sort(cmp)) {
    const x = v[k];
    if (raw) item(`${field}['${k}']`, {}, x);
    else if (!isRecord(x)) check.kind(here, `${field}['${k}']`, x, 'an object', example);
    else item(`${field}['${k}']`, x, x);
  }
}

/** Every overlay key names a construct the declaration declared (through the factories, for clusters, networks and grants). */
function checkDeclared(check: ArgCheck, t: Topology, env: Environment): void {
  const o = env.overlay;
  const here = t.node.path;
  const d = env.declaredConstructs;
  const kinds: [string, unknown, ReadonlyMap<string, IConstruct>, (x: unknown) => boolean, string][] = [
    ['clusters', o.clusters, d.clusters, (x) => Cluster.isCluster(x), 'env.cluster(topology, id, props)'],
    ['networks', o.networks, d.networks, (x) => Network.isNetwork(x), 'env.network(topology, id, props)'],
    ['breakGlass', o.breakGlass, d.breakGlass, (x) => BreakGlass.isBreakGlass(x), 'env.breakGlass(topology, id, props)'],
  ];
  for (const [field, overlay, declared, is, factory] of kinds) {
    if (!isRecord(overlay)) continue;
    for (const key of Object.keys(overlay).sort(cmp)) {
      if (declared.has(key)) continue;
      const direct = t.node.findAll().find((c) => c.node.id === key && is(c));
      check.error(ENVIRONMENT_CODES.key, here,
        direct
          ? `the overlay ${field}['${key}'] of environment '${env.name}' cannot apply: ${direct.node.path} was declared with new, not through the environment`
          : `the overlay ${field}['${key}'] of environment '${env.name}' names nothing the declaration declares`,
        key,
        direct ? `declare it with ${factory} so that the overlay applies` : `key the overlay by the construct id given to ${factory}${declared.size > 0 ? ` (declared: ${[...declared.keys()].sort(cmp).join(', ')})` : ''}, or remove it`);
    }
  }
  if (isRecord(o.crossings)) {
    for (const key of Object.keys(o.crossings).sort(cmp)) {
      const c = find(t, key);
      if (!c || !External.isExternal(c)) {
        check.error(ENVIRONMENT_CODES.key, here, `the crossing '${key}' of environment '${env.name}' names ${c ? `${c.node.path}, which is not an External` : 'nothing the declaration declares'}`, key, 'name an External by its construct path below the topology (it stands for the other environment\'s endpoint)');
      }
    }
  }
  if (Array.isArray(o.leaveOut)) {
    for (const key of o.leaveOut) {
      if (typeof key !== 'string') continue;
      const c = find(t, key);
      if (!c) {
        check.error(ENVIRONMENT_CODES.key, here, `environment '${env.name}' leaves out '${key}', which the declaration does not declare`, key, 'name a workload, VM fleet, managed service, External, BreakGlass grant, cluster or network by its construct path below the topology (such as payments/fraud-detection)');
      } else if (!isOmittable(c)) {
        check.error(ENVIRONMENT_CODES.leaveOut, here, `environment '${env.name}' leaves out ${c.node.path}, which is no workload, VM fleet, managed service, External, grant, cluster or network: only those can be left out`, key, 'leave out the workloads on it instead, or give the environment its own overlay for it');
      }
    }
  }
}

/** A construct by its path below the topology (`payments/fraud-detection`), or by a unique id. */
function find(t: Topology, key: string): IConstruct | undefined {
  let c: IConstruct | undefined = t;
  for (const seg of key.split('/')) {
    c = c?.node.tryFindChild(seg);
    if (!c) break;
  }
  if (c) return c;
  const byId = t.node.findAll().filter((x) => x.node.id === key && x !== t);
  return byId.length === 1 ? byId[0] : undefined;
}

function isOmittable(c: IConstruct): boolean {
  return Workload.isWorkload(c) || VmFleet.isVmFleet(c) || ManagedService.isManagedService(c) || External.isExternal(c) || BreakGlass.isBreakGlass(c)
    || Cluster.isCluster(c) || Network.isNetwork(c);
}

/**
 * What leaving out `named` leaves out: the constructs named, the workloads of a left-out
 * cluster, the VM fleets and managed services of a left-out network.
 */
function leftOutWith(t: Topology, named: ReadonlySet<IConstruct>): Set<IConstruct> {
  const gone = new Set<IConstruct>(named);
  for (const c of t.node.findAll()) {
    if (Workload.isWorkload(c) && named.has(c.cluster)) gone.add(c);
    else if ((VmFleet.isVmFleet(c) || ManagedService.isManagedService(c)) && named.has(c.network)) gone.add(c);
  }
  return gone;
}

/** Kept constructs that need a left-out cluster or network (`BH-ENV-LEAVE-OUT-USED`). */
function checkKeptNeeds(check: ArgCheck, t: Topology, gone: ReadonlySet<IConstruct>): void {
  const env = t.environment;
  const used = (kept: IConstruct, what: string, x: IConstruct, fix: string): void => {
    check.error(ENVIRONMENT_CODES.leaveOutUsed, kept.node.path, `${kept.node.path} ${what} ${x.node.path}, which environment '${env}' leaves out`, x.node.path, fix);
  };
  const keepOrLeave = (kept: IConstruct, x: IConstruct, also: string): string => `leave out ${relative(t, kept)} too (leaveOut: [..., '${relative(t, kept)}'])${also}, or keep ${relative(t, x)} in the environment`;
  for (const c of t.node.findAll()) {
    if (gone.has(c)) continue;
    if (Cluster.isCluster(c)) {
      const n = (c.props as Partial<ClusterProps>).network;
      if (n !== undefined && gone.has(n)) used(c, 'lies in the network', n, keepOrLeave(c, n, ''));
    } else if (Network.isNetwork(c)) {
      for (const cp of c.controlPlanes) if (gone.has(cp)) used(c, 'has as its control plane the cluster', cp, keepOrLeave(c, cp, `, or name another control plane in this environment (env.network(..., { controlPlane }))`));
      for (const l of c.links) if (gone.has(l.peer)) used(c, `is linked (${l.kind}) to the network`, l.peer, `declare the link only in the environments that keep both networks (if (env.name !== '${env}') ...), or keep ${relative(t, l.peer)} in the environment`);
    } else if (VmFleet.isVmFleet(c)) {
      const sc = (c.props as { readonly spireCluster?: Cluster }).spireCluster;
      if (sc !== undefined && gone.has(sc)) used(c, 'takes its SPIRE identities from the cluster', sc, keepOrLeave(c, sc, ', or name another spireCluster in this environment'));
    }
  }
}

/** Removes what an environment leaves out, with its flows; a grant that still names a left-out peer is an error. */
function leaveOut(check: ArgCheck, t: Topology, o: EnvironmentOverlay): void {
  if (!Array.isArray(o.leaveOut) || o.leaveOut.length === 0) return;
  const gone = leftOutWith(t, new Set<IConstruct>(o.leaveOut.map((k) => find(t, k)!).filter((c) => c !== undefined)));
  checkKeptNeeds(check, t, gone);
  for (const g of t.node.findAll().filter((c): c is BreakGlass => BreakGlass.isBreakGlass(c) && !gone.has(c))) {
    const props = g.props as Partial<BreakGlassProps>;
    const named = [...(Array.isArray(props.from) ? props.from : []), ...(Array.isArray(props.to) ? props.to : [])].filter((x) => gone.has(x as IConstruct)) as IConstruct[];
    for (const x of named) {
      check.error(ENVIRONMENT_CODES.leaveOut, g.node.path, `the grant ${g.grantName} names ${x.node.path}, which environment '${t.environment}' leaves out`, x.node.path, `leave the grant out too (leaveOut: [..., '${relative(t, g)}']), or keep ${x.node.id} in the environment`);
    }
  }
  if (check.problems.length > 0) return;
  t.removeFlowsOf(gone);
  for (const c of [...gone].sort((a, b) => cmp(b.node.path, a.node.path))) c.node.scope?.node.tryRemoveChild(c.node.id);
}

function relative(t: Topology, c: IConstruct): string {
  return c.node.path.slice(t.node.path.length + 1);
}

/** Environments kept apart: trust domains, cluster names, flows across, addresses across. */
function checkApart(check: ArgCheck, envs: { name: string; topology: Topology; overlay: EnvironmentOverlay }[]): void {
  const domains = new Map<string, { env: string; path: string }>();
  const clusterNames = new Map<string, { env: string; path: string }>();
  const owner = new Map<Topology, string>(envs.map((e) => [e.topology, e.name]));
  for (const { name, topology: t } of envs) {
    const clusters = t.node.findAll().filter((c): c is Cluster => Cluster.isCluster(c));
    const own = new Set<string>([t.trustDomain, ...clusters.map((c) => (typeof c.props.trustDomain === 'string' ? c.props.trustDomain : t.trustDomain))]);
    for (const d of [...own].sort(cmp)) {
      const first = domains.get(d);
      if (first && first.env !== name) {
        check.error(ENVIRONMENT_CODES.trustDomain, t.node.path, `environments '${first.env}' and '${name}' share the trust domain ${d}: an identity of one would match the policies (Istio principals, SPIFFE IDs) of the other`, d, `give each environment its own trust domain (trustDomain of the environment, or of the cluster overlay), such as ${name}.${d}`);
      } else if (!first) {
        domains.set(d, { env: name, path: t.node.path });
      }
    }
    for (const c of clusters) {
      for (const n of new Set([c.clusterName, typeof c.props.ciliumClusterName === 'string' ? c.props.ciliumClusterName : c.clusterName])) {
        const first = clusterNames.get(n);
        if (first && first.env !== name) {
          check.error(ENVIRONMENT_CODES.clusterName, c.node.path, `environments '${first.env}' and '${name}' both have a cluster named ${n}: their kubeconfig contexts, output folders of other tools and ClusterMesh names (io.cilium.k8s.policy.cluster) would collide`, n, `name the cluster per environment in the overlay: clusters: { ${c.node.id}: { name: '${c.node.id}-${name}' } }`);
        } else if (!first) {
          clusterNames.set(n, { env: name, path: c.node.path });
        }
      }
    }
  }
  // flows, grants and workloads that use a construct of another environment
  const envOf = (x: unknown): string | undefined => {
    if (typeof x !== 'object' || x === null || !('node' in x)) return undefined;
    for (const s of [...(x as IConstruct).node.scopes].reverse()) {
      const e = owner.get(s as Topology);
      if (e !== undefined) return e;
    }
    return undefined;
  };
  const cross = (name: string, where: string, what: string, peer: unknown): void => {
    const other = envOf(peer);
    if (other === undefined || other === name) return;
    check.error(ENVIRONMENT_CODES.crossFlow, where, `${what} ${(peer as IConstruct).node.path}, of environment '${other}': no flow crosses environments`, (peer as IConstruct).node.path,
      `declare each environment's peers in its own declare call; to reach another environment on purpose, declare its endpoint as an External of '${name}' and name it in crossings: { '<external>': '${other}' }`);
  };
  for (const { name, topology: t } of envs) {
    for (const s of t.flows) {
      cross(name, s.path, 'a flow of environment \'' + name + '\' reaches', s.source);
      cross(name, s.path, 'a flow of environment \'' + name + '\' reaches', s.destination);
    }
    for (const c of t.node.findAll()) {
      if (Workload.isWorkload(c)) cross(name, c.node.path, `the workload runs in`, (c.props as { cluster?: unknown }).cluster);
      if (BreakGlass.isBreakGlass(c)) {
        const p = c.props as Partial<BreakGlassProps>;
        for (const x of [...(Array.isArray(p.from) ? p.from : []), ...(Array.isArray(p.to) ? p.to : [])] as IPeer[]) cross(name, c.node.path, 'the grant names', x);
      }
    }
  }
  // Externals whose addresses are another environment's
  const ranges = envs.map(({ name, topology: t }) => ({
    name,
    cidrs: t.node.findAll().flatMap((c) => {
      if (Cluster.isCluster(c)) return [...(c.props.podCidrs ?? []), ...(c.props.nodeCidrs ?? [])].map((x) => ({ cidr: x, what: `cluster ${c.clusterName}` }));
      if (Network.isNetwork(c)) return (c.props.cidrs ?? []).map((x) => ({ cidr: x, what: `network ${c.networkName}` }));
      return [];
    }).flatMap((r) => { const p = parse(r.cidr); return p ? [{ ...r, parsed: p }] : []; }),
  }));
  for (const { name, topology: t, overlay } of envs) {
    const crossings = isRecord(overlay.crossings) ? overlay.crossings : {};
    for (const x of t.node.findAll().filter((c): c is External => External.isExternal(c))) {
      if (Object.prototype.hasOwnProperty.call(crossings, relative(t, x)) || Object.prototype.hasOwnProperty.call(crossings, x.node.id)) continue;
      const cidrs = Array.isArray(x.props.cidrs) ? x.props.cidrs : [];
      for (const text of cidrs) {
        const cidr = parse(text);
        if (!cidr || cidr.toString() === '0.0.0.0/0' || cidr.toString() === '::/0') continue;
        for (const other of ranges) {
          if (other.name === name) continue;
          const hit = other.cidrs.find((r) => r.parsed.overlaps(cidr));
          if (!hit) continue;
          check.error(ENVIRONMENT_CODES.crossAddress, x.node.path, `the External ${x.node.id} of environment '${name}' (${text}) holds addresses of environment '${other.name}' (${hit.what}, ${hit.cidr}): its flows would cross environments without saying so`, text,
            `if the flow is meant to reach '${other.name}', say so: crossings: { '${relative(t, x)}': '${other.name}' } in the overlay of '${name}'; otherwise correct the External's cidrs`);
          break;
        }
      }
    }
  }
}

function parse(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return Cidr.of(text);
  } catch {
    return undefined;
  }
}
