/**
 * Decodes a `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy, the predecessor of the
 * Admin tier of ClusterNetworkPolicy: `spec.priority` 0 to 1000, actions Allow / Deny / Pass,
 * ports as `ports` (portNumber, portRange or namedPort). No evaluation here: see `../cnp.ts`,
 * which evaluates the three cluster-wide kinds alike.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
import { InputLocation, ProblemSet, inputError } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { PortSet } from '../../../portset';
import { fieldNames, kindSchema, schemaAt } from '../../../schema';
import { isRecord } from '../../../selector';
import { NamedPort, RulePorts } from '../model';
import { item, listField, setKeys, sub } from './shared';
import { DecodedTieredPolicy, TieredKindSpec, decodeTieredPolicy, readPriority } from './tiered';

/** The fields of one entry of a rule's `ports` (upstream: exactly one is set). */
export const ANP_PORT_FIELDS: readonly string[] = fieldNames(schemaAt(kindSchema('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy'), 'spec.ingress[].ports[]'));

const ADMIN_NETWORK_POLICY: TieredKindSpec = {
  version: 'v1alpha1',
  specFix: 'add spec.subject and the rules',
  tier: (spec, at) => {
    const priority = readPriority(spec.priority, at('spec.priority'));
    return { tier: 'admin', priority, text: `Admin tier, priority ${priority}` };
  },
  accept: 'Allow',
  actions: ['Allow', 'Deny', 'Pass'],
  ports: (rule, path, at) => decodeAnpPorts(rule.ports, at(`${path}.ports`)),
};

/**
 * Decodes one AdminNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeAdminNetworkPolicy(o: ManifestObject, warnings: ProblemSet): DecodedTieredPolicy {
  return decodeTieredPolicy(o, ADMIN_NETWORK_POLICY, warnings);
}

/** The v1alpha1 `ports` of a rule (absent: every port); BaselineAdminNetworkPolicy reads them the same way. */
export function decodeAnpPorts(v: unknown, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  const raw = listField(v, at);
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((e, i) => {
    const f = item(at, i);
    if (!isRecord(e)) return inputError(f, 'a port entry must be a mapping', e, 'write {portNumber: {protocol: TCP, port: 443}}');
    const keys = setKeys(e);
    if (keys.length !== 1) inputError(f, 'a port entry must set exactly one of portNumber, portRange or namedPort', e, 'split it into one entry each');
    const k = keys[0];
    if (k === 'namedPort') {
      if (typeof e.namedPort !== 'string' || e.namedPort.length === 0) inputError(sub(f, 'namedPort'), 'namedPort must be a port name', e.namedPort, 'write namedPort: http');
      named.push({ name: e.namedPort as string });
      return;
    }
    const body = e[k];
    const bf = sub(f, k);
    if (!isRecord(body) || !ANP_PORT_FIELDS.includes(k)) return inputError(bf, 'unknown port entry', k, 'use portNumber, portRange or namedPort');
    const proto = body.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return inputError(sub(bf, 'protocol'), 'unknown protocol', proto, 'use TCP, UDP or SCTP');
    const isPort = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
    if (k === 'portNumber') {
      if (!isPort(body.port)) return inputError(sub(bf, 'port'), 'a port must be a whole number from 1 to 65535', body.port, 'write port: 443');
      fixed = fixed.union(PortSet.of(proto, body.port));
      return;
    }
    if (!isPort(body.start) || !isPort(body.end) || body.start > body.end) return inputError(bf, 'a range needs whole-number start <= end, from 1 to 65535', body, 'write portRange: {protocol: TCP, start: 8000, end: 8100}');
    fixed = fixed.union(PortSet.of(proto, body.start, body.end));
  });
  return { fixed, named };
}
