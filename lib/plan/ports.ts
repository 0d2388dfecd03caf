/**
 * Port lists of the plan: sorted, with overlapping or adjacent ranges merged.
 */
import { cmp } from '../core/errors';
import { Protocol } from '../core/port';
import { PlanPort } from './types';

/** Sorts ports and merges overlapping or adjacent ranges of one protocol. */
export function mergePorts(ports: readonly PlanPort[]): PlanPort[] {
  if (ports.length === 1) return [single(ports[0])];
  if (ports.length === 2 && ports[0].protocol !== ports[1].protocol) {
    // Two protocols (such as DNS on TCP and UDP): nothing to merge, only the order to fix.
    const [a, b] = ports[0].protocol < ports[1].protocol ? [ports[0], ports[1]] : [ports[1], ports[0]];
    return [single(a), single(b)];
  }
  const byProto = new Map<Protocol, PlanPort[]>();
  for (const p of ports) {
    const list = byProto.get(p.protocol);
    if (list) list.push(p);
    else byProto.set(p.protocol, [p]);
  }
  const out: PlanPort[] = [];
  for (const proto of [...byProto.keys()].sort()) {
    // Ties (one port number reached under two names, or with and without a name) are broken
    // by name, so the name kept does not depend on the order of the statements.
    const list = (byProto.get(proto) ?? []).sort((a, b) => a.port - b.port || (a.endPort ?? a.port) - (b.endPort ?? b.port) || cmp(a.name ?? '', b.name ?? ''));
    let cur: { port: number; end: number; name?: string } | undefined;
    const flush = () => {
      if (!cur) return;
      out.push(cur.end === cur.port
        ? { protocol: proto, port: cur.port, ...(cur.name ? { name: cur.name } : {}) }
        : { protocol: proto, port: cur.port, endPort: cur.end });
    };
    for (const p of list) {
      const end = p.endPort ?? p.port;
      if (cur && p.port <= cur.end + 1) {
        if (p.port === cur.port && end === cur.end) {
          cur.name = cur.name ?? p.name;
          continue;
        }
        cur = { port: cur.port, end: Math.max(cur.end, end) };
      } else {
        flush();
        cur = { port: p.port, end, ...(p.name && end === p.port ? { name: p.name } : {}) };
      }
    }
    flush();
  }
  return out;
}

/** One port as {@link mergePorts} writes it: a single port keeps its name, a range loses it. */
function single(p: PlanPort): PlanPort {
  const end = p.endPort ?? p.port;
  if (end === p.port) return p.name ? { protocol: p.protocol, port: p.port, name: p.name } : { protocol: p.protocol, port: p.port };
  return { protocol: p.protocol, port: p.port, endPort: end };
}
