/**
 * A deterministic generator of large, valid topologies for the benchmarks.
 *
 * Shape (for `workloads: N`):
 * - `clusters` clusters (default 3), every layer on, each with pod and node CIDRs (so
 *   cross-cluster flows are valid);
 * - N / `perNamespace` namespaces (default 10 workloads each), spread round-robin over the
 *   clusters. Namespaces come in blocks of ten with fixed roles:
 *     0      edge (public tier, reached from the internet)
 *     1 … 5  plain internal services (no domain)
 *     6      a `pii` domain (sensitive)
 *     7      a `payments` domain (highly-sensitive)
 *     8      an `identity` domain (critical)
 *     9      an internal domain (no tier of its own)
 *   A domain spans two namespaces (blocks 2b and 2b+1), which sit in different clusters.
 * - in every namespace, workload 0 is its front (exported by its domain, if any), workload 9
 *   a PostgreSQL database (no outgoing flows), the rest services with `grpc` and `http` ports;
 * - about `flowsPerWorkload` flows per workload (default 4): mostly within the namespace, one
 *   or two to the front of another namespace (one in five of those in another cluster), one in
 *   ten workloads to an External its tier may reach, the internet into every edge front;
 * - one break-glass grant in force per 500 workloads (a plain service into a payments DB);
 * - with `cloud`: an AWS network for the first cluster (an EKS cluster in eu-west-1) holding
 *   `vms` VM fleets and `managedServices` managed services (see {@link CloudGenerateOptions}).
 *
 * Every declaration is valid: flows into a much more sensitive tier carry a justification,
 * cross-domain flows stay within the destination domain's exports (port and HTTP rules),
 * egress to Externals respects each tier's internet-egress control.
 */
import { Construct } from 'constructs';
import {
  BreakGlass, Cluster, DomainBoundary, Duration, External, HttpMatch, ManagedService, Network, Port, Sensitivity, SensitiveTier,
  sensitivityRank, Topology, VmFleet, Workload,
} from '../lib';

/**
 * The cloud part of a generated topology: one AWS network (the first cluster's VPC) with VM
 * fleets and managed services. Each fleet has a /28 subnet of its own and serves HTTPS; each
 * managed service a /28 and PostgreSQL or Redis. Flows: every fleet calls one managed service
 * (round-robin) and two other fleets; one fleet in ten also calls managed service 0 (a shared
 * database, so that its group needs more rules than one group holds); one fleet in five is
 * called by a pod of the first cluster, one in ten calls the front of one of its namespaces,
 * one in twenty the partner network (by CIDR).
 */
export interface CloudGenerateOptions {
  /** VM fleets (at most 4,096). */
  readonly vms: number;
  /** Managed services (at most 4,096). */
  readonly managedServices: number;
}

/** Options of {@link generateTopology}. */
export interface GenerateOptions {
  /** Number of workloads. */
  readonly workloads: number;
  /**
   * Seed of the pseudo-random choices; the same seed and size give the same declaration.
   * @default 1
   */
  readonly seed?: number;
  /**
   * Average outgoing flows per workload.
   * @default 4
   */
  readonly flowsPerWorkload?: number;
  /**
   * Workloads per namespace.
   * @default 10
   */
  readonly perNamespace?: number;
  /**
   * Number of clusters (at most 8).
   * @default 3
   */
  readonly clusters?: number;
  /**
   * VM fleets and managed services in an AWS network of the first cluster.
   * @default - none: no network
   */
  readonly cloud?: CloudGenerateOptions;
  /**
   * `per-cluster`: every cluster has a trust domain of its own (`<cluster>.bench.example.com`)
   * and a SPIRE bundle endpoint, so its cross-cluster flows are federated.
   * @default 'shared' - one trust domain for every cluster
   */
  readonly trustDomains?: 'shared' | 'per-cluster';
}

