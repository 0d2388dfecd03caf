/** How observed HTTP paths become declaration paths. */
import * as fc from 'fast-check';
import { generalizePath, MAX_PATHS, pathCovers, reducePaths } from '../../lib/infer';

test.each([
  ['/', '/'],
  ['/products', '/products'],
  ['/products/42', '/products/*'],
  ['/api/v1/orders/42/items', '/api/v1/orders/*'],
  ['/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/avatar', '/users/*'],
  ['/blobs/0123456789abcdef0123', '/blobs/*'],
  ['/files/a%20b', '/files/*'],
  ['/odd/*/x', '/odd/*'],
  ['/cart.Cart/AddItem', '/cart.Cart/AddItem'],
])('%s -> %s', (observed, declared) => {
  expect(generalizePath(observed)).toBe(declared);
});

test('a prefix drops the paths it covers, not the exact path above it', () => {
  expect(reducePaths(['/products', '/products/*', '/products/7/*', '/a'])).toEqual(['/a', '/products', '/products/*']);
});

test('too many paths are cut to their first segment, then to every path', () => {
  const many = Array.from({ length: MAX_PATHS + 1 }, (_, i) => `/api/r${i}`);
  expect(reducePaths(many)).toEqual(['/api/*']);
  const spread = Array.from({ length: MAX_PATHS + 1 }, (_, i) => `/r${i}/x`);
  expect(reducePaths(spread)).toBeUndefined();
});

test('property: the declaration path of an observed path matches it, is valid for Istio and Cilium, and is stable', () => {
  const seg = fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), fc.nat().map(String), fc.uuid(), fc.string({ maxLength: 6 }));
  fc.assert(fc.property(fc.array(seg, { maxLength: 6 }), (segs) => {
    const observed = `/${segs.join('/')}`;
    const declared = generalizePath(observed);
    expect(pathCovers(declared, observed)).toBe(true);
    const stars = (declared.match(/\*/g) ?? []).length;
    expect(stars <= 1 && declared.startsWith('/') && (stars === 0 || declared.endsWith('*'))).toBe(true);
    if (!declared.endsWith('*')) expect(generalizePath(declared)).toBe(declared);
  }), { numRuns: 300 });
});
