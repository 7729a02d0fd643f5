import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatProblems, printable } from '../../lib/core/errors';
import { declaredClient } from '../../lib/core/environment';
import { ownValue, withoutPrototypes } from '../../lib/core/user-keys';
import { labelMap } from '../../lib/core/values';
import { applyExceptions } from '../../lib/pipeline/checks/exceptions';
import { objectMetadataProblems } from '../../lib/pipeline/checks/object-metadata';
import { objectNameProblems } from '../../lib/pipeline/checks/object-names';
import { noSecretData, noSecretStrings, SECRET_PATTERNS, secretKind } from '../../lib/pipeline/checks/secrets';
import { findViolations } from '../../lib/pipeline/checks/rules';
import type { KubeObject } from '../../lib/pipeline/checks/schema-validation';
import type { PolicyException } from '../../lib/pipeline/checks/types';
import { readTree, refuseEscapingPaths, writeTreeAtomically } from '../../lib/pipeline/engine/output';
import { parseOverlay } from '../../lib/pipeline/engine/overlay';
import { isSealedCiphertext } from '../../lib/secrets/sealed-secret';
import { Type } from '@sinclair/typebox';
import { UserError } from '../../lib/core/errors';
import { testEnvironment } from '../helpers';
import { SEED } from '../reliability/fixtures';

/*
 * Hostile values, class by class (issue 29): each property feeds many variants of one class of
 * input to the one place that must stop it, and checks the corrected twin passes.
 */

const params = (numRuns: number) => ({ seed: SEED, numRuns });
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

/** Names that are not valid object names, in every way a name becomes a path or breaks a file name. */
const pathLikeName = fc.oneof(
  fc.constantFrom('..', '.', '../x', '../../../../overlays/cfp-prod/codeforphilly', 'a/b', '/etc/passwd', 'a\\b', 'a\u0000b', '', ' ', 'A', 'x_y', 'x%2f', '-x', 'x-', 'x..y', `${'a'.repeat(254)}`),
  fc.tuple(fc.stringMatching(/^[a-z]{1,5}$/), fc.constantFrom('/', '\\', '..', ' ', '\n', ':', '*', '?', '%', '#', 'É', '\u202e'), fc.stringMatching(/^[a-z]{1,5}$/)).map(([a, b, c]) => `${a}${b}${c}`),
);

