import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { WebService } from '../../lib/apps/web-service';
import { overlaySchema } from '../../lib/pipeline/engine/overlay-schema';
import { EXIT, runCli } from '../../lib/pipeline/engine/cli';
import { EnvironmentSchema } from '../../lib/core/environment';
import { UserError, type Problem } from '../../lib/core/errors';
import { readTree } from '../../lib/pipeline/engine/output';
import { parseQuantity } from '../../lib/core/quantity';
import { isSealedCiphertext, SealedSecret } from '../../lib/secrets/sealed-secret';
import { ServiceRef } from '../../lib/core/service-ref';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';
import { declareExisting, render, scratchRoot, testChart } from '../helpers';
import { ECHO_EXISTING, ECHO_OVERLAY, SEED, testApps } from './fixtures';

/*
 * Property-based tests of hostile input: generated invalid overlays (and construct props) drive
 * the real pipeline. Every case must be rejected as a UserError naming the file and field, or the
 * construct path and the overlay it came from; never accepted, never another error (a stack
 * trace), and nothing is written: synthesize() writes nothing by design, and a sample of cases
 * goes through the CLI, after which dist/ must be byte-identical.
 *
 * The seed is fixed (SEED in fixtures.ts); fast-check prints it, with the shrunk counterexample,
 * when a property fails. Re-run one failure with FC_SEED=<seed>.
 */

type Json = Record<string, unknown>;
type Path = ReadonlyArray<string | number>;

/** One generated input: overlay files to write (relative to overlays/) and what the rejection must name. */
interface Case {
  readonly files: Readonly<Record<string, string>>;
  readonly expect: Expect;
}

type Expect =
  /** A problem at `file` (optionally :line:col) and exactly `field` (a YAML error has no field). */
  | { readonly overlay: string; readonly field?: Path; readonly message: RegExp }
  /** A problem at a construct path, whose message names the overlay the values came from (if given). */
  | { readonly construct: RegExp; readonly overlay?: string; readonly message: RegExp }
  /** Either of the two, when the schema or the construct may be the one to catch it. */
  | { readonly anyOf: readonly Expect[] };

let root: string;
let overlaysDir: string;
let base: Map<string, { text: string; value: Json }>;
let distBefore: Map<string, string>;
const counts: Record<string, number> = {};

beforeAll(() => {
  root = scratchRoot();
  overlaysDir = join(root, 'overlays');
  writeFileSync(join(overlaysDir, ECHO_OVERLAY.file), ECHO_OVERLAY.text);
  declareExisting(overlaysDir, 'pal-e-prod', ECHO_EXISTING);
  base = new Map();
  for (const env of readdirSync(overlaysDir)) {
    for (const file of readdirSync(join(overlaysDir, env))) {
      const text = readFileSync(join(overlaysDir, env, file), 'utf8');
      base.set(`${env}/${file}`, { text, value: parse(text) as Json });
    }
  }
  // The unmutated overlays pass: otherwise every "rejection" below would prove nothing.
  expect(() => synthesize({ apps: testApps, overlaysDir })).not.toThrow();
  distBefore = readTree(join(root, 'dist'));
});

