// fast-check with every `fc.assert` soaked: numRuns multiplied by FC_SOAK (default 10) and a
// fresh random seed (a pinned `seed` is dropped unless FC_SOAK_KEEP_SEED=1). Used by
// jest.soak.config.js only; `npm test` never loads it.
'use strict';
const path = require('path');
const real = require(path.join(__dirname, '..', '..', 'node_modules', 'fast-check', 'lib', 'cjs', 'fast-check.js'));

const factor = Number(process.env.FC_SOAK ?? '10');
const keepSeed = process.env.FC_SOAK_KEEP_SEED === '1';

function soaked(params) {
  const p = { ...(params ?? {}) };
  p.numRuns = Math.ceil((p.numRuns ?? 100) * factor);
  if (!keepSeed) {
    delete p.seed;
    delete p.path;
  }
  if (process.env.FC_SEED !== undefined) p.seed = Number(process.env.FC_SEED);
  if (process.env.FC_SOAK_LOG === '1') process.stderr.write(`fc.assert numRuns=${p.numRuns} seed=${p.seed ?? 'random'}\n`);
  return p;
}

module.exports = {
  ...real,
  assert: (property, params) => real.assert(property, soaked(params)),
  check: (property, params) => real.check(property, soaked(params)),
};
