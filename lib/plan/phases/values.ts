/**
 * Checks and conversions every phase shares: names, selectors, unique names, ports and HTTP
 * rules of a flow, an export or a grant.
 */
import { IConstruct } from 'constructs';
import { cmp } from '../../core/errors';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem } from '../../core/names';
import { Port } from '../../core/port';
import { HttpMatch } from '../../model/peer';
import { PlanHttpRule, PlanPort } from '../types';
import { Endpoint } from './endpoints';
import { Problems } from './problems';

const HTTP_METHOD = /^[A-Z]+$/;

/** Reports a name that is not a valid Kubernetes name (a DNS label). */
export function checkDnsName(p: Problems, c: IConstruct, what: string, value: string): void {
  const problem = typeof value === 'string' ? dnsLabelProblem(value) : 'it is not a string';
  if (problem) p.error('BH-NAME', c, `the ${what} is not a valid Kubernetes name: ${problem}`, value, 'use at most 63 lowercase letters, digits and -, starting and ending with a letter or digit');
}

/** Reports the invalid label keys and values of a selector. */
export function checkSelector(p: Problems, c: IConstruct, selector: Record<string, string>): void {
  for (const [k, v] of Object.entries(selector)) {
    const kp = labelKeyProblem(k);
    if (kp) p.error('BH-LABEL-KEY', c, `the label key is invalid: ${kp}`, k, "use a key such as 'app' or 'example.com/name'");
    const vp = typeof v === 'string' ? labelValueProblem(v) : 'it is not a string';
    if (vp) p.error('BH-LABEL-VALUE', c, `the value of label '${k}' is invalid: ${vp}`, v, 'use at most 63 letters, digits, -, _ and .');
  }
}

/**
 * Records `name` for `c` in `seen`, or reports `code` at `c` when another construct has the
 * name already (the first one keeps it).
 */
export function checkUnique<T extends IConstruct>(p: Problems, seen: Map<string, T>, name: string, c: T, code: string, what: string): void {
  const first = seen.get(name);
  if (first) p.error(code, c, `another ${what} has the same name (${first.node.path})`, name, `rename one of them (name: '${name}-2')`);
  else seen.set(name, c);
}

/**
 * The ports of a flow (an export, a grant) into `dst`, named ports resolved against the
 * destination's named ports; `undefined` (and problems) when a port is missing or unknown.
 * An endpoint without named ports (see {@link Endpoint.namedPorts}) resolves none.
 */
export function resolvePorts(p: Problems, where: string, ports: readonly Port[], dst: Endpoint): PlanPort[] | undefined {
  if (ports.length === 0) {
    p.error('BH-NO-PORTS', where, 'a flow needs at least one port', [], 'name the ports, such as Port.tcp(443)');
    return undefined;
  }
  const out: PlanPort[] = [];
  let ok = true;
  for (const port of ports) {
    if (!Port.isPort(port)) {
      p.error('BH-PORT', where, 'not a Port', port, 'use Port.tcp(443), Port.named(\'grpc\') or similar');
      ok = false;
      continue;
    }
    if (port.isNamed) {
      const found = dst.namedPorts?.find((x) => x.name === port.name && x.protocol === port.protocol);
      if (!found) {
        const known = dst.namedPorts
          ? dst.namedPorts.map((x) => `${x.protocol.toLowerCase()}/${x.name}`).join(', ') || 'none'
          : `${dst.kind.title} has no named ports`;
        p.error('BH-NAMED-PORT', where, `the destination does not define the named port ${port.toString()}`, port.toString(), `use one of its named ports (${known}), or add it to the destination's ports`);
        ok = false;
        continue;
      }
      out.push({ protocol: found.protocol, port: found.port, name: found.name });
    } else {
      out.push(port.to === undefined ? { protocol: port.protocol, port: port.from as number } : { protocol: port.protocol, port: port.from as number, endPort: port.to });
    }
  }
  return ok ? out : undefined;
}

/**
 * The HTTP rules of a flow or an export: methods upper-cased, everything sorted and
 * de-duplicated; `[]` (no L7 constraint) when one rule matches every request; `undefined`
 * (and problems) when a method or a path is invalid.
 */
export function httpRules(p: Problems, where: string, http: HttpMatch | readonly HttpMatch[] | undefined): PlanHttpRule[] | undefined {
  const list: readonly HttpMatch[] = http === undefined ? [] : isList(http) ? http : [http];
  let ok = true;
  const rules = list.map((h) => {
    const methods = [...new Set((h.methods ?? []).map((m) => m.toUpperCase()))].sort();
    for (const m of methods) {
      if (!HTTP_METHOD.test(m)) {
        p.error('BH-HTTP-METHOD', where, 'not an HTTP method', m, 'use a method such as GET or POST');
        ok = false;
      }
    }
    const paths = [...new Set(h.paths ?? [])].sort();
    for (const x of paths) {
      const stars = (x.match(/\*/g) ?? []).length;
      if (!(x.startsWith('/') || x.startsWith('*')) || stars > 1 || (stars === 1 && !x.startsWith('*') && !x.endsWith('*'))) {
        p.error('BH-HTTP-PATH', where, 'not a path Istio and Cilium can both match (exact, prefix* or *suffix, one * at most)', x, "write '/api/v1/pay', '/api/*' or '*.json'");
        ok = false;
      }
    }
    return { methods, paths };
  });
  // Rules are ORed. A rule with neither methods nor paths matches every request, so the OR
  // of the list does too: the flow (or export) has no L7 constraint. Dropping that rule
  // and keeping the others would narrow the flow to requests the user did not restrict.
  if (rules.some((r) => r.methods.length === 0 && r.paths.length === 0)) return ok ? [] : undefined;
  const unique = [...new Map(rules.map((r) => [JSON.stringify(r), r])).values()].sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b)));
  return ok ? unique : undefined;
}

function isList(h: HttpMatch | readonly HttpMatch[]): h is readonly HttpMatch[] {
  return Array.isArray(h);
}

/** A copy of a string record with its keys in sorted order. */
export function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

/** `tcp/9090`, `tcp/8000-8100`. */
export function portText(p: PlanPort): string {
  return `${p.protocol.toLowerCase()}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`;
}