describe('2. names: held to their kind\'s format before anything is written; the writer refuses paths out of the output', () => {
  const objectOf = (kind: string, apiVersion: string, name: string, namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } }) as KubeObject;
  const kinds: Array<[string, string]> = [['ConfigMap', 'v1'], ['Namespace', 'v1'], ['Service', 'v1'], ['Deployment', 'apps/v1'], ['Role', 'rbac.authorization.k8s.io/v1'], ['Widget', 'example.com/v1']];

  test('a name that is not its kind\'s format is refused, for every kind (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...kinds), pathLikeName, ([kind, apiVersion], name) => {
      const object = objectOf(kind, apiVersion, name, kind === 'Namespace' ? undefined : 'demo');
      const problems = objectNameProblems([object], ['demo/x'], '');
      // RBAC names may be any path segment: only "/", "%", "." and ".." are refused there.
      if (kind === 'Role' && !/[/%]/.test(name) && name !== '.' && name !== '..' && name !== '') return;
      expect(problems.length).toBe(1);
      expect(problems[0].where).toBe('demo/x');
    }), params(200));
  });

  test('formats per kind: a Namespace is a DNS label, a Service an RFC 1035 label, RBAC a path segment, the rest DNS subdomains (corrected twins pass)', () => {
    const ok = (kind: string, apiVersion: string, name: string) => objectNameProblems([objectOf(kind, apiVersion, name, kind === 'Namespace' ? undefined : 'demo')], ['w'], '').length === 0;
    expect(ok('Namespace', 'v1', 'a.b')).toBe(false);
    expect(ok('Namespace', 'v1', 'a-b')).toBe(true);
    expect(ok('Service', 'v1', '1api')).toBe(false);
    expect(ok('Service', 'v1', 'api1')).toBe(true);
    expect(ok('ConfigMap', 'v1', 'a.b')).toBe(true);
    expect(ok('ClusterRole', 'rbac.authorization.k8s.io/v1', 'system:controller:x')).toBe(true);
    expect(ok('ClusterRole', 'rbac.authorization.k8s.io/v1', 'a/b')).toBe(false);
    expect(ok('Widget', 'example.com/v1', 'Upper')).toBe(false);
    expect(ok('Widget', 'example.com/v1', 'lower.case')).toBe(true);
    // A namespace is a DNS label, and a kind an identifier: both name files too.
    expect(objectNameProblems([objectOf('ConfigMap', 'v1', 'x', '../up')], ['w'], '')[0].message).toMatch(/namespace "\.\.\/up"/);
    expect(objectNameProblems([objectOf('../Evil', 'v1', 'x', 'demo')], ['w'], '')[0].message).toMatch(/is not a kind/);
  });

  test('the writer refuses any path that leaves the output directory, and writes nothing (property)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'escape-'));
    try {
      const out = join(dir, 'dist');
      writeTreeAtomically(out, new Map([['e/a/kustomization.yaml', '#']]));
      const before = readTree(out);
      const segment = fc.oneof(fc.constantFrom('..', '.', '', 'a\\..', '\u0000'), fc.stringMatching(/^[a-z]{1,4}$/));
      const escaping = fc.oneof(
        fc.constantFrom('../x', '../../overlays/x.yaml', '/etc/x', 'e/../../x', 'e//x', 'e/./x', './x', '', 'e/a/..', 'e\\..\\x', 'e/\u0000/x'),
        fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')).filter((p) => p.split('/').some((s) => ['..', '.', ''].includes(s) || /[\\\u0000]/.test(s))),
        fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 3 }).map((s) => `/${s.join('/')}`),
      );
      fc.assert(fc.property(escaping, (path) => {
        expect(() => writeTreeAtomically(out, new Map([['e/a/ok.yaml', 'x'], [path, 'pwned']]))).toThrow(UserError);
        expect(readTree(out)).toEqual(before);
        expect(existsSync(join(dir, 'x'))).toBe(false);
      }), params(60));
      // Corrected twin: nested paths inside are written.
      expect(() => refuseEscapingPaths(new Map([['e/a/configmap-x.yaml', 'x'], ['e/README.md', 'x']]), 'dist')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('3. no lookup by a user key reaches the prototype chain; labels and annotations as the API server validates them', () => {
  test('every key Object.prototype has is an unknown client, not a client admitting every pod (corrected twin: a declared one)', () => {
    const environment = testEnvironment({ existing: { clients: { tunnel: { namespace: 'edge', podLabels: { app: 'tunnel' } } } } });
    for (const key of PROTOTYPE_KEYS) {
      expect(() => declaredClient(environment, key, 'overlays/x.yaml clients.0')).toThrow(/names client ".*", which .* does not declare/);
    }
    expect(declaredClient(environment, 'tunnel', 'w')).toEqual({ namespace: 'edge', podLabels: { app: 'tunnel' } });
  });

  test('overlay values are null-prototype maps: a prototype key is found only when the overlay holds it (property)', () => {
    fc.assert(fc.property(fc.constantFrom(...PROTOTYPE_KEYS), fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.string(), { maxKeys: 3 }), (key, map) => {
      const values = parseOverlay(`m: ${JSON.stringify(map)}\n`, 'o.yaml', Type.Object({ m: Type.Record(Type.String(), Type.String()) })) as { m: Record<string, string> };
      expect(values.m[key]).toBeUndefined();
      expect(ownValue(values.m, key)).toBeUndefined();
      const withKey = withoutPrototypes({ [key]: 'held' });
      expect(ownValue(withKey, key)).toBe('held');
    }), params(40));
  });

  test('a "__proto__" key in an overlay stays a key (yaml defines it as an own property), never a prototype', () => {
    const values = parseOverlay('m: {__proto__: {polluted: "yes"}}\n', 'o.yaml', Type.Object({ m: Type.Record(Type.String(), Type.Unknown()) })) as { m: Record<string, unknown> };
    expect(Object.keys(values.m)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const badLabelKeys = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS.filter((k) => k.startsWith('_'))), fc.constantFrom('-a', 'a-', 'a b', '${file("/etc/passwd")}', 'a/b/c', 'UPPER_.example.com/x', '/x', 'x/', `${'a'.repeat(64)}`, 'é', '\u001b[31m'));
  const badLabelValues = fc.constantFrom('-a', 'a b', 'x'.repeat(64), '${x}', 'a/b', '\n', 'é');

  test('label maps in overlays take only what the API server takes (property; corrected twin passes)', () => {
    const schema = Type.Object({ podLabels: labelMap() });
    fc.assert(fc.property(badLabelKeys, (key) => {
      expect(() => parseOverlay(`podLabels: ${JSON.stringify({ [key]: 'v' })}\n`, 'o.yaml', schema)).toThrow(UserError);
    }), params(40));
    fc.assert(fc.property(badLabelValues, (value) => {
      expect(() => parseOverlay(`podLabels: ${JSON.stringify({ app: value })}\n`, 'o.yaml', schema)).toThrow(UserError);
    }), params(20));
    expect(parseOverlay('podLabels: {app.kubernetes.io/name: web, tier: "", "example.com/x_y.z": "A-1"}\n', 'o.yaml', schema)).toEqual({ podLabels: { 'app.kubernetes.io/name': 'web', tier: '', 'example.com/x_y.z': 'A-1' } });
  });

  test('labels, annotations, selectors and "__proto__" keys of every rendered object are checked, wherever the object came from (property)', () => {
    const base = () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } as Record<string, unknown>, annotations: {} as Record<string, unknown> }, spec: { selector: { matchLabels: { app: 'web' } as Record<string, unknown> }, template: { metadata: { labels: { app: 'web' } as Record<string, unknown> }, spec: {} } } });
    const places: Array<(o: ReturnType<typeof base>, k: string) => void> = [
      // defineProperty: an own key even for "__proto__", as JSON.parse and yaml make it.
      (o, k) => Object.defineProperty(o.metadata.labels, k, { value: 'v', enumerable: true }),
      (o, k) => Object.defineProperty(o.metadata.annotations, k, { value: 'v', enumerable: true }),
      (o, k) => Object.defineProperty(o.spec.selector.matchLabels, k, { value: 'v', enumerable: true }),
      (o, k) => Object.defineProperty(o.spec.template.metadata.labels, k, { value: 'v', enumerable: true }),
    ];
    fc.assert(fc.property(fc.nat(places.length - 1), badLabelKeys, (i, key) => {
      const object = base();
      places[i](object, key);
      expect(objectMetadataProblems([object as unknown as KubeObject], ['demo/web'], '').length).toBeGreaterThan(0);
    }), params(80));
    expect(objectMetadataProblems([base() as unknown as KubeObject], ['demo/web'], '')).toEqual([]);
    const huge = base();
    huge.metadata.annotations.note = 'x'.repeat(256 * 1024);
    expect(objectMetadataProblems([huge as unknown as KubeObject], ['w'], '')[0].message).toMatch(/at most 262144 \(256 KiB\)/);
  });
});

