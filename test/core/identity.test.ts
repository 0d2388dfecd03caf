import { BulkheadError } from '../../lib/core/errors';
import { SpiffeId, TrustDomain } from '../../lib/core/identity';

describe('SPIRE identities of VM fleets', () => {
  const td = TrustDomain.of('prod.example.com');

  test('one naming for pods and VMs: namespace and service account', () => {
    expect(td.workloadId('erp', 'erp-app').toString()).toBe('spiffe://prod.example.com/ns/erp/sa/erp-app');
  });

  test('the aws_iid agent ID of one instance, as the attestor issues it', () => {
    expect(td.awsIidAgentId('123456789012', 'eu-west-1', 'i-0b22a22eec53b9321').toString())
      .toBe('spiffe://prod.example.com/spire/agent/aws_iid/123456789012/eu-west-1/i-0b22a22eec53b9321');
  });

  test('a node alias lies outside /spire/, which SPIRE reserves; its parent is the server', () => {
    const alias = td.nodeAliasId('aws', 'prod-vpc', 'erp');
    expect(alias.toString()).toBe('spiffe://prod.example.com/node/aws/prod-vpc/erp');
    expect(alias.path.startsWith('/spire/')).toBe(false);
    expect(td.spireServerId.toString()).toBe('spiffe://prod.example.com/spire/server');
    expect(SpiffeId.isSpiffeId(alias)).toBe(true);
  });

  test('a segment that is no SPIFFE path segment is a coded error', () => {
    expect(() => td.nodeAliasId('aws', 'a/b', '..')).toThrow(BulkheadError);
    expect(() => td.awsIidAgentId('1', 'eu-west-1', '')).toThrow(BulkheadError);
  });
});
