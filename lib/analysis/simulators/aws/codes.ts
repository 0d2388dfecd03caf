/**
 * The problem codes of the `aws` layer. Errors stop the analysis (every one is reported at
 * once); warnings and information are reported with the results.
 */

/** Codes of the `aws` layer's problems. */
export const AWS_CODES = {
  /** A field whose value has the wrong type for its upstream schema (a string where a number goes). */
  field: 'BH-AN-AWS-FIELD',
  /** A security group without the placement the analysis needs (VPC, region). */
  placement: 'BH-AN-AWS-PLACEMENT',
  /** An address or CIDR that is not one (or of the wrong family). */
  cidr: 'BH-AN-AWS-CIDR',
  /** A `bulkhead.io/links` entry that is not `<vpc-id>[@<region>]=peering|transit-gateway`. */
  link: 'BH-AN-AWS-LINK',
  /** A rule whose group is not in the input. */
  groupUnknown: 'BH-AN-AWS-GROUP-UNKNOWN',
  /** A rule that references a group that is not in the input. */
  refUnknown: 'BH-AN-AWS-REF-UNKNOWN',
  /** A rule that names a prefix list that is not in the input. */
  prefixListUnknown: 'BH-AN-AWS-PREFIX-LIST-UNKNOWN',
  /** A rule with no peer, or more than one. */
  peer: 'BH-AN-AWS-PEER',
  /** A selector where the analysis needs a reference by name. */
  selector: 'BH-AN-AWS-SELECTOR',
  /** A protocol that is not `-1`, a name AWS knows, or a number from 0 to 255. */
  protocol: 'BH-AN-AWS-PROTOCOL',
  /** Ports a rule needs but lacks, or that are out of range. */
  ports: 'BH-AN-AWS-PORTS',
  /** Ports given on a rule whose protocol allows every port (`-1`, SCTP, other numbers): AWS ignores them. */
  portsIgnored: 'BH-AN-AWS-PORTS-IGNORED',
  /** A rule in another region than its group. */
  region: 'BH-AN-AWS-REGION',
  /** A group reference that can match nothing (another region, an unlinked VPC, an outbound rule across a transit gateway). */
  refUnreachable: 'BH-AN-AWS-REF-UNREACHABLE',
  /** An instance that is a member of groups in different VPCs. */
  memberVpc: 'BH-AN-AWS-MEMBER-VPC',
  /** A member whose stand-in address a CIDR rule covers only in part. */
  standIn: 'BH-AN-AWS-STAND-IN',
  /** Rules the connectivity list cannot show (ICMP, protocols other than TCP, UDP and SCTP). */
  notListed: 'BH-AN-AWS-NOT-LISTED',
  /** A malformed explicit cloud endpoint. */
  endpoint: 'BH-AN-AWS-ENDPOINT',
} as const;
