import { Type } from '@sinclair/typebox';
import { EnvironmentSchema } from '../../lib/core/environment';
import { parseOverlay } from '../../lib/core/overlay';
import { dnsLabel, portNumber } from '../../lib/core/values';
import { problemsOf } from '../helpers';

const schema = Type.Object({
  namespace: dnsLabel(),
  backend: Type.Object({ service: dnsLabel(), port: portNumber() }, { additionalProperties: false }),
  funnel: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const parse = (text: string) => parseOverlay(text, 'overlays/env/app.yaml', schema);

describe('overlay files', () => {
  test('valid values come back typed', () => {
    const values = parse('namespace: demo\nbackend:\n  service: api\n  port: 8000\n');
    expect(values.backend.port).toBe(8000);
  });

  test('an unknown key names file, line, field and the keys allowed, with a suggestion', () => {
    const problems = problemsOf(() => parse('namespace: demo\nbackend:\n  service: api\n  prot: 8000\n'));
    expect(problems).toContain('overlays/env/app.yaml:4:3 backend.prot: unknown key "prot" [allowed: keys service, port (did you mean "port"?)]');
    expect(problems).toContain('overlays/env/app.yaml:3:3 backend.port: is required but missing [allowed: a port number from 1 to 65535]');
  });

  test('a wrong type names the bad value and what is allowed', () => {
    const problems = problemsOf(() => parse('namespace: demo\nbackend:\n  service: api\n  port: "eighty"\n'));
    expect(problems).toEqual(['overlays/env/app.yaml:4:9 backend.port: "eighty" must be integer [allowed: a port number from 1 to 65535]']);
  });

  test('an out-of-range port and a bad DNS label are both reported at once', () => {
    const problems = problemsOf(() => parse('namespace: Demo_NS\nbackend:\n  service: api\n  port: 70000\n'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^overlays\/env\/app.yaml:1:12 namespace: "Demo_NS" must match pattern/);
    expect(problems[0]).toMatch(/allowed: a DNS label/);
    expect(problems[1]).toMatch(/^overlays\/env\/app.yaml:4:9 backend.port: 70000 must be <= 65535/);
  });

  test('a missing key says it is required and what it should be', () => {
    expect(problemsOf(() => parse('backend:\n  service: api\n  port: 80\n'))).toEqual([
      'overlays/env/app.yaml:1:1 namespace: is required but missing [allowed: a DNS label: lower-case letters, digits and "-", at most 63 characters]',
    ]);
  });

  test('malformed YAML names the line', () => {
    expect(problemsOf(() => parse('namespace: demo\nbackend: [unclosed\n'))[0]).toMatch(/^overlays\/env\/app.yaml:\d+:\d+: is not valid YAML/);
  });

  test('duplicate keys are refused rather than silently taking the last', () => {
    expect(problemsOf(() => parse('namespace: a\nnamespace: b\nbackend: {service: api, port: 80}\n'))[0]).toMatch(/is not valid YAML: Map keys must be unique/);
  });

  test('the environment schema rejects unknown keys too', () => {
    const problems = problemsOf(() => parseOverlay('cluster: c\nstage: s\nproduction: false\nargocd: {server: "https://x", repoURL: "https://git.example.org/d.git"}\nstorgeClass: fast\n', 'overlays/c-s/environment.yaml', EnvironmentSchema));
    expect(problems).toEqual([expect.stringMatching(/^overlays\/c-s\/environment.yaml:5:1 storgeClass: unknown key "storgeClass" .*did you mean "storageClass"/)]);
  });
});
