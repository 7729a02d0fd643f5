import { Type, type TSchema } from '@sinclair/typebox';
import Ajv, { type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { EnvironmentSchema } from '../../../lib/core/environment';
import { OVERLAY_AJV_OPTIONS, overlaySchemaKey, parseOverlay, useCompiledOverlayValidators } from '../../../lib/pipeline/engine/overlay';
import { dnsLabel, dnsSubdomain, ENV_VAR_NAME_PATTERN, portNumber, quantity, SECRET_KEY_PATTERN } from '../../../lib/core/values';
import { problemsOf } from '../../helpers';

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
    expect(problems[0]).toMatch(/^overlays\/env\/app.yaml:1:12 namespace: "Demo_NS" must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit/);
    expect(problems[0]).toMatch(/allowed: a DNS label/);
    expect(problems[1]).toMatch(/^overlays\/env\/app.yaml:4:9 backend.port: 70000 must be <= 65535/);
  });

  describe('a pattern is explained in words, not as a regular expression', () => {
    const values = Type.Object({
      hostname: dnsLabel({ description: 'the tailnet device name; served as <hostname>.<tailnet domain>' }),
      store: dnsSubdomain(),
      size: quantity(),
      // A record's key pattern holds only with additionalProperties: false (TypeBox writes patternProperties alone).
      secret: Type.Record(Type.String(SECRET_KEY_PATTERN), Type.String(), { additionalProperties: false }),
      env: Type.Record(Type.String(ENV_VAR_NAME_PATTERN), Type.String(), { additionalProperties: false }),
    }, { additionalProperties: false });
    const problems = problemsOf(() => parseOverlay('hostname: Docs_API\nstore: backups..eu\nsize: -1Gi\nsecret: { "a b": x }\nenv: { 1PORT: "80" }\n', 'overlays/env/app.yaml', values));

    test('the Tailscale hostname (a DNS label), with what the key is for', () => {
      expect(problems).toContain('overlays/env/app.yaml:1:11 hostname: "Docs_API" must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit [allowed: the tailnet device name; served as <hostname>.<tailnet domain>]');
    });

    test('a DNS subdomain and a quantity', () => {
      expect(problems).toContain('overlays/env/app.yaml:2:8 store: "backups..eu" must be a DNS subdomain: DNS labels (lower-case letters, digits and "-", starting and ending with a letter or digit) joined by "." [allowed: a DNS subdomain: dot-separated DNS labels, at most 253 characters]');
      expect(problems).toContainEqual(expect.stringMatching(/^overlays\/env\/app.yaml:3:7 size: "-1Gi" must be a Kubernetes quantity of 0 or more/));
    });

    test('a Secret key and an environment variable name used as map keys', () => {
      expect(problems).toContainEqual(expect.stringMatching(/^overlays\/env\/app.yaml:4:\d+ secret.a b: key "a b" must be a Secret key: letters, digits, "-", "_" and "." only/));
      expect(problems).toContainEqual(expect.stringMatching(/^overlays\/env\/app.yaml:5:\d+ env.1PORT: key "1PORT" must be an environment variable name: letters, digits and "_", not starting with a digit/));
    });

    test('no message prints a regular expression', () => {
      expect(problems).toHaveLength(5);
      for (const problem of problems) expect(problem).not.toMatch(/pattern|\^|\$\]/);
    });
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
    const problems = problemsOf(() => parseOverlay('cluster: c\nstage: s\nproduction: false\nkubernetes: "1.34"\nargocd: {server: "https://x", repoURL: "https://git.example.org/d.git"}\nstorgeClass: fast\n', 'overlays/c-s/environment.yaml', EnvironmentSchema));
    expect(problems).toEqual([expect.stringMatching(/^overlays\/c-s\/environment.yaml:6:1 storgeClass: unknown key "storgeClass" .*did you mean "storageClass"/)]);
  });

  test('a key written as Kubernetes names it suggests the overlay\'s own (storageClassName -> storageClass)', () => {
    const problems = problemsOf(() => parseOverlay('cluster: c\nstage: s\nproduction: false\nkubernetes: "1.34"\nargocd: {server: "https://x", repoURL: "https://git.example.org/d.git"}\nstorageClassName: fast\n', 'overlays/c-s/environment.yaml', EnvironmentSchema));
    expect(problems).toEqual([expect.stringMatching(/storageClassName: unknown key "storageClassName" .*did you mean "storageClass"/)]);
  });

  const environment = (kubernetes: string) => `cluster: c\nstage: s\nproduction: false\n${kubernetes}argocd: {server: "https://x", repoURL: "https://git.example.org/d.git"}\n`;

  test('an environment must say which Kubernetes minor its cluster runs', () => {
    expect(problemsOf(() => parseOverlay(environment(''), 'overlays/c-s/environment.yaml', EnvironmentSchema))).toEqual([expect.stringMatching(/kubernetes/)]);
  });

  test('the Kubernetes minor is one the library knows the APIs of, written as a string', () => {
    const tooOld = problemsOf(() => parseOverlay(environment('kubernetes: "1.27"\n'), 'overlays/c-s/environment.yaml', EnvironmentSchema));
    expect(tooOld).toEqual([expect.stringMatching(/^overlays\/c-s\/environment.yaml:4:\d+ kubernetes: "1\.27" must be equal to one of the allowed values \[allowed: a Kubernetes minor from "1\.28" to "1\.34"/)]);
    expect(problemsOf(() => parseOverlay(environment('kubernetes: 1.30\n'), 'overlays/c-s/environment.yaml', EnvironmentSchema))).toHaveLength(1);
    expect(parseOverlay(environment('kubernetes: "1.31"\n'), 'overlays/c-s/environment.yaml', EnvironmentSchema).kubernetes).toBe('1.31');
  });
});

