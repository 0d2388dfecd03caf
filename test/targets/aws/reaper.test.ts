/**
 * Break-glass security-group rules removed at expiry in manifest output: the network names its
 * control-plane cluster (where its Crossplane objects are applied), whose break-glass reaper
 * lists and deletes the expired `ec2.aws.upbound.io` rule objects of the network's grants
 * (Crossplane then revokes the AWS rules: a managed resource's default deletionPolicy is Delete,
 * https://docs.crossplane.io/latest/concepts/managed-resources/#deletionpolicy). Its RBAC names
 * exactly those kinds; clusters that are no control plane get none of them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from '../../../lib/core/duration';
import { LABELS } from '../../../lib/core/names';
import { MANAGED_BY } from '../../../lib/targets/common';
import { Port } from '../../../lib/core/port';
import { BreakGlass } from '../../../lib/model/break-glass';
import { Cluster } from '../../../lib/model/cluster';
import { synthesize, Synthesis } from '../../../lib/synth';
import { AWS_LAYER } from '../../../lib/layers/registry';
import { breakGlassResourcesOf } from '../../../lib/layers/types';
import { CLOUD_REAPED_RESOURCES, reapedResources, REAPER_NAME } from '../../../lib/targets/kubernetes/reaper';
import { ClusterRoleManifest, CronJobManifest } from '../../../lib/targets/kubernetes/types';
import { KubeManifest } from '../../../lib/targets/types';
import { base, NOW } from '../../plan/declare';
import { managed, network, vm } from '../../plan/declare-cloud';
import { schemaErrors } from '../../util/schema';

const EXPIRES = Date.parse('2026-11-22T21:30:00Z') / 1000;

/** The base, a management cluster that runs Crossplane for the network, a VM fleet and a database; a grant web → db and one erp → cart. */
function declare(withControlPlane: boolean) {
  const b = base();
  const mgmt = new Cluster(b.topo, 'mgmt', { cloud: 'aws', region: 'eu-west-1', layers: ['kubernetes'], apiServerCidrs: ['10.9.0.10/32'] });
  const vpc = network(b.topo, 'vpc', withControlPlane ? { controlPlane: mgmt } : {});
  const erp = vm(b.topo, 'erp', vpc);
  const db = managed(b.topo, 'orders-db', vpc);
  const window = { start: '2026-11-22T20:30:00Z', duration: Duration.hours(1), reason: 'restore a row', ticket: 'INC-1', approvers: ['alice'] };
  new BreakGlass(b.topo, 'db-oncall', { from: [b.web], to: [db], ports: Port.POSTGRES, ...window });
  new BreakGlass(b.topo, 'erp-debug', { from: [erp], to: [b.cart], ports: Port.named('grpc'), ...window });
  return { ...b, mgmt, vpc, erp, db };
}

const clusterOf = (s: Synthesis, name: string): readonly KubeManifest[] => s.clusters.find((c) => c.cluster.name === name)?.manifests ?? [];
const role = (ms: readonly KubeManifest[]) => ms.find((m): m is ClusterRoleManifest => m.kind === 'ClusterRole' && m.metadata.name === REAPER_NAME);
const script = (ms: readonly KubeManifest[]): string => (ms.find((m): m is CronJobManifest => m.kind === 'CronJob')?.spec.jobTemplate.spec.template.spec.containers[0].command[2]) ?? '';
const rbac = (ms: readonly KubeManifest[]) => (role(ms)?.rules ?? []).flatMap((r) => r.resources.map((x) => `${x}.${r.apiGroups[0]}`)).sort();