describe('4. the secret scan: every string and key, URLs with credentials in any scheme or query, SealedSecrets held to ciphertext', () => {
  const password = fc.stringMatching(/^[A-Za-z0-9!*~_-]{4,16}$/).filter((p) => !/^\$/.test(p));
  const user = fc.stringMatching(/^[a-z]{0,8}$/);
  const host = fc.constantFrom('db-rw', 'github.com', 'redis.example.org:6379', '10.0.0.1');
  const scheme = fc.constantFrom('https', 'http', 'postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'ssh', 'git+https', 'ftp', 'jdbc:postgresql');
  const queryKey = fc.constantFrom('password', 'PASSWORD', 'token', 'access_token', 'api_key', 'apikey', 'secret', 'client_secret', 'sig', 'X-Amz-Signature', 'sslpassword');

  test('a URL with a password, in any scheme (the user may be empty), is found (property; a $(VAR) reference and a URL without password are not)', () => {
    fc.assert(fc.property(scheme, user, password, host, (s, u, p, h) => {
      expect(secretKind(`${s}://${u}:${p}@${h}/x`)?.what).toMatch(/URL with a password/);
      expect(secretKind(`${s}://${u}:$(DB_PASSWORD)@${h}/x`)).toBeUndefined();
      expect(secretKind(`${s}://${u || 'app'}@${h}/x`)).toBeUndefined();
    }), params(120));
  });

  test('credentials in a URL query and in key=value connection strings are found (property)', () => {
    fc.assert(fc.property(scheme, host, queryKey, password, fc.boolean(), (s, h, k, p, first) => {
      const url = `${s}://${h}/db${first ? `?${k}=${p}` : `?sslmode=require&${k}=${p}`}`;
      expect(secretKind(url)?.what).toMatch(/credential in its query/);
      expect(secretKind(`${s}://${h}/db?sslmode=require`)).toBeUndefined();
    }), params(80));
    expect(secretKind("host=db user=app password=hunter2 dbname=app")?.what).toMatch(/connection string/);
    expect(secretKind("Server=db;Database=app;User Id=app;Password=hunter2;")).toBeDefined();
    expect(secretKind("host=db user=app password=$(PGPASSWORD)")).toBeUndefined();
  });

  test('the quick test before the patterns (a literal every match contains) never changes the answer (property, strings built from the patterns\' pieces)', () => {
    const everyPattern = (value: string) => SECRET_PATTERNS.find((p) => { const m = p.pattern.exec(value); return m !== null && (p.accept?.(m) ?? true); });
    const piece = fc.constantFrom('-----BEGIN ', 'RSA ', 'PRIVATE KEY', '-----', 'AKIA', 'ASIA', 'ghp_', 'gho_', 'github_pat_', 'xoxb-', 'xoxp-', '://', 'https', ':', '@', '?', '&', ';', '=', 'password', 'PWD', 'token', ' ', 'x', 'A1B2C3D4E5F6G7H8', 'abcdefghijklmnopqrstuvwxyz0123456789', '$(VAR)', "'");
    fc.assert(fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 12 }), (pieces) => {
      const value = pieces.join('');
      expect(secretKind(value)).toBe(everyPattern(value));
    }), params(2000));
  });

  test('every string of every object is scanned, ArgoCD objects and exception-reason annotations included', () => {
    const application = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x', namespace: 'argocd' }, spec: { source: { repoURL: 'https://deploy:s3cr3t@git.example.org/deployments.git' } } } as unknown as KubeObject;
    const project = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'x', namespace: 'argocd' }, spec: { sourceRepos: ['https://x-access-token:s3cr3t@github.com/o/r.git'] } } as unknown as KubeObject;
    const excepted = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'demo', annotations: { 'policy.platform.internal/pss-restricted': 'vendor needs it: postgres://a:b@db/x' } } } as unknown as KubeObject;
    const found = findViolations([application, project, excepted], { production: false }, [noSecretStrings]);
    expect(found.map((f) => `${f.object.kind} ${f.message}`)).toEqual([
      'Application spec.source.repoURL holds what looks like a URL with a password in it (user:password@) (value not shown)',
      'AppProject spec.sourceRepos[0] holds what looks like a URL with a password in it (user:password@) (value not shown)',
      'ConfigMap metadata.annotations.policy.platform.internal/pss-restricted holds what looks like a URL with a password in it (user:password@) (value not shown)',
    ]);
    expect(JSON.stringify(found.map((f) => [f.message, f.fix]))).not.toContain('s3cr3t');
  });

  test('a SealedSecret from anywhere is held to ciphertext and an empty template (property; the construct\'s own shape passes)', () => {
    const ciphertext = Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 32, 7)]).toString('base64');
    expect(isSealedCiphertext(ciphertext)).toBe(true);
    const sealed = (encryptedData: Record<string, string>, template: Record<string, unknown> = {}) => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'demo' }, spec: { encryptedData, template: { metadata: { name: 's' }, ...template } } }) as unknown as KubeObject;
    fc.assert(fc.property(fc.oneof(fc.string({ minLength: 1 }), fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b).toString('base64'))).filter((v) => !isSealedCiphertext(v)), (plaintext) => {
      expect(findViolations([sealed({ TOKEN: plaintext })], { production: false }, [noSecretData]).map((f) => f.message)).toEqual([expect.stringMatching(/^spec\.encryptedData\.TOKEN is not Sealed Secrets ciphertext/)]);
    }), params(60));
    for (const field of ['data', 'stringData']) {
      expect(findViolations([sealed({ TOKEN: ciphertext }, { [field]: { password: 'hunter2' } })], { production: false }, [noSecretData])[0].message).toMatch(new RegExp(`spec.template carries ${field}`));
    }
    expect(findViolations([sealed({ TOKEN: ciphertext })], { production: false }, [noSecretData])).toEqual([]);
  });
});

