/**
 * Validates emitted objects against their upstream schemas:
 * - custom resources against the CRDs in `../shared/crds` (openAPIV3Schema of the served
 *   version), strictly: a field the schema does not know is an error, as with
 *   `kubectl apply --validate=strict` (the API server would silently prune it otherwise);
 * - core kinds (NetworkPolicy, Namespace, CronJob, RBAC, …) with `kubernetes-models`.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

/** Where the upstream CRDs live: `../shared/crds` beside the repository. */
export const CRD_DIR = path.resolve(__dirname, '../../../shared/crds');

type Json = { [k: string]: unknown };

let crdIndex: Map<string, Json> | undefined;

function crdSchemas(): Map<string, Json> {
  if (crdIndex) return crdIndex;
  crdIndex = new Map();
  for (const dir of fs.readdirSync(CRD_DIR)) {
    const full = path.join(CRD_DIR, dir);
    if (!fs.statSync(full).isDirectory()) continue;
    for (const file of fs.readdirSync(full).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(full, file), 'utf8'))) {
        const crd = doc.toJSON() as Json | null;
        if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
        const spec = crd.spec as Json;
        const group = spec.group as string;
        const kind = (spec.names as Json).kind as string;
        for (const v of spec.versions as Json[]) {
          const schema = (v.schema as Json | undefined)?.openAPIV3Schema as Json | undefined;
          if (schema) crdIndex.set(`${group}/${v.name as string}/${kind}`, schema);
        }
      }
    }
  }
  return crdIndex;
}

/** Rewrites a structural schema into a JSON schema that rejects unknown fields. */
function strictify(schema: unknown, inCombinator = false): unknown {
  if (Array.isArray(schema)) return schema.map((x) => strictify(x, inCombinator));
  if (!schema || typeof schema !== 'object') return schema;
  const s = { ...(schema as Json) };
  if (s['x-kubernetes-int-or-string'] === true) {
    delete s.type;
    s.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (typeof s.pattern === 'string') {
    // Go RE2 single-letter Unicode classes (\PC, \pL) → JavaScript (\P{C}, \p{L}).
    s.pattern = s.pattern.replace(/\\([pP])([A-Z])(?![{])/g, '\\$1{$2}');
  }
  for (const key of Object.keys(s)) {
    if (key === 'properties' || key === 'patternProperties') {
      const props = s[key] as Json;
      s[key] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, strictify(v, inCombinator)]));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      s[key] = strictify(s[key], inCombinator || key === 'not');
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      // Structural schemas use these only to add constraints; the fields are declared outside.
      s[key] = strictify(s[key], true);
    }
  }
  if (!inCombinator && s.properties && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    s.additionalProperties = false;
  }
  return s;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/** Names the schema of a custom resource; undefined when the kind is not a CRD in `../shared/crds`. */
export function crdKey(obj: { apiVersion: string; kind: string }): string | undefined {
  const key = `${obj.apiVersion}/${obj.kind}`;
  return crdSchemas().has(key) ? key : undefined;
}

/** Validation errors of one object (empty when valid). */
export function schemaErrors(obj: { apiVersion: string; kind: string; metadata?: unknown }): string[] {
  const key = crdKey(obj);
  if (key) {
    let fn = compiled.get(key);
    if (!fn) {
      const schema = strictify(crdSchemas().get(key)) as Json;
      // metadata is validated by the API server, not the CRD: accept any object there.
      const props = { ...(schema.properties as Json), apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
      fn = ajv.compile({ ...schema, properties: props });
      compiled.set(key, fn);
    }
    if (fn(obj)) return [];
    return (fn.errors ?? []).map((e) => `${key}${e.instancePath}: ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
  return coreErrors(obj);
}

const CORE: Record<string, string> = {
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/Service': 'kubernetes-models/v1/Service',
  'batch/v1/CronJob': 'kubernetes-models/batch/v1/CronJob',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
};

function coreErrors(obj: { apiVersion: string; kind: string }): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const mod = CORE[key];
  if (!mod) return [`${key}: no schema known for this kind`];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(mod) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = exported[obj.kind];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${key}: ${(e as Error).message}`];
  }
}