describe('aws break-glass rules in manifest output: the control plane\'s reaper deletes them at expiry', () => {
  const s = synthesize(declare(true).topo, { now: NOW });
  const rules = s.networks[0].manifests.filter((m) => m.metadata.labels?.['bulkhead.io/break-glass']);

  test('the registry says what expiry removes: the Crossplane rule kinds', () => {
    expect(breakGlassResourcesOf(AWS_LAYER).map((r) => `${r.resource}.${r.group}`).sort()).toEqual([
      'securitygroupegressrules.ec2.aws.upbound.io', 'securitygroupingressrules.ec2.aws.upbound.io',
    ]);
    expect(CLOUD_REAPED_RESOURCES).toBe(AWS_LAYER.target.breakGlassResources);
  });

  test('the grants\' rules carry the marks the reaper selects: grant, expiry, managed-by', () => {
    expect(rules.map((m) => `${m.kind} ${m.metadata.labels?.['bulkhead.io/break-glass']}`).sort()).toEqual([
      'SecurityGroupEgressRule erp-debug', 'SecurityGroupIngressRule db-oncall',
    ]);
    for (const m of rules) {
      expect(m.metadata.labels).toMatchObject({ [LABELS.managedBy]: MANAGED_BY, [LABELS.expiresAt]: String(EXPIRES) });
      expect(m.metadata.namespace).toBeUndefined(); // cluster-scoped managed resources
      expect(schemaErrors(m)).toEqual([]);
    }
  });

  test('the control plane gets a reaper whose RBAC names exactly the Crossplane rule kinds, and whose script lists them', () => {
    const ms = clusterOf(s, 'mgmt');
    expect(rbac(ms)).toEqual(['securitygroupegressrules.ec2.aws.upbound.io', 'securitygroupingressrules.ec2.aws.upbound.io']);
    expect((role(ms)?.rules ?? []).map((r) => r.verbs)).toEqual([['delete', 'get', 'list']]);
    expect(script(ms)).toContain('for resource in securitygroupegressrules.ec2.aws.upbound.io securitygroupingressrules.ec2.aws.upbound.io; do');
    expect(script(ms)).toContain(`-l '${LABELS.breakGlass},${LABELS.managedBy}=${MANAGED_BY}'`);
    for (const m of ms) expect(schemaErrors(m)).toEqual([]);
  });

  test('a cluster that is no control plane gets none of the cloud kinds (its own grants\' kinds only)', () => {
    const eks = rbac(clusterOf(s, 'eks'));
    expect(eks.length).toBeGreaterThan(0);
    expect(eks.filter((r) => r.endsWith('.ec2.aws.upbound.io'))).toEqual([]);
    // and the function itself: no grant of a controlled network, no cloud kind, whatever it is given
    const eksPlan = s.plan.clusters.find((c) => c.name === 'eks')!;
    expect(reapedResources(s.plan, eksPlan, CLOUD_REAPED_RESOURCES)).toEqual([]);
  });

  test('without a control plane no reaper holds the cloud kinds (and BH-AWS-BREAK-GLASS-REAPER says so)', () => {
    const t = synthesize(declare(false).topo, { now: NOW });
    expect(clusterOf(t, 'mgmt').filter((m) => m.metadata.name === REAPER_NAME)).toEqual([]);
    for (const c of t.clusters) expect(rbac(c.manifests).filter((r) => r.endsWith('.ec2.aws.upbound.io'))).toEqual([]);
    expect(t.warnings.map((w) => w.code)).toContain('BH-AWS-BREAK-GLASS-REAPER');
  });

  describe('the control plane\'s script against a fake kubectl serving the synthesized rule objects', () => {
    let dir: string;
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(now: number): string[] {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-aws-'));
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'date'), `#!/bin/sh\necho ${now}\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'kubectl'), [
        '#!/bin/sh',
        'case "$1" in',
        '  api-resources) cat "$FAKE/api-resources" ;;',
        '  get) [ -f "$FAKE/get-$2" ] && cat "$FAKE/get-$2"; exit 0 ;;',
        '  delete) echo "$*" >> "$FAKE/deleted.log"; exit 0 ;;',
        'esac',
        '',
      ].join('\n'), { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'api-resources'), 'pods\nsecuritygroupingressrules.ec2.aws.upbound.io\nsecuritygroupegressrules.ec2.aws.upbound.io\n');
      // what `kubectl get -l <break-glass>,<managed-by>=bulkhead` returns (the script's selector): the
      // network's objects that carry both labels, as the script's jsonpath prints them
      for (const kind of ['SecurityGroupIngressRule', 'SecurityGroupEgressRule']) {
        const listed = s.networks[0].manifests.filter((m) => m.kind === kind && m.metadata.labels?.[LABELS.breakGlass] && m.metadata.labels?.[LABELS.managedBy] === MANAGED_BY);
        fs.writeFileSync(path.join(dir, `get-${kind.toLowerCase()}s.ec2.aws.upbound.io`), listed.map((m) => `|${m.metadata.name}|${m.metadata.labels?.['bulkhead.io/expires-at']}`).join('\n') + '\n');
      }
      const r = spawnSync('sh', ['-c', script(clusterOf(s, 'mgmt'))], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, FAKE: dir } });
      expect(r.status).toBe(0);
      const log = path.join(dir, 'deleted.log');
      return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').sort() : [];
    }

    test('before expiry nothing is deleted; at expiry both rule objects are, cluster-scoped', () => {
      expect(run(EXPIRES - 1)).toEqual([]);
      expect(run(EXPIRES)).toEqual(rules.map((m) => `delete ${m.kind.toLowerCase()}s.ec2.aws.upbound.io ${m.metadata.name} --ignore-not-found --wait=false`).sort());
    });
  });
});
