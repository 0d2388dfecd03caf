/**
 * Readers of plain manifest values shared by the decoders of the simulator layers
 * (`<layer>/decode/*.ts`): each reads one value and raises a coded problem
 * ({@link inputError}) naming the object and the field when the value has the wrong shape.
 * Decoders check the fields of a mapping against those of the upstream schema
 * (`lib/imports/schemas.ts`, through `schemaAt` and `fieldNames` of `../schema`).
 */
import { InputLocation, inputError } from '../errors';
import { parseCidr } from '../ipv4';
import { isRecord } from '../selector';

/** Where a value sits, for error messages: the object and the field path. */
export function at(object: string, field: string): InputLocation {
  return { object, field };
}

/** Reads an optional list; throws when the value is present but not a list. */
export function optList(v: unknown, loc: InputLocation, example: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return inputError(loc, 'must be a list', v, `write a YAML list, for example ${example}`);
  return v;
}

/** Reads an optional mapping; throws when the value is present but not a mapping. */
export function optRecord(v: unknown, loc: InputLocation, example: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) return inputError(loc, 'must be a mapping', v, `write a YAML mapping, for example ${example}`);
  return v;
}

/** Reads an optional string. */
export function optString(v: unknown, loc: InputLocation, example: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return inputError(loc, 'must be a string', v, `write a string, for example ${example}`);
  return v;
}

/** Reads an optional list of strings. */
export function optStringList(v: unknown, loc: InputLocation, example: string): string[] | undefined {
  const list = optList(v, loc, example);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') return inputError({ ...loc, field: `${loc.field}[${i}]` }, 'must be a string', item, `quote the value, for example ${example}`);
    return item;
  });
}

/** Reads an optional boolean. */
export function optBool(v: unknown, loc: InputLocation): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') return inputError(loc, 'must be true or false', v, 'write true or false (unquoted)');
  return v;
}

/** An IPv4 CIDR as a range, `ipv6` for an IPv6 one; throws on anything else. */
export function cidrRange(text: unknown, loc: InputLocation): readonly [number, number] | 'ipv6' {
  if (typeof text !== 'string') return inputError(loc, 'must be an IP address or CIDR string', text, "write an address range such as '203.0.113.0/24'");
  const p = parseCidr(text);
  if (p.family === 'invalid') return inputError(loc, 'is not a valid IP address or CIDR', text, "write an address range such as '203.0.113.0/24' or a single address such as '203.0.113.7'");
  if (p.family === 'ipv6') return 'ipv6';
  return p.range;
}

/** Parses a port number written as a string or an integer (0 to 65535). */
export function portNumber(v: unknown, loc: InputLocation): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) return inputError(loc, 'is not a port number (0 to 65535)', v, "write a port number such as '8080'");
  return n;
}
