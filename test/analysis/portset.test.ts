import * as fc from 'fast-check';
import { L4_PROTOCOLS, PortSet } from '../../lib/analysis/portset';

describe('PortSet', () => {
  test('the printed form', () => {
    expect(PortSet.ALL.toString()).toBe('All Connections');
    expect(PortSet.EMPTY.toString()).toBe('No Connections');
    expect(PortSet.unionAll([PortSet.of('UDP', 53), PortSet.of('TCP', 8081), PortSet.of('TCP', 8080), PortSet.of('SCTP', 7070)]).toString()).toBe('SCTP 7070,TCP 8080-8081,UDP 53');
    expect(PortSet.allOf('TCP').toString()).toBe('TCP 1-65535');
    expect(PortSet.ALL.subtract(PortSet.of('TCP', 22)).toString()).toBe('SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535');
  });
  test('set algebra agrees with membership', () => {
    const setArb = fc
      .array(fc.tuple(fc.constantFrom(...L4_PROTOCOLS), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 5 })), { maxLength: 4 })
      .map((rs) => PortSet.unionAll(rs.map(([p, a, w]) => PortSet.of(p, a, a + w))));
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const u = a.union(b);
        const i = a.intersect(b);
        const d = a.subtract(b);
        const wrong: string[] = [];
        for (const p of L4_PROTOCOLS) {
          for (let port = 1; port <= 46; port++) {
            const x = a.has(p, port);
            const y = b.has(p, port);
            if (u.has(p, port) !== (x || y) || i.has(p, port) !== (x && y) || d.has(p, port) !== (x && !y)) wrong.push(`${p}/${port}`);
          }
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