describe('5. policy exceptions: one object, named with its namespace (or cluster-scoped), a visible reason', () => {
  const deployment = (namespace: string, apiVersion = 'apps/v1') => ({ apiVersion, kind: 'Deployment', metadata: { name: 'web', namespace } }) as KubeObject;
  const apply = (exceptions: PolicyException[], objects: KubeObject[]) => applyExceptions(exceptions, objects, objects.map((object) => ({ rule: 'pss-restricted' as const, object })), (i) => `o.yaml policyExceptions.${i}`);
  const reason = 'the vendor image needs it; tracked in OPS-1';

  test('an exception without a namespace (or with both) is refused; with one it excepts that namespace\'s object only', () => {
    const objects = [deployment('a'), deployment('b')];
    expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', reason }], objects).problems[0].message).toMatch(/names no namespace for Deployment web/);
    expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', clusterScoped: true, reason }], objects).problems[0].message).toMatch(/names a namespace and says clusterScoped/);
    const applied = apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', reason }], objects);
    expect(applied.problems).toEqual([]);
    expect([...applied.excepted].map((v) => v.object.metadata.namespace)).toEqual(['a']);
  });

  test('an exception matching more than one object is an error', () => {
    const objects = [deployment('a'), deployment('a', 'example.com/v1')];
    expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', reason }], objects).problems[0].message).toMatch(/matches 2 objects \(apps\/v1, example.com\/v1\); an exception covers one object/);
  });

  test('a reason must be visible text without a secret (property over invisible and control characters; corrected twin passes)', () => {
    const invisible = fc.array(fc.constantFrom('\u200b', '\u200c', '\u2060', '\u202e', '\u0000', '\u001b', '\u00ad', ' ', '\t', '\n', '.', '!'), { minLength: 10, maxLength: 40 }).map((c) => c.join(''));
    fc.assert(fc.property(invisible, (text) => {
      expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', reason: text }], [deployment('a')]).problems[0].message).toMatch(/not visible text/);
    }), params(60));
    expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', reason: 'see https://ops:hunter22@wiki.example.org/x for why' }], [deployment('a')]).problems[0].message).toMatch(/reason that holds what looks like a URL with a password/);
    expect(apply([{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'a', reason }], [deployment('a')]).problems).toEqual([]);
  });
});

