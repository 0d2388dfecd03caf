/**
 * Decodes a `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy, the predecessor of the
 * Admin tier of ClusterNetworkPolicy: `spec.priority` 0 to 1000, actions Allow / Deny / Pass,
 * ports as `ports` (portNumber, portRange or namedPort). No evaluation here: see `../cnp.ts`,
 * which evaluates the three cluster-wide kinds alike.
 *
 * @see https://network-policy-api.sigs.k8s.io/reference/spec/
 */
import type * as K from '../../../../imports/kinds';
import { KIND_VERSIONS } from '../../../../imports/kinds';
import { InputLocation, ProblemSet, inputError } from '../../../errors';
import { ManifestObject } from '../../../loader';
import { PortSet } from '../../../portset';
import { ShapeWords, fieldNames, kindSchema, schemaAt } from '../../../schema';
import { NamedPort, RulePorts } from '../model';
import { item, setKeys, sub } from './shared';
import { DecodedTieredPolicy, TieredKindSpec, decodeTieredPolicy, readPriority, tieredShape } from './tiered';

const SCHEMA = kindSchema(KIND_VERSIONS.AdminNetworkPolicy, 'AdminNetworkPolicy');

/** The fields of one entry of a rule's `ports` (upstream: exactly one is set). */
export const ANP_PORT_FIELDS: readonly string[] = fieldNames(schemaAt(SCHEMA, 'spec.ingress[].ports[]'));

/** A `ports` entry of the v1alpha1 kinds: the schema's fields, and `namedPort` of the experimental channel. */
type AnpPort = NonNullable<NonNullable<NonNullable<K.AdminNetworkPolicy['spec']>['ingress']>[number]['ports']>[number] & { readonly namedPort?: unknown };

const PROTOCOL = { message: 'unknown protocol', fix: 'use TCP, UDP or SCTP' };
const PORT = { message: 'a port must be a whole number from 1 to 65535', fix: 'write port: 443' };
const RANGE = { message: 'a range needs whole-number start <= end, from 1 to 65535', fix: 'write portRange: {protocol: TCP, start: 8000, end: 8100}' };

/** The words of the shape problems of the `ports` of the v1alpha1 kinds. */
export const ANP_PORT_WORDS: Readonly<Record<string, ShapeWords>> = {
  '*.ports[]': { message: 'a port entry must be a mapping', fix: 'write {portNumber: {protocol: TCP, port: 443}}' },
  '*.ports[].portNumber': { message: 'portNumber must be a mapping with protocol and port', fix: 'write portNumber: {protocol: TCP, port: 443}' },
  '*.ports[].portRange': { message: 'portRange must be a mapping with protocol, start and end', fix: RANGE.fix },
  '*.ports[].portNumber.protocol': PROTOCOL,
  '*.ports[].portRange.protocol': PROTOCOL,
  '*.ports[].portNumber.port': PORT,
  '*.ports[].portRange.start': RANGE,
  '*.ports[].portRange.end': RANGE,
};

const SPEC_FIX = 'add spec.subject and the rules';
const ACTIONS = ['Allow', 'Deny', 'Pass'];

const ADMIN_NETWORK_POLICY: TieredKindSpec = {
  version: KIND_VERSIONS.AdminNetworkPolicy.split('/')[1],
  specFix: SPEC_FIX,
  shape: tieredShape(schemaAt(SCHEMA, 'spec'), 'AdminNetworkPolicy', SPEC_FIX, ACTIONS, ANP_PORT_WORDS),
  tier: (spec, at) => {
    const priority = readPriority(spec.priority, at('spec.priority'));
    return { tier: 'admin', priority, text: `Admin tier, priority ${priority}` };
  },
  accept: 'Allow',
  actions: ACTIONS,
  ports: (rule, path, at) => decodeAnpPorts((rule as { readonly ports?: readonly AnpPort[] | null }).ports, at(`${path}.ports`)),
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
export function decodeAnpPorts(v: readonly AnpPort[] | null | undefined, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  v.forEach((e, i) => {
    const f = item(at, i);
    const keys = setKeys(e);
    if (keys.length !== 1) inputError(f, 'a port entry must set exactly one of portNumber, portRange or namedPort', e, 'split it into one entry each');
    const k = keys[0];
    if (k === 'namedPort') {
      // the experimental channel's field: not in the schema, so its value is checked here
      if (typeof e.namedPort !== 'string' || e.namedPort.length === 0) inputError(sub(f, 'namedPort'), 'namedPort must be a port name', e.namedPort, 'write namedPort: http');
      named.push({ name: e.namedPort });
      return;
    }
    const bf = sub(f, k);
    const body = k === 'portNumber' ? e.portNumber : k === 'portRange' ? e.portRange : undefined;
    if (!body) return inputError(bf, 'unknown port entry', k, 'use portNumber, portRange or namedPort');
    const proto = body.protocol ?? 'TCP';
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return inputError(sub(bf, 'protocol'), PROTOCOL.message, proto, PROTOCOL.fix);
    const isPort = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
    if (k === 'portNumber') {
      const port = e.portNumber?.port;
      if (!isPort(port)) return inputError(sub(bf, 'port'), PORT.message, port, PORT.fix);
      fixed = fixed.union(PortSet.of(proto, port));
      return;
    }
    const start = e.portRange?.start;
    const end = e.portRange?.end;
    if (!isPort(start) || !isPort(end) || start > end) return inputError(bf, RANGE.message, body, RANGE.fix);
    fixed = fixed.union(PortSet.of(proto, start, end));
  });
  return { fixed, named };
}