afterAll(() => {
  // Nothing of all this reached dist/.
  expect(readTree(join(root, 'dist'))).toEqual(distBefore);
  rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Running a case

/** Writes the case's files, runs synthesize on their environments, restores the files, returns the problems. */
function synthProblems(c: Case): Problem[] {
  const envs = [...new Set(Object.keys(c.files).map((f) => f.split('/')[0]))];
  for (const [file, text] of Object.entries(c.files)) writeFileSync(join(overlaysDir, file), text);
  try {
    synthesize({ apps: testApps, overlaysDir, environments: envs });
  } catch (error) {
    if (error instanceof UserError) return [...error.problems];
    throw new Error(`not a UserError (a stack trace would be printed): ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    for (const file of Object.keys(c.files)) writeFileSync(join(overlaysDir, file), base.get(file)!.text);
  }
  throw new Error('the invalid input was accepted');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matches(p: Problem, e: Expect): boolean {
  if ('anyOf' in e) return e.anyOf.some((x) => matches(p, x));
  if ('construct' in e) {
    // A construct's problem about a value from the overlay is placed at the overlay's line, with the construct after the message.
    const constructPath = /\(refused by (\S+)\)$/.exec(p.message)?.[1] ?? p.where;
    const fromOverlay = e.overlay === undefined || p.message.includes(`values from overlays/${e.overlay}`);
    return e.construct.test(constructPath) && fromOverlay && e.message.test(p.message);
  }
  const field = e.field === undefined ? '' : ` ${e.field.length ? e.field.join('.') : '(top level)'}`;
  return new RegExp(`^overlays/${escape(e.overlay)}(:\\d+:\\d+)?${escape(field)}$`).test(p.where) && e.message.test(p.message);
}

/** The property every case must have. */
function rejected(category: string) {
  return (c: Case): void => {
    counts[category] = (counts[category] ?? 0) + 1;
    const problems = synthProblems(c);
    for (const p of problems) {
      expect(p.where.length).toBeGreaterThan(0);
      expect(p.message.length).toBeGreaterThan(0);
      expect(`${p.where} ${p.message} ${p.allowed ?? ''} ${p.hint ?? ''}`).not.toMatch(/\n\s+at /);
    }
    if (!problems.some((p) => matches(p, c.expect))) {
      throw new Error(`no problem names what was expected (${JSON.stringify(c.expect, (_k, v) => (v instanceof RegExp ? String(v) : v))}); got:\n${problems.map((p) => `${p.where}: ${p.message}`).join('\n')}`);
    }
  };
}

const params = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

// ---------------------------------------------------------------------------------------------
// Building cases from the real overlays

const appFiles = () => [...base.keys()].filter((f) => !f.endsWith('/environment.yaml')).sort();
const allFiles = () => [...base.keys()].sort();
const clone = (file: string): Json => structuredClone(base.get(file)!.value);

function setIn(value: Json, path: Path, leaf: unknown): Json {
  let node: Record<string | number, unknown> = value;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = leaf;
  return value;
}

function getIn(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
}

/** Every scalar leaf of a value, by path. */
function leaves(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [path];
}

/** A mutated copy of `file`'s overlay, as YAML. */
function mutated(file: string, path: Path, leaf: unknown): string {
  return stringify(setIn(clone(file), path, leaf));
}

const appOf = (file: string) => file.split('/')[1].replace(/\.yaml$/, '');

/** The property names the schema allows at `path` of `file` (through arrays and unions). */
function schemaKeys(file: string, path: Path): string[] {
  const root = file.endsWith('/environment.yaml') ? EnvironmentSchema : overlaySchema(testApps.find((a) => a.name === appOf(file))!);
  let schemas: Json[] = [root as unknown as Json];
  const expand = (list: Json[]): Json[] => list.flatMap((s) => (Array.isArray(s.anyOf) ? expand(s.anyOf as Json[]) : [s]));
  for (const k of path) {
    schemas = expand(schemas).flatMap((s) => {
      const next = typeof k === 'number' ? s.items : (s.properties as Json | undefined)?.[k];
      return next ? [next as Json] : [];
    });
  }
  return expand(schemas).flatMap((s) => Object.keys((s.properties as Json | undefined) ?? {}));
}

/** Objects in the overlays that are closed (an unknown key there is an error), by file. */
function closedObjects(file: string): Path[] {
  const value = base.get(file)!.value;
  const candidates: Path[] = [[], ['backend'], ['volumes'], ['resources'], ['secrets'], ['deployKey'], ['database'], ['database', 'backup'],
    ['database', 'backup', 'objectStore'], ['env'], ['env', 'store'], ['databases', 0], ['databases', 0, 'cluster'], ['argocd'], ['backupCredentials']];
  return candidates.filter((p) => {
    const node = p.length === 0 ? value : (() => { try { return getIn(value, p); } catch { return undefined; } })();
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
}

// ---------------------------------------------------------------------------------------------
// Generators

/** A DNS label, valid. */
const goodLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);

/** Names that are not DNS labels, for every way a name goes wrong. */
const badLabel = fc.oneof(
  fc.tuple(goodLabel, fc.constantFrom('A', 'Z', '_', '.', ' ', 'é', '/', ':', '*'), goodLabel).map(([a, bad, b]) => `${a}${bad}${b}`),
  goodLabel.map((s) => `-${s}`),
  goodLabel.map((s) => `${s}-`),
  fc.integer({ min: 64, max: 90 }).map((n) => 'a'.repeat(n)),
  fc.constant(''),
);

/** Hostnames that are not fully qualified DNS names. */
const badHostname = fc.oneof(
  goodLabel, // one label
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((n) => n.join('.')), // an IP
  fc.tuple(badLabel.filter((l) => l !== '' && !l.includes('.')), goodLabel).map(([a, b]) => `${a}.${b}.org`),
  goodLabel.map((s) => `${s}..example.org`),
  goodLabel.map((s) => `*.*.${s}.org`),
  goodLabel.map((s) => `${s}.example.org.`),
);

/** Strings that are not Kubernetes quantities. */
const badQuantity = fc.oneof(
  fc.constantFrom('10GB', 'ten', '1.2.3Gi', 'Gi', '10 Gi', '5gi', '1e', '∞', '0x10', '1_000', '12Mb'),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => parseQuantity(s) === undefined),
);

/** Plaintext (or plain base64) pasted where kubeseal ciphertext belongs. */
const plaintext = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('hunter2', 'postgres://app:secret@db/app', `ghp_${'x1'.repeat(18)}`, '-----BEGIN OPENSSH PRIVATE KEY-----'),
).filter((s) => !isSealedCiphertext(s));


// ---------------------------------------------------------------------------------------------
// The properties: about 330 generated cases through synthesize(), 15 more through the CLI


// The time budget of each test here: a copy of the project and one or more in-process synths,
// which a loaded machine stretches well past jest's 5 s default.
jest.setTimeout(120_000);
describe('hostile overlays are rejected with file and field, never a stack trace, never a write', () => {
  /** YAML corruptions, inserted before a top-level key (so never inside a block scalar). */
  const corruption = fc.oneof(
    fc.constant('<first key>: twice'), // a duplicate of the file's first key
    fc.tuple(goodLabel, goodLabel).map(([k, v]) => `${k}: { ${v}: [1, 2`), // unclosed flow collection
    fc.tuple(goodLabel, goodLabel).map(([k, v]) => `${k}: "${v}`), // unterminated quote
    fc.tuple(goodLabel, goodLabel).map(([k, v]) => `\t${k}: ${v}`), // tab indentation
    fc.tuple(goodLabel, goodLabel, goodLabel).map(([k, a, b]) => `${k}: ${a}: ${b}`), // nested compact mapping
    fc.tuple(goodLabel, goodLabel).map(([k, v]) => `${k}: [${v}]]`), // stray bracket
    fc.tuple(goodLabel, goodLabel).map(([k, v]) => `${k}: @${v}`), // reserved indicator
    goodLabel.map((v) => `- ${v}`), // a sequence entry in a mapping
  );

  // A function: the overlays are read in beforeAll, after the tests are collected.
  const malformedYaml = () => fc.tuple(fc.constantFrom(...allFiles()), fc.nat(), corruption).map(([file, at, line]): Case => {
    const lines = base.get(file)!.text.split('\n');
    const keyLines = lines.map((l, i) => (/^[a-zA-Z]/.test(l) ? i : -1)).filter((i) => i >= 0);
    const index = [...keyLines, lines.length][at % (keyLines.length + 1)];
    const inserted = line.replace('<first key>', Object.keys(base.get(file)!.value)[0]);
    const text = [...lines.slice(0, index), inserted, ...lines.slice(index)].join('\n');
    return { files: { [file]: text }, expect: { overlay: file, message: /^is not valid YAML: / } };
  });

  test('malformed YAML', () => {
    fc.assert(fc.property(malformedYaml(), rejected('malformed YAML')), params(40));
  });

  test('wrong types', () => {
    const wrongType = fc.tuple(fc.constantFrom(...allFiles()), fc.nat(), fc.nat()).map(([file, i, j]): Case => {
      const paths = leaves(base.get(file)!.value);
      const path = paths[i % paths.length];
      const original = getIn(base.get(file)!.value, path);
      // Values no scalar field of that type accepts (numbers are left out for strings: a port may be either).
      const candidates: unknown[] = typeof original === 'boolean' ? ['yes', 7, [true], { on: true }, null]
        : typeof original === 'number' ? [String(original), true, [original], { n: original }, null]
          : [true, [String(original)], { value: original }, null];
      return { files: { [file]: mutated(file, path, candidates[j % candidates.length]) }, expect: { overlay: file, field: path, message: /./ } };
    });
    fc.assert(fc.property(wrongType, rejected('wrong types')), params(50));
  });

  test('out-of-range numbers: ports, timeouts, instances, versions', () => {
    const outside = (min: number, max?: number) => fc.oneof(
      fc.integer({ min: -100000, max: min - 1 }),
      ...(max === undefined ? [] : [fc.integer({ min: max + 1, max: 10_000_000 })]),
      fc.double({ min: min + 0.01, max: (max ?? 100) - 0.01, noNaN: true }).filter((n) => !Number.isInteger(n)),
    );
    const cfp = appFiles().filter((f) => f.endsWith('/codeforphilly.yaml'));
    const targets: Array<[file: string, path: Path, values: fc.Arbitrary<number>]> = [
      ['pal-e-prod/pal-e-docs-api.yaml', ['backend', 'port'], outside(1, 65535)],
      ...cfp.map((f): [string, Path, fc.Arbitrary<number>] => [f, ['pushTimeoutSeconds'], outside(1, 3600)]),
      ['openova-prod/pool-domain-manager.yaml', ['database', 'instances'], outside(1)],
      ['openova-prod/pool-domain-manager.yaml', ['database', 'postgresVersion'], outside(12)],
      ['railiance01-prod/railiance-platform.yaml', ['databases', 0, 'cluster', 'postgresVersion'], outside(12)],
    ];
    const arb = fc.nat(targets.length - 1).chain((t) => targets[t][2].map((n): Case => {
      const [file, path] = targets[t];
      return { files: { [file]: mutated(file, path, n) }, expect: { overlay: file, field: path, message: /must be (>=|<=|integer)/ } };
    }));
    fc.assert(fc.property(arb, rejected('out-of-range numbers')), params(30));
  });

  test('bad quantities and out-of-range sizes', () => {
    const cfp = appFiles().filter((f) => f.endsWith('/codeforphilly.yaml'));
    const targets: Array<[string, Path]> = [
      // volumes.data and volumes.private are left out: PushDaemonApp does not check sizes (known bug, below).
      ...cfp.flatMap((f): Array<[string, Path]> => [[f, ['resources', 'cpu']], [f, ['resources', 'memory']], [f, ['resources', 'memoryLimit']]]),
      ['openova-prod/pool-domain-manager.yaml', ['database', 'storageSize']],
      ['railiance01-prod/railiance-platform.yaml', ['databases', 0, 'cluster', 'storageSize']],
    ];
    const isSize = (path: Path) => path.includes('storageSize');
    const arb = fc.tuple(fc.nat(targets.length - 1), fc.oneof(badQuantity, fc.constantFrom('0', '0Gi', '-5Gi', '-1')), fc.boolean()).map(([t, q, overLimit]): Case => {
      const [file, path] = targets[t];
      const either = (message: RegExp): Expect => ({ anyOf: [{ overlay: file, field: path, message: /must be a Kubernetes quantity/ }, { construct: new RegExp(`^${appOf(file)}/`), overlay: file, message }] });
      // A memory request above its limit: both valid quantities, the pair out of range.
      if (overLimit && file.endsWith('codeforphilly.yaml')) {
        const value = clone(file);
        setIn(value, ['resources', 'memory'], '2Gi');
        setIn(value, ['resources', 'memoryLimit'], '1Gi');
        return { files: { [file]: stringify(value) }, expect: { construct: /^codeforphilly\//, overlay: file, message: /memory/ } };
      }
      // Zero and negative are quantities, but not sizes. A negative request is not refused today
      // (known bug, below); zero is a valid request: resources get malformed strings only.
      const value = !isSize(path) && /^-?0|^-/.test(q) && parseQuantity(q) !== undefined ? '1.5.0' : q;
      return { files: { [file]: mutated(file, path, value) }, expect: either(/quantity|larger than zero|resources\.(requests|limits)\.(cpu|memory)/) };
    });
    fc.assert(fc.property(arb, rejected('bad quantities')), params(40));
  });

  test('bad DNS names', () => {
    const labelTargets: Array<[string, Path]> = [
      ...appFiles().map((f): [string, Path] => [f, ['namespace']]),
      ['pal-e-prod/pal-e-docs-api.yaml', ['hostname']],
      ['pal-e-prod/pal-e-docs-api.yaml', ['backend', 'service']],
      [ECHO_OVERLAY.file, ['hostname']],
      ['railiance01-prod/state-hub.yaml', ['database', 'cluster']],
      ['railiance01-prod/state-hub.yaml', ['database', 'namespace']],
      ['railiance01-prod/railiance-platform.yaml', ['databases', 0, 'cluster', 'name']],
      ['railiance01-prod/railiance-platform.yaml', ['databases', 0, 'consumers', 0, 'namespace']],
      ['openova-prod/pool-domain-manager.yaml', ['database', 'name']],
    ];
    const labels = fc.tuple(fc.nat(labelTargets.length - 1), badLabel).map(([t, name]): Case => {
      const [file, path] = labelTargets[t];
      return { files: { [file]: mutated(file, path, name) }, expect: { overlay: file, field: path, message: /must (be a (DNS label|Service name|DNS subdomain)|NOT have more)/ } };
    });
    // codeforphilly's public hostname is a free string in the overlay: the Gateway and route constructs check it.
    const hostnames = fc.tuple(fc.constantFrom(...appFiles().filter((f) => f.endsWith('/codeforphilly.yaml'))), badHostname).map(([file, name]): Case => ({
      files: { [file]: mutated(file, ['hostname'], name) },
      expect: { construct: /^codeforphilly\//, overlay: file, message: new RegExp(escape(`"${name}"`)) },
    }));
    fc.assert(fc.property(fc.oneof({ arbitrary: labels, weight: 3 }, { arbitrary: hostnames, weight: 1 }), rejected('bad DNS names')), params(50));
  });

  test('unknown keys, typos of known ones included', () => {
    const arb = fc.tuple(fc.constantFrom(...allFiles()), fc.nat(), fc.boolean(), fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,10}$/), fc.nat(), fc.jsonValue({ maxDepth: 1 }))
      .map(([file, o, typo, fresh, t, v]): Case | undefined => {
        const objects = closedObjects(file);
        const path = objects[o % objects.length];
        const known = schemaKeys(file, path);
        const present = Object.keys((path.length ? getIn(base.get(file)!.value, path) : base.get(file)!.value) as Json);
        let key = fresh;
        if (typo && present.length > 0) {
          const word = present[t % present.length];
          const i = t % word.length;
          key = [word.slice(0, i) + word.slice(i + 1), word.slice(0, i) + word[i] + word.slice(i), `${word.slice(0, i)}${word[i + 1] ?? ''}${word[i]}${word.slice(i + 2)}`][t % 3];
        }
        if (key === '' || known.includes(key) || present.includes(key)) return undefined;
        return { files: { [file]: mutated(file, [...path, key], v ?? 'x') }, expect: { overlay: file, field: [...path, key], message: new RegExp(`^unknown key "${escape(key)}"`) } };
      })
      .filter((c): c is Case => c !== undefined);
    fc.assert(fc.property(arb, rejected('unknown keys')), params(40));
  });

  test('duplicate tailnet hostnames across apps', () => {
    const arb = goodLabel.map((hostname): Case => {
      const palE = 'pal-e-prod/pal-e-docs-api.yaml';
      return {
        files: { [palE]: mutated(palE, ['hostname'], hostname), [ECHO_OVERLAY.file]: `namespace: echo\nhostname: ${hostname}\n` },
        // A conflict is between two constructs of two apps: the problem names both paths and apps.
        expect: { construct: /^(pal-e-docs-api\/api-funnel|echo\/funnel)$/, message: new RegExp(`^tailnet hostname "${escape(hostname)}" is already taken in environment pal-e-prod by (echo/funnel|pal-e-docs-api/api-funnel)`) },
      };
    });
    fc.assert(fc.property(arb, rejected('duplicate hostnames')), params(25));
  });

  test('plaintext where kubeseal ciphertext is required', () => {
    const targets: Array<[string, Path]> = [
      ...appFiles().filter((f) => f.endsWith('/codeforphilly.yaml')).flatMap((f): Array<[string, Path]> => [
        [f, ['secrets', 'encryptedData', 'CFP_JWT_SIGNING_KEY']], [f, ['secrets', 'encryptedData', 'GITHUB_OAUTH_CLIENT_SECRET']], [f, ['deployKey', 'encryptedData', 'id_ed25519']],
      ]),
      ['railiance01-prod/railiance-platform.yaml', ['sealedSecrets', 'state-hub-backup-s3', 'encryptedData', 'ACCESS_SECRET_KEY']],
    ];
    const arb = fc.tuple(fc.nat(targets.length - 1), plaintext).map(([t, value]): Case => {
      const [file, path] = targets[t];
      const key = String(path[path.length - 1]);
      return {
        files: { [file]: mutated(file, path, value) },
        expect: { construct: new RegExp(`^${appOf(file)}/`), overlay: file, message: new RegExp(`\\.${key} is not Sealed Secrets ciphertext`) },
      };
    });
    fc.assert(fc.property(arb, rejected('plaintext secrets')), params(30));
  });

  test('a sample through the CLI: exit 2, no internal error, dist/ byte-identical', () => {
    const dist = join(root, 'dist');
    const sample = fc.oneof(
      malformedYaml(),
      fc.tuple(fc.constantFrom(...appFiles()), badLabel).map(([file, name]): Case => ({ files: { [file]: mutated(file, ['namespace'], name) }, expect: { overlay: file, field: ['namespace'], message: /./ } })),
      fc.tuple(fc.constantFrom(...appFiles().filter((f) => f.endsWith('/codeforphilly.yaml'))), plaintext).map(([file, value]): Case => ({
        files: { [file]: mutated(file, ['secrets', 'encryptedData', 'CFP_JWT_SIGNING_KEY'], value) },
        expect: { construct: /^codeforphilly\/Secrets/, overlay: file, message: /is not Sealed Secrets ciphertext/ },
      })),
    );
    fc.assert(fc.property(sample, (c) => {
      counts['through the CLI'] = (counts['through the CLI'] ?? 0) + 1;
      const before = readTree(dist);
      for (const [file, text] of Object.entries(c.files)) writeFileSync(join(overlaysDir, file), text);
      const stdout: string[] = [];
      const stderr: string[] = [];
      let code: number;
      try {
        code = runCli([], { root, apps: testApps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
      } finally {
        for (const file of Object.keys(c.files)) writeFileSync(join(overlaysDir, file), base.get(file)!.text);
      }
      const err = stderr.join('\n');
      expect(code).toBe(EXIT.badInput);
      expect(err).toMatch(/^error: .*; nothing was written$/m);
      expect(err).not.toMatch(/internal error|^\s+at /m);
      const first = Object.keys(c.files)[0];
      expect(err).toContain(`overlays/${first}`);
      expect(stdout).toEqual([]);
      expect(readTree(dist)).toEqual(before);
      expect(readdirSync(root).filter((f) => f.startsWith('.dist.'))).toEqual([]);
    }), params(15));
  });
});

describe('invalid construct props are rejected with the construct path', () => {
  test('WebService, TailscaleFunnel and SealedSecret props', () => {
    const web = fc.record({ name: fc.oneof(goodLabel, badLabel), port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -5, max: 0 }), fc.integer({ min: 65536, max: 200000 })), cpu: fc.oneof(fc.constant('100m'), badQuantity) })
      .filter((p) => !(/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(p.name) && p.name.length <= 63 && p.port >= 1 && p.port <= 65535 && p.cpu === '100m'))
      .map((p) => ({ id: 'web', build: (chart: ReturnType<typeof testChart>) => new WebService(chart, 'web', { name: p.name, image: 'ghcr.io/example/web:1.0.0', port: p.port, healthPath: '/healthz', resources: { cpu: p.cpu } }) }));
    const funnel = fc.oneof(badLabel.filter((l) => l !== ''), fc.tuple(goodLabel, goodLabel).map(([a, b]) => `${a}.${b}`))
      .map((hostname) => ({ id: 'funnel', build: (chart: ReturnType<typeof testChart>) => new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'svc', namespace: 'demo' }), port: 80, hostname }) }));
    const sealed = fc.tuple(plaintext, goodLabel).map(([value, name]) => ({ id: 'secret', build: (chart: ReturnType<typeof testChart>) => new SealedSecret(chart, 'secret', { name, scope: 'strict', encryptedData: { TOKEN: value } }) }));

    fc.assert(fc.property(fc.oneof(web, funnel, sealed), ({ id, build }) => {
      counts['construct props'] = (counts['construct props'] ?? 0) + 1;
      const chart = testChart();
      let problems: Problem[] = [];
      try {
        build(chart);
        render(chart);
      } catch (error) {
        if (!(error instanceof UserError)) throw new Error(`not a UserError: ${error instanceof Error ? error.stack : String(error)}`);
        problems = [...error.problems];
      }
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.some((p) => p.where === `demo/${id}`)).toBe(true);
    }), params(30));
  });
});

