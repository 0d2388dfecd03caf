/**
 * The `aws` layer through `synthesize` and the layer registry: its definition, the per-network
 * results (cloud artifacts and their Crossplane manifests), the SecurityGroupPolicy placed in
 * the pods' cluster, its errors in the one report before anything is rendered. The planner of
 * this version declares no cloud endpoints, so the plan is the hand-built fixture's.
 */
import * as build from '../../../lib/plan/build';
import { BulkheadError } from '../../../lib/core/errors';
import { Protocol } from '../../../lib/core/port';
import { AWS_LAYER, layerDefinition, NETWORK_LAYER_DEFINITIONS } from '../../../lib/layers/registry';
import { Plan } from '../../../lib/plan/types';
import { synthesize } from '../../../lib/synth';
import { awsTarget, planAwsNetwork, toCrossplane } from '../../../lib/targets/aws';
import { base, NOW } from '../../plan/declare';
import { schemaErrors } from '../../util/schema';
import { assemble, fixtureParts, PlanParts, ref, workload } from './fixture';

/** The fixture with clusters that run no cluster layer (their renderers do not know cloud peers yet) and no grant. */
function parts(): PlanParts {
  const p = fixtureParts();
  return {
    ...p, breakGlass: [], flows: p.flows.filter((f) => f.origin !== 'break-glass'),
    clusters: p.clusters.map((c) => ({ ...c, layers: [] })),
    workloads: [...p.workloads.filter((w) => w.name !== 'orders'), workload('eks-eu', 'shop', 'orders', { network: 'prod-eu', adoptId: 'sg-0bbbbbbbbbbbbbbbb' })],
  };
}

function withPlan(plan: Plan): void {
  jest.spyOn(build, 'planWithProblems').mockImplementation(() => ({ plan, problems: [] }));
}

afterEach(() => jest.restoreAllMocks());

describe('the aws layer in the registry', () => {
  test('one network-scoped definition for the aws cloud, rendered by the aws target, written as Crossplane objects', () => {
    expect(layerDefinition('aws')).toBe(AWS_LAYER);
    expect(NETWORK_LAYER_DEFINITIONS).toEqual([AWS_LAYER]);
    expect(AWS_LAYER).toMatchObject({ scope: 'network', cloud: 'aws', crds: 'aws', target: awsTarget });
  });

  test('synthesize: every network gets its resources as artifacts and as schema-valid Crossplane manifests, counted', () => {
    const plan = assemble(parts());
    withPlan(plan);
    const s = synthesize(base().topo, { now: NOW });
    expect(s.networks.map((n) => n.network.name)).toEqual(['hub-eu', 'prod-eu', 'prod-us', 'shared-eu']);
    for (const n of s.networks) {
      const expected = planAwsNetwork(plan, n.network).resources;
      expect(n.artifacts.map((a) => [a.layer, a.artifact.type, a.artifact.resource.key])).toEqual(
        [...expected].sort((a, b) => (a.key < b.key ? -1 : 1)).map((r) => ['aws', 'aws', r.key]),
      );
      expect(n.counts).toEqual({ aws: expected.length });
      expect(n.manifests.map((m) => m.metadata.name).sort()).toEqual(toCrossplane(expected).map((m) => m.metadata.name).sort());
      for (const m of n.manifests) expect(schemaErrors(m)).toEqual([]);
    }
    expect(s.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['BH-AWS-FQDN', 'BH-AWS-MEMBER-CIDRS', 'BH-AWS-POD-CIDRS']));
  });

  test('synthesize: the SecurityGroupPolicy of pods with an adopted group joins their cluster\'s manifests', () => {
    withPlan(assemble(parts()));
    const s = synthesize(base().topo, { now: NOW });
    const eks = s.clusters.find((c) => c.cluster.name === 'eks-eu');
    const sgp = eks?.manifests.filter((m) => m.kind === 'SecurityGroupPolicy') ?? [];
    expect(sgp.map((m) => [m.metadata.namespace, m.metadata.name])).toEqual([['shop', 'bulkhead-orders']]);
    expect(schemaErrors(sgp[0])).toEqual([]);
    expect(eks?.counts).toMatchObject({ aws: 1 });
  });

  test('synthesize: the layer\'s errors come in the one report, before anything is rendered', () => {
    const p = parts();
    withPlan(assemble({ ...p, flows: [...p.flows, { source: ref.cloud('cloud:prod-eu/erp'), destination: ref.cloud('cloud:prod-eu/orders-db'), ports: [{ protocol: Protocol.SCTP, port: 9 }], path: 'shop/erp-db' }] }));
    let error: unknown;
    try {
      synthesize(base().topo, { now: NOW });
    } catch (e) {
      error = e;
    }
    expect(BulkheadError.isBulkheadError(error) && error.problems.map((x) => [x.code, x.path])).toEqual([['BH-AWS-PROTOCOL', 'shop/erp-db']]);
  });

  test('without networks the layer renders nothing (existing declarations are unchanged)', () => {
    const s = synthesize(base().topo, { now: NOW });
    expect(s.networks).toEqual([]);
  });
});
