import { AnalysisInputError } from '../../../lib/analysis/errors';
import { PortSet } from '../../../lib/analysis/portset';
import { NETWORK_POLICY_PEER_FIELDS, decodeNetworkPolicy } from '../../../lib/analysis/simulators/kubernetes/decode/netpol';
import { thrown } from '../../util/thrown';
import { manifest } from './objects';

const np = (spec: unknown) => manifest('networking.k8s.io/v1', 'NetworkPolicy', 'p', spec, 'shop');
const problem = (spec: unknown) => thrown(() => decodeNetworkPolicy(np(spec)), AnalysisInputError).problem;

describe('decodeNetworkPolicy', () => {
  test('the peer fields are the upstream NetworkPolicyPeer fields', () => {
    expect(NETWORK_POLICY_PEER_FIELDS).toEqual(['ipBlock', 'namespaceSelector', 'podSelector']);
  });

  test('policyTypes default to Ingress, plus Egress when there are egress rules', () => {
    const onlyIngress = decodeNetworkPolicy(np({ podSelector: {} }));
    expect(onlyIngress.ingress).toEqual([]);
    expect(onlyIngress.egress).toBeUndefined();
    const both = decodeNetworkPolicy(np({ podSelector: {}, egress: [{}] }));
    expect(both.ingress).toEqual([]);
    expect(both.egress).toHaveLength(1);
    const egressOnly = decodeNetworkPolicy(np({ podSelector: {}, policyTypes: ['Egress'] }));
    expect(egressOnly.ingress).toBeUndefined();
    expect(egressOnly.egress).toEqual([]);
  });

  test('a well-formed policy decodes into its peers, ports and address boundaries', () => {
    const d = decodeNetworkPolicy(np({
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{
        from: [{ podSelector: { matchLabels: { app: 'api' } } }, { namespaceSelector: {}, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
        ports: [{ port: 5432 }, { protocol: 'UDP', port: 53, endPort: 54 }, { port: 'metrics' }],
      }],
    }));
    expect(d.label).toBe('NetworkPolicy shop/p');
    expect(d.namespace).toBe('shop');
    const rule = d.ingress![0];
    expect(rule).toMatchObject({ policy: 'NetworkPolicy shop/p', path: 'spec.ingress[0]', tierText: 'NetworkPolicy', action: 'allow' });
    expect(rule.peers.map((p) => p.t)).toEqual(['pods', 'pods', 'ips']);
    expect(rule.peers[0]).toMatchObject({ t: 'pods', ns: 'shop' });
    expect(rule.peers[1]).not.toHaveProperty('ns');
    expect(rule.peers[2]).toEqual({ t: 'ips', ranges: [[0x0a000000, 0x0a00ffff], [0x0a020000, 0x0affffff]], byAddress: false });
    expect(rule.ports.fixed.toString()).toBe(PortSet.of('TCP', 5432).union(PortSet.of('UDP', 53, 54)).toString());
    expect(rule.ports.named).toEqual([{ name: 'metrics', protocol: 'TCP' }]);
    expect(d.boundaries).toEqual({ ingress: [[0x0a000000, 0x0affffff], [0x0a010000, 0x0a01ffff]], egress: [] });
  });

  test('a rule without peers matches every peer, without ports every port; IPv6 blocks match nothing', () => {
    const d = decodeNetworkPolicy(np({ podSelector: {}, egress: [{}, { to: [{ ipBlock: { cidr: '2001:db8::/32' } }] }] }));
    expect(d.egress![0].peers).toEqual([{ t: 'all' }]);
    expect(d.egress![0].ports.fixed.toString()).toBe(PortSet.ALL.toString());
    expect(d.egress![1].peers).toEqual([{ t: 'ips', ranges: [], byAddress: false }]);
    expect(d.boundaries.egress).toEqual([]);
  });

  test.each([
    ['no spec', undefined, 'spec', 'a NetworkPolicy needs a spec'],
    ['policyTypes not a list', { podSelector: {}, policyTypes: 'Ingress' }, 'spec.policyTypes', 'policyTypes must be a list'],
    ['unknown policy type', { podSelector: {}, policyTypes: ['Both'] }, 'spec.policyTypes[0]', 'unknown policy type'],
    ['ingress not a list', { podSelector: {}, ingress: {} }, 'spec.ingress', 'this field must be a list'],
    ['rule not a mapping', { podSelector: {}, ingress: ['x'] }, 'spec.ingress[0]', 'a rule must be a mapping'],
    ['peer not a mapping', { podSelector: {}, ingress: [{ from: [1] }] }, 'spec.ingress[0].from[0]', 'a peer must be a mapping'],
    ['unknown peer field', { podSelector: {}, ingress: [{ from: [{ podSelectr: {} }] }] }, 'spec.ingress[0].from[0].podSelectr', 'unknown field in a NetworkPolicy peer'],
    ['ipBlock and selector', { podSelector: {}, ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] }, 'spec.ingress[0].from[0]', 'a peer may set ipBlock or selectors, not both'],
    ['empty peer', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]', 'a peer must set podSelector, namespaceSelector or ipBlock'],
    ['bad cidr', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] }, 'spec.ingress[0].from[0].ipBlock.cidr', 'not a valid CIDR'],
    ['except outside', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/8'] } }] }] }, 'spec.ingress[0].from[0].ipBlock.except[0]', 'the except range is not inside the cidr 10.0.0.0/8'],
    ['except of another family', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['2001:db8::/32'] } }] }] }, 'spec.ingress[0].from[0].ipBlock.except[0]', 'an except range must be of the same address family as the cidr'],
    ['unknown protocol', { podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP' }] }] }, 'spec.ingress[0].ports[0].protocol', 'unknown protocol'],
    ['quoted port number', { podSelector: {}, ingress: [{ ports: [{ port: '80' }] }] }, 'spec.ingress[0].ports[0].port', 'a port number must not be quoted (a quoted port is read as a port name)'],
    ['endPort without port', { podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] }, 'spec.ingress[0].ports[0].endPort', 'endPort needs port'],
    ['endPort with a named port', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }, 'spec.ingress[0].ports[0].endPort', 'endPort cannot be used with a named port'],
    ['port out of range', { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] }, 'spec.ingress[0].ports[0].port', 'a port must be a whole number from 1 to 65535, or a port name'],
    ['endPort below port', { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, 'spec.ingress[0].ports[0].endPort', 'endPort must be a whole number from 90 to 65535'],
  ])('%s is a problem at its field', (_, spec, field, message) => {
    const p = problem(spec);
    expect(p.field).toBe(field);
    expect(p.object).toBe('NetworkPolicy shop/p');
    expect(p.source).toEqual({ file: 'test.yaml', index: 0 });
    expect(p.message).toBe(message);
  });
});
