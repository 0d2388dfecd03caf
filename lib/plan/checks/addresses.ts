/**
 * Address sets of the declaration: the addresses an External stands for, and the checks that
 * keep the address ranges of clusters and Externals apart.
 *
 * An External stands for (∪ cidrs − ∪ except). CIDRs are either nested or disjoint, so the set
 * is computed on the CIDRs themselves (containment only, no address arithmetic): the outermost
 * cidrs, each minus the outermost except ranges strictly inside it; a cidr that an except range
 * contains (or equals) adds nothing.
 */
import { cmp } from '../../core/errors';
import { Cidr } from '../../core/cidr';
import { Reporter } from './report';

/** A block of an address set: `cidr` minus the `except` ranges, which lie strictly inside it. */
export interface AddressSetBlock {
  /** The block. */
  readonly cidr: string;
  /** Ranges strictly inside `cidr`, disjoint, not covering it, sorted. */
  readonly except: readonly string[];
}

/** One cidr of an External that adds no address, and why. */
export interface EmptyCidr {
  /** The cidr as normalized. */
  readonly cidr: string;
  /** The except range that contains it, or the ranges that together cover it. */
  readonly coveredBy: readonly string[];
}

/** The normalized address set of an External. */
export interface AddressSet {
  /**
   * Disjoint blocks whose union is exactly (∪ cidrs − ∪ except), sorted by cidr: no block is
   * empty, none lies inside another, every except range lies strictly inside its block.
   */
  readonly blocks: readonly AddressSetBlock[];
  /** Outermost cidrs that the except ranges cover entirely (they add no address). */
  readonly excepted: readonly EmptyCidr[];
}

/**
 * The address set (∪ cidrs − ∪ except) as minimal blocks.
 *
 * @example
 * addressSet(['10.0.0.0/8', '192.168.0.0/16'], ['10.0.0.0/8', '192.168.1.0/24'])
 * // { blocks: [{ cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }], excepted: [{ cidr: '10.0.0.0/8', coveredBy: ['10.0.0.0/8'] }] }
 */
export function addressSet(cidrs: readonly string[], except: readonly string[]): AddressSet {
  const outer = outermost(cidrs.map((c) => Cidr.of(c)));
  const carve = outermost(except.map((c) => Cidr.of(c)));
  const blocks: AddressSetBlock[] = [];
  const excepted: EmptyCidr[] = [];
  for (const c of outer) {
    const around = carve.find((e) => e.contains(c));
    if (around) {
      excepted.push({ cidr: c.toString(), coveredBy: [around.toString()] });
      continue;
    }
    // No except range contains c, so the ones it meets lie strictly inside it (CIDRs nest or
    // are disjoint), and they are disjoint from each other (outermost only).
    const inside = carve.filter((e) => c.contains(e));
    const names = inside.map((e) => e.toString()).sort(cmp);
    if (inside.length > 0 && covers(c, inside)) {
      excepted.push({ cidr: c.toString(), coveredBy: names });
      continue;
    }
    blocks.push({ cidr: c.toString(), except: names });
  }
  return { blocks: blocks.sort((a, b) => cmp(a.cidr, b.cidr)), excepted: excepted.sort((a, b) => cmp(a.cidr, b.cidr)) };
}

/**
 * The blocks of an External of the plan, from its `cidrs` and `except` lists. The planner
 * writes those lists already normalized (see {@link addressSet}); renderers read them through
 * this function, so that a plan written by other means is read with the same set semantics.
 */
export function externalBlocks(external: { readonly cidrs: readonly string[]; readonly except: readonly string[] }): readonly AddressSetBlock[] {
  return addressSet(external.cidrs, external.except).blocks;
}

/** Distinct CIDRs, without the ones inside another of the list. */
function outermost(list: readonly Cidr[]): Cidr[] {
  const unique = [...new Map(list.map((c) => [c.toString(), c])).values()];
  return unique.filter((c) => !unique.some((o) => o !== c && o.contains(c)));
}

/**
 * Whether disjoint ranges inside `c` cover it: their sizes add up to its size (counted in
 * powers of two of the prefix lengths, exact for IPv6 too).
 */
function covers(c: Cidr, inside: readonly Cidr[]): boolean {
  const bits = c.family === 'ipv4' ? 32 : 128;
  const size = (x: Cidr) => BigInt(2) ** BigInt(bits - x.prefix);
  return inside.reduce((sum, e) => sum + size(e), BigInt(0)) === size(c);
}

