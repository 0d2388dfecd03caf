/**
 * Decodes a `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy: `spec.tier` Admin or
 * Baseline, `spec.priority` 0 to 1000, actions Accept / Deny / Pass, ports as `protocols`
 * (one of tcp, udp, sctp with an optional destination port or range, or destinationNamedPort).
 * No evaluation here: see `../cnp.ts`.
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

const SCHEMA = kindSchema(KIND_VERSIONS.ClusterNetworkPolicy, 'ClusterNetworkPolicy');

/** The fields of one entry of a rule's `protocols` (upstream: exactly one is set). */
export const CNP_PROTOCOL_FIELDS: readonly string[] = fieldNames(schemaAt(SCHEMA, 'spec.ingress[].protocols[]'));

type ProtocolEntry = NonNullable<NonNullable<NonNullable<K.ClusterNetworkPolicy['spec']>['ingress']>[number]['protocols']>[number];

const PROTOCOL_OF: Readonly<Record<string, 'TCP' | 'UDP' | 'SCTP'>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

const DESTINATION = { message: 'destinationPort must be a mapping with number or range', fix: 'write destinationPort: {number: 443} or {range: {start: 8000, end: 8100}}' };
const NUMBER = { message: 'a port must be a whole number from 1 to 65535', fix: 'write number: 443' };
const RANGE = { message: 'a range needs whole-number start < end, from 1 to 65535', fix: 'write range: {start: 8000, end: 8100}' };

const PROTOCOL_WORDS: Record<string, ShapeWords> = {
  '*.protocols[]': { message: 'a protocol entry must be a mapping', fix: 'write {tcp: {destinationPort: {number: 443}}}' },
  '*.protocols[].destinationNamedPort': { message: 'destinationNamedPort must be a port name', fix: 'write destinationNamedPort: http' },
};
for (const k of Object.keys(PROTOCOL_OF)) {
  PROTOCOL_WORDS[`*.protocols[].${k}`] = { message: `${k} must be a mapping`, fix: `write ${k}: {destinationPort: {number: 443}}` };
  PROTOCOL_WORDS[`*.protocols[].${k}.destinationPort`] = DESTINATION;
  PROTOCOL_WORDS[`*.protocols[].${k}.destinationPort.number`] = NUMBER;
  PROTOCOL_WORDS[`*.protocols[].${k}.destinationPort.range`] = { message: 'range must be a mapping with start and end', fix: RANGE.fix };
  PROTOCOL_WORDS[`*.protocols[].${k}.destinationPort.range.start`] = RANGE;
  PROTOCOL_WORDS[`*.protocols[].${k}.destinationPort.range.end`] = RANGE;
}

const SPEC_FIX = 'add spec.tier, spec.priority, spec.subject and the rules';
const ACTIONS = ['Accept', 'Deny', 'Pass'];
const TIER = { message: 'tier must be Admin or Baseline', fix: 'set spec.tier: Admin (cannot be overridden) or Baseline (NetworkPolicy may override)' };

const CLUSTER_NETWORK_POLICY: TieredKindSpec = {
  version: KIND_VERSIONS.ClusterNetworkPolicy.split('/')[1],
  specFix: SPEC_FIX,
  shape: tieredShape(schemaAt(SCHEMA, 'spec'), 'ClusterNetworkPolicy', SPEC_FIX, ACTIONS, { 'spec.tier': TIER, ...PROTOCOL_WORDS }),
  tier: (spec, at) => {
    const tierRaw = spec.tier;
    if (tierRaw !== 'Admin' && tierRaw !== 'Baseline') inputError(at('spec.tier'), TIER.message, tierRaw, TIER.fix);
    const priority = readPriority(spec.priority, at('spec.priority'));
    return { tier: tierRaw === 'Admin' ? 'admin' : 'baseline', priority, text: `${tierRaw} tier, priority ${priority}` };
  },
  accept: 'Accept',
  actions: ACTIONS,
  ports: (rule, path, at) => decodeProtocols((rule as { readonly protocols?: readonly ProtocolEntry[] | null }).protocols, at(`${path}.protocols`)),
};

/**
 * Decodes one ClusterNetworkPolicy.
 *
 * @throws AnalysisInputError when the policy is malformed
 */
export function decodeClusterNetworkPolicy(o: ManifestObject, warnings: ProblemSet): DecodedTieredPolicy {
  return decodeTieredPolicy(o, CLUSTER_NETWORK_POLICY, warnings);
}

/** The `protocols` of a rule (absent: every port). */
function decodeProtocols(v: readonly ProtocolEntry[] | null | undefined, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  if (v.length === 0) inputError(at, 'protocols, when set, must list at least one entry', v, 'remove protocols to match every port, or list them');
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  v.forEach((e, i) => {
    const f = item(at, i);
    const keys = setKeys(e);
    if (keys.length !== 1) inputError(f, 'a protocol entry must set exactly one of tcp, udp, sctp or destinationNamedPort', e, 'split it into one entry per protocol');
    const k = keys[0];
    if (k === 'destinationNamedPort') {
      if (!e.destinationNamedPort) inputError(sub(f, k), 'destinationNamedPort must be a port name', e.destinationNamedPort, 'write destinationNamedPort: http');
      named.push({ name: e.destinationNamedPort });
      return;
    }
    const proto = CNP_PROTOCOL_FIELDS.includes(k) ? PROTOCOL_OF[k] : undefined;
    const body = k === 'tcp' ? e.tcp : k === 'udp' ? e.udp : k === 'sctp' ? e.sctp : undefined;
    if (!proto || !body) return inputError(sub(f, k), 'unknown protocol entry', k, 'use tcp, udp, sctp or destinationNamedPort');
    const dp = body.destinationPort;
    if (dp === undefined || dp === null) {
      fixed = fixed.union(PortSet.allOf(proto));
      return;
    }
    const df = sub(f, `${k}.destinationPort`);
    if (dp.number !== undefined && dp.number !== null) {
      const num = dp.number;
      if (!Number.isInteger(num) || num < 1 || num > 65535) inputError(sub(df, 'number'), NUMBER.message, num, NUMBER.fix);
      fixed = fixed.union(PortSet.of(proto, num));
      return;
    }
    const r = dp.range;
    if (!r) return inputError(df, 'destinationPort must set number or range', dp, DESTINATION.fix);
    const s = r.start;
    const en = r.end;
    if (typeof s !== 'number' || typeof en !== 'number' || !Number.isInteger(s) || !Number.isInteger(en) || s < 1 || en > 65535 || s >= en) {
      return inputError(sub(df, 'range'), RANGE.message, r, RANGE.fix);
    }
    fixed = fixed.union(PortSet.of(proto, s, en));
  });
  return { fixed, named };
}
