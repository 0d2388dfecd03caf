/**
 * The command's `--layer` choices derive from the registered simulators: every simulated layer
 * is offered, and a layer without a simulator is refused with a usage error that names the
 * choices (never offered, then refused).
 */
import * as path from 'path';
import { SIMULATORS } from '../../lib/analysis/simulators';
import { EXIT_BAD_INPUT, EXIT_OK, layerChoices, run } from '../../lib/cli/main';
import { LAYER_NAMES, SIMULATED_LAYERS } from '../../lib/core/layers';

const SHOP = path.join(__dirname, '..', 'analysis', 'fixtures', 'shop');

function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('--layer', () => {
  test('offers exactly the simulated layers, in report order, in the help of connlist and diff', () => {
    expect(layerChoices()).toEqual(SIMULATORS.map((s) => s.layer));
    for (const command of ['connlist', 'diff']) {
      const help = cli(command, '--help').out.replace(/\s+/g, ' ');
      expect(help).toContain(`(choices: ${layerChoices().map((l) => `"${l}"`).join(', ')})`);
    }
  });

  test('every offered layer is accepted; kubernetes covers NetworkPolicy and ClusterNetworkPolicy', () => {
    for (const layer of layerChoices()) expect(cli('connlist', SHOP, '--layer', layer).code).toBe(EXIT_OK);
    expect(cli('connlist', '--help').out.replace(/\s+/g, ' ')).toMatch(/kubernetes: NetworkPolicy and ClusterNetworkPolicy together/);
  });

  test('a layer name that is not simulated (a synthesis-only layer, a layer without a simulator yet) is refused with the choices', () => {
    const unsimulated = [...LAYER_NAMES, ...SIMULATED_LAYERS].filter((l) => !(layerChoices() as string[]).includes(l));
    expect(unsimulated).toContain('cluster-network-policy');
    for (const layer of unsimulated) {
      const r = cli('connlist', SHOP, '--layer', layer);
      expect(r.code).toBe(EXIT_BAD_INPUT);
      expect(r.err).toContain(`the layer ${layer} is not simulated; use one of: ${layerChoices().join(', ')}`);
    }
  });
});
