/**
 * The cloud endpoints file: instances a user names for the cloud layers, besides the members
 * the security groups name (`bulkhead.io/members`). YAML or JSON, either a list or a mapping
 * with `endpoints:`:
 *
 * ```yaml
 * endpoints:
 *   - name: bastion            # the id connlist and explain print
 *     address: 10.0.1.10       # its private IPv4 address (or ipv6:, or both)
 *     groups: [bastion, sg-0123456789abcdef0]   # SecurityGroup object names or sg-… ids
 *     network: prod            # optional: checked against the groups' bulkhead.io/network
 *     public: false            # optional: true when the address is an Elastic IP
 * ```
 */
import * as fs from 'fs';
import * as jsyaml from 'js-yaml';
import { Problem } from '../core/errors';
import { AnalysisInputError } from './errors';
import { AWS_CODES } from './simulators/aws/codes';
import { isRecord } from './selector';
import { CloudEndpointSpec } from './types';

const FIELDS: Readonly<Record<string, 'string' | 'boolean' | 'list'>> = { name: 'string', address: 'string', ipv6: 'string', groups: 'list', network: 'string', public: 'boolean' };

/**
 * Reads the cloud endpoints of a parsed value (the file's content).
 *
 * @param value the parsed YAML or JSON
 * @param file the file's name, for problems @default 'endpoints'
 * @throws AnalysisInputError with every problem at once when the value is malformed
 */
export function parseCloudEndpoints(value: unknown, file: string = 'endpoints'): CloudEndpointSpec[] {
  const problems: Problem[] = [];
  const bad = (field: string, message: string, v: unknown, fix: string): void => {
    problems.push({ severity: 'error', code: AWS_CODES.endpoint, path: `${file}, ${field}`, message, value: JSON.stringify(v) ?? String(v), fix });
  };
  const list = Array.isArray(value) ? value : isRecord(value) ? value.endpoints : undefined;
  if (isRecord(value)) for (const k of Object.keys(value)) if (k !== 'endpoints') bad(k, 'the file has endpoints: and nothing else', k, 'remove the key, or move the endpoints under endpoints:');
  if (!Array.isArray(list)) {
    bad('endpoints', 'the file holds no list of endpoints', value, 'write endpoints: [{ name: bastion, address: 10.0.1.10, groups: [bastion] }]');
  } else {
    list.forEach((e, i) => {
      if (!isRecord(e)) return bad(`endpoints[${i}]`, 'an endpoint is a mapping', e, 'write { name: bastion, address: 10.0.1.10, groups: [bastion] }');
      for (const [k, v] of Object.entries(e)) {
        const want = FIELDS[k];
        if (!want) bad(`endpoints[${i}].${k}`, `unknown field (an endpoint has ${Object.keys(FIELDS).join(', ')})`, k, 'remove it or correct its spelling');
        else if (want === 'list' ? !(Array.isArray(v) && v.every((x) => typeof x === 'string')) : typeof v !== want) {
          bad(`endpoints[${i}].${k}`, `must be ${want === 'list' ? 'a list of group names or ids' : `a ${want}`}`, v, want === 'list' ? 'write groups: [bastion]' : `write ${k} as a ${want}`);
        }
      }
      if (e.name === undefined) bad(`endpoints[${i}].name`, 'an endpoint needs a name', undefined, 'name it, for example name: bastion');
      if (e.groups === undefined) bad(`endpoints[${i}].groups`, 'an endpoint needs its security groups', undefined, 'list them, for example groups: [bastion]');
    });
  }
  if (problems.length > 0) {
    const [first, ...rest] = problems;
    throw new AnalysisInputError({ message: first.message, fix: first.fix, code: first.code, object: first.path, ...(first.value === undefined ? {} : { value: first.value }) }, rest);
  }
  return (list as Record<string, unknown>[]).map((e) => ({
    name: e.name as string,
    ...(e.address !== undefined ? { address: e.address as string } : {}),
    ...(e.ipv6 !== undefined ? { ipv6: e.ipv6 as string } : {}),
    groups: e.groups as string[],
    ...(e.network !== undefined ? { network: e.network as string } : {}),
    ...(e.public !== undefined ? { public: e.public as boolean } : {}),
  }));
}

/**
 * Reads a cloud endpoints file (YAML or JSON).
 *
 * @throws AnalysisInputError when the file cannot be read or is malformed
 */
export function loadCloudEndpoints(file: string): CloudEndpointSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AnalysisInputError({ code: AWS_CODES.endpoint, message: `cannot read the endpoints file ${JSON.stringify(file)}: ${(e as Error).message}`, fix: 'pass an existing YAML or JSON file' });
  }
  let value: unknown;
  try {
    value = jsyaml.load(text, { filename: file, schema: jsyaml.DEFAULT_SCHEMA });
  } catch (e) {
    throw new AnalysisInputError({ code: AWS_CODES.endpoint, object: file, message: `not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`, fix: 'fix the syntax' });
  }
  return parseCloudEndpoints(value, file);
}
