/**
 * A catalogue of bad declarations. Each entry declares one mistake on top of a valid base and
 * states the problem the planner must report: its code, a message, the construct path, the
 * offending value and a fix that says what to write.
 */
import { BulkheadError, sortProblems } from '../../lib/core/errors';
import { Duration } from '../../lib/core/duration';
import { Port, Protocol } from '../../lib/core/port';
import { Sensitivity } from '../../lib/core/sensitivity';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary, ExportOptions } from '../../lib/model/domain';
import { External } from '../../lib/model/external';
import { SensitiveTier } from '../../lib/model/tier';
import { Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { buildPlan } from '../../lib/plan/build';
import { ClusterLayerName as LayerName } from '../../lib/core/layers';
import { Base, base, errors, NOW, plan, planError, CatalogueCase, checkCatalogueCase, grant } from './declare';

/** A payments domain with one workload that serves grpc (exported) and admin (not exported). */
function payments(b: Base, exportOptions?: ExportOptions) {
  const domain = new DomainBoundary(b.topo, 'payments');
  const api = domain.addWorkload('payment-api', {
    cluster: b.eks, namespace: 'payments', ports: { grpc: Port.tcp(9090), admin: Port.tcp(8081) },
  });
  domain.export(api, Port.named('grpc'), exportOptions);
  return { domain, api };
}

/** A critical identity tier with one workload, `auth`, serving grpc on 9091. */
function identity(b: Base) {
  const tier = new SensitiveTier(b.topo, 'identity', { level: Sensitivity.CRITICAL });
  const auth = new Workload(b.topo, 'auth', { cluster: b.eks, namespace: 'identity', tier, ports: { grpc: Port.tcp(9091) } });
  return { tier, auth };
}

/** A highly-sensitive ledger database. */
function ledger(b: Base) {
  const tier = new SensitiveTier(b.topo, 'ledger-tier', { level: Sensitivity.HIGHLY_SENSITIVE, name: 'ledger' });
  const db = new Workload(b.topo, 'ledger-db', { cluster: b.eks, namespace: 'ledger', tier, ports: { postgres: Port.POSTGRES } });
  return { tier, db };
}

type Case = CatalogueCase;

const CASES: Case[] = [
  // ---------------------------------------------------------------- domains
  {
    name: 'cross-domain flow to a port the domain does not export',
    declare: (b) => b.web.allowTo(payments(b).api, Port.named('admin')),
    code: 'BH-DOMAIN-EXPORT', path: 'shop/web (web -> payment-api)',
    message: /from outside the domain into domain 'payments' reaches something the domain does not export/,
    value: /eks\/payments\/payment-api tcp\/8081/,
    fix: /payments\.export\(payment-api, \.\.\.\).*tcp\/9090/,
  },
  {
    name: 'cross-domain flow to a port range wider than the export',
    declare: (b) => b.web.allowTo(payments(b).api, Port.tcpRange(9090, 9091)),
    code: 'BH-DOMAIN-EXPORT', path: 'shop/web (web -> payment-api)',
    message: /does not export/, value: /tcp\/9090-9091/, fix: /tcp\/9090\)/,
  },
  {
    name: 'cross-domain flow to an HTTP path the domain does not export',
    declare: (b) => b.web.allowTo(payments(b, { http: { methods: ['POST'], paths: ['/payments.Payments/Charge'] } }).api, Port.named('grpc'), {
      http: { methods: ['POST'], paths: ['/payments.Payments/Refund'] },
    }),
    code: 'BH-DOMAIN-EXPORT', path: 'shop/web (web -> payment-api)',
    message: /does not export/, value: /tcp\/9090 .*\/payments\.Payments\/Refund/, fix: /\/payments\.Payments\/Charge/,
  },
  {
    name: 'cross-domain flow with no HTTP rule into an HTTP-restricted export',
    declare: (b) => b.web.allowTo(payments(b, { http: { paths: ['/payments.Payments/*'] } }).api, Port.named('grpc')),
    code: 'BH-DOMAIN-EXPORT', path: 'shop/web (web -> payment-api)',
    message: /does not export/, value: /tcp\/9090"$/, fix: /\/payments\.Payments\/\*/,
  },
  {
    name: 'cross-domain flow from another domain to a workload that is not exported at all',
    declare: (b) => {
      const { domain } = payments(b);
      const db = domain.addWorkload('payment-db', { cluster: b.eks, namespace: 'payments', ports: { postgres: Port.POSTGRES } });
      const orders = new DomainBoundary(b.topo, 'orders');
      const svc = orders.addWorkload('orders', { cluster: b.eks, namespace: 'orders' });
      svc.allowTo(db, Port.named('postgres'));
    },
    code: 'BH-DOMAIN-EXPORT', path: 'shop/orders/orders (orders -> payment-db)',
    message: /from domain 'orders' into domain 'payments'/, value: /eks\/payments\/payment-db tcp\/5432/, fix: /\(nothing\)/,
  },
  {
    name: 'an External calling a domain workload that is not exported',
    declare: (b) => new External(b.topo, 'partner', { cidrs: ['198.51.100.0/24'] }).allowTo(payments(b).api, Port.tcp(8081)),
    code: 'BH-DOMAIN-EXPORT', path: 'shop/partner (partner -> payment-api)',
    message: /from outside the domain/, value: /tcp\/8081/, fix: /payments\.export/,

    also: ['BH-TIER-PLAINTEXT'],
  },
  {
    name: 'a domain exporting a workload of another domain',
    declare: (b) => {
      const { api } = payments(b);
      new DomainBoundary(b.topo, 'orders').export(api, Port.named('grpc'));
    },
    code: 'BH-EXPORT-FOREIGN', path: 'shop/orders',
    message: /exports only its own workloads; this one is in domain 'payments'/, value: /shop\/payments\/payment-api/, fix: /payments\.export/,
  },
  {
    name: 'a domain name that is not a valid label value',
    declare: (b) => new DomainBoundary(b.topo, 'pay', { name: 'Payments & Billing' }),
    code: 'BH-NAME', path: 'shop/pay',
    message: /domain name is not a valid Kubernetes name/, value: /Payments & Billing/, fix: /lowercase letters/,
  },
  {
    name: 'two domains with one name',
    declare: (b) => {
      new DomainBoundary(b.topo, 'payments');
      new DomainBoundary(b.topo, 'payments-eu', { name: 'payments' });
    },
    code: 'BH-DUPLICATE-DOMAIN', path: 'shop/payments-eu',
    message: /another domain has the same name \(shop\/payments\)/, value: /^"payments"$/, fix: /rename/,
  },

  // ---------------------------------------------------------------- sensitivity
  {
    name: 'flow into a critical tier from an internal one without a justification',
    declare: (b) => b.web.allowTo(identity(b).auth, Port.named('grpc')),
    code: 'BH-TIER-JUSTIFICATION', path: 'shop/web (web -> auth)',
    message: /from internal tier into the critical tier needs a justification/,
    value: /eks\/shop\/web -> eks\/identity\/auth/, fix: /justification: '<why this flow is needed>'/,
  },
  {
    name: 'flow into a highly-sensitive tier from an External without a justification',
    declare: (b) => new External(b.topo, 'partner', { cidrs: ['198.51.100.0/24'] }).allowTo(ledger(b).db, Port.named('postgres')),
    code: 'BH-TIER-JUSTIFICATION', path: 'shop/partner (partner -> ledger-db)',
    message: /from an External \(public\) into the highly-sensitive tier/, value: /partner -> eks\/ledger\/ledger-db/, fix: /justification/,

    also: ['BH-TIER-PLAINTEXT'],
  },
  {
    name: 'flow into a critical tier with a blank justification',
    declare: (b) => identity(b).auth.allowFrom(b.web, Port.named('grpc'), { justification: '   ' }),
    code: 'BH-TIER-JUSTIFICATION', path: 'shop/auth (web -> auth)',
    message: /needs a justification/, value: /eks\/shop\/web -> eks\/identity\/auth/, fix: /justification/,
  },
  {
    name: 'tier override that loosens the maximum SVID TTL',
    declare: (b) => new SensitiveTier(b.topo, 'keys', { level: Sensitivity.CRITICAL, maxSvidTtl: Duration.hours(1) }),
    code: 'BH-TIER-LOOSEN', path: 'shop/keys',
    message: /override of maxSvidTtl loosens the critical level's control/, value: /^"1h"$/, fix: /at most 15m/,
  },
  {
    name: 'tier override that lowers the approvers a grant needs',
    declare: (b) => new SensitiveTier(b.topo, 'pci', { level: Sensitivity.HIGHLY_SENSITIVE, minApprovers: 1 }),
    code: 'BH-TIER-LOOSEN', path: 'shop/pci',
    message: /override of minApprovers loosens/, value: /^1$/, fix: /at least 2/,
  },
  {
    name: 'tier override with approvers that are not a number (would switch the check off)',
    declare: (b) => new SensitiveTier(b.topo, 'pci', { level: Sensitivity.HIGHLY_SENSITIVE, minApprovers: Number('two') }),
    code: 'BH-TIER-LOOSEN', path: 'shop/pci',
    message: /override of minApprovers loosens the highly-sensitive level's control/, value: /^NaN$/, fix: /whole number of at least 2/,
  },
  {
    name: 'tier override with an unknown internet egress value',
    declare: (b) => new SensitiveTier(b.topo, 'keys', { level: Sensitivity.CRITICAL, internetEgress: 'all' as never }),
    code: 'BH-TIER-LOOSEN', path: 'shop/keys',
    message: /override of internetEgress loosens the critical level's control/, value: /^"all"$/, fix: /^use none \(/,
  },
  {
    name: 'tier override that turns audit logging off',
    declare: (b) => new SensitiveTier(b.topo, 'pii', { level: Sensitivity.SENSITIVE, auditLogging: false }),
    code: 'BH-TIER-LOOSEN', path: 'shop/pii',
    message: /override of auditLogging loosens the sensitive level's control/, value: /^false$/, fix: /leave it on/,
  },
  {
    name: 'tier override that opens internet egress',
    declare: (b) => new SensitiveTier(b.topo, 'pii', { level: Sensitivity.SENSITIVE, internetEgress: 'any' as never }),
    code: 'BH-TIER-LOOSEN', path: 'shop/pii',
    message: /override of internetEgress loosens the sensitive level's control/, value: /^"any"$/, fix: /use none or fqdn-only/,
  },
  {
    name: 'a tier of an unknown level, used by a workload (reported, not a crash)',
    declare: (b) => new Workload(b.topo, 'vault', {
      cluster: b.eks, namespace: 'vault', tier: new SensitiveTier(b.topo, 'secrets', { level: 'top-secret' as Sensitivity }),
    }),
    code: 'BH-TIER-LEVEL', path: 'shop/secrets',
    message: /unknown sensitivity level/, value: /^"top-secret"$/, fix: /critical, highly-sensitive, sensitive, internal, public/,
  },
  {
    name: 'a critical workload calling an External',
    declare: (b) => identity(b).auth.allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.HTTPS),
    code: 'BH-TIER-EGRESS', path: 'shop/auth (auth -> stripe)',
    message: /the critical tier allows no external egress/, value: /eks\/identity\/auth -> stripe/, fix: /less sensitive tier/,
  },
  {
    name: 'an FQDN-only tier calling a CIDR-only External',
    declare: (b) => {
      const tier = new SensitiveTier(b.topo, 'pii', { level: Sensitivity.SENSITIVE });
      const users = new Workload(b.topo, 'users', { cluster: b.eks, namespace: 'users', tier });
      users.allowTo(new External(b.topo, 'partner', { cidrs: ['198.51.100.0/24'] }), Port.HTTPS);
    },
    code: 'BH-TIER-EGRESS', path: 'shop/users (users -> partner)',
    message: /the sensitive tier allows external egress to FQDNs only, and this External has none/, value: /^"partner"$/, fix: /fqdns: \['api\.example\.com'\]/,
  },
  {
    name: 'plaintext from an External into a non-public tier of a mesh cluster',
    declare: (b) => {
      const users = new Workload(b.topo, 'users', { cluster: b.eks, namespace: 'users' });
      new External(b.topo, 'partner', { cidrs: ['198.51.100.0/24'] }).allowTo(users, Port.HTTPS);
    },
    code: 'BH-TIER-PLAINTEXT', path: 'shop/partner (partner -> users)',
    message: /the internal tier of eks\/users\/users accepts mutual TLS only/, value: /partner -> eks\/users\/users/, fix: /public tier/,
  },

  // ---------------------------------------------------------------- break glass
  {
    name: 'break-glass window longer than the tier allows',
    declare: (b) => grant(b, 'auth-oncall', { to: [identity(b).auth], duration: Duration.hours(2), approvers: ['alice', 'bob'] }),
    code: 'BH-BG-WINDOW', path: 'shop/auth-oncall',
    message: /window is longer than the critical tier of eks\/identity\/auth allows/, value: /^"2h"$/, fix: /at most 1h/,
  },
  {
    name: 'break-glass grant with too few distinct approvers',
    declare: (b) => grant(b, 'ledger-oncall', { to: [ledger(b).db], ports: Port.POSTGRES, approvers: ['alice', ' alice ', ''] }),
    code: 'BH-BG-APPROVERS', path: 'shop/ledger-oncall',
    message: /highly-sensitive tier of eks\/ledger\/ledger-db needs at least 2 distinct approvers/, value: /^\["alice"\]$/, fix: /until there are 2/,
  },
  {
    name: 'break-glass grant without a reason',
    declare: (b) => grant(b, 'cart-oncall', { reason: '  ' }),
    code: 'BH-BG-REASON', path: 'shop/cart-oncall',
    message: /needs a reason/, value: /^" +"$/, fix: /reason: '<what is broken/,
  },
  {
    name: 'break-glass grant with nobody in from',
    declare: (b) => grant(b, 'cart-oncall', { from: [] }),
    code: 'BH-BG-FROM', path: 'shop/cart-oncall',
    message: /at least one identity in from/, value: /^\[\]$/, fix: /access workload/,
  },
  {
    name: 'break-glass grant into an External',
    declare: (b) => grant(b, 'cart-oncall', { to: [new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }) as unknown as Workload], ports: Port.HTTPS }),
    code: 'BH-BG-TO', path: 'shop/cart-oncall',
    message: /reaches workloads, not Externals/, value: /stripe/, fix: /list workloads in to/,
  },
  {
    name: 'break-glass grant whose start is not a date',
    declare: (b) => grant(b, 'cart-oncall', { start: 'yesterday evening' }),
    code: 'BH-BG-START', path: 'shop/cart-oncall',
    message: /start is not a valid date/, value: /yesterday evening/, fix: /RFC 3339/,
  },
  {
    name: 'break-glass grant already expired, in strict mode',
    declare: () => {
      const b = base({ strict: true });
      grant(b, 'cart-oncall', { start: '2026-11-22T19:00:00Z' });
      return b.topo;
    },
    code: 'BH-BG-EXPIRED', path: 'shop/cart-oncall',
    message: /expired at 2026-11-22T20:00:00\.000Z and is not emitted/, value: /2026-11-22T20:00:00/, fix: /remove the BreakGlass/,
  },
  {
    name: 'break-glass grant already expired (a warning by default)',
    declare: (b) => grant(b, 'cart-oncall', { start: '2026-11-22T19:00:00Z' }),
    severity: 'warning',
    code: 'BH-BG-EXPIRED', path: 'shop/cart-oncall',
    message: /expired at 2026-11-22T20:00:00\.000Z/, value: /2026-11-22T20:00:00/, fix: /remove the BreakGlass/,
  },
  {
    name: 'break-glass grant not started yet (a warning)',
    declare: (b) => grant(b, 'cart-oncall', { start: '2026-11-23T08:00:00Z' }),
    severity: 'warning',
    code: 'BH-BG-SCHEDULED', path: 'shop/cart-oncall',
    message: /starts at 2026-11-23T08:00:00\.000Z and is not emitted before then/, value: /2026-11-23T08:00:00/, fix: /once the window has started/,
  },

  // ---------------------------------------------------------------- duplicate names
  {
    name: 'two clusters with one name',
    declare: (b) => new Cluster(b.topo, 'eks-2', { cloud: 'aws', name: 'eks' }),
    code: 'BH-DUPLICATE-CLUSTER', path: 'shop/eks-2',
    message: /another cluster has the same name \(shop\/eks\)/, value: /^"eks"$/, fix: /rename one of them \(name: 'eks-2'\)/,
  },
  {
    name: 'two workloads with one name in one namespace',
    declare: (b) => new Workload(b.topo, 'web-2', { cluster: b.eks, namespace: 'shop', name: 'web', selector: { app: 'web-2' } }),
    code: 'BH-DUPLICATE-WORKLOAD', path: 'shop/web-2',
    message: /another workload has the same name \(shop\/web\)/, value: /^"eks\/shop\/web"$/, fix: /rename/,
  },
  {
    name: 'two externals with one name',
    declare: (b) => {
      new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] });
      new External(b.topo, 'stripe-2', { name: 'stripe', fqdns: ['files.stripe.com'] });
    },
    code: 'BH-DUPLICATE-EXTERNAL', path: 'shop/stripe-2',
    message: /another external has the same name \(shop\/stripe\)/, value: /^"stripe"$/, fix: /rename/,
  },
  {
    name: 'two tiers with one name',
    declare: (b) => {
      new SensitiveTier(b.topo, 'payments', { level: Sensitivity.HIGHLY_SENSITIVE });
      new SensitiveTier(b.topo, 'payments-strict', { level: Sensitivity.CRITICAL, name: 'payments' });
    },
    code: 'BH-DUPLICATE-TIER', path: 'shop/payments-strict',
    message: /another tier has the same name \(shop\/payments\)/, value: /^"payments"$/, fix: /rename/,
  },
  {
    name: 'two break-glass grants with one name',
    declare: (b) => {
      grant(b, 'oncall');
      grant(b, 'oncall-2', { name: 'oncall' });
    },
    code: 'BH-DUPLICATE-GRANT', path: 'shop/oncall-2',
    message: /another BreakGlass grant has the same name \(shop\/oncall\)/, value: /^"oncall"$/, fix: /rename/,
  },

  // ---------------------------------------------------------------- names and labels
  {
    name: 'a workload name that is not a Kubernetes name',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', name: 'Legacy_App', serviceAccount: 'legacy' }),
    code: 'BH-NAME', path: 'shop/legacy',
    message: /workload name is not a valid Kubernetes name: it must be lowercase/, value: /^"Legacy_App"$/, fix: /at most 63 lowercase letters/,
  },
  {
    name: 'a namespace that is not a Kubernetes name',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'Shop' }),
    code: 'BH-NAME', path: 'shop/legacy',
    message: /namespace is not a valid Kubernetes name/, value: /^"Shop"$/, fix: /lowercase/,
  },
  {
    name: 'a service account that is not a DNS subdomain',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', serviceAccount: 'svc_legacy' }),
    code: 'BH-NAME', path: 'shop/legacy',
    message: /service account name is invalid/, value: /^"svc_legacy"$/, fix: /lowercase letters, digits, - and \./,
  },
  {
    name: 'a cluster name of 64 characters',
    declare: (b) => new Cluster(b.topo, 'long', { cloud: 'gcp', name: 'c'.repeat(64) }),
    code: 'BH-NAME', path: 'shop/long',
    message: /cluster name is not a valid Kubernetes name: it is 64 characters long; the limit is 63/, value: /^"c{64}"$/, fix: /at most 63/,
  },
  {
    name: 'an invalid label key in a selector',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', selector: { '-app': 'legacy' } }),
    code: 'BH-LABEL-KEY', path: 'shop/legacy',
    message: /label key is invalid: its name part must be letters/, value: /^"-app"$/, fix: /'example\.com\/name'/,
  },
  {
    name: 'a label value of 64 characters',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', selector: { app: 'v'.repeat(64) } }),
    code: 'BH-LABEL-VALUE', path: 'shop/legacy',
    message: /value of label 'app' is invalid: it is 64 characters long; a label value may have at most 63/, value: /^"v{64}"$/, fix: /at most 63/,
  },
  {
    name: 'an environment name that is not a label value',
    declare: () => base({ environment: 'prod eu' }).topo,
    code: 'BH-LABEL-VALUE', path: 'shop',
    message: /environment name is not a valid label value/, value: /^"prod eu"$/, fix: /prod/,
  },

  // ---------------------------------------------------------------- ports
  {
    name: 'a named port whose name is not an IANA service name (a value error, at the construct path)',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', ports: { Grpc_Port: Port.tcp(9090) } }),
    code: 'BH-PORT-NAME', path: 'shop/legacy (Port.named)',
    message: /not a valid port name/, value: /^"Grpc_Port"$/, fix: /"grpc"/,
  },
  {
    name: 'a named port declared as a range',
    declare: (b) => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', ports: { http: Port.tcpRange(8000, 8001) } }),
    code: 'BH-PORT', path: 'shop/legacy',
    message: /named port 'http' must be one numbered port/, value: /tcp\/8000-8001/, fix: /http: Port\.tcp\(<number>\)/,
  },
  {
    name: 'a named port the destination does not define',
    declare: (b) => b.web.allowTo(b.cart, Port.named('http')),
    code: 'BH-NAMED-PORT', path: 'shop/web (web -> cart)',
    message: /destination does not define the named port tcp\/http/, value: /^"tcp\/http"$/, fix: /tcp\/grpc/,
  },
  {
    name: 'a named port of the right name but the wrong protocol',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc', Protocol.UDP)),
    code: 'BH-NAMED-PORT', path: 'shop/web (web -> cart)',
    message: /does not define the named port udp\/grpc/, value: /udp\/grpc/, fix: /tcp\/grpc/,
  },
  {
    name: 'a named port on an External',
    declare: (b) => b.web.allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.named('https')),
    code: 'BH-NAMED-PORT', path: 'shop/web (web -> stripe)',
    message: /does not define the named port tcp\/https/, value: /tcp\/https/, fix: /External has no named ports/,
  },
  {
    name: 'a flow with no port',
    declare: (b) => b.web.allowTo(b.cart, []),
    code: 'BH-NO-PORTS', path: 'shop/web (web -> cart)',
    message: /at least one port/, value: /^\[\]$/, fix: /Port\.tcp\(443\)/,
  },

  // ---------------------------------------------------------------- HTTP rules
  {
    name: 'an HTTP method that is not one',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), { http: { methods: ['get all'] } }),
    code: 'BH-HTTP-METHOD', path: 'shop/web (web -> cart)',
    message: /not an HTTP method/, value: /^"GET ALL"$/, fix: /GET or POST/,
  },
  {
    name: 'an HTTP path with a wildcard in the middle',
    declare: (b) => b.web.allowTo(b.cart, Port.named('grpc'), { http: { paths: ['/api/*/items'] } }),
    code: 'BH-HTTP-PATH', path: 'shop/web (web -> cart)',
    message: /one \* at most/, value: /\/api\/\*\/items/, fix: /'\/api\/\*'/,
  },

  // ---------------------------------------------------------------- CIDRs and externals
  {
    name: 'a pod CIDR with host bits set',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.8.0.1/14'] }),
    code: 'BH-CIDR-HOST-BITS', path: 'shop/gke.podCidrs (Cidr.of)',
    message: /host bits set/, value: /^"10\.8\.0\.1\/14"$/, fix: /write '10\.8\.0\.0\/14'/,
  },
  {
    name: 'an External CIDR that is garbage',
    declare: (b) => new External(b.topo, 'bank', { cidrs: ['bank.example.com/24'] }),
    code: 'BH-CIDR', path: 'shop/bank.cidrs (Cidr.of)',
    message: /not a valid IPv4 or IPv6 CIDR/, value: /bank\.example\.com\/24/, fix: /'10\.0\.0\.0\/16'/,
  },
  {
    name: 'an External except range outside its cidrs',
    declare: (b) => new External(b.topo, 'internet', { cidrs: ['0.0.0.0/1'], except: ['192.168.0.0/16'] }),
    code: 'BH-CIDR-EXCEPT', path: 'shop/internet',
    message: /except range lies outside every cidr/, value: /192\.168\.0\.0\/16/, fix: /add the range it belongs to/,
  },
  {
    name: 'an External with neither fqdns nor cidrs',
    declare: (b) => new External(b.topo, 'somewhere', {}),
    code: 'BH-EXTERNAL-EMPTY', path: 'shop/somewhere',
    message: /at least one FQDN or CIDR/, value: /^\{\}$/, fix: /fqdns: \['api\.example\.com'\] or cidrs/,
  },
  {
    name: 'an External FQDN that is not a name',
    declare: (b) => new External(b.topo, 'stripe', { fqdns: ['https://api.stripe.com'] }),
    code: 'BH-FQDN', path: 'shop/stripe',
    message: /not a valid FQDN/, value: /https:\/\/api\.stripe\.com/, fix: /'api\.stripe\.com'/,
  },
  {
    name: 'a flow between two Externals',
    declare: (b) => new External(b.topo, 'partner', { cidrs: ['198.51.100.0/24'] })
      .allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.HTTPS),
    code: 'BH-EXTERNAL-TO-EXTERNAL', path: 'shop/partner (partner -> stripe)',
    message: /between two Externals/, value: /partner -> stripe/, fix: /declared workloads/,
  },

  // ---------------------------------------------------------------- identity
  {
    name: 'a topology trust domain written as a SPIFFE URI',
    declare: () => base({ trustDomain: 'spiffe://shop.example.com' }).topo,
    code: 'BH-TRUST-DOMAIN', path: 'shop (TrustDomain.of)',
    message: /not a valid SPIFFE trust domain/, value: /^"spiffe:\/\/shop\.example\.com"$/, fix: /write 'shop\.example\.com' without the scheme/,
  },
  {
    name: 'a cluster mesh trust domain with a space and capitals',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', trustDomain: 'Prod Mesh' }),
    code: 'BH-TRUST-DOMAIN', path: 'shop/gke (TrustDomain.of)',
    message: /not a valid SPIFFE trust domain/, value: /^"Prod Mesh"$/, fix: /lowercase letters/,
  },

  // ---------------------------------------------------------------- references
  {
    name: 'a flow to a workload of another topology',
    declare: (b) => {
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      const ghost = new Workload(other, 'ghost', { cluster: new Cluster(other, 'c', { cloud: 'aws' }), namespace: 'x' });
      b.web.allowTo(ghost, Port.HTTPS);
    },
    code: 'BH-UNDECLARED-PEER', path: 'shop/web (web -> ghost)',
    message: /destination is a workload that is not declared in this topology/, value: /^"other\/ghost"$/, fix: /inside the same Topology/,
  },
  {
    name: 'a workload on a cluster of another topology',
    declare: (b) => {
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      const stray = new Workload(b.topo, 'stray', { cluster: new Cluster(other, 'c', { cloud: 'aws' }), namespace: 'shop' });
      // A flow into it adds no second, misleading "not declared" error.
      b.web.allowTo(stray, Port.HTTPS);
    },
    code: 'BH-FOREIGN-CLUSTER', path: 'shop/stray',
    message: /cluster is not declared in this topology/, value: /^"other\/c"$/, fix: /Cluster created inside the same Topology/,
  },
  {
    name: 'a cluster running an unknown layer',
    declare: (b) => new Cluster(b.topo, 'gke', { cloud: 'gcp', layers: ['kubernetes', 'calico' as LayerName] }),
    code: 'BH-LAYER', path: 'shop/gke',
    message: /unknown layer/, value: /^"calico"$/, fix: /kubernetes, cluster-network-policy, cilium, istio, spire/,
  },

  // ---------------------------------------------------------------- selectors and clusters
  {
    name: 'two workloads whose selectors nest in one namespace',
    declare: (b) => {
      new Workload(b.topo, 'store', { cluster: b.eks, namespace: 'store', selector: { app: 'store' } });
      new Workload(b.topo, 'store-api', { cluster: b.eks, namespace: 'store', selector: { app: 'store', component: 'api' } });
    },
    code: 'BH-SELECTOR-OVERLAP', path: 'shop/store-api',
    message: /selector overlaps the selector of shop\/store/, value: /"store":\{"app":"store"\}.*"store-api":\{"app":"store","component":"api"\}/, fix: /a label the other lacks/,
  },
  {
    name: 'an empty selector',
    declare: (b) => new Workload(b.topo, 'everything', { cluster: b.eks, namespace: 'misc', selector: {} }),
    code: 'BH-SELECTOR-EMPTY', path: 'shop/everything',
    message: /would select every pod of the namespace/, value: /^\{\}$/, fix: /\{ app: 'cart' \}/,
  },
  {
    name: 'a cross-cluster flow into a cluster without pod CIDRs',
    declare: (b) => {
      const gke = new Cluster(b.topo, 'gke', { cloud: 'gcp' });
      b.web.allowTo(new Workload(b.topo, 'collector', { cluster: gke, namespace: 'analytics', ports: { http: Port.tcp(8080) } }), Port.named('http'));
    },
    code: 'BH-CROSS-CLUSTER-CIDR', path: 'shop/web (web -> collector)',
    message: /cluster 'eks' must address a peer in cluster 'gke' by IP .* that cluster declares no pod CIDRs/, value: /^"gke"$/, fix: /set podCidrs on cluster 'gke'/,
  },
  {
    name: 'a topology with no cluster',
    declare: () => new Topology(undefined, 'lonely', { trustDomain: 'lonely.example.com', clock: () => NOW }),
    code: 'BH-NO-CLUSTER', path: 'lonely',
    message: /declares no cluster/, value: /^\[\]$/, fix: /new Cluster\(topology, 'eks-prod'/,
  },
];

