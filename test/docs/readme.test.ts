import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

describe('README', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  test('opens with the two setup commands and the main command', () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(firstBlock).toBe('npm ci\nnpm test\n');
    expect(readme).toMatch(/npm run synth/);
  });

  test('the quick start is the type-checked program examples/quickstart/main.ts', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const program = fs.readFileSync(path.join(ROOT, 'examples/quickstart/main.ts'), 'utf8');
    const asInRepo = block.replace(/from 'bulkhead\/cdk8s'/g, "from '../../lib/cdk8s'").replace(/from 'bulkhead'/g, "from '../../lib'");
    expect(program.endsWith(asInRepo)).toBe(true);
  });

  test('CI runs exactly the README\'s install and test commands', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci.split('\n').filter((l) => /^npm /.test(l))).toEqual(['npm ci', 'npm test']);
  });
});
