/**
 * The stage of every object (prerequisite, allow, default deny) follows the upstream meaning of
 * the object, and in every folder of the examples every default deny comes after every allow.
 */
import { declareShop } from '../../examples/ecommerce/declaration';
import { declareMultiCloud } from '../../examples/multi-cloud/declaration';
import { diff } from '../../lib/analysis/engine';
import { argocdAnnotationsOf, ARGOCD_SYNC_WAVES, GitOpsStage, GITOPS_STAGES, gitopsStageOf, needsCustomResourceDefinition } from '../../lib/gitops/order';
import { synthesize } from '../../lib/synth';
import { KubeManifest } from '../../lib/targets/types';
import { loadWithEndpoints } from '../../lib/verify';
import { multiCloudFolders, obj, shopFolders } from './fixtures';

describe('gitopsStageOf', () => {
  test.each([
    ['a NetworkPolicy selecting every pod (the namespace default deny)', obj('networking.k8s.io/v1', 'NetworkPolicy', 'bulkhead-default-deny', 'shop', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }), 'default-deny'],
    ['a NetworkPolicy of one workload', obj('networking.k8s.io/v1', 'NetworkPolicy', 'web-ingress', 'shop', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [] }] }), 'allow'],
    ['a CiliumNetworkPolicy of the whole namespace', obj('cilium.io/v2', 'CiliumNetworkPolicy', 'bulkhead-default-deny', 'shop', { endpointSelector: {}, ingress: [{}] }), 'default-deny'],
    ['a CiliumNetworkPolicy of one workload', obj('cilium.io/v2', 'CiliumNetworkPolicy', 'web', 'shop', { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [{}] }] }), 'allow'],
    ['a Cilium policy with deny rules only', obj('cilium.io/v2', 'CiliumClusterwideNetworkPolicy', 'guard', undefined, { endpointSelector: { matchLabels: { tier: 'critical' } }, ingressDeny: [{ fromEntities: ['world'] }] }), 'default-deny'],
    ['an Istio allow-nothing policy', obj('security.istio.io/v1', 'AuthorizationPolicy', 'bulkhead-allow-nothing', 'shop', {}), 'default-deny'],
    ['an Istio DENY policy', obj('security.istio.io/v1', 'AuthorizationPolicy', 'guard', 'shop', { action: 'DENY', rules: [{ from: [] }] }), 'default-deny'],
    ['an Istio ALLOW policy with rules', obj('security.istio.io/v1', 'AuthorizationPolicy', 'web', 'shop', { selector: { matchLabels: { app: 'web' } }, rules: [{}] }), 'allow'],
    ['an Istio AUDIT policy', obj('security.istio.io/v1', 'AuthorizationPolicy', 'web-audit', 'shop', { action: 'AUDIT', rules: [{}] }), 'allow'],
    ['a namespace-wide PeerAuthentication', obj('security.istio.io/v1', 'PeerAuthentication', 'default', 'shop', { mtls: { mode: 'STRICT' } }), 'default-deny'],
    ['a workload PeerAuthentication', obj('security.istio.io/v1', 'PeerAuthentication', 'web', 'shop', { selector: { matchLabels: { app: 'web' } } }), 'allow'],
    ['a REGISTRY_ONLY Sidecar', obj('networking.istio.io/v1', 'Sidecar', 'bulkhead-egress', 'shop', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }), 'default-deny'],
    ['a ServiceEntry', obj('networking.istio.io/v1', 'ServiceEntry', 'payments', 'istio-system', { hosts: ['api.example.com'] }), 'allow'],
    ['a ClusterNetworkPolicy with Deny rules only (baseline default deny)', obj('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'baseline', undefined, { ingress: [{ action: 'Deny' }] }), 'default-deny'],
    ['a ClusterNetworkPolicy with Pass and Deny (a guardrail)', obj('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'guard', undefined, { ingress: [{ action: 'Pass' }, { action: 'Deny' }] }), 'default-deny'],
    ['a ClusterNetworkPolicy with Pass only (a break-glass grant)', obj('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'bg', undefined, { ingress: [{ action: 'Pass' }] }), 'allow'],
    ['a ClusterNetworkPolicy with an Accept rule', obj('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'dns', undefined, { egress: [{ action: 'Accept' }, { action: 'Deny' }] }), 'allow'],
    ['a ClusterSPIFFEID', obj('spire.spiffe.io/v1alpha1', 'ClusterSPIFFEID', 'web'), 'prerequisite'],
    ['a ClusterFederatedTrustDomain', obj('spire.spiffe.io/v1alpha1', 'ClusterFederatedTrustDomain', 'other'), 'prerequisite'],
    ['a Namespace', obj('v1', 'Namespace', 'shop'), 'prerequisite'],
    ['a security group', obj('ec2.aws.upbound.io/v1beta1', 'SecurityGroup', 'sg'), 'prerequisite'],
    ['a security-group rule', obj('ec2.aws.upbound.io/v1beta1', 'SecurityGroupIngressRule', 'sg-in'), 'allow'],
    ['an EKS SecurityGroupPolicy (puts pods behind groups)', obj('vpcresources.k8s.aws/v1beta1', 'SecurityGroupPolicy', 'web', 'shop'), 'default-deny'],
    ['a kind it does not know', obj('apps/v1', 'Deployment', 'web', 'shop'), 'allow'],
  ])('%s', (_name, m, stage) => {
    expect(gitopsStageOf(m)).toBe(stage);
  });

  test('the waves follow the stages: prerequisites, then allows, then default denies', () => {
    expect(GITOPS_STAGES.map((s) => ARGOCD_SYNC_WAVES[s])).toEqual([0, 1, 2]);
  });

  test('in every folder of the examples, every default deny syncs after every allow, and the namespace defaults are default denies', () => {
    for (const f of [...shopFolders(), ...multiCloudFolders()]) {
      const waves = (stage: string) => f.manifests.filter((m) => gitopsStageOf(m) === stage).map((m) => ARGOCD_SYNC_WAVES[gitopsStageOf(m)]);
      const allow = waves('allow');
      for (const w of waves('default-deny')) expect(Math.max(...allow, -1)).toBeLessThan(w);
      for (const m of f.manifests.filter((x) => ['bulkhead-default-deny', 'bulkhead-allow-nothing', 'bulkhead-egress'].includes(x.metadata.name))) expect(gitopsStageOf(m)).toBe('default-deny');
      for (const m of f.manifests.filter((x) => x.metadata.labels?.['bulkhead.io/break-glass'] !== undefined)) expect(gitopsStageOf(m)).toBe('allow');
    }
  });
});

describe('needsCustomResourceDefinition', () => {
  test.each([
    ['networking.k8s.io/v1', false], ['v1', false], ['batch/v1', false], ['rbac.authorization.k8s.io/v1', false],
    ['cilium.io/v2', true], ['security.istio.io/v1', true], ['spire.spiffe.io/v1alpha1', true], ['policy.networking.k8s.io/v1alpha2', true], ['ec2.aws.upbound.io/v1beta1', true], ['vpcresources.k8s.aws/v1beta1', true],
  ])('%s: %s', (apiVersion, crd) => {
    expect(needsCustomResourceDefinition(obj(apiVersion, 'X', 'x'))).toBe(crd);
  });
});

/** The namespaces where egress policies of the allow stage (NetworkPolicy, Cilium) admit DNS (port 53) themselves. */
function dnsNamespaces(manifests: readonly KubeManifest[]): Set<string> {
  const port53 = (v: unknown): boolean => JSON.stringify(v ?? null).match(/"port":"?53"?[,}]/) !== null;
  return new Set(manifests.filter((m) => {
    if (gitopsStageOf(m) !== 'allow') return false;
    const spec = (m as unknown as { spec?: { egress?: unknown } }).spec;
    return (m.kind === 'NetworkPolicy' || m.kind === 'CiliumNetworkPolicy') && port53(spec?.egress);
  }).map((m) => m.metadata.namespace ?? ''));
}

describe('stage classification of policies that carry DNS', () => {
  test('a workload\'s egress policy with a DNS rule is an allow; a namespace-wide one (every pod) is a default deny', () => {
    const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
    const np = (podSelector: object): KubeManifest => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: { podSelector, policyTypes: ['Egress'], egress: [dns, { to: [{ podSelector: { matchLabels: { app: 'db' } } }] }] } } as unknown as KubeManifest);
    expect(gitopsStageOf(np({ matchLabels: { app: 'web' } }))).toBe('allow');
    expect(gitopsStageOf(np({}))).toBe('default-deny');
    const cnp = (endpointSelector: object): KubeManifest => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x', namespace: 'shop' }, spec: { endpointSelector, egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }] }] } } as unknown as KubeManifest);
    expect(gitopsStageOf(cnp({ matchLabels: { app: 'web' } }))).toBe('allow');
    expect(gitopsStageOf(cnp({}))).toBe('default-deny');
    expect([...dnsNamespaces([np({ matchLabels: { app: 'web' } })])]).toEqual(['shop']);
    expect([...dnsNamespaces([np({})])]).toEqual([]);
  });
});

describe('applying the stages in order (analysis engine)', () => {
  // The workloads themselves (Deployments, CronJobs, Namespaces) are there from the start: the
  // question is what the policies applied so far allow between them.
  const endpoints = (apiVersion: string): boolean => ['v1', 'apps/v1', 'batch/v1'].includes(apiVersion);

  test.each([['e-commerce', () => declareShop(undefined).topology], ['multi-cloud', () => declareMultiCloud(undefined).topology]])('%s: after each stage, every connection the final state allows is still allowed (DNS too, where the workloads\' own egress policies carry it)', (_name, topology) => {
    const s = synthesize(topology());
    for (const c of s.clusters) {
      const options = { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName };
      const final = loadWithEndpoints(s.plan, c.cluster, c.manifests);
      for (let k = 0; k < GITOPS_STAGES.length - 1; k++) {
        const applied: readonly GitOpsStage[] = GITOPS_STAGES.slice(0, k + 1);
        const partial = loadWithEndpoints(s.plan, c.cluster, c.manifests.filter((m) => applied.includes(gitopsStageOf(m)) || endpoints(m.apiVersion)));
        for (const layer of diff(partial, final, options).layers) {
          // what the final state allows that this intermediate state does not
          const cut = [
            ...layer.added.map((a) => `${a.src} => ${a.dst} : ${a.ports.toString()}`),
            ...layer.changed.filter((x) => !x.after.subtract(x.before).isEmpty()).map((x) => `${x.src} => ${x.dst} : ${x.after.subtract(x.before).toString()}`),
          ];
          // Where the DNS allow lives only in the namespace default denies (NetworkPolicy, Cilium),
          // a workload whose egress policy arrived with the allows resolves names again once they
          // come; where the workloads' own egress policies carry it (allow stage), nothing is cut.
          const own = dnsNamespaces(c.manifests);
          const notDns = cut.filter((x) => own.has(x.slice(0, x.indexOf('/'))) || !/ => kube-system\/platform-dns\[Deployment\] : TCP 53,UDP 53$/.test(x));
          expect({ cluster: c.cluster.name, stages: applied.join('+'), layer: layer.layer, cut: notDns }).toEqual({ cluster: c.cluster.name, stages: applied.join('+'), layer: layer.layer, cut: [] });
          if (k === 0) expect(cut).toEqual([]);
        }
      }
    }
  });

  test('the other way round (default denies before the allows), declared connections are cut: the order matters', () => {
    const s = synthesize(declareMultiCloud(undefined).topology);
    const c = s.clusters.find((x) => x.cluster.name === 'eks-orders')!;
    const options = { trustDomain: c.cluster.trustDomain, clusterName: c.cluster.ciliumClusterName };
    const denyFirst = loadWithEndpoints(s.plan, c.cluster, c.manifests.filter((m) => gitopsStageOf(m) !== 'allow' || endpoints(m.apiVersion)));
    const final = loadWithEndpoints(s.plan, c.cluster, c.manifests);
    const d = diff(denyFirst, final, options);
    for (const layer of ['kubernetes', 'cilium', 'istio']) {
      const l = d.layers.find((x) => x.layer === layer)!;
      const gained = [...l.added.map((a) => a.dst), ...l.changed.filter((x) => !x.after.subtract(x.before).isEmpty()).map((x) => x.dst)];
      expect({ layer, cut: gained.filter((dst) => !dst.startsWith('kube-system/platform-dns')).length > 0 }).toEqual({ layer, cut: true });
    }
  });
});

describe('argocdAnnotationsOf', () => {
  test('the wave of the stage, and the skip-dry-run option for CRD kinds only', () => {
    expect(argocdAnnotationsOf(obj('networking.k8s.io/v1', 'NetworkPolicy', 'bulkhead-default-deny', 'shop', { podSelector: {} }))).toEqual({ 'argocd.argoproj.io/sync-wave': '2' });
    expect(argocdAnnotationsOf(obj('spire.spiffe.io/v1alpha1', 'ClusterSPIFFEID', 'web'))).toEqual({ 'argocd.argoproj.io/sync-wave': '0', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' });
  });
});
