/**
 * The Istio layer with cloud workloads: a VM fleet with a SPIFFE identity is a source by its
 * principal; one without an identity cannot meet STRICT mTLS (refused at synthesis, except into
 * public or PERMISSIVE workloads, where it is matched by its subnets as a CIDR external is); a
 * cloud destination gets a ServiceEntry by address that the calling namespaces' Sidecars see.
 */
import { BulkheadError } from '../../lib/core/errors';
import { Plan, PlanCluster } from '../../lib/plan/types';
import {
  AuthorizationPolicy, ISTIO_ERRORS, ISTIO_WARNINGS, PeerAuthentication, renderIstio, ServiceEntry, Sidecar, validateIstio,
} from '../../lib/targets/istio';
import { KubeManifest } from '../../lib/targets/types';
import { thrown } from '../util/thrown';
import { schemaErrors } from '../util/schema';
import { cloud, cloudPlan, pod, tcp, TD } from './cloud-peers-plan';

const named = <T extends KubeManifest>(ms: readonly KubeManifest[], kind: string, name: string, namespace?: string): T | undefined =>
  ms.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace)) as T | undefined;
const eks = (p: Plan): PlanCluster => p.clusters[0];

describe('Istio with cloud peers', () => {
  const plan = cloudPlan();
  const out = renderIstio(plan, eks(plan));

  test('a VM fleet with a SPIFFE identity is named by its principal', () => {
    const ap = named<AuthorizationPolicy>(out.manifests, 'AuthorizationPolicy', 'ledger', 'payments');
    expect(ap?.spec).toEqual({
      selector: { matchLabels: { app: 'ledger' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [`${TD}/vm/corp/erp`] } }], to: [{ operation: { ports: ['9090'] } }] }],
    });
    // STRICT stays STRICT: the VMs' proxies present their SVIDs
    expect(named<PeerAuthentication>(out.manifests, 'PeerAuthentication', 'ledger', 'payments')).toBeUndefined();
  });

  test('a principal of another trust domain gets the federation warning', () => {
    const p = cloudPlan({ cloud: (c) => (c.identity ? { ...c, identity: { ...c.identity, spiffeId: 'spiffe://erp.example.org/vm/erp' } } : c) });
    const r = renderIstio(p, eks(p));
    expect(r.warnings.find((w) => w.code === ISTIO_WARNINGS.foreignTrustDomain)).toMatchObject({ value: 'erp.example.org/vm/erp', path: 'corp/ledger' });
  });

  test('a VM fleet without identity into a public workload: subnets, plaintext only, PERMISSIVE on that port', () => {
    const ap = named<AuthorizationPolicy>(out.manifests, 'AuthorizationPolicy', 'web', 'shop');
    expect(ap?.spec.rules).toEqual([{ from: [{ source: { ipBlocks: ['10.20.3.0/24'], notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
    const pa = named<PeerAuthentication>(out.manifests, 'PeerAuthentication', 'web', 'shop');
    expect(pa?.spec).toEqual({ selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } });
    const w = out.warnings.find((x) => x.code === ISTIO_WARNINGS.cloudAddress && x.path === 'corp/web');
    expect(w).toEqual({
      severity: 'warning', code: ISTIO_WARNINGS.cloudAddress, path: 'corp/web',
      message: 'the VM fleet cloud:corp/legacy has no SPIFFE identity: Istio admits its plaintext connections into eks/shop/web by its subnet CIDRs (10.20.3.0/24), so every other instance of those subnets is admitted too (flow cloud:corp/legacy->eks/shop/web:TCP/8080)',
      value: '10.20.3.0/24',
      fix: 'give legacy a SPIFFE identity (its proxy then presents its SVID), or give it subnets of its own',
    });
  });

  test('subnets that overlap pod CIDRs leave the pods out (notIpBlocks)', () => {
    const p = cloudPlan({ cloud: (c) => (c.name === 'legacy' ? { ...c, subnetCidrs: ['10.0.0.0/8'] } : c) });
    const ap = named<AuthorizationPolicy>(renderIstio(p, eks(p)).manifests, 'AuthorizationPolicy', 'web', 'shop');
    expect(ap?.spec.rules).toEqual([{ from: [{ source: { ipBlocks: ['10.0.0.0/8'], notIpBlocks: ['10.1.0.0/16'], notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
  });

  test('a VM fleet without identity into a STRICT workload is refused, in validate and in render', () => {
    const p = cloudPlan({ flows: [{ source: cloud('legacy'), destination: pod('shop', 'orders'), ports: [tcp(8080)] }] });
    const problems = validateIstio(p, eks(p));
    const flow = p.flows.find((f) => f.id === 'cloud:corp/legacy->eks/shop/orders:TCP/8080')!;
    expect(problems).toEqual([{
      severity: 'error', code: ISTIO_ERRORS.cloudPlaintext, path: flow.path,
      message: 'in cluster eks, eks/shop/orders (tier internal, STRICT mTLS) accepts flow cloud:corp/legacy->eks/shop/orders:TCP/8080 from the VM fleet cloud:corp/legacy, which has no SPIFFE identity: it cannot present a certificate, so the sidecar would reject its plaintext connections before authorization',
      value: 'cloud:corp/legacy',
      fix: 'give legacy a SPIFFE identity (SPIRE registers it with a ClusterStaticEntry and its mesh proxy presents the SVID), or route it through an ingress gateway declared as the source, or give the tier of orders PERMISSIVE mTLS',
    }]);
    const e = thrown(() => renderIstio(p, eks(p)));
    expect(BulkheadError.isBulkheadError(e) && e.problems.map((x) => x.code)).toEqual([ISTIO_ERRORS.cloudPlaintext]);
  });

  test('…but not in audit mode, nor into a tier that asks for PERMISSIVE mTLS', () => {
    const flows = [{ source: cloud('legacy'), destination: pod('shop', 'orders'), ports: [tcp(8080)] }];
    const audit = cloudPlan({ flows, mode: 'audit' });
    expect(validateIstio(audit, eks(audit))).toEqual([]);
    const ap = named<AuthorizationPolicy>(renderIstio(audit, eks(audit)).manifests, 'AuthorizationPolicy', 'orders', 'shop');
    expect(ap?.spec.action).toBe('AUDIT');
    expect(ap?.spec.rules).toEqual([{ from: [{ source: { ipBlocks: ['10.20.3.0/24'], notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
    const permissive = cloudPlan({ flows, workload: (w) => (w.name === 'orders' ? { ...w, tier: { ...w.tier, mtls: 'PERMISSIVE' } } : w) });
    expect(validateIstio(permissive, eks(permissive))).toEqual([]);
    expect(named<AuthorizationPolicy>(renderIstio(permissive, eks(permissive)).manifests, 'AuthorizationPolicy', 'orders', 'shop')?.spec.action).toBe('ALLOW');
  });

  test('a cloud destination gets a ServiceEntry by address, exported to the calling namespaces', () => {
    const erp = named<ServiceEntry>(out.manifests, 'ServiceEntry', 'bulkhead-cloud.corp.erp', 'istio-system');
    expect(erp?.spec).toEqual({
      hosts: ['erp.corp.cloud.bulkhead'], addresses: ['10.20.1.0/24', '10.20.2.0/24'], ports: [{ number: 8443, protocol: 'TCP', name: 'tcp-8443' }],
      location: 'MESH_INTERNAL', resolution: 'NONE', exportTo: ['shop'],
    });
    const db = named<ServiceEntry>(out.manifests, 'ServiceEntry', 'bulkhead-cloud.corp.orders-db', 'istio-system');
    expect(db?.spec).toEqual({
      hosts: ['orders-db.corp.cloud.bulkhead'], addresses: ['10.20.8.0/24', '10.20.9.0/24'], ports: [{ number: 5432, protocol: 'TCP', name: 'tcp-5432' }],
      location: 'MESH_EXTERNAL', resolution: 'NONE', exportTo: ['payments', 'shop'],
    });
    expect(out.manifests.find((m) => m.metadata.name === 'bulkhead-cloud.corp.legacy')).toBeUndefined();
    const w = out.warnings.find((x) => x.code === ISTIO_WARNINGS.cloudAddress && x.path === 'corp/corp/orders-db');
    expect(w?.message).toBe('Istio knows the managed service cloud:corp/orders-db by its subnet CIDRs only: its ServiceEntry lets the REGISTRY_ONLY Sidecars of payments, shop through to every address of 10.20.8.0/24, 10.20.9.0/24 on TCP 5432 (flows eks/payments/ledger->cloud:corp/orders-db:TCP/5432, eks/shop/orders->cloud:corp/orders-db:TCP/5432), and this layer does not police the destination side');
  });

  test('the calling namespaces get a REGISTRY_ONLY Sidecar that sees the cloud hosts', () => {
    const shop = named<Sidecar>(out.manifests, 'Sidecar', 'bulkhead-egress', 'shop');
    expect(shop?.spec).toEqual({
      egress: [{ hosts: ['./*', 'istio-system/*', 'istio-system/erp.corp.cloud.bulkhead', 'istio-system/orders-db.corp.cloud.bulkhead', 'kube-system/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    expect(named<Sidecar>(out.manifests, 'Sidecar', 'bulkhead-egress', 'payments')?.spec.egress).toEqual([{ hosts: ['./*', 'istio-system/*', 'istio-system/orders-db.corp.cloud.bulkhead', 'kube-system/*'] }]);
  });

  test('every object is schema-valid', () => {
    for (const m of out.manifests) expect({ name: m.metadata.name, errors: schemaErrors(m) }).toEqual({ name: m.metadata.name, errors: [] });
  });
});