/** Counts of what was declared. */
export interface GeneratedStats {
  /** Workloads declared. */
  readonly workloads: number;
  /** Namespaces. */
  readonly namespaces: number;
  /** Clusters. */
  readonly clusters: number;
  /** Domain boundaries. */
  readonly domains: number;
  /** Externals. */
  readonly externals: number;
  /** Flow statements (`allowTo` calls). */
  readonly flows: number;
  /** Flow statements whose ends are in different clusters. */
  readonly crossClusterFlows: number;
  /** Flow statements whose ends are in different domains (into a domain). */
  readonly crossDomainFlows: number;
  /** Break-glass grants (all in force at {@link GENERATED_NOW}). */
  readonly breakGlass: number;
  /** VM fleets. */
  readonly vms: number;
  /** Managed services. */
  readonly managedServices: number;
  /** Flow statements with a VM fleet or a managed service at one end. */
  readonly cloudFlows: number;
}

/** A generated declaration. */
export interface GeneratedTopology {
  /** The topology (clock pinned to {@link GENERATED_NOW}). */
  readonly topology: Topology;
  /** What it holds. */
  readonly stats: GeneratedStats;
}

/** The fixed clock of generated topologies. */
export const GENERATED_NOW = new Date('2026-11-22T21:00:00Z');

/** mulberry32: a small, fast, seedable PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Role = 'edge' | 'plain' | 'pii' | 'payments' | 'identity' | 'internal-domain';

const ROLE_BY_SLOT: readonly Role[] = ['edge', 'plain', 'plain', 'plain', 'plain', 'plain', 'pii', 'payments', 'identity', 'internal-domain'];

const CLUSTER_NAMES = ['eks-eu', 'gke-us', 'aks-ap', 'eks-us', 'gke-eu', 'aks-eu', 'eks-ap', 'gke-ap'];
const CLOUDS = ['aws', 'gcp', 'azure'];

interface Namespace {
  readonly index: number;
  readonly name: string;
  readonly cluster: number;
  readonly role: Role;
  readonly domain?: DomainBoundary;
  readonly level: Sensitivity;
  readonly workloads: Workload[];
  /** HTTP rule the domain exports on its front's grpc port (undefined outside domains). */
  readonly exportHttp?: HttpMatch;
}

/**
 * Declares a generated topology under `scope` (a cdk8s `App`, or `undefined` for a
 * stand-alone root).
 *
 * @example
 * const { topology, stats } = generateTopology(new App(), { workloads: 1000, seed: 7 });
 */
