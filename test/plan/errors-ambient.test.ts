/**
 * Catalogue of the problems of Istio ambient mode: the declaration's mesh mode and waypoint
 * namespaces (planner errors), the renderer's warnings on what ztunnel cannot enforce and on
 * what Bulkhead does not own (BH-ISTIO-AMBIENT-HBONE is catalogued in errors-mesh.test.ts), and the analysis warning on a waypoint the input lacks. Each
 * entry asserts code, severity, path, message, value and fix.
 */
import { Problem } from '../../lib/core/errors';
import { Cluster } from '../../lib/model/cluster';
import { External } from '../../lib/model/external';
import { Port } from '../../lib/core/port';
import { synthesize } from '../../lib/synth';
import { analyse, namespace } from '../analysis/util';
import { Base, base, CatalogueCase, checkCatalogueCase, NOW } from './declare';

/* eslint-disable @typescript-eslint/no-explicit-any */

const CASES: CatalogueCase[] = [
  {
    name: 'a mesh mode that is neither sidecar nor ambient',
    declare: (b) => { new Cluster(b.topo, 'gke', { cloud: 'gcp', meshMode: 'sidecarless' as any }); },
    code: 'BH-MESH-MODE', path: 'shop/gke', message: /the mesh mode is neither sidecar nor ambient/, value: /^"sidecarless"$/, fix: /meshMode: 'sidecar' \(the default\) or 'ambient'/,
  },
  {
    name: 'waypoint namespaces on a sidecar cluster',
    declare: (b) => { new Cluster(b.topo, 'gke', { cloud: 'gcp', waypointNamespaces: ['shop'] }); },
    code: 'BH-WAYPOINT-NAMESPACES', path: 'shop/gke', message: /waypoints exist in ambient mode only/, value: /\["shop"\]/, fix: /set meshMode: 'ambient', or leave waypointNamespaces out/,
  },
  {
    name: 'waypoint namespaces that are not a list of names',
    declare: (b) => { new Cluster(b.topo, 'gke', { cloud: 'gcp', meshMode: 'ambient', waypointNamespaces: 'shop' as any }); },
    code: 'BH-WAYPOINT-NAMESPACES', path: 'shop/gke', message: /not a list of namespace names/, value: /"shop"/, fix: /waypointNamespaces: \['shop'\]/,
  },
  {
    name: 'a waypoint namespace that is no Kubernetes name',
    declare: (b) => { new Cluster(b.topo, 'gke', { cloud: 'gcp', meshMode: 'ambient', waypointNamespaces: ['Shop_1'] }); },
    code: 'BH-NAME', path: 'shop/gke', message: /the waypoint namespace is not a valid Kubernetes name/, value: /Shop_1/, fix: /lowercase letters, digits and -/,
  },
];

describe('ambient mode: declaration errors', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));
});

/** An ambient base: web → cart with an L7 rule, cart → an FQDN external. */
function ambient(props: { waypointNamespaces?: string[] } = {}): Base {
  const b = base();
  Object.assign(b.eks.props, { meshMode: 'ambient', ...props });
  b.web.allowTo(b.cart, Port.named('grpc'), { http: { methods: ['POST'], paths: ['/cart.Cart/*'] } });
  b.cart.allowTo(new External(b.topo, 'stripe', { fqdns: ['api.stripe.com'] }), Port.tcp(443));
  return b;
}

function one(problems: readonly Problem[], code: string): Problem {
  const hits = problems.filter((p) => p.code === code);
  if (hits.length !== 1) throw new Error(`expected one ${code}, got ${hits.length}: ${JSON.stringify(problems.map((p) => p.code))}`);
  return hits[0];
}

describe('ambient mode: renderer warnings', () => {
  test('BH-ISTIO-AMBIENT-L7: an L7 rule no waypoint serves is enforced at L4 only', () => {
    const p = one(synthesize(ambient({ waypointNamespaces: [] }).topo, { now: NOW }).warnings, 'BH-ISTIO-AMBIENT-L7');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/cart', value: 'POST,/cart.Cart/*' });
    expect(p.message).toMatch(/^in ambient cluster eks, ztunnel enforces L4 only and no waypoint serves namespace shop: the HTTP methods and paths of the rules into eks\/shop\/cart are not enforced by this layer, only their sources and ports$/);
    expect(p.fix).toMatch(/serve namespace shop by a waypoint \(leave waypointNamespaces out, or list shop in it\), or rely on Cilium for L7/);
  });

  test('BH-ISTIO-AMBIENT-LABELS: the namespace labels and Service names the output relies on', () => {
    const p = one(synthesize(ambient().topo, { now: NOW }).warnings, 'BH-ISTIO-AMBIENT-LABELS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: 'shop' });
    expect(p.message).toMatch(/Bulkhead does not own Namespaces and Services; the output holds only if namespaces shop carry istio.io\/dataplane-mode=ambient, namespaces shop carry istio.io\/use-waypoint=waypoint, and the Services callers address are named after their workloads \(shop\/cart\)/);
    expect(p.fix).toMatch(/^kubectl label namespace <ns> istio.io\/dataplane-mode=ambient \(and istio.io\/use-waypoint=waypoint on shop\)$/);
  });

  test('BH-ISTIO-AMBIENT-EGRESS: no Sidecar egress allow-list in ambient mode', () => {
    const p = one(synthesize(ambient().topo, { now: NOW }).warnings, 'BH-ISTIO-AMBIENT-EGRESS');
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/eks', value: 'shop' });
    expect(p.message).toMatch(/ambient cluster eks has no Sidecar resource and ztunnel does not restrict outbound traffic: egress from shop to externals is not restricted by this layer/);
    expect(p.fix).toMatch(/enforce egress with the kubernetes or cilium layer/);
  });
});

describe('ambient mode: analysis warnings', () => {
  test('BH-AN-ISTIO-WAYPOINT-MISSING: a use-waypoint label naming a waypoint the input does not hold', () => {
    const a = analyse([
      namespace('demo', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'demo' }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'demo' }, spec: { mtls: { mode: 'STRICT' } } },
    ]);
    const p = one(a.warnings, 'BH-AN-ISTIO-WAYPOINT-MISSING');
    expect(p).toMatchObject({ severity: 'warning', path: 'demo/api[Deployment]' });
    expect(p.message).toMatch(/^Namespace demo names waypoint demo\/waypoint, but no waypoint Gateway demo\/waypoint \(class istio-waypoint\) is in the input: the traffic addressed to its Services is judged as if no waypoint served it$/);
    expect(p.fix).toMatch(/add the waypoint Gateway \(gatewayClassName: istio-waypoint, listener mesh on 15008 HBONE\) to the input, or remove the istio.io\/use-waypoint label/);
  });
});
