import { fieldNames, kindSchema, namedSchema, schemaAt } from '../../../lib/analysis/schema';

describe('schema paths', () => {
  test('schemaAt follows fields, list items and named schemas', () => {
    const np = kindSchema('networking.k8s.io/v1', 'NetworkPolicy');
    expect(fieldNames(schemaAt(np, 'spec'))).toEqual(['egress', 'ingress', 'podSelector', 'policyTypes']);
    expect(fieldNames(schemaAt(np, 'spec.ingress[].from[]'))).toEqual(fieldNames(namedSchema('NetworkPolicyPeer')));
    expect(fieldNames(schemaAt(np, 'spec.ingress[].from[].ipBlock'))).toEqual(['cidr', 'except']);
    expect(schemaAt(np, 'metadata.labels.app')).toBe('s'); // a map's values
  });

  test('a path that leaves the schema, or an unknown kind, is a programming error', () => {
    const np = kindSchema('networking.k8s.io/v1', 'NetworkPolicy');
    expect(() => schemaAt(np, 'spec.podSelectr')).toThrow('no field podSelectr');
    expect(() => schemaAt(np, 'spec[]')).toThrow('not a list');
    expect(() => kindSchema('example.com/v1', 'Nothing')).toThrow('no generated schema');
    expect(() => namedSchema('Nothing')).toThrow('no generated schema');
  });

  test('scalars, lists and maps have no field names', () => {
    expect(fieldNames('s')).toEqual([]);
    expect(fieldNames(['s'])).toEqual([]);
    expect(fieldNames({ m: 's' })).toEqual([]);
  });
});
