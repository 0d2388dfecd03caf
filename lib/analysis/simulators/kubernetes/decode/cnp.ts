/**
 * Decodes a `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy: `spec.tier` Admin or
 * Baseline, `spec.priority` 0 to 1000, actions Accept / Deny / Pass, ports as `protocols`
 * (one of tcp, udp, sctp with an optional destination port or range, or destinationNamedPort).
 * No evaluation here: see `../cnp.ts`.
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

const SCHEMA = kindSchema('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy');

/** The fields of one entry of a rule's `protocols` (upstream: exactly one is set). */
export const CNP_PROTOCOL_FIELDS: readonly string[] = fieldNames(schemaAt(SCHEMA, 'spec.ingress[].protocols[]'));

const PROTOCOL_OF: Readonly<Record<string, 'TCP' | 'UDP' | 'SCTP'>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

const CLUSTER_NETWORK_POLICY: TieredKindSpec = {
  version: 'v1alpha2',
  specFix: 'add spec.tier, spec.priority, spec.subject and the rules',
  tier: (spec, at) => {
    const tierRaw = spec.tier;
    if (tierRaw !== 'Admin' && tierRaw !== 'Baseline') inputError(at('spec.tier'), 'tier must be Admin or Baseline', tierRaw, 'set spec.tier: Admin (cannot be overridden) or Baseline (NetworkPolicy may override)');
    const priority = readPriority(spec.priority, at('spec.priority'));
    return { tier: tierRaw === 'Admin' ? 'admin' : 'baseline', priority, text: `${tierRaw} tier, priority ${priority}` };
  },
  accept: 'Accept',
  actions: ['Accept', 'Deny', 'Pass'],
  ports: (rule, path, at) => decodeProtocols(rule.protocols, at(`${path}.protocols`)),
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
function decodeProtocols(v: unknown, at: InputLocation): RulePorts {
  if (v === undefined || v === null) return { fixed: PortSet.ALL, named: [] };
  const raw = listField(v, at);
  if (raw.length === 0) inputError(at, 'protocols, when set, must list at least one entry', v, 'remove protocols to match every port, or list them');
  let fixed = PortSet.EMPTY;
  const named: NamedPort[] = [];
  raw.forEach((e, i) => {
    const f = item(at, i);
    if (!isRecord(e)) inputError(f, 'a protocol entry must be a mapping', e, 'write {tcp: {destinationPort: {number: 443}}}');
    const keys = setKeys(e);
    if (keys.length !== 1) inputError(f, 'a protocol entry must set exactly one of tcp, udp, sctp or destinationNamedPort', e, 'split it into one entry per protocol');
    const k = keys[0];
    if (k === 'destinationNamedPort') {
      if (typeof e[k] !== 'string' || (e[k] as string).length === 0) inputError(sub(f, k), 'destinationNamedPort must be a port name', e[k], 'write destinationNamedPort: http');
      named.push({ name: e[k] as string });
      return;
    }
    const proto = CNP_PROTOCOL_FIELDS.includes(k) ? PROTOCOL_OF[k] : undefined;
    if (!proto) return inputError(sub(f, k), 'unknown protocol entry', k, 'use tcp, udp, sctp or destinationNamedPort');
    const body = e[k];
    if (!isRecord(body)) return inputError(sub(f, k), `${k} must be a mapping`, body, `write ${k}: {destinationPort: {number: 443}}`);
    const dp = body.destinationPort;
    if (dp === undefined || dp === null) {
      fixed = fixed.union(PortSet.allOf(proto));
      return;
    }
    const df = sub(f, `${k}.destinationPort`);
    if (!isRecord(dp)) return inputError(df, 'destinationPort must be a mapping with number or range', dp, 'write destinationPort: {number: 443} or {range: {start: 8000, end: 8100}}');
    if (dp.number !== undefined && dp.number !== null) {
      const num = dp.number;
      if (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 65535) inputError(sub(df, 'number'), 'a port must be a whole number from 1 to 65535', num, 'write number: 443');
      fixed = fixed.union(PortSet.of(proto, num));
      return;
    }
    const r = dp.range;
    if (!isRecord(r)) return inputError(df, 'destinationPort must set number or range', dp, 'write destinationPort: {number: 443} or {range: {start: 8000, end: 8100}}');
    const s = r.start;
    const en = r.end;
    if (typeof s !== 'number' || typeof en !== 'number' || !Number.isInteger(s) || !Number.isInteger(en) || s < 1 || en > 65535 || s >= en) {
      inputError(sub(df, 'range'), 'a range needs whole-number start < end, from 1 to 65535', r, 'write range: {start: 8000, end: 8100}');
    }
    fixed = fixed.union(PortSet.of(proto, s, en));
  });
  return { fixed, named };
}