export function generateTopology(scope: Construct | undefined, options: GenerateOptions): GeneratedTopology {
  const total = Math.max(1, Math.floor(options.workloads));
  const perNs = Math.max(2, options.perNamespace ?? 10);
  const clusterCount = Math.min(CLUSTER_NAMES.length, Math.max(1, options.clusters ?? 3));
  const flowsPerWorkload = options.flowsPerWorkload ?? 4;
  const rnd = prng(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const topology = new Topology(scope, 'generated', {
    trustDomain: 'bench.example.com',
    environment: 'bench',
    clock: () => GENERATED_NOW,
  });
  const vpc = options.cloud ? cloudNetwork(topology) : undefined;
  const clusters = Array.from({ length: clusterCount }, (_, i) => new Cluster(topology, CLUSTER_NAMES[i], {
    ...(vpc && i === 0 ? { network: vpc } : {}),
    cloud: CLOUDS[i % CLOUDS.length],
    // with a cloud part, the first cluster is an EKS cluster in an AWS Region (its network's)
    region: options.cloud && i === 0 ? CLOUD_REGION : `region-${i}`,
    podCidrs: [`10.${i * 16}.0.0/12`],
    layers: ['kubernetes', 'cluster-network-policy', 'cilium', 'istio', 'spire'],
    nodeCidrs: [`172.16.${i}.0/24`],
    ...(options.trustDomains === 'per-cluster' ? {
      trustDomain: `${CLUSTER_NAMES[i]}.bench.example.com`,
      spireBundleEndpoint: { url: `https://spire.${CLUSTER_NAMES[i]}.bench.example.com:8443`, profile: 'https_spiffe' as const },
    } : {}),
  }));

  const tiers: Record<Exclude<Sensitivity, Sensitivity.INTERNAL>, SensitiveTier> = {
    [Sensitivity.PUBLIC]: new SensitiveTier(topology, 'edge', { level: Sensitivity.PUBLIC }),
    [Sensitivity.SENSITIVE]: new SensitiveTier(topology, 'pii', { level: Sensitivity.SENSITIVE }),
    [Sensitivity.HIGHLY_SENSITIVE]: new SensitiveTier(topology, 'payments', { level: Sensitivity.HIGHLY_SENSITIVE }),
    [Sensitivity.CRITICAL]: new SensitiveTier(topology, 'identity', { level: Sensitivity.CRITICAL }),
  };

  const internet = new External(topology, 'internet', { cidrs: ['0.0.0.0/0'] });
  const partner = new External(topology, 'partner-net', { cidrs: ['203.0.113.0/24'], except: ['203.0.113.128/28'] });
  const paymentApi = new External(topology, 'payment-api', { fqdns: ['api.payments.example.com'], cidrs: ['198.51.100.0/24'] });
  const telemetry = new External(topology, 'telemetry', { fqdns: ['*.telemetry.example.net'] });
  const anyExternal = [internet, partner, paymentApi, telemetry];
  const fqdnExternal = [paymentApi, telemetry];

  // Namespaces, their domains and their workloads.
  const nsCount = Math.ceil(total / perNs);
  const domains = new Map<string, DomainBoundary>();
  const namespaces: Namespace[] = [];
  let declared = 0;
  for (let k = 0; k < nsCount; k++) {
    const role = ROLE_BY_SLOT[k % 10];
    const name = `ns-${pad(k, 4)}`;
    const cluster = k % clusterCount;
    let domain: DomainBoundary | undefined;
    let level = Sensitivity.INTERNAL;
    if (role === 'edge') level = Sensitivity.PUBLIC;
    if (role === 'pii') level = Sensitivity.SENSITIVE;
    if (role === 'payments') level = Sensitivity.HIGHLY_SENSITIVE;
    if (role === 'identity') level = Sensitivity.CRITICAL;
    if (role !== 'edge' && role !== 'plain') {
      const id = `${role}-${pad(Math.floor(k / 20), 3)}`;
      domain = domains.get(id);
      if (!domain) {
        domain = new DomainBoundary(topology, id, level === Sensitivity.INTERNAL ? {} : { tier: tiers[level] });
        domains.set(id, domain);
      }
    }
    const ns: Namespace = {
      index: k, name, cluster, role, domain, level, workloads: [],
      ...(domain ? { exportHttp: { methods: ['POST'], paths: [`/${domain.domainName}.Api/*`] } } : {}),
    };
    const count = Math.min(perNs, total - declared);
    for (let j = 0; j < count; j++) {
      const wname = `w${pad(declared, 5)}`;
      const isDb = j === perNs - 1;
      const ports: Record<string, Port> = isDb
        ? { postgres: Port.POSTGRES }
        : { grpc: Port.tcp(9090), http: Port.tcp(8080) };
      const w = new Workload(domain ?? topology, wname, {
        cluster: clusters[cluster],
        namespace: name,
        ports,
        ...(role === 'edge' ? { tier: tiers[Sensitivity.PUBLIC] } : {}),
      });
      ns.workloads.push(w);
      declared++;
    }
    if (domain && ns.workloads.length > 0 && ns.exportHttp) {
      domain.export(ns.workloads[0], Port.named('grpc'), { http: ns.exportHttp });
    }
    namespaces.push(ns);
  }

  // Flows.
  const nsOf = new Map<Workload, Namespace>();
  for (const ns of namespaces) for (const w of ns.workloads) nsOf.set(w, ns);
  let flows = 0;
  let crossCluster = 0;
  let crossDomain = 0;
  const isDbOf = (ns: Namespace, w: Workload) => ns.workloads.indexOf(w) === perNs - 1;

  const flow = (src: Workload, srcNs: Namespace, dst: Workload, dstNs: Namespace) => {
    const db = isDbOf(dstNs, dst);
    const intoDomain = dstNs.domain !== undefined && dstNs.domain !== srcNs.domain;
    const gap = sensitivityRank(dstNs.level) - sensitivityRank(srcNs.level);
    const justification = gap >= 2 ? `generated: ${srcNs.name} needs ${dstNs.name}` : undefined;
    let port: Port;
    let http: HttpMatch | undefined;
    if (intoDomain) {
      // Only the front's exported grpc port, within the exported HTTP rules.
      port = Port.named('grpc');
      http = dstNs.exportHttp;
      crossDomain++;
    } else if (db) {
      port = Port.named('postgres');
    } else if (rnd() < 0.5) {
      port = Port.named('grpc');
    } else {
      port = Port.named('http');
      if (rnd() < 0.4) http = { methods: [pick(['GET', 'POST', 'PUT'])], paths: [pick(['/api/*', '/v1/items', '/health'])] };
    }
    if (srcNs.cluster !== dstNs.cluster) crossCluster++;
    src.allowTo(dst, port, { ...(http ? { http } : {}), ...(justification ? { justification } : {}) });
    flows++;
  };

  // Namespaces per cluster and outside each cluster, for picks without scanning.
  const byCluster = clusters.map((_, c) => namespaces.filter((ns) => ns.cluster === c && ns.workloads.length > 0));
  const elsewhere = clusters.map((_, c) => namespaces.filter((ns) => ns.cluster !== c && ns.workloads.length > 0));
  for (const ns of namespaces) {
    for (let j = 0; j < ns.workloads.length; j++) {
      const src = ns.workloads[j];
      if (isDbOf(ns, src)) continue;
      // Out-degree 4 or 5 for services, 0 for the database: about 4 on average.
      const target = flowsPerWorkload * perNs / (perNs - 1);
      const degree = Math.floor(target) + (rnd() < target - Math.floor(target) ? 1 : 0);
      for (let f = 0; f < degree; f++) {
        const remote = f === 0 || (f === 3 && rnd() < 0.3);
        if (!remote && ns.workloads.length > 1) {
          let t = Math.floor(rnd() * (ns.workloads.length - 1));
          if (t >= j) t++;
          flow(src, ns, ns.workloads[t], ns);
        } else {
          const sameCluster = rnd() < 0.8 || clusterCount === 1;
          const pool = sameCluster ? byCluster[ns.cluster] : elsewhere[ns.cluster];
          const other = pick(pool.length > 1 ? pool : namespaces);
          if (other === ns) continue;
          flow(src, ns, other.workloads[0], other);
        }
      }
      // One in ten workloads calls an External its tier may reach.
      if (rnd() < 0.1 && ns.level !== Sensitivity.CRITICAL) {
        const ok = ns.level === Sensitivity.SENSITIVE || ns.level === Sensitivity.HIGHLY_SENSITIVE ? fqdnExternal : anyExternal;
        src.allowTo(pick(ok), Port.HTTPS);
        flows++;
      }
    }
    if (ns.role === 'edge' && ns.workloads.length > 0) {
      internet.allowTo(ns.workloads[0], Port.named('http'), { http: { methods: ['GET', 'POST'], paths: ['/*'] } });
      flows++;
    }
  }

  // Break-glass grants in force: a plain service into a payments database, two hours, two approvers.
  const plain = namespaces.filter((ns) => ns.role === 'plain' && ns.workloads.length > 1);
  const dbs = namespaces.filter((ns) => ns.role === 'payments' && ns.workloads.length === perNs);
  const grants = Math.min(Math.max(1, Math.floor(total / 500)), plain.length, dbs.length);
  for (let g = 0; g < grants; g++) {
    const from = plain[(g * 7) % plain.length].workloads[1];
    const to = dbs[g % dbs.length].workloads[perNs - 1];
    new BreakGlass(topology, `oncall-${pad(g, 3)}`, {
      from: [from], to: [to], ports: Port.named('postgres'),
      start: new Date(GENERATED_NOW.getTime() - 3_600_000), duration: Duration.hours(2),
      reason: 'generated: restore a ledger row', ticket: `INC-${1000 + g}`, approvers: ['alice', 'bob'],
    });
  }

  const cloud = options.cloud && vpc ? generateCloud(topology, vpc, namespaces.filter((ns) => ns.cluster === 0 && ns.role === 'plain' && ns.workloads.length > 1), partner, options.cloud, rnd) : { vms: 0, managedServices: 0, flows: 0 };

  return {
    topology,
    stats: {
      workloads: declared, namespaces: namespaces.length, clusters: clusterCount, domains: domains.size,
      externals: anyExternal.length, flows: flows + cloud.flows, crossClusterFlows: crossCluster, crossDomainFlows: crossDomain, breakGlass: grants,
      vms: cloud.vms, managedServices: cloud.managedServices, cloudFlows: cloud.flows,
    },
  };
}

/** The AWS Region of the generated network (and of the first cluster, with a cloud part). */
const CLOUD_REGION = 'eu-west-1';

/** Declares the cloud part (see {@link CloudGenerateOptions}); returns what it declared. */
/** The generated AWS network: the first cluster's nodes (172.16.0.0/24) in the primary block; fleets and services in secondary blocks. */
function cloudNetwork(topology: Topology): Network {
  return new Network(topology, 'bench-vpc', {
    account: '123456789012', region: CLOUD_REGION, vpcId: 'vpc-0be0c0be0c0be0c01', cidrs: ['172.16.0.0/16', '172.18.0.0/16', '172.19.0.0/16'],
  });
}

function generateCloud(topology: Topology, vpc: Network, plain: readonly Namespace[], partner: External, options: CloudGenerateOptions, rnd: () => number): { vms: number; managedServices: number; flows: number } {
  const vmCount = Math.max(0, Math.min(4096, Math.floor(options.vms)));
  const msCount = Math.max(0, Math.min(4096, Math.floor(options.managedServices)));
  const subnet = (second: number, i: number) => `172.${second}.${Math.floor(i / 16)}.${(i % 16) * 16}/28`;
  const fleets = Array.from({ length: vmCount }, (_, i) => new VmFleet(topology, `vm-${pad(i, 4)}`, {
    network: vpc, subnetCidrs: [subnet(18, i)], ports: { https: Port.HTTPS }, tags: { app: `vm-${pad(i, 4)}` },
  }));
  const services = Array.from({ length: msCount }, (_, i) => new ManagedService(topology, `db-${pad(i, 3)}`, {
    network: vpc, service: i % 2 === 0 ? 'rds' : 'elasticache', subnetCidrs: [subnet(19, i)],
    ports: i % 2 === 0 ? { postgres: Port.POSTGRES } : { redis: Port.tcp(6379) },
  }));
  const servicePort = (i: number) => Port.named(i % 2 === 0 ? 'postgres' : 'redis');
  let flows = 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  fleets.forEach((vm, i) => {
    if (msCount > 0) {
      vm.allowTo(services[i % msCount], servicePort(i % msCount));
      flows++;
      if (i % 10 === 5 && i % msCount !== 0) {
        vm.allowTo(services[0], servicePort(0));
        flows++;
      }
    }
    for (let k = 0; k < 2 && vmCount > 1; k++) {
      let t = Math.floor(rnd() * (vmCount - 1));
      if (t >= i) t++;
      vm.allowTo(fleets[t], Port.named('https'));
      flows++;
    }
    if (plain.length > 0 && i % 5 === 0) {
      const ns = pick(plain);
      ns.workloads[1].allowTo(vm, Port.named('https'));
      flows++;
    }
    if (plain.length > 0 && i % 10 === 3) {
      vm.allowTo(pick(plain).workloads[0], Port.named('grpc'));
      flows++;
    }
    if (i % 20 === 7) {
      vm.allowTo(partner, Port.HTTPS);
      flows++;
    }
  });
  return { vms: vmCount, managedServices: msCount, flows };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