describe('bad declarations', () => {
  test('the catalogue is large and every entry is distinct', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => `${c.code} ${c.message.source} ${c.value.source}`)).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => c.code)).size).toBeGreaterThanOrEqual(40);
  });

  test('the base declaration alone is valid', () => {
    expect(plan(base().topo).warnings).toEqual([]);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});

describe('value types fail at once', () => {
  test('Port.tcp(70000) throws at the call, naming the factory, the value and the fix', () => {
    const b = base();
    let thrown: unknown;
    try {
      b.web.allowTo(b.cart, Port.tcp(70000));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BulkheadError);
    const e = thrown as BulkheadError;
    expect(e.problems).toEqual([expect.objectContaining({
      severity: 'error', code: 'BH-PORT-RANGE', path: 'Port.tcp', value: '70000', message: expect.stringMatching(/from 1 to 65535/),
      fix: expect.stringMatching(/Port\.named/),
    })]);
    expect(e.message).toMatch(/\[BH-PORT-RANGE\] error at Port\.tcp: .*\n\s+value: 70000\n\s+fix: /);
    // The statement never reached the topology.
    expect(b.topo.flows).toHaveLength(0);
    expect(plan(b.topo).flows.filter((f) => f.origin === 'declared')).toHaveLength(0);
  });

  test.each([
    ['Port.udp(0)', () => Port.udp(0), 'Port.udp', 'BH-PORT-RANGE'],
    ['Port.tcp(80.5)', () => Port.tcp(80.5), 'Port.tcp', 'BH-PORT-RANGE'],
    ['Port.tcpRange(9000, 8000)', () => Port.tcpRange(9000, 8000), 'Port.range(TCP)', 'BH-PORT-RANGE'],
    ['Port.named("grpc_port")', () => Port.named('grpc_port'), 'Port.named', 'BH-PORT-NAME'],
    ['Port.parse("tcp:80")', () => Port.parse('tcp:80'), 'Port.parse', 'BH-PORT-PARSE'],
    ['Duration.minutes(0)', () => Duration.minutes(0), 'Duration.minutes', 'BH-DURATION'],
  ])('%s', (_name, f, path, code) => {
    expect(f).toThrow(BulkheadError);
    try {
      f();
    } catch (e) {
      const p = (e as BulkheadError).problems[0];
      expect(p).toMatchObject({ path, code, severity: 'error' });
      expect(p.value).toBeDefined();
      expect(p.fix.length).toBeGreaterThan(10);
    }
  });

  test('a declaration error and a value error in one declaration are both reported with their construct path', () => {
    const b = base();
    new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'Shop', ports: { Grpc: Port.tcp(9090) } });
    new External(b.topo, 'bank', { cidrs: ['10.0.0.1/8'] });
    const e = planError(b.topo);
    expect(e.problems.map((p) => [p.code, p.path])).toEqual([
      ['BH-NAME', 'shop/legacy'],
      ['BH-PORT-NAME', 'shop/legacy (Port.named)'],
      ['BH-CIDR-HOST-BITS', 'shop/bank.cidrs (Cidr.of)'],
    ].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)));
    expect(e.message).toContain('error at shop/legacy (Port.named): not a valid port name');
    expect(e.message).toContain('error at shop/bank.cidrs (Cidr.of): the CIDR has host bits set');
  });
});