describe('9. user strings in messages are escaped', () => {
  const hostile = fc.array(fc.oneof(fc.constantFrom('\u001b[2J', '\u001b]0;title\u0007', '\r', '\n::set-output name=x::y', '\n##vso[task.setvariable]', '::add-mask::x', '\u202e', '\u200b', '\u0085', '\u2028', '\u0007'), fc.string({ maxLength: 5 })), { minLength: 1, maxLength: 6 }).map((p) => p.join(''));

  test('no control or format character reaches the terminal, and no printed line starts a CI command (property)', () => {
    fc.assert(fc.property(hostile, hostile, (where, value) => {
      const text = formatProblems([{ where, message: `key "${value}" is not allowed`, hint: `rename "${value}"` }]);
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/);
      for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*(::|##)/);
    }), params(150));
    expect(printable('plain "text" stays')).toBe('plain "text" stays');
    expect(formatProblems([{ where: 'w', message: 'm', hint: 'add:\n    terraform:' }])).toBe('w: m\n  fix: add:\n    terraform:');
  });
});

describe('8. problems are located with one positions map per file', () => {
  test('a thousand stale exceptions are located by one parse of the overlay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'positions-'));
    try {
      const file = join(dir, 'app.yaml');
      const n = 1000;
      const entries = Array.from({ length: n }, (_, i) => `  - { rule: pss-restricted, kind: Deployment, name: web-${i}, namespace: demo, reason: stale entry number ${i} }`);
      writeFileSync(file, `namespace: demo\npolicyExceptions:\n${entries.join('\n')}\n`);
      // Every entry is stale (no objects): each problem names its own line.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const yaml = require('yaml') as typeof import('yaml');
      const parse = jest.spyOn(yaml, 'parseDocument');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { yamlPositions } = require('../../lib/pipeline/checks/yaml-positions') as typeof import('../../lib/pipeline/checks/yaml-positions');
      const positions = yamlPositions(file);
      const exceptions = entries.map((_, i) => ({ rule: 'pss-restricted' as const, kind: 'Deployment', name: `web-${i}`, namespace: 'demo', reason: `stale entry number ${i}` }));
      const { problems } = applyExceptions(exceptions, [], [], (i) => `app.yaml${positions.get(['policyExceptions', i].join('\u0000')) ?? ''} policyExceptions.${i}`);
      expect(problems.length).toBe(n);
      expect(problems[n - 1].where).toBe(`app.yaml:${n + 2}:5 policyExceptions.${n - 1}`);
      expect(parse.mock.calls.length).toBeLessThanOrEqual(1);
      parse.mockRestore();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
