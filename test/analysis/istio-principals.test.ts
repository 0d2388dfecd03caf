/**
 * Principal matching of the Istio simulator across trust domains, as istiod generates it
 * (`pilot/pkg/security/trustdomain`): a policy principal of the local trust domain, of one of
 * its aliases or of `cluster.local` stands for the local trust domain and every alias; a
 * principal of any other trust domain (a federated one) stands for itself only.
 */
import * as fc from 'fast-check';
import { AtomTable, Facts, policyPrincipals } from '../../lib/analysis/simulators/istio/authz';

const facts = (principal: string | undefined): Facts => ({ principal, source: { kind: 'pod' }, port: 8080, mode: 'tcp' });

describe('policyPrincipals (istiod ReplaceTrustDomainAliases)', () => {
  test.each([
    { name: 'the local trust domain, no aliases', p: 'eu.example.com/ns/shop/sa/web', aliases: [], out: ['eu.example.com/ns/shop/sa/web'] },
    { name: 'the local trust domain, with aliases', p: 'eu.example.com/ns/shop/sa/web', aliases: ['old.example.com'], out: ['eu.example.com/ns/shop/sa/web', 'old.example.com/ns/shop/sa/web'] },
    { name: 'an alias', p: 'old.example.com/ns/shop/sa/web', aliases: ['old.example.com'], out: ['eu.example.com/ns/shop/sa/web', 'old.example.com/ns/shop/sa/web'] },
    { name: 'cluster.local', p: 'cluster.local/ns/shop/sa/web', aliases: [], out: ['eu.example.com/ns/shop/sa/web'] },
    { name: 'cluster.local, with aliases', p: 'cluster.local/ns/shop/sa/web', aliases: ['old.example.com'], out: ['eu.example.com/ns/shop/sa/web', 'old.example.com/ns/shop/sa/web'] },
    { name: 'a federated trust domain: as written', p: 'us.example.com/ns/an/sa/coll', aliases: ['old.example.com'], out: ['us.example.com/ns/an/sa/coll'] },
    { name: 'any trust domain (*)', p: '*/ns/shop/sa/web', aliases: ['old.example.com'], out: ['*/ns/shop/sa/web'] },
    { name: 'not SPIFFE-shaped', p: 'web', aliases: ['old.example.com'], out: ['web'] },
    { name: 'an alias pattern covering the trust domain', p: 'x-td/ns/shop/sa/web', aliases: ['*-td'], out: ['eu.example.com/ns/shop/sa/web', '*-td/ns/shop/sa/web'] },
  ])('$name', ({ p, aliases, out }) => {
    expect(policyPrincipals(p, 'eu.example.com', aliases)).toEqual(out);
  });

  test('property: a principal of a trust domain that is neither local, an alias nor cluster.local is never rewritten', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(fc.property(label, label, label, fc.array(label, { maxLength: 3 }), (td, ns, sa, aliases) => {
      const domain = `${td}.remote.example`;
      const p = `${domain}/ns/${ns}/sa/${sa}`;
      expect(policyPrincipals(p, 'eu.example.com', aliases.map((a) => `${a}.alias.example`))).toEqual([p]);
    }));
  });
});

describe('AtomTable principal atoms', () => {
  const atom = (table: AtomTable, value: string) => table.atom({ t: 'principal', value }, 'AuthorizationPolicy shop/api');

  test('a federated principal matches the peer of that trust domain only, not the local workload of the same namespace and service account', () => {
    const a = atom(new AtomTable('eu.example.com'), 'us.example.com/ns/shop/sa/web');
    expect(a(facts('us.example.com/ns/shop/sa/web'))).toBe('yes');
    expect(a(facts('eu.example.com/ns/shop/sa/web'))).toBe('no');
    expect(a(facts(undefined))).toBe('no');
  });

  test('cluster.local names the local trust domain: a remote peer whose own trust domain is cluster.local does not match it', () => {
    const a = atom(new AtomTable('eu.example.com'), 'cluster.local/ns/shop/sa/web');
    expect(a(facts('eu.example.com/ns/shop/sa/web'))).toBe('yes');
    expect(a(facts('cluster.local/ns/shop/sa/web'))).toBe('no');
  });

  test('aliases: the local principal matches the alias identity too; the federated one still does not', () => {
    const t = new AtomTable('eu.example.com', ['old.example.com']);
    expect(atom(t, 'eu.example.com/ns/shop/sa/web')(facts('old.example.com/ns/shop/sa/web'))).toBe('yes');
    expect(atom(t, 'old.example.com/ns/shop/sa/web')(facts('eu.example.com/ns/shop/sa/web'))).toBe('yes');
    expect(atom(t, 'us.example.com/ns/shop/sa/web')(facts('old.example.com/ns/shop/sa/web'))).toBe('no');
  });

  test('an expanded principal is shared by key, and a single one keeps the key the bulk query reads', () => {
    const t = new AtomTable('eu.example.com', ['old.example.com']);
    const a = atom(t, 'eu.example.com/ns/shop/sa/web');
    expect(atom(t, 'cluster.local/ns/shop/sa/web')).toBe(a);
    expect(t.sourceAtomKeys.get(a)).toBe('ps:eu.example.com/ns/shop/sa/web|old.example.com/ns/shop/sa/web');
    const single = new AtomTable('eu.example.com');
    expect(single.sourceAtomKeys.get(atom(single, 'us.example.com/ns/shop/sa/web'))).toBe('p:us.example.com/ns/shop/sa/web');
  });
});
