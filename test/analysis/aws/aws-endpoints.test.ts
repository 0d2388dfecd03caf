/** The cloud endpoints file: a list, or a mapping with endpoints:, in YAML or JSON. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCloudEndpoints, parseCloudEndpoints } from '../../../lib/analysis/aws-endpoints';
import { AnalysisInputError } from '../../../lib/analysis/errors';
import { thrown } from '../../util/thrown';

describe('cloud endpoints file', () => {
  test('a list or a mapping with endpoints:', () => {
    const e = { name: 'bastion', address: '10.0.5.10', groups: ['bastion'], network: 'prod', public: false };
    expect(parseCloudEndpoints([e])).toEqual([e]);
    expect(parseCloudEndpoints({ endpoints: [{ name: 'x', ipv6: '2001:db8::1', groups: ['g'] }] })).toEqual([{ name: 'x', ipv6: '2001:db8::1', groups: ['g'] }]);
  });

  test('every problem at once', () => {
    const err = thrown(() => parseCloudEndpoints({ endpoints: [{ name: 1, groups: 'g' }, 'x'], extra: true }, 'eps.yaml'), AnalysisInputError);
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'eps.yaml, endpoints[0].groups: must be a list of group names or ids',
      'eps.yaml, endpoints[0].name: must be a string',
      'eps.yaml, endpoints[1]: an endpoint is a mapping',
      'eps.yaml, extra: the file has endpoints: and nothing else',
    ]);
    expect(thrown(() => parseCloudEndpoints(42), AnalysisInputError).problems[0].message).toBe('the file holds no list of endpoints');
  });

  test('reads YAML and JSON files; an unreadable or malformed file is a problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-eps-'));
    try {
      fs.writeFileSync(path.join(dir, 'e.yaml'), 'endpoints:\n  - name: a\n    address: 10.0.0.10\n    groups: [g]\n');
      fs.writeFileSync(path.join(dir, 'e.json'), JSON.stringify([{ name: 'a', address: '10.0.0.10', groups: ['g'] }]));
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'endpoints: [\n');
      expect(loadCloudEndpoints(path.join(dir, 'e.yaml'))).toEqual(loadCloudEndpoints(path.join(dir, 'e.json')));
      expect(thrown(() => loadCloudEndpoints(path.join(dir, 'bad.yaml')), AnalysisInputError).problems[0].message).toMatch(/^not valid YAML or JSON/);
      expect(thrown(() => loadCloudEndpoints(path.join(dir, 'missing.yaml')), AnalysisInputError).problems[0].code).toBe('BH-AN-AWS-ENDPOINT');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
