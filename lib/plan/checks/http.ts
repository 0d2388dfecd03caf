/**
 * HTTP rules constrain HTTP requests, which travel over TCP only: on a UDP or SCTP port they
 * can be enforced by no layer (Istio and Cilium parse HTTP on TCP), so the flow would mean
 * something other than what it says.
 */
import { Protocol } from '../../core/port';
import { mergePorts } from '../ports';
import { PlanHttpRule, PlanPort } from '../types';
import { Reporter } from './report';

/** `udp/53`, `sctp/3868-3869`. */
function portText(p: PlanPort): string {
  return `${p.protocol.toLowerCase()}/${p.port}${p.endPort === undefined ? '' : `-${p.endPort}`}`;
}

/**
 * Reports HTTP rules on a port list that holds UDP or SCTP ports (a flow, an export).
 *
 * @param what what carries the rules, for the message: `flow`, `export`
 */
export function checkHttpProtocol(where: string, what: string, ports: readonly PlanPort[], http: readonly PlanHttpRule[], report: Reporter): void {
  if (http.length === 0) return;
  const other = mergePorts(ports).filter((p) => p.protocol !== Protocol.TCP);
  if (other.length === 0) return;
  report.error(
    'BH-HTTP-PROTOCOL', where,
    `the ${what} has HTTP rules, and HTTP runs over TCP only: no layer can apply them to ${other.map(portText).join(', ')}`,
    { ports: other.map(portText), http },
    `declare the ${other.map((p) => p.protocol).filter((x, i, a) => a.indexOf(x) === i).join(' and ')} ports apart, without http, and keep the HTTP rules on the TCP ports`,
  );
}
