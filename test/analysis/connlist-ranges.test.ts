/**
 * The connectivity list prints external address ranges as netpol-analyzer does: adjacent
 * ranges with the same connections to (or from) the same workload are one line (for example
 * `0.0.0.0-255.255.255.255 => ns1/pod1[Deployment] : All Connections` in netpol-analyzer's
 * test_outputs/connlist/anp_and_banp_using_networks_test_connlist_output.txt, where the
 * egress rules split the address space but ingress allows all of it); ranges sort
 * numerically (10.0.0.0 after 9.255.255.255, not before it).
 */
import * as fc from 'fast-check';
import { Analysis } from '../../lib/analysis/engine';
import { formatConnectivity, mergeAdjacentRanges } from '../../lib/analysis/format';
import { rangeId } from '../../lib/analysis/ipv4';
import { loadObjects } from '../../lib/analysis/loader';
import { PortSet } from '../../lib/analysis/portset';
import { AllowedConnection } from '../../lib/analysis/types';
import { deployment } from './util';

const web = 'shop/web[Deployment]';
const conn = (src: string, dst: string, ports: PortSet): AllowedConnection => ({ src, dst, ports });
const tcp443 = PortSet.of('TCP', 443, 443);

describe('connlist: adjacent external ranges', () => {
  test.each([
    {
      name: 'two adjacent ranges with the same ports to one workload are one line',
      conns: [conn('0.0.0.0-9.255.255.255', web, tcp443), conn('10.0.0.0-255.255.255.255', web, tcp443)],
      txt: ['0.0.0.0-255.255.255.255[External] => shop/web[Deployment] : TCP 443'],
    },
    {
      name: 'adjacent ranges with different ports stay apart, numerically sorted',
      conns: [conn('10.0.0.0-255.255.255.255', web, PortSet.ALL), conn('0.0.0.0-9.255.255.255', web, tcp443)],
      txt: ['0.0.0.0-9.255.255.255[External] => shop/web[Deployment] : TCP 443', '10.0.0.0-255.255.255.255[External] => shop/web[Deployment] : All Connections'],
    },
    {
      name: 'ranges that are not adjacent stay apart',
      conns: [conn(web, '10.0.0.0-10.0.0.255', tcp443), conn(web, '10.0.2.0-10.0.2.255', tcp443)],
      txt: ['shop/web[Deployment] => 10.0.0.0-10.0.0.255[External] : TCP 443', 'shop/web[Deployment] => 10.0.2.0-10.0.2.255[External] : TCP 443'],
    },
    {
      name: 'egress ranges merge per source; single addresses join ranges',
      conns: [conn(web, '198.51.100.9', tcp443), conn(web, '198.51.100.10-198.51.100.255', tcp443), conn(web, '198.51.100.0-198.51.100.8', tcp443)],
      txt: ['shop/web[Deployment] => 198.51.100.0-198.51.100.255[External] : TCP 443'],
    },
    {
      name: 'the same ranges to two workloads merge for each',
      conns: [conn('0.0.0.0-127.255.255.255', web, tcp443), conn('128.0.0.0-255.255.255.255', web, tcp443), conn('0.0.0.0-127.255.255.255', 'shop/api[Deployment]', tcp443)],
      txt: ['0.0.0.0-255.255.255.255[External] => shop/web[Deployment] : TCP 443', '0.0.0.0-127.255.255.255[External] => shop/api[Deployment] : TCP 443'],
    },
    {
      name: 'numeric order: 9.x before 10.x before 100.x, all before workloads',
      conns: [conn('100.0.0.0', web, PortSet.ALL), conn('9.0.0.0', web, tcp443), conn('10.0.0.0', web, PortSet.of('UDP', 53, 53)), conn(web, 'shop/api[Deployment]', tcp443)],
      txt: ['9.0.0.0[External] => shop/web[Deployment] : TCP 443', '10.0.0.0[External] => shop/web[Deployment] : UDP 53', '100.0.0.0[External] => shop/web[Deployment] : All Connections', 'shop/web[Deployment] => shop/api[Deployment] : TCP 443'],
    },
  ])('$name', ({ conns, txt }) => {
    // the txt lines are sorted by source then destination, so compare as sets where sources tie
    const out = formatConnectivity(conns, 'txt').trimEnd().split('\n');
    expect(new Set(out)).toEqual(new Set(txt));
    expect(out).toHaveLength(txt.length);
  });

  test('sources sort numerically, then destinations', () => {
    const out = formatConnectivity([conn('10.0.0.0', web, tcp443), conn('9.0.0.0', web, PortSet.ALL), conn('9.0.0.0', 'a/b[Deployment]', PortSet.ALL)], 'txt');
    expect(out).toBe('9.0.0.0[External] => a/b[Deployment] : All Connections\n9.0.0.0[External] => shop/web[Deployment] : All Connections\n10.0.0.0[External] => shop/web[Deployment] : TCP 443\n');
  });

  test('json and md print the merged ranges too', () => {
    const conns = [conn('0.0.0.0-9.255.255.255', web, tcp443), conn('10.0.0.0-255.255.255.255', web, tcp443)];
    expect(JSON.parse(formatConnectivity(conns, 'json'))).toEqual([expect.objectContaining({ src: '0.0.0.0-255.255.255.255[External]', dst: web, connections: 'TCP 443' })]);
    expect(formatConnectivity(conns, 'md')).toContain('| 0.0.0.0-255.255.255.255[External] | shop/web[Deployment] | TCP 443 |');
  });

  test('property: merging covers exactly the same addresses with the same ports, and leaves no two adjacent ranges with equal ports', () => {
    const cut = fc.uniqueArray(fc.integer({ min: 1, max: 0xffffffff }), { maxLength: 8 }).map((cs) => [0, ...cs.sort((a, b) => a - b)]);
    fc.assert(fc.property(cut, fc.array(fc.constantFrom(0, 1, 2), { minLength: 9, maxLength: 9 }), (cuts, choice) => {
      const portsOf = [PortSet.EMPTY, tcp443, PortSet.ALL];
      const conns: AllowedConnection[] = [];
      cuts.forEach((a, i) => {
        const b = i + 1 < cuts.length ? cuts[i + 1] - 1 : 0xffffffff;
        const p = portsOf[choice[i]];
        if (!p.isEmpty()) conns.push(conn(rangeId(a, b), web, p));
      });
      const merged = mergeAdjacentRanges(conns);
      const sample = (cs: readonly AllowedConnection[], addr: number): string => {
        const c = cs.find((x) => {
          const [f, l] = x.src.split('-');
          const n = (s: string): number => s.split('.').reduce((v, o) => v * 256 + Number(o), 0);
          return n(f) <= addr && addr <= n(l ?? f);
        });
        return c ? c.ports.toString() : '';
      };
      for (const a of [...cuts, ...cuts.map((c) => Math.max(0, c - 1)), 0xffffffff]) expect(sample(merged, a)).toBe(sample(conns, a));
      expect(merged.length).toBeLessThanOrEqual(conns.length);
      const n = (s: string): number => s.split('.').reduce((v, o) => v * 256 + Number(o), 0);
      const spans = merged.map((c) => { const [f, l] = c.src.split('-'); return { a: n(f), b: n(l ?? f), p: c.ports.toString() }; }).sort((x, y) => x.a - y.a);
      for (let i = 1; i < spans.length; i++) if (spans[i - 1].b + 1 === spans[i].a) expect(spans[i].p).not.toBe(spans[i - 1].p);
    }), { numRuns: 200 });
  });

  test('the engine\'s list is unchanged (diff and verify compare split ranges); only the printed list merges', () => {
    const egressAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }, { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] } };
    const a = Analysis.of(loadObjects([deployment('shop', 'web', { app: 'web' }), egressAll], 'mem'));
    const list = a.connectivity().filter((c) => c.src === web);
    expect(list.map((c) => c.dst)).toEqual(['0.0.0.0-9.255.255.255', '10.0.0.0-10.255.255.255', '11.0.0.0-255.255.255.255']);
    expect(formatConnectivity(list, 'txt')).toBe('shop/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections\n');
  });
});