// The CLI's bundle validates overlays with validators scripts/build.mjs compiled ahead of time
// (ajv standalone code); they must report exactly what a run-time compile reports.
describe('overlay validators compiled ahead of time', () => {
  const makeSchema = () => Type.Object({
    namespace: dnsLabel(),
    backend: Type.Object({ service: dnsLabel(), port: portNumber() }, { additionalProperties: false }),
    mode: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')], { description: 'public or private' })),
  }, { additionalProperties: false });

  function standalone(schema: TSchema): ValidateFunction {
    const ajv = new Ajv({ ...OVERLAY_AJV_OPTIONS, code: { source: true, esm: false, lines: false } });
    const module = { exports: {} as unknown };
    new Function('module', 'exports', 'require', standaloneCode(ajv, ajv.compile(schema)))(module, module.exports, require);
    return module.exports as ValidateFunction;
  }

  afterEach(() => useCompiledOverlayValidators(undefined));

  const bad = [
    'namespace: demo\nbackend:\n  service: api\n  prot: 8000\n',
    'namespace: Demo_NS\nbackend:\n  service: api\n  port: 70000\n',
    'namespace: demo\nbackend:\n  service: api\n  port: "eighty"\nmode: open\n',
    'backend: []\n',
  ];

  test('are used when registered under the schema key, and report the same problems as a run-time compile', () => {
    const compiledSchema = makeSchema();
    const load = jest.fn(() => standalone(compiledSchema));
    useCompiledOverlayValidators({ [overlaySchemaKey(compiledSchema)]: load });
    const ahead = bad.map((text) => problemsOf(() => parseOverlay(text, 'overlays/env/app.yaml', compiledSchema)));
    expect(load).toHaveBeenCalledTimes(1); // loaded once, then cached with the schema

    useCompiledOverlayValidators(undefined);
    const runtime = bad.map((text) => problemsOf(() => parseOverlay(text, 'overlays/env/app.yaml', makeSchema())));
    expect(ahead).toEqual(runtime);
    expect(ahead[2]).toContain('overlays/env/app.yaml:4:9 backend.port: "eighty" must be integer [allowed: a port number from 1 to 65535]');
    expect(ahead[2]).toHaveLength(2); // and mode: "open"
  });

  test('a schema not among them is compiled at run time', () => {
    const other = makeSchema();
    const unrelated = jest.fn(() => standalone(schema));
    useCompiledOverlayValidators({ [overlaySchemaKey(schema)]: unrelated });
    expect(problemsOf(() => parseOverlay(bad[0], 'overlays/env/app.yaml', other))).toContain('overlays/env/app.yaml:4:3 backend.prot: unknown key "prot" [allowed: keys service, port (did you mean "port"?)]');
    expect(unrelated).not.toHaveBeenCalled();
  });

  test('the key is the SHA-256 of the schema JSON, so equal schemas share one', () => {
    expect(overlaySchemaKey(makeSchema())).toBe(overlaySchemaKey(makeSchema()));
    expect(overlaySchemaKey(makeSchema())).toMatch(/^s[0-9a-f]{64}$/);
    expect(overlaySchemaKey(makeSchema())).not.toBe(overlaySchemaKey(schema));
  });
});
