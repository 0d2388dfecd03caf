/**
 * EnvironmentCharts: one TopologyCharts per environment of an Environments, so one chart per
 * environment and cluster, each object labelled with its environment.
 */
import { App, Testing } from 'cdk8s';
import { Port } from '../../lib/core/port';
import { LABELS } from '../../lib/core/names';
import { Environments } from '../../lib/model/environment';
import { Workload } from '../../lib/model/workload';
import { EnvironmentCharts } from '../../lib/cdk8s';
import { problemsThrown } from '../util/thrown';

const NOW = new Date('2026-11-22T21:00:00Z');

function declare(app: App): Environments {
  return new Environments(app, 'shop', {
    environments: {
      staging: { trustDomain: 'staging.shop.example.com', clusters: { eks: { name: 'eks-staging' } } },
      prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-prod' } } },
    },
    shared: { clock: () => NOW },
    declare: (t, env) => {
      const eks = env.cluster(t, 'eks', { cloud: 'aws', layers: ['kubernetes', 'istio'] });
      const web = new Workload(t, 'web', { cluster: eks, namespace: 'shop' });
      new Workload(t, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } }).allowFrom(web, Port.named('grpc'));
    },
  });
}

describe('EnvironmentCharts', () => {
  test('one chart per environment and cluster, each object labelled with its environment', () => {
    const app = Testing.app();
    const charts = new EnvironmentCharts(app, 'segmentation', { environments: declare(app), printWarnings: false });
    for (const env of ['prod', 'staging']) {
      const objs = Testing.synth(charts.environment(env).chart(`eks-${env}`));
      expect(objs.length).toBeGreaterThan(0);
      expect(objs.every((o) => o.metadata.labels[LABELS.environment] === env)).toBe(true);
      expect(objs.some((o) => o.kind === 'AuthorizationPolicy' && JSON.stringify(o.spec).includes(`${env}.shop.example.com/ns/shop/sa/web`))).toBe(true);
    }
    expect(charts.node.children.map((c) => c.node.id).sort()).toEqual(['prod', 'staging']);
  });

  test('an environment that is not declared, and props without an Environments, are coded problems', () => {
    const app = Testing.app();
    const charts = new EnvironmentCharts(app, 'segmentation', { environments: declare(app), printWarnings: false });
    expect(problemsThrown(() => charts.environment('qa'))).toEqual([expect.objectContaining({ code: 'BH-ENV-KEY', path: 'segmentation', value: '"qa"', fix: 'name one of: prod, staging' })]);
    expect(problemsThrown(() => new EnvironmentCharts(app, 'other', { environments: 'prod' } as never))).toEqual([
      expect.objectContaining({ code: 'BH-INPUT-TYPE', path: 'other', message: 'environments must be an Environments, not a string' }),
    ]);
  });
});