/** The address ranges of one cluster, for the overlap checks. */
export interface ClusterRanges {
  /** Cluster name. */
  readonly name: string;
  /** Construct path. */
  readonly path: string;
  /** Pod CIDRs (normalized). */
  readonly podCidrs: readonly string[];
  /** Node CIDRs (normalized). */
  readonly nodeCidrs: readonly string[];
}

/** An External's normalized address set, for the overlap checks. */
export interface ExternalRanges {
  /** External name. */
  readonly name: string;
  /** Construct path. */
  readonly path: string;
  /** Its blocks. */
  readonly blocks: readonly AddressSetBlock[];
}

interface Range {
  readonly field: 'podCidrs' | 'nodeCidrs';
  readonly cidr: Cidr;
}

function rangesOf(c: ClusterRanges): Range[] {
  return [
    ...c.podCidrs.map((x) => ({ field: 'podCidrs' as const, cidr: Cidr.of(x) })),
    ...c.nodeCidrs.map((x) => ({ field: 'nodeCidrs' as const, cidr: Cidr.of(x) })),
  ];
}

/**
 * Pod and node CIDRs of different clusters must not overlap: a layer that addresses a peer of
 * another cluster by IP could not tell which cluster's pods an address stands for. An External
 * stands for addresses outside the clusters: its address set must not take in part of a
 * cluster's range. A wider network that holds a cluster's range whole (`0.0.0.0/0`, a
 * corporate `10.0.0.0/8`) is accepted; pods of the cluster are still told apart by identity
 * where a layer can.
 */
export function checkAddressOverlaps(clusters: readonly ClusterRanges[], externals: readonly ExternalRanges[], report: Reporter): void {
  const sorted = [...clusters].sort((a, b) => cmp(a.path, b.path));
  const ranges = sorted.map(rangesOf);
  for (let j = 0; j < sorted.length; j++) {
    for (let i = 0; i < j; i++) {
      if (sorted[i].name === sorted[j].name) continue; // a duplicate name is its own error
      for (const a of ranges[i]) {
        for (const b of ranges[j]) {
          if (!a.cidr.overlaps(b.cidr)) continue;
          report.error(
            'BH-CIDR-OVERLAP', sorted[j].path,
            `its ${b.field} range ${b.cidr.toString()} overlaps the ${a.field} range ${a.cidr.toString()} of cluster '${sorted[i].name}' (${sorted[i].path}): an address in both could stand for either cluster, so a peer addressed by IP is ambiguous`,
            { [`${sorted[j].name}.${b.field}`]: b.cidr.toString(), [`${sorted[i].name}.${a.field}`]: a.cidr.toString() },
            `give each cluster its own address ranges: change the ${b.field} of cluster '${sorted[j].name}' or the ${a.field} of cluster '${sorted[i].name}'`,
          );
        }
      }
    }
  }
  for (const e of [...externals].sort((a, b) => cmp(a.path, b.path))) {
    for (const block of e.blocks) {
      const c = Cidr.of(block.cidr);
      const carve = block.except.map((x) => Cidr.of(x));
      for (let k = 0; k < sorted.length; k++) {
        for (const r of ranges[k]) {
          const where = `the ${r.field} range ${r.cidr.toString()} of cluster '${sorted[k].name}'`;
          if (r.cidr.contains(c)) {
            report.error(
              'BH-EXTERNAL-OVERLAP', e.path,
              `its range ${c.toString()} lies within ${where}: an External stands for addresses outside the clusters, and layers that address pods by IP could not tell the two apart`,
              c.toString(),
              `declare those pods as Workloads of cluster '${sorted[k].name}', or correct the External's cidrs (or the cluster's ${r.field})`,
            );
          } else if (c.contains(r.cidr) && carve.some((x) => r.cidr.contains(x) && !x.contains(r.cidr))) {
            report.error(
              'BH-EXTERNAL-OVERLAP', e.path,
              `its range ${c.toString()} minus its except ranges takes in part of ${where}: an External stands for addresses outside the clusters, and layers that address pods by IP could not tell the two apart`,
              { cidr: c.toString(), except: block.except.filter((x) => r.cidr.contains(Cidr.of(x))) },
              `except the whole range (except: ['${r.cidr.toString()}']), or none of it`,
            );
          }
        }
      }
    }
  }
}
