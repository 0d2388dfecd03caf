import { BulkheadError, Cidr, Duration, Port, Protocol, SpiffeId, TrustDomain } from '../lib/core';

describe('core value types', () => {
  test('ports', () => {
    expect(Port.tcp(5432).toString()).toBe('tcp/5432');
    expect(Port.parse('udp/53').protocol).toBe(Protocol.UDP);
    expect(Port.parse('tcp/8000-8100').to).toBe(8100);
    expect(Port.parse('tcp/grpc').name).toBe('grpc');
    expect(() => Port.tcp(70000)).toThrow(/1 to 65535/);
    expect(() => Port.tcpRange(10, 5)).toThrow(BulkheadError);
  });
  test('cidr', () => {
    expect(Cidr.of('10.0.0.0/8').toString()).toBe('10.0.0.0/8');
    expect(Cidr.of('10.0.0.0/8').contains(Cidr.of('10.1.0.0/16'))).toBe(true);
    expect(() => Cidr.of('10.0.0.1/8')).toThrow(/10\.0\.0\.0\/8/);
    expect(() => Cidr.of('300.0.0.0/8')).toThrow(/not a valid/);
  });
  test('identity', () => {
    expect(TrustDomain.of('prod.example.com').workloadId('shop', 'web').toString()).toBe('spiffe://prod.example.com/ns/shop/sa/web');
    expect(SpiffeId.of('spiffe://td/ns/a/sa/b').istioPrincipal).toBe('td/ns/a/sa/b');
    expect(() => TrustDomain.of('spiffe://Prod')).toThrow(/without the scheme/);
  });
  test('durations', () => {
    expect(Duration.parse('1h30m').totalSeconds).toBe(5400);
    expect(Duration.minutes(15).toGoString()).toBe('15m0s');
    expect(() => Duration.parse('soon')).toThrow(BulkheadError);
  });
});
