/**
 * `bulkhead connlist --layer aws` and `bulkhead explain` on a folder of Crossplane manifests, with
 * a cloud endpoints file (`--endpoints`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../../lib/cli/main';

const PROD = path.join(__dirname, 'fixtures', 'prod');
const ENDPOINTS = path.join(__dirname, 'fixtures', 'endpoints.yaml');

function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('bulkhead connlist --layer aws', () => {
  test('lists the cloud endpoints the groups name, with the ports both sides allow', () => {
    const r = cli('connlist', PROD, '--layer', 'aws');
    expect(r).toEqual({
      code: EXIT_OK,
      out: [
        '10.1.0.0-10.1.255.255[External] => cloud:prod/orders-db : TCP 5432',
        'cloud:prod/erp => 10.0.0.2[External] : UDP 53',
        'cloud:prod/erp => cloud:prod/orders-db : TCP 5432',
        '',
      ].join('\n'),
      err: '',
    });
    // the aws layer alone: the effective connectivity is the same
    expect(cli('connlist', PROD).out).toBe(r.out);
  });

  test('with --endpoints: the bastion, reached from the office prefix list, reaching the ERP over ssh', () => {
    const r = cli('connlist', PROD, '--layer', 'aws', '--endpoints', ENDPOINTS);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toBe([
      '10.1.0.0-10.1.255.255[External] => cloud:prod/orders-db : TCP 5432',
      '198.51.100.0-198.51.100.255[External] => bastion : TCP 22',
      '203.0.113.0-203.0.113.255[External] => bastion : TCP 22',
      'bastion => cloud:prod/erp : TCP 22',
      'cloud:prod/erp => 10.0.0.2[External] : UDP 53',
      'cloud:prod/erp => cloud:prod/orders-db : TCP 5432',
      '',
    ].join('\n'));
    expect(JSON.parse(cli('connlist', PROD, '--layer', 'aws', '--format', 'json').out)).toHaveLength(3);
    expect(cli('connlist', PROD, '--layer', 'aws', '--endpoints', ENDPOINTS, '--format', 'dot').out).toContain('"bastion" -> "cloud:prod/erp" [label="TCP 22"');
  });
});

describe('bulkhead explain (cloud endpoints)', () => {
  test('names the group and the rule on each side', () => {
    const r = cli('explain', PROD, '--from', 'bastion', '--to', 'cloud:prod/erp', '--port', 'tcp/22', '--endpoints', ENDPOINTS);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toBe([
      'bastion => cloud:prod/erp : TCP 22',
      'verdict: ALLOWED',
      'aws: allowed',
      '  allow         SecurityGroup bastion SecurityGroupEgressRule bastion-to-erp-tcp-22: egress tcp 22 to SecurityGroup erp: cloud:prod/erp (10.0.1.36) is a member (its private address)',
      '  allow         SecurityGroup erp SecurityGroupIngressRule erp-from-bastion-tcp-22: ingress tcp 22 from SecurityGroup bastion: bastion (10.0.5.10) is a member (its private address)',
      '  allow         connection tracking: security groups are stateful: the responses flow back whatever the rules of either side say',
      '',
    ].join('\n'));
  });

  test('denied, with --exit-code; an address outside every group; json', () => {
    const denied = cli('explain', PROD, '--from', 'cloud:prod/orders-db', '--to', 'cloud:prod/erp', '--port', 'tcp/22', '--exit-code');
    expect(denied.code).toBe(EXIT_FINDING);
    expect(denied.out).toContain('verdict: DENIED (by aws)');
    expect(denied.out).toContain("default-deny  SecurityGroup orders-db: no egress rule of the source's groups allows TCP 22");
    const j = JSON.parse(cli('explain', PROD, '--from', '198.51.100.7', '--to', 'bastion', '--port', 'tcp/22', '--endpoints', ENDPOINTS, '--format', 'json').out);
    expect(j.allowed).toBe(true);
    expect(j.layers[0].reasons.map((x: { policy: string; rule?: string }) => [x.policy, x.rule])).toEqual([
      ['no security group', undefined],
      ['SecurityGroup bastion', 'SecurityGroupIngressRule bastion-from-office-tcp-22'],
      ['connection tracking', undefined],
    ]);
  });

  test('--ipv6 judges the IPv6 rules (none here: denied)', () => {
    const r = cli('explain', PROD, '--from', 'cloud:prod/erp', '--to', 'cloud:prod/orders-db', '--port', 'tcp/5432', '--ipv6');
    expect(r.out.split('\n')[1]).toBe('verdict: DENIED (by aws)');
  });

  test('bad input exits 2 and names the problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-aws-'));
    try {
      fs.writeFileSync(path.join(dir, 'eps.yaml'), 'endpoints:\n  - name: bastion\n    address: 10.0.5.10\n    groups: [nope]\n');
      const r = cli('connlist', PROD, '--layer', 'aws', '--endpoints', path.join(dir, 'eps.yaml'));
      expect(r.code).toBe(EXIT_BAD_INPUT);
      expect(r.err).toContain('[BH-AN-AWS-ENDPOINT] error at cloud endpoint bastion, groups[0]: no SecurityGroup of the input has this name or id');
      fs.writeFileSync(path.join(dir, 'rule.yaml'), fs.readFileSync(path.join(PROD, 'rules.yaml'), 'utf8'));
      const orphan = cli('connlist', dir, '--layer', 'aws');
      expect(orphan.code).toBe(EXIT_BAD_INPUT);
      expect(orphan.err).toContain('[BH-AN-AWS-GROUP-UNKNOWN]');
      expect(cli('connlist', PROD, '--endpoints', path.join(dir, 'missing.yaml')).code).toBe(EXIT_BAD_INPUT);
      expect(cli('explain', PROD, '--from', 'cloud:prod/erp', '--to', 'cloud:prod/orders-db', '--port', 'tcp/postgres').err).toContain('a named port needs a workload destination; cloud:prod/orders-db is a cloud endpoint');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
