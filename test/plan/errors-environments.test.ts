/**
 * Catalogue of the problems of Environments and of per-layer enforcement modes: each entry
 * makes one mistake in an otherwise valid pair of environments and states the problem
 * reported when the construct is created: code, path, message, value and fix. Plain
 * JavaScript mistakes (fields of the wrong kind) are reported with the others, at once.
 */
import { BulkheadError } from '../../lib/core/errors';
import { Port } from '../../lib/core/port';
import { Duration } from '../../lib/core/duration';
import { BreakGlass } from '../../lib/model/break-glass';
import { EnvironmentOverlay, Environments, EnvironmentsProps, Environment } from '../../lib/model/environment';
import { External } from '../../lib/model/external';
import { EnforcementMode, Topology } from '../../lib/model/topology';
import { Workload } from '../../lib/model/workload';
import { Cluster } from '../../lib/model/cluster';
import { DomainBoundary } from '../../lib/model/domain';
import { CallCase } from './declare';
import { problemsThrown } from '../util/thrown';

/* eslint-disable @typescript-eslint/no-explicit-any */

const NOW = new Date('2026-11-22T21:00:00Z');

/** The valid pair: staging and prod, one cluster each, two workloads and a flow. */
function two(): Record<string, EnvironmentOverlay> {
  return {
    staging: { trustDomain: 'staging.shop.example.com', clusters: { eks: { name: 'eks-staging', podCidrs: ['10.2.0.0/16'] } } },
    prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-prod', podCidrs: ['10.3.0.0/16'] } } },
  };
}

function shop(t: Topology, env: Environment): { web: Workload; cart: Workload } {
  const eks = env.cluster(t, 'eks', { cloud: 'aws', region: 'eu-west-1', podCidrs: ['10.1.0.0/16'] });
  const web = new Workload(t, 'web', { cluster: eks, namespace: 'shop', ports: { http: Port.tcp(8080) } });
  const cart = new Workload(t, 'cart', { cluster: eks, namespace: 'shop', ports: { grpc: Port.tcp(9090) } });
  web.allowTo(cart, Port.named('grpc'));
  return { web, cart };
}

function envs(environments: unknown = two(), declare: EnvironmentsProps['declare'] = shop, extra: object = {}): Environments {
  return new Environments(undefined, 'shop', { environments: environments as any, declare, shared: { clock: () => NOW }, ...extra });
}

function withOverlay(env: 'staging' | 'prod', o: object): Record<string, EnvironmentOverlay> {
  const e = two();
  return { ...e, [env]: { ...e[env], ...o } as EnvironmentOverlay };
}