describe('fixing a problem removes it', () => {
  test('a justification allows a flow into a critical tier, and is kept on the flow', () => {
    const b = base();
    const { auth } = identity(b);
    b.web.allowTo(auth, Port.named('grpc'), { justification: 'sign-in needs a session token' });
    const p = plan(b.topo);
    const flow = p.flows.find((f) => f.source.key === 'eks/shop/web' && f.destination.key === 'eks/identity/auth')!;
    expect(flow.justification).toBe('sign-in needs a session token');
    expect(flow.ports).toEqual([{ protocol: Protocol.TCP, port: 9091, name: 'grpc' }]);
  });

  test('a flow into a critical tier from a tier two levels below needs a justification too', () => {
    const b = base();
    const pii = new SensitiveTier(b.topo, 'pii', { level: Sensitivity.SENSITIVE });
    const users = new Workload(b.topo, 'users', { cluster: b.eks, namespace: 'users', tier: pii });
    const { auth } = identity(b);
    users.allowTo(auth, Port.named('grpc'));
    expect(planError(b.topo).has('BH-TIER-JUSTIFICATION')).toBe(true);
  });

  test('one level below a highly-sensitive tier needs no justification', () => {
    const b = base();
    const pii = new SensitiveTier(b.topo, 'pii', { level: Sensitivity.SENSITIVE });
    const users = new Workload(b.topo, 'users', { cluster: b.eks, namespace: 'users', tier: pii });
    users.allowTo(ledger(b).db, Port.named('postgres'));
    expect(() => plan(b.topo)).not.toThrow();
  });

  test('exporting the port makes a cross-domain flow valid; HTTP rules within the export are valid too', () => {
    const b = base();
    const { domain, api } = payments(b, { http: { methods: ['POST'], paths: ['/payments.Payments/*'] } });
    domain.export(api, Port.named('admin'));
    b.web.allowTo(api, Port.named('admin'));
    b.web.allowTo(api, Port.named('grpc'), { http: { methods: ['post'], paths: ['/payments.Payments/Charge'] } });
    const p = plan(b.topo);
    expect(p.flows.filter((f) => f.origin === 'declared').map((f) => f.ports.map((x) => x.port))).toEqual([[8081], [9090]]);
  });
});

