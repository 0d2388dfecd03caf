/**
 * Catalogue of the problems of a network's control-plane cluster, of the SPIRE server a cluster
 * declares reachable from outside, of VM fleets whose agents have no path to their SPIRE
 * server, and of break-glass security-group rules that no reaper removes in manifest output.
 * Each entry declares one mistake on top of the valid base (plus a network, a VM fleet and a
 * managed service) and states the problem reported: code, message, construct path, value and fix.
 */
import { Duration } from '../../lib/core/duration';
import { Port } from '../../lib/core/port';
import { BreakGlass } from '../../lib/model/break-glass';
import { Cluster } from '../../lib/model/cluster';
import { Topology } from '../../lib/model/topology';
import { synthesize } from '../../lib/synth';
import { base, CatalogueCase, checkCatalogueCase, NOW } from './declare';
import { cloud, network, vm } from './declare-cloud';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SERVER = { addresses: ['10.0.15.32/28'] };

const CASES: CatalogueCase[] = [
  // ---------------------------------------------------------------- control plane
  {
    name: 'a control plane that is no Cluster',
    declare: (b) => { network(b.topo, 'vpc', { controlPlane: 'eks' as any }); },
    code: 'BH-NETWORK-CONTROL-PLANE', path: 'shop/vpc', message: /controlPlane is not a Cluster/, value: /^"eks"$/, fix: /a Cluster of this topology that runs Crossplane/,
  },
  {
    name: 'a control plane of another topology',
    declare: (b) => {
      const other = new Topology(undefined, 'other', { trustDomain: 'other.example.com', clock: () => NOW });
      const c = new Cluster(other, 'mgmt', { cloud: 'aws' });
      network(b.topo, 'vpc', { controlPlane: c });
    },
    code: 'BH-NETWORK-CONTROL-PLANE', path: 'shop/vpc', message: /the control-plane cluster is not declared in this topology/, value: /^"other\/mgmt"$/, fix: /a Cluster of this topology/,
  },
  {
    name: 'two control planes for one network',
    declare: (b) => {
      const mgmt = new Cluster(b.topo, 'mgmt', { cloud: 'aws' });
      const vpc = network(b.topo, 'vpc', { controlPlane: mgmt });
      vpc.setControlPlane(b.eks);
    },
    code: 'BH-NETWORK-CONTROL-PLANE', path: 'shop/vpc', message: /more than one control-plane cluster/, value: /shop\/mgmt.*shop\/eks/, fix: /declare one control plane/,
  },
  // ---------------------------------------------------------------- SPIRE server
  {
    name: 'a SPIRE server that is no object',
    declare: (b) => { new Cluster(b.topo, 'spire', { cloud: 'aws', layers: ['kubernetes', 'spire'], spireServer: '10.0.15.32' as any }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/spire', message: /spireServer is not an object/, value: /^"10\.0\.15\.32"$/, fix: /spireServer: \{ addresses: \['10\.0\.15\.32\/28'\], port: 8081 \}/,
  },
  {
    name: 'a SPIRE server on a cluster without SPIRE',
    declare: (b) => { new Cluster(b.topo, 'plain', { cloud: 'aws', layers: ['kubernetes'], spireServer: SERVER }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/plain', message: /declares a SPIRE server but runs no SPIRE/, value: /\["kubernetes"\]/, fix: /add 'spire' to the layers of cluster 'plain', or remove spireServer/,
  },
  {
    name: 'a SPIRE server without addresses',
    declare: (b) => { new Cluster(b.topo, 'spire', { cloud: 'aws', layers: ['spire'], spireServer: { addresses: [] } }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/spire', message: /lists no address: agents outside the cluster would have nowhere to connect/, value: /^\[\]$/, fix: /internal load balancer's, or the nodes' for a NodePort/,
  },
  {
    name: 'a SPIRE server port out of range',
    declare: (b) => { new Cluster(b.topo, 'spire', { cloud: 'aws', layers: ['spire'], spireServer: { ...SERVER, port: 0 } }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/spire', message: /spireServer\.port is not a port number/, value: /^0$/, fix: /from 1 to 65535 \(SPIRE's default bind_port is 8081\)/,
  },
  {
    name: 'a SPIRE server namespace that is no name',
    declare: (b) => { new Cluster(b.topo, 'spire', { cloud: 'aws', layers: ['spire'], spireServer: { ...SERVER, namespace: 'SPIRE' } }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/spire', message: /spireServer\.namespace is not a namespace name/, value: /^"SPIRE"$/, fix: /such as 'spire-server'/,
  },
  {
    name: 'a SPIRE server selector without labels',
    declare: (b) => { new Cluster(b.topo, 'spire', { cloud: 'aws', layers: ['spire'], spireServer: { ...SERVER, selector: {} } }); },
    code: 'BH-SPIRE-SERVER', path: 'shop/spire', message: /spireServer\.selector is not a non-empty set of pod labels/, value: /^\{\}$/, fix: /'app\.kubernetes\.io\/name': 'server'/,
  },
  // ---------------------------------------------------------------- VM fleets
  {
    name: 'a VM fleet whose SPIRE cluster declares no reachable server',
    declare: (b) => { cloud(b); },
    severity: 'warning',
    code: 'BH-VM-SPIRE-SERVER', path: 'shop/erp', message: /must reach the SPIRE server of cluster 'eks'.*declares no address the server is reachable at/, value: /^"eks"$/,
    fix: /spireServer: \{ addresses: \['<the internal load balancer's address>\/32'\], port: 8081 \}/,
  },
];

describe('catalogue of the cloud gaps\' problems', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => checkCatalogueCase(c));

  test('a fleet whose SPIRE cluster declares its server, and a fleet without identity, get no BH-VM-SPIRE-SERVER', () => {
    const b = base();
    const spire = new Cluster(b.topo, 'spire', { cloud: 'aws', region: 'eu-west-1', layers: ['kubernetes', 'spire'], spireServer: SERVER });
    const vpc = network(b.topo, 'vpc');
    vm(b.topo, 'erp', vpc, { identity: { spireCluster: spire } });
    vm(b.topo, 'batch', vpc, { identity: false });
    const warnings = synthesize(b.topo, { now: NOW }).warnings;
    expect(warnings.map((w) => w.code)).not.toContain('BH-VM-SPIRE-SERVER');
  });

  test('BH-AWS-BREAK-GLASS-REAPER: break-glass rules of a network without a control plane stay until the next synthesis in manifest output', () => {
    const b = cloud(base());
    new BreakGlass(b.topo, 'db-oncall', {
      from: [b.web], to: [b.db], ports: Port.POSTGRES, start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
      reason: 'restore a row', ticket: 'INC-1', approvers: ['alice'],
    });
    const found = synthesize(b.topo, { now: NOW }).warnings.filter((w) => w.code === 'BH-AWS-BREAK-GLASS-REAPER');
    expect(found).toHaveLength(1);
    const p = found[0];
    expect(p).toMatchObject({ severity: 'warning', path: 'shop/vpc', value: '["db-oncall"]' });
    expect(p.message).toMatch(/BreakGlass grants \(db-oncall\).*names no control-plane cluster.*rules stay until the next synthesis.*Pulumi host schedules their revocation/);
    expect(p.fix).toMatch(/set controlPlane on the Network to the cluster whose Crossplane the aws layer is applied to/);

    // with a control plane: no warning
    const c = cloud(base());
    c.vpc.setControlPlane(c.eks);
    new BreakGlass(c.topo, 'db-oncall', {
      from: [c.web], to: [c.db], ports: Port.POSTGRES, start: '2026-11-22T20:30:00Z', duration: Duration.hours(1),
      reason: 'restore a row', ticket: 'INC-1', approvers: ['alice'],
    });
    expect(synthesize(c.topo, { now: NOW }).warnings.map((w) => w.code)).not.toContain('BH-AWS-BREAK-GLASS-REAPER');
  });
});