const CASES: CallCase[] = [
  // ---------------------------------------------------------------- names and shapes
  {
    name: 'an environment name that is not a DNS label',
    call: () => envs({ ...two(), Prod_EU: { trustDomain: 'eu.shop.example.com' } }),
    code: 'BH-ENV-NAME', path: 'shop', message: /the environment name 'Prod_EU' is not a DNS label/, value: /"Prod_EU"/, fix: /'staging' or 'prod'/,
  },
  {
    name: 'no environment at all',
    call: () => envs({}),
    code: 'BH-ENV-NAME', path: 'shop', message: /names no environment/, value: /\{\}/, fix: /name at least one/,
  },
  {
    name: 'a field no overlay has (a misspelt trustdomain)',
    call: () => envs(withOverlay('prod', { trustdomain: 'x' })),
    code: 'BH-ENV-KEY', path: 'shop', message: /environments\.prod has the field 'trustdomain', which an environment overlay does not have/, value: /"trustdomain"/, fix: /trustDomain, mode, layerModes/,
  },
  {
    name: 'a field no cluster overlay has',
    call: () => envs(withOverlay('prod', { clusters: { eks: { name: 'eks-prod', cidr: '10.3.0.0/16' } } })),
    code: 'BH-ENV-KEY', path: 'shop', message: /environments\.prod\.clusters\['eks'\] has the field 'cidr', which a cluster overlay does not have/, value: /"cidr"/, fix: /podCidrs/,
  },
  {
    name: 'a shared setting no environment shares (trustDomain belongs to each environment)',
    call: () => envs(two(), shop, { shared: { trustDomain: 'shop.example.com' } }),
    code: 'BH-ENV-KEY', path: 'shop', message: /shared has the key 'trustDomain', which no environment shares/, value: /"trustDomain"/, fix: /set trustDomain, mode and layerModes per environment/,
  },
  {
    name: 'plain JavaScript: a trust domain that is a number',
    call: () => envs(withOverlay('prod', { trustDomain: 42 })),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /environments\.prod\.trustDomain must be a non-empty string, not a number/, value: /42/, fix: /'prod\.shop\.example\.com' \(each environment its own\)/,
  },
  {
    name: 'plain JavaScript: pod CIDRs as one string',
    call: () => envs(withOverlay('prod', { clusters: { eks: { name: 'eks-prod', podCidrs: '10.3.0.0/16' } } })),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /environments\.prod\.clusters\['eks'\]\.podCidrs must be a list, not a string/, value: /10\.3\.0\.0\/16/, fix: /a list, also for one value/,
  },
  {
    name: 'plain JavaScript: a mode that is not one',
    call: () => envs(withOverlay('prod', { mode: 'permissive' })),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /environments\.prod\.mode must be an enforcement mode, not a string/, value: /"permissive"/, fix: /EnforcementMode\.ENFORCE or EnforcementMode\.AUDIT/,
  },
  {
    name: 'plain JavaScript: no declare callback',
    call: () => new Environments(undefined, 'shop', { environments: two() } as any),
    code: 'BH-INPUT-TYPE', path: 'shop', message: /declare must be a function, not missing/, value: /undefined/, fix: /\(topology, env\) =>/,
  },
  {
    name: 'plain JavaScript: props that are not an object',
    call: () => new Environments(undefined, 'shop', 'prod' as any),
    code: 'BH-INPUT-PROPS', path: 'shop', message: /props must be an object, not a string/, value: /"prod"/, fix: /environments: \{ prod:/,
  },
  // ---------------------------------------------------------------- overlay keys
  {
    name: 'a cluster overlay the declaration never declares',
    call: () => envs(withOverlay('prod', { clusters: { eks: { name: 'eks-prod', podCidrs: ['10.3.0.0/16'] }, gke: { name: 'gke-prod' } } })),
    code: 'BH-ENV-KEY', path: 'shop/prod', message: /the overlay clusters\['gke'\] of environment 'prod' names nothing the declaration declares/, value: /"gke"/, fix: /key the overlay by the construct id given to env\.cluster\(topology, id, props\) \(declared: eks\)/,
  },
  {
    name: 'a cluster overlay of a cluster declared with new Cluster (the overlay could not apply)',
    call: () => envs(two(), (t, env) => {
      const eks = new Cluster(t, 'eks', { cloud: 'aws', name: `eks-${env.name}` });
      new Workload(t, 'web', { cluster: eks, namespace: 'shop' });
    }),
    code: 'BH-ENV-KEY', path: 'shop/prod', message: /the overlay clusters\['eks'\] of environment 'prod' cannot apply: shop\/prod\/eks was declared with new/, value: /"eks"/, fix: /declare it with env\.cluster\(topology, id, props\)/,
  },
  {
    name: 'a network overlay the declaration never declares',
    call: () => envs(withOverlay('prod', { networks: { vpc: { vpcId: 'vpc-0a1b2c3d4e5f67890' } } })),
    code: 'BH-ENV-KEY', path: 'shop/prod', message: /the overlay networks\['vpc'\] of environment 'prod' names nothing the declaration declares/, value: /"vpc"/, fix: /env\.network\(topology, id, props\)/,
  },
  {
    name: 'approvers for a grant the declaration never declares',
    call: () => envs(withOverlay('prod', { breakGlass: { 'db-oncall': { approvers: ['alice', 'bob'] } } })),
    code: 'BH-ENV-KEY', path: 'shop/prod', message: /the overlay breakGlass\['db-oncall'\] of environment 'prod' names nothing/, value: /"db-oncall"/, fix: /env\.breakGlass\(topology, id, props\)/,
  },
  {
    name: 'leaving out a workload that does not exist',
    call: () => envs(withOverlay('staging', { leaveOut: ['fraud-detection'] })),
    code: 'BH-ENV-KEY', path: 'shop/staging', message: /environment 'staging' leaves out 'fraud-detection', which the declaration does not declare/, value: /"fraud-detection"/, fix: /construct path below the topology \(such as payments\/fraud-detection\)/,
  },
  {
    name: 'a crossing that names no External',
    call: () => envs(withOverlay('staging', { crossings: { web: 'prod' } })),
    code: 'BH-ENV-KEY', path: 'shop/staging', message: /the crossing 'web' of environment 'staging' names shop\/staging\/web, which is not an External/, value: /"web"/, fix: /name an External/,
  },
  {
    name: 'a crossing into an environment that is not declared',
    call: () => envs(withOverlay('staging', { crossings: { 'prod-api': 'production' } })),
    code: 'BH-ENV-KEY', path: 'shop', message: /environments\.staging\.crossings\['prod-api'\] names the environment 'production', which is not declared/, value: /"production"/, fix: /name one of: prod, staging/,
  },
  {
    name: 'the topology of an environment that is not declared',
    call: () => envs().topology('qa'),
    code: 'BH-ENV-KEY', path: 'shop', message: /there is no environment of that name/, value: /"qa"/, fix: /name one of: prod, staging/,
  },
  // ---------------------------------------------------------------- leaving out
  {
    name: 'leaving out a domain (only workloads, fleets, services, externals, grants, clusters and networks can be)',
    call: () => envs(withOverlay('staging', { leaveOut: ['payments'] }), (t, env) => {
      shop(t, env);
      new DomainBoundary(t, 'payments');
    }),
    code: 'BH-ENV-LEAVE-OUT', path: 'shop/staging', message: /leaves out shop\/staging\/payments, which is no workload/, value: /"payments"/, fix: /leave out the workloads on it instead/,
  },
  {
    name: 'leaving out a workload a grant still names',
    call: () => envs(withOverlay('staging', { leaveOut: ['cart'] }), (t, env) => {
      const { web, cart } = shop(t, env);
      env.breakGlass(t, 'oncall', {
        from: [web], to: [cart], ports: Port.named('grpc'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'orders stuck', approvers: ['alice'],
      });
    }),
    code: 'BH-ENV-LEAVE-OUT', path: 'shop/staging/oncall', message: /the grant oncall names shop\/staging\/cart, which environment 'staging' leaves out/, value: /"shop\/staging\/cart"/, fix: /leave the grant out too \(leaveOut: \[\.\.\., 'oncall'\]\)/,
  },
  // ---------------------------------------------------------------- kept apart
  {
    name: 'two environments of one trust domain',
    call: () => envs(withOverlay('staging', { trustDomain: 'prod.shop.example.com' })),
    code: 'BH-ENV-TRUST-DOMAIN', path: 'shop/staging', message: /environments 'prod' and 'staging' share the trust domain prod\.shop\.example\.com: an identity of one would match the policies/, value: /"prod\.shop\.example\.com"/, fix: /give each environment its own trust domain/,
  },
  {
    name: 'a cluster trust domain given by the declaration, so the same in every environment',
    call: () => envs(two(), (t, env) => {
      const eks = env.cluster(t, 'eks', { cloud: 'aws', trustDomain: 'eks.shop.example.com' });
      new Workload(t, 'web', { cluster: eks, namespace: 'shop' });
    }),
    code: 'BH-ENV-TRUST-DOMAIN', path: 'shop/staging', message: /share the trust domain eks\.shop\.example\.com/, value: /"eks\.shop\.example\.com"/, fix: /or of the cluster overlay/,
  },
  {
    name: 'a cluster that keeps its name in two environments',
    call: () => envs({ staging: { trustDomain: 'staging.shop.example.com' }, prod: { trustDomain: 'prod.shop.example.com' } }),
    code: 'BH-ENV-CLUSTER-NAME', path: 'shop/staging/eks', message: /environments 'prod' and 'staging' both have a cluster named eks/, value: /"eks"/, fix: /clusters: \{ eks: \{ name: 'eks-staging' \} \}/,
  },
  {
    name: 'a flow into a workload of another environment',
    call: () => {
      let prodCart: Workload | undefined;
      return envs(two(), (t, env) => {
        const { web, cart } = shop(t, env);
        if (env.name === 'prod') prodCart = cart;
        else web.allowTo(prodCart!, Port.tcp(9090));
      });
    },
    code: 'BH-ENV-CROSS-FLOW', path: 'shop/staging/web', message: /a flow of environment 'staging' reaches shop\/prod\/cart, of environment 'prod': no flow crosses environments/, value: /"shop\/prod\/cart"/, fix: /declare its endpoint as an External of 'staging' and name it in crossings/,
  },
  {
    name: 'a workload on a cluster of another environment',
    call: () => {
      let prodEks: Cluster | undefined;
      return envs(two(), (t, env) => {
        const eks = env.cluster(t, 'eks', { cloud: 'aws' });
        if (env.name === 'prod') prodEks = eks;
        new Workload(t, 'web', { cluster: env.name === 'prod' ? eks : prodEks!, namespace: 'shop' });
      });
    },
    code: 'BH-ENV-CROSS-FLOW', path: 'shop/staging/web', message: /the workload runs in shop\/prod\/eks, of environment 'prod'/, value: /"shop\/prod\/eks"/, fix: /in its own declare call/,
  },
  {
    name: 'an External that holds another environment\'s pods, not declared as a crossing',
    call: () => envs(two(), (t, env) => {
      const { web } = shop(t, env);
      if (env.name === 'staging') web.allowTo(new External(t, 'prod-api', { cidrs: ['10.3.4.0/24'] }), Port.HTTPS);
    }),
    code: 'BH-ENV-CROSS-ADDRESS', path: 'shop/staging/prod-api', message: /the External prod-api of environment 'staging' \(10\.3\.4\.0\/24\) holds addresses of environment 'prod' \(cluster eks-prod, 10\.3\.0\.0\/16\)/, value: /"10\.3\.4\.0\/24"/, fix: /crossings: \{ 'prod-api': 'prod' \}/,
  },
  // ---------------------------------------------------------------- per-layer modes
  {
    name: 'audit for a layer that has no audit mode (NetworkPolicy)',
    call: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', layerModes: { kubernetes: EnforcementMode.AUDIT } }),
    code: 'BH-MODE-LAYER', path: 'shop', message: /layerModes\.kubernetes is 'audit', but the kubernetes layer has no audit mode/, value: /"audit"/, fix: /only cilium and istio can audit/,
  },
  {
    name: 'a layer mode keyed by no layer',
    call: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', layerModes: { mesh: EnforcementMode.AUDIT } as any }),
    code: 'BH-MODE-LAYER', path: 'shop', message: /layerModes has the key 'mesh', which names no layer/, value: /"mesh"/, fix: /key the modes by layer: kubernetes/,
  },
  {
    name: 'a layer mode that is not a mode',
    call: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', layerModes: { istio: 'dry-run' } as any }),
    code: 'BH-MODE-LAYER', path: 'shop', message: /layerModes\.istio is not an enforcement mode/, value: /"dry-run"/, fix: /EnforcementMode\.ENFORCE or EnforcementMode\.AUDIT/,
  },
  {
    name: 'layer modes that are not an object',
    call: () => new Topology(undefined, 'shop', { trustDomain: 'shop.example.com', layerModes: 'audit' as any }),
    code: 'BH-MODE-LAYER', path: 'shop', message: /`layerModes` must be an object/, value: /"audit"/, fix: /\{ istio: EnforcementMode\.AUDIT \}/,
  },
  {
    name: 'an environment\'s layer mode is checked like a topology\'s, at the environment\'s path',
    call: () => envs(withOverlay('staging', { layerModes: { spire: EnforcementMode.AUDIT } })),
    code: 'BH-MODE-LAYER', path: 'shop/staging', message: /layerModes\.spire is 'audit', but the spire layer has no audit mode/, value: /"audit"/, fix: /leave spire out of layerModes/,
  },
];

describe('Environments: problem catalogue', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const problems = problemsThrown(c.call);
    const p = problems.find((x) => x.code === c.code && x.path === c.path && c.message.test(x.message));
    expect(p).toBeDefined();
    expect(p!.severity).toBe('error');
    expect(p!.value).toMatch(c.value);
    expect(p!.fix).toMatch(c.fix);
    expect(p!.fix).not.toBe(p!.message);
  });

  test('every mistake of every environment is reported at once', () => {
    const e = (() => {
      try {
        envs({
          staging: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-staging' }, aks: {} } },
          prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks-prod' } }, leaveOut: ['nothing'] },
        });
      } catch (x) {
        return x as BulkheadError;
      }
      throw new Error('expected a BulkheadError');
    })();
    expect(e.problems.map((p) => p.code).sort()).toEqual(['BH-ENV-KEY', 'BH-ENV-KEY', 'BH-ENV-TRUST-DOMAIN']);
    expect(e.problems.map((p) => p.path).sort()).toEqual(['shop/prod', 'shop/staging', 'shop/staging']);
    expect(problemsThrown(() => envs({
      staging: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks' } } },
      prod: { trustDomain: 'prod.shop.example.com', clusters: { eks: { name: 'eks' } } },
    })).map((p) => p.code).sort()).toEqual(['BH-ENV-CLUSTER-NAME', 'BH-ENV-TRUST-DOMAIN']);
  });

  test('a crossing declared explicitly lets an External hold another environment\'s addresses', () => {
    const made = envs(withOverlay('staging', { crossings: { 'prod-api': 'prod' } }), (t, env) => {
      const { web } = shop(t, env);
      if (env.name === 'staging') web.allowTo(new External(t, 'prod-api', { cidrs: ['10.3.4.0/24'] }), Port.HTTPS);
    });
    expect(made.names).toEqual(['prod', 'staging']);
  });

  test('a BreakGlass declared with new is kept; only an overlay for it needs env.breakGlass', () => {
    const made = envs(two(), (t, env) => {
      const { web, cart } = shop(t, env);
      new BreakGlass(t, 'oncall', { from: [web], to: [cart], ports: Port.named('grpc'), start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'orders stuck', approvers: ['alice'] });
    });
    expect(made.topology('prod').node.tryFindChild('oncall')).toBeDefined();
  });
});