describe('break-glass grants out of their window', () => {
  test('an expired grant is a warning by default and is never emitted', () => {
    const b = base();
    grant(b, 'cart-oncall', { start: '2026-11-22T19:00:00Z', duration: Duration.hours(2) }); // expires exactly now
    const p = plan(b.topo);
    expect(p.warnings.map((w) => [w.code, w.severity])).toEqual([['BH-BG-EXPIRED', 'warning']]);
    expect(p.breakGlass).toEqual([]);
    expect(p.flows.filter((f) => f.origin === 'break-glass' || f.breakGlass)).toEqual([]);
    expect(p.workloads.flatMap((w) => [...w.calls, ...w.calledBy]).filter((e) => e.origin === 'break-glass')).toEqual([]);
  });

  test('an expired grant is an error in strict mode, and the same grant in force builds', () => {
    const expired = base({ strict: true });
    grant(expired, 'cart-oncall', { start: '2026-11-22T19:00:00Z' });
    expect(planError(expired.topo).problems.map((p) => [p.code, p.severity])).toEqual([['BH-BG-EXPIRED', 'error']]);
    // The injected clock decides: an hour earlier, the same declaration is in force.
    const p = plan(expired.topo, new Date('2026-11-22T19:30:00Z'));
    expect(p.breakGlass.map((g) => g.name)).toEqual(['cart-oncall']);
  });

  test('a grant that has not started yet is a warning and is not emitted', () => {
    const b = base({ strict: true });
    grant(b, 'cart-oncall', { start: '2026-11-23T08:00:00Z' });
    const p = plan(b.topo);
    expect(p.warnings.map((w) => w.code)).toEqual(['BH-BG-SCHEDULED']);
    expect(p.breakGlass).toEqual([]);
    expect(p.flows.some((f) => f.origin === 'break-glass')).toBe(false);
  });

  test('the topology clock is used when buildPlan is given no time', () => {
    const b = base({ clock: () => new Date('2026-11-24T00:00:00Z') });
    grant(b, 'cart-oncall');
    expect(buildPlanWarnings(b.topo)).toEqual(['BH-BG-EXPIRED']);
  });
});

