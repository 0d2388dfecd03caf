/**
 * Kubernetes name and label rules, as predicates that return the reason a value fails
 * (or undefined when it is valid).
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** An RFC 1123 DNS label (namespaces, most object names): at most 63 characters. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > 63) return `it is ${value.length} characters long; the limit is 63`;
  if (!DNS_LABEL.test(value)) return "it must be lowercase letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** An RFC 1123 DNS subdomain (service accounts, most object names): at most 253 characters. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > 253) return `it is ${value.length} characters long; the limit is 253`;
  if (!DNS_SUBDOMAIN.test(value)) return "it must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** A label value: at most 63 characters, may be empty. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `it is ${value.length} characters long; a label value may have at most 63`;
  if (!LABEL_VALUE.test(value)) return "it must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** A label key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const p = dnsSubdomainProblem(prefix);
    if (p) return `its prefix '${prefix}' is not a DNS subdomain: ${p}`;
  }
  if (name.length === 0 || name.length > 63) return 'its name part must have 1 to 63 characters';
  if (!LABEL_NAME.test(name)) return "its name part must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** Well-known label keys Bulkhead writes on the objects it emits and on bound pod templates. */
export const LABELS = {
  /** Marks every object Bulkhead manages. */
  managedBy: 'app.kubernetes.io/managed-by',
  /** The SensitiveTier level of a workload. */
  tier: 'bulkhead.io/tier',
  /** The DomainBoundary of a workload. */
  domain: 'bulkhead.io/domain',
  /** The workload a policy belongs to. */
  workload: 'bulkhead.io/workload',
  /** The layer an object belongs to. */
  layer: 'bulkhead.io/layer',
  /** The environment (dev, staging, prod) an object belongs to, when the declaration names it. */
  environment: 'bulkhead.io/environment',
  /** The BreakGlass grant an object implements. */
  breakGlass: 'bulkhead.io/break-glass',
  /** The expiry of a BreakGlass object, in Unix seconds (the reaper reads it). */
  expiresAt: 'bulkhead.io/expires-at',
  /** The namespace-name label Kubernetes sets on every namespace. */
  namespaceName: 'kubernetes.io/metadata.name',
} as const;

/** Annotation keys Bulkhead writes. */
export const ANNOTATIONS = {
  /** Why a BreakGlass grant exists. */
  reason: 'bulkhead.io/reason',
  /** The ticket of a BreakGlass grant. */
  ticket: 'bulkhead.io/ticket',
  /** Who approved a BreakGlass grant, comma-separated. */
  approvers: 'bulkhead.io/approvers',
  /** When a BreakGlass grant expires, RFC 3339. */
  expires: 'bulkhead.io/expires',
  /** The justification of a flow into a more sensitive tier. */
  justification: 'bulkhead.io/justification',
  /** The construct path a policy was synthesized from. */
  source: 'bulkhead.io/source',
} as const;

/**
 * Size limits, in UTF-8 bytes, of the free texts Bulkhead writes into annotations. Kubernetes
 * limits all annotations of an object to 256 KiB together (keys and values); these limits keep
 * every object Bulkhead writes far below it, whatever else the object carries.
 */
export const TEXT_LIMITS = {
  /** A BreakGlass `reason`. */
  reason: 1024,
  /** A BreakGlass `ticket`. */
  ticket: 253,
  /** A BreakGlass `group`. */
  group: 253,
  /** One BreakGlass approver. */
  approver: 253,
  /** How many approvers one BreakGlass grant may list. */
  approvers: 20,
  /** A flow's `justification`. */
  justification: 1024,
} as const;

/** Annotation keys of the Crossplane output. */
export const AWS_ANNOTATIONS = {
  /** The AWS account id of a group. */
  account: 'bulkhead.io/account',
  /** The VPC id of a group. */
  vpc: 'bulkhead.io/vpc',
  /** The VPC's CIDRs, comma-separated. */
  vpcCidrs: 'bulkhead.io/vpc-cidrs',
  /** The VPC's links, comma-separated `<vpc-id>@<region>=peering|transit-gateway`. */
  links: 'bulkhead.io/links',
  /** The plan endpoints whose instances are members, space-separated. */
  members: 'bulkhead.io/members',
  /** The members' address ranges, comma-separated. */
  memberCidrs: 'bulkhead.io/member-cidrs',
  /** Crossplane's name of the external resource (an adopted group's id). */
  externalName: 'crossplane.io/external-name',
} as const;
