// Soak run of the fast-check properties: the project's jest settings with `fast-check` mapped
// to a wrapper that multiplies every property's numRuns by FC_SOAK (default 10) and draws a
// fresh seed per property (FC_SEED=n pins one, to replay a failure). CLOCK_SHIFT_DAYS=n moves
// the tests' clock n days ahead (tests must not depend on today's date).
//   FC_SOAK=20 nice -n 10 npx jest --ci -c test/soak/jest.soak.config.js test/core/yaml.test.ts
'use strict';
const path = require('path');
const root = path.join(__dirname, '..', '..');
const base = require(path.join(root, 'package.json')).jest;

module.exports = {
  ...base,
  rootDir: root,
  testTimeout: 30 * 60 * 1000,
  setupFiles: [...(base.setupFiles ?? []), path.join(__dirname, 'clock-shift.js')],
  moduleNameMapper: { ...(base.moduleNameMapper ?? {}), '^fast-check$': path.join(__dirname, 'fast-check.js') },
};