function buildPlanWarnings(topo: Topology): string[] {
  // No `now`: the topology's clock decides.
  return buildPlan(topo).warnings.map((w) => w.code);
}

describe('many problems at once', () => {
  function declareMany(reversed: boolean): Topology {
    const b = base();
    const steps: Array<() => void> = [
      () => new Cluster(b.topo, 'eks-2', { cloud: 'aws', name: 'eks' }), // duplicate cluster
      () => new Workload(b.topo, 'legacy', { cluster: b.eks, namespace: 'shop', selector: { app: 'x'.repeat(64) } }), // label value
      () => b.web.allowTo(b.cart, Port.named('http')), // named port missing
      () => new External(b.topo, 'somewhere', {}), // empty external
      () => new External(b.topo, 'bank', { cidrs: ['10.0.0.1/8'] }), // host bits
      () => grant(b, 'cart-oncall', { reason: '', start: '2026-11-22T10:00:00Z' }), // no reason + expired (warning)
      () => b.cart.allowTo(identity(b).auth, Port.named('grpc')), // justification
      () => new SensitiveTier(b.topo, 'keys', { level: Sensitivity.CRITICAL, mutualAuth: false }), // loosens
    ];
    for (const s of reversed ? [...steps].reverse() : steps) s();
    return b.topo;
  }

  test('every problem is reported in one error, sorted, each with path, value and fix', () => {
    const e = planError(declareMany(false));
    expect(e.problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['error', 'shop/bank.cidrs (Cidr.of)', 'BH-CIDR-HOST-BITS'],
      ['error', 'shop/cart (cart -> auth)', 'BH-TIER-JUSTIFICATION'],
      ['error', 'shop/cart-oncall', 'BH-BG-REASON'],
      ['error', 'shop/eks-2', 'BH-DUPLICATE-CLUSTER'],
      ['error', 'shop/keys', 'BH-TIER-LOOSEN'],
      ['error', 'shop/legacy', 'BH-LABEL-VALUE'],
      ['error', 'shop/somewhere', 'BH-EXTERNAL-EMPTY'],
      ['error', 'shop/web (web -> cart)', 'BH-NAMED-PORT'],
      ['warning', 'shop/cart-oncall', 'BH-BG-EXPIRED'],
    ]);
    const errs = errors(e.problems);
    expect(errs).toHaveLength(8);
    expect(e.message.split('\n')[0]).toBe('8 problems in the declaration:');
    // Sorted deterministically: errors first, then by path.
    expect(e.problems).toEqual(sortProblems(e.problems));
    expect(e.problems[e.problems.length - 1].severity).toBe('warning');
    const paths = errs.map((p) => p.path);
    expect(paths).toEqual([...paths].sort());
    for (const p of e.problems) {
      expect(p.value).toBeDefined();
      expect(e.message).toContain(`[${p.code}] ${p.severity} at ${p.path}: ${p.message}\n    value: ${p.value}\n    fix: ${p.fix}`);
    }
  });

  test('the same mistakes declared in another order give the same problems in the same order', () => {
    const a = planError(declareMany(false));
    const b = planError(declareMany(true));
    expect(b.problems).toEqual(a.problems);
    expect(b.message).toBe(a.message);
  });

  test('a check that runs per use reports its problem once', () => {
    // The DNS platform service is checked for every cluster; a bad one is one mistake.
    const b = base({ platform: { dns: { namespace: 'Kube System', selector: { 'k8s-app': 'kube-dns' } } } });
    new Cluster(b.topo, 'gke', { cloud: 'gcp', podCidrs: ['10.8.0.0/14'] });
    const e = planError(b.topo);
    expect(e.problems.map((p) => [p.code, p.path, p.value])).toEqual([['BH-NAME', 'shop', '"Kube System"']]);
  });
});