/*
 * Bugs the generated cases found (crashes on YAML aliases, negative resource amounts, unchecked
 * volume sizes), each kept as a regression test of the behaviour the guide requires.
 */
test('at least 300 generated cases ran (the tests above, in order)', () => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  process.stdout.write(`hostile input: ${total} generated cases (seed ${SEED}): ${JSON.stringify(counts)}\n`);
  expect(Object.keys(counts).length).toBe(10);
  expect(total).toBeGreaterThanOrEqual(300);
});

describe('bugs the generated cases found, fixed', () => {
  const palE = 'pal-e-prod/pal-e-docs-api.yaml';
  const problemsFor = (file: string, text: string) => synthProblems({ files: { [file]: text }, expect: { overlay: file, message: /./ } });
  const base4 = 'namespace: pal-e-docs\nbackend: {service: pal-e-docs, port: http}\nfunnel: true\n';

  test('lib/pipeline/engine/overlay.ts: an alias to an undefined anchor is a UserError, not a ReferenceError (exit 70)', () => {
    expect(problemsFor(palE, `${base4}hostname: *nope\n`).map((p) => p.where)).toContain(`overlays/${palE}`);
  });

  test('lib/pipeline/engine/overlay.ts: an alias bomb (more than maxAliasCount) is a UserError, not a ReferenceError (exit 70)', () => {
    const bomb = ['x0: &a [x,x,x,x,x,x,x,x,x]', ...['b', 'c', 'd'].map((n, i) => `x${i + 1}: &${n} [${`*${'abcd'[i]},`.repeat(9).slice(0, -1)}]`), `x4: [${'*d,'.repeat(9).slice(0, -1)}]`];
    expect(problemsFor(palE, `${base4}hostname: pal-e-docs-api\n${bomb.join('\n')}\n`).length).toBeGreaterThan(0);
  });

  test('lib/pipeline/engine/overlay.ts: a self-referencing alias is a UserError, not a TypeError from JSON.stringify (exit 70)', () => {
    expect(problemsFor(palE, 'namespace: pal-e-docs\nbackend: {service: pal-e-docs, port: &y [*y]}\nhostname: pal-e-docs-api\nfunnel: true\n').length).toBeGreaterThan(0);
  });

  test('lib/core/quantity.ts checkResources: a negative cpu or memory amount is refused (the API server does: must be >= 0)', () => {
    const file = 'cfp-sandbox/codeforphilly.yaml';
    // The overlay schema (quantity() is 0 or more) now refuses it before the construct sees it.
    expect(problemsFor(file, mutated(file, ['resources', 'cpu'], '-5')).some((p) => p.where.startsWith('codeforphilly/') || p.where.startsWith('overlays/cfp-sandbox/codeforphilly.yaml'))).toBe(true);
  });

  test('lib/apps/push-daemon-app.ts: volume sizes that are not positive quantities are refused (they are written to dist/ today)', () => {
    const file = 'cfp-sandbox/codeforphilly.yaml';
    for (const size of ['-5Gi', '0', '1.2.3Gi']) {
      expect(problemsFor(file, mutated(file, ['volumes', 'data'], size)).some((p) => p.where.startsWith('codeforphilly/') || p.where.startsWith('overlays/cfp-sandbox/codeforphilly.yaml'))).toBe(true);
    }
  });
});
