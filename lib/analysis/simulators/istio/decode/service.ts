/**
 * Decodes what Istio's protocol selection reads of a core `v1` Service: the ports of a
 * Service with a selector, and the protocol `appProtocol` or the port name declares.
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
import { isRecord } from '../../../selector';
import { PortProtocol, ServicePort } from '../model';

// Istio protocol selection: `appProtocol`, else the port name `<protocol>[-<suffix>]`.
// HTTP filter chain: http, http2, grpc, grpc-web; opaque TCP for the sidecar: tcp, tls, https
// (the sidecar does not terminate TLS), mongo, mysql, redis.
const HTTP_NAMES = ['http', 'http2', 'grpc', 'grpc-web'];
const TCP_NAMES = ['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis'];

/** The protocol a Service port declares for Istio, from `appProtocol` or its name. */
export function declaredProtocol(name: string | undefined, appProtocol: string | undefined): { protocol: PortProtocol; from: string } {
  const classify = (v: string): PortProtocol => (HTTP_NAMES.includes(v) || v === 'kubernetes.io/h2c' ? 'http' : TCP_NAMES.includes(v) ? 'tcp' : 'auto');
  if (appProtocol) {
    const p = classify(appProtocol.toLowerCase());
    if (p !== 'auto') return { protocol: p, from: `appProtocol ${appProtocol}` };
  }
  if (name) {
    const lower = name.toLowerCase();
    const prefix = lower.split('-')[0];
    const p = lower.startsWith('grpc-web') ? 'http' : classify(prefix);
    if (p !== 'auto') return { protocol: p, from: `port name ${name}` };
  }
  return { protocol: 'auto', from: name ? `port name ${name} (no protocol prefix)` : 'an unnamed port' };
}

/**
 * The TCP ports of a core `v1` Service with a selector, with the protocol Istio's explicit
 * protocol selection takes for each. The reading is lenient: a Service is the loader's and
 * the API server's to check, so what does not fit is skipped, never an error.
 */
export function decodeServicePorts(obj: Readonly<Record<string, unknown>>): ServicePort[] {
  const out: ServicePort[] = [];
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (typeof meta.name !== 'string' || !isRecord(spec.selector) || !Array.isArray(spec.ports)) return out;
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.selector)) if (typeof v === 'string') selector[k] = v;
  if (Object.keys(selector).length === 0) return out;
  spec.ports.forEach((p, i) => {
    if (!isRecord(p) || typeof p.port !== 'number') return;
    if (p.protocol !== undefined && p.protocol !== 'TCP') return;
    const target = typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : p.port;
    const d = declaredProtocol(typeof p.name === 'string' ? p.name : undefined, typeof p.appProtocol === 'string' ? p.appProtocol : undefined);
    out.push({ ref: `Service ${namespace}/${meta.name}`, field: `spec.ports[${i}]`, namespace, selector, target: /^\d+$/.test(String(target)) ? Number(target) : target, protocol: d.protocol, from: d.from });
  });
  return out;
}
