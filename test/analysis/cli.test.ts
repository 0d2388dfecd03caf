import * as path from 'path';
import { EXIT_BAD_INPUT, EXIT_FINDING, EXIT_OK, run } from '../../lib/cli/main';

const FIXTURES = path.join(__dirname, 'fixtures');
const SHOP = path.join(FIXTURES, 'shop');
const SHOP_AFTER = path.join(FIXTURES, 'shop-after');

function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('bulkhead connlist', () => {
  test('txt by default', () => {
    const r = cli('connlist', SHOP);
    expect(r).toEqual({
      code: EXIT_OK,
      out: [
        '0.0.0.0-9.255.255.255[External] => shop/web[Deployment] : TCP 8080',
        '11.0.0.0-255.255.255.255[External] => shop/web[Deployment] : TCP 8080',
        'shop/web[Deployment] => shop/db[Deployment] : TCP 5432',
        '',
      ].join('\n'),
      err: '',
    });
  });
  test('json, md and dot; --layer', () => {
    expect(JSON.parse(cli('connlist', SHOP, '--format', 'json').out)).toHaveLength(3);
    expect(cli('connlist', SHOP, '--format', 'md').out).toMatch(/^\| src \| dst \| conn \|/);
    expect(cli('connlist', SHOP, '--format', 'dot').out).toMatch(/^digraph \{/);
    expect(cli('connlist', SHOP, '--layer', 'kubernetes').out).toBe(cli('connlist', SHOP).out);
  });
  test('bad input exits 2 with a clear message', () => {
    const r = cli('connlist', path.join(FIXTURES, 'malformed'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.out).toBe('');
    expect(r.err).toContain('bad.yaml (document 1), NetworkPolicy shop/broken, spec.ingress[0].from[0].ipBlock.cidr: not a valid CIDR');
    expect(r.err).toContain('fix:');
    expect(cli('connlist', path.join(FIXTURES, 'does-not-exist')).code).toBe(EXIT_BAD_INPUT);
    expect(cli('connlist', SHOP, '--format', 'xml').code).toBe(EXIT_BAD_INPUT);
    expect(cli('connlist', SHOP, '--layer', 'nope').code).toBe(EXIT_BAD_INPUT);
    expect(cli('connlist').code).toBe(EXIT_BAD_INPUT);
    expect(cli('nonsense').code).toBe(EXIT_BAD_INPUT);
  });
});

describe('bulkhead explain', () => {
  test('allowed, with the rules', () => {
    const r = cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/5432');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out.split('\n').slice(0, 3)).toEqual(['shop/web[Deployment] => shop/db[Deployment] : TCP 5432', 'verdict: ALLOWED', 'kubernetes: allowed']);
    expect(r.out).toContain('NetworkPolicy shop/web spec.egress[0]');
    expect(r.out).toContain('NetworkPolicy shop/db spec.ingress[0]');
  });
  test('named ports, addresses outside the cluster, json', () => {
    const r = cli('explain', SHOP, '--from', '10.1.2.3', '--to', 'shop/web[Deployment]', '--port', 'tcp/http', '--format', 'json');
    expect(r.code).toBe(EXIT_OK);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ src: '10.1.2.3[External]', dst: 'shop/web[Deployment]', connection: { protocol: 'TCP', port: 8080 }, allowed: false });
    expect(j.layers[0].reasons.map((x: { effect: string }) => x.effect)).toEqual(['default-allow', 'default-deny', 'default-deny']);
  });
  test('HTTP and plaintext options are passed through', () => {
    const r = cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/5432', '--http-method', 'get', '--http-path', '/a', '--plaintext');
    expect(r.out.split('\n')[0]).toBe('shop/web[Deployment] => shop/db[Deployment] : TCP 5432 GET /a (plaintext)');
  });
  test('bad input exits 2', () => {
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db').code).toBe(EXIT_BAD_INPUT);
    expect(cli('explain', SHOP, '--from', 'shop/nope', '--to', 'shop/db', '--port', 'tcp/1').err).toMatch(/no workload shop\/nope/);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', '5432').err).toMatch(/write <protocol>\/<port>/);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/grpc').err).toMatch(/has no TCP port named grpc \(it has tcp\/pg\)/);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/99999').code).toBe(EXIT_BAD_INPUT);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/80-90').err).toMatch(/explain judges one port/);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/1', '--resolve', 'nonsense').err).toMatch(/write name=address/);
    expect(cli('explain', SHOP, '--from', 'shop/web', '--to', 'shop/db', '--port', 'tcp/1', '--http-path', '/x').err).toMatch(/need --http-method/);
  });
});

describe('bulkhead diff', () => {
  test('changes are listed; exit 0 without --exit-code, 1 with it', () => {
    const r = cli('diff', SHOP, SHOP_AFTER);
    expect(r).toEqual({ code: EXIT_OK, out: '+ 10.1.0.0-10.255.255.255[External] => shop/web[Deployment] : TCP 8080\n', err: '' });
    expect(cli('diff', SHOP, SHOP_AFTER, '--exit-code').code).toBe(EXIT_FINDING);
    expect(cli('diff', SHOP, SHOP, '--exit-code')).toEqual({ code: EXIT_OK, out: '', err: '' });
  });
  test('--layer and formats', () => {
    expect(cli('diff', SHOP, SHOP_AFTER, '--layer', 'kubernetes').out).toBe(cli('diff', SHOP, SHOP_AFTER).out);
    expect(JSON.parse(cli('diff', SHOP, SHOP_AFTER, '--format', 'json').out).changes).toHaveLength(1);
  });
  test('bad input exits 2', () => {
    expect(cli('diff', SHOP).code).toBe(EXIT_BAD_INPUT);
    expect(cli('diff', SHOP, SHOP_AFTER, '--layer', 'nope').code).toBe(EXIT_BAD_INPUT);
    // the aws layer is simulated: no security groups, no change
    expect(cli('diff', SHOP, SHOP_AFTER, '--layer', 'aws')).toEqual({ code: EXIT_OK, out: '', err: '' });
    expect(cli('diff', SHOP, path.join(FIXTURES, 'malformed')).code).toBe(EXIT_BAD_INPUT);
  });
});

describe('bulkhead verify and help', () => {
  test('verify of a program that does not exist: a clear error, exit 2', () => {
    const r = cli('verify', 'anything.ts');
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toMatch(/no such file: anything\.ts/);
  });
  test('--help exits 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/connlist/);
  });
});
