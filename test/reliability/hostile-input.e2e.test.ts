import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import { k8s } from '../../lib/core/k8s';
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
    // The construct path follows the line of app code that made it (`apps/x.ts:1:2 x/Web`), or the
    // overlay's line when the problem was placed there (`... (refused by x/Web) (app x, ...)`).
    const constructPath = /\(refused by (\S+)\)/.exec(p.message)?.[1] ?? p.where.replace(/^\S+:\d+:\d+ /, '');
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

// ---------------------------------------------------------------------------------------------
// Issue 29: hostile input never weakens isolation, leaks a secret or writes outside dist/. Each
// class through the CLI, over many variants: exit 2 (or the correct output), dist/ and overlays/
// byte-identical, nothing written outside dist/, and a corrected twin that passes.

/** An app that passes an overlay string on as a ConfigMap's name, as an app may. */
const namesApp = defineApp({
  name: 'names',
  description: 'test app: an overlay string becomes an object name',
  values: Type.Object({ configName: Type.String() }, { additionalProperties: false }),
  build(chart, values) {
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: values.configName }, data: { a: 'b' } });
  },
});
const issueApps = [...testApps, namesApp] as readonly AppDefinition[];

describe('issue 29: hostile input through the CLI', () => {
  let scratch: string;
  let overlays: string;
  let sources: Map<string, string>;
  let dist: Map<string, string>;

  beforeAll(() => {
    scratch = scratchRoot();
    overlays = join(scratch, 'overlays');
    writeFileSync(join(overlays, ECHO_OVERLAY.file), ECHO_OVERLAY.text);
    declareExisting(overlays, 'pal-e-prod', ECHO_EXISTING);
    declareExisting(overlays, 'cfp-sandbox', { namespaces: ['names'] });
    writeFileSync(join(overlays, 'cfp-sandbox/names.yaml'), 'namespace: names\nconfigName: settings\n');
    expect(cli([]).code).toBe(EXIT.ok);
    sources = readTree(overlays);
    dist = readTree(join(scratch, 'dist'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function cli(argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = runCli(argv, { root: scratch, apps: issueApps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  }

  /** Runs the CLI with `files` (relative to overlays/) written, then restores them; nothing may have changed. */
  function refused(files: Readonly<Record<string, string>>, argv: string[] = []): string {
    const saved = new Map(Object.keys(files).map((f) => [f, sources.get(f)]));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(overlays, file), text);
    let result;
    try {
      result = cli(argv);
    } finally {
      for (const [file, text] of saved) {
        if (text === undefined) rmSync(join(overlays, file), { force: true });
        else writeFileSync(join(overlays, file), text);
      }
    }
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: EXIT.badInput, stderr: expect.stringMatching(/^error: .*nothing was written/) });
    expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(readTree(join(scratch, 'dist'))).toEqual(dist);
    expect(readTree(overlays)).toEqual(sources);
    expect(readdirSync(scratch).sort()).toEqual(['dist', 'overlays']);
    return result.stderr;
  }

  test('2. an overlay string that becomes an object name is held to the name format: never a path (property; corrected twin writes)', () => {
    const names = fc.oneof(
      fc.constantFrom('../../../../overlays/cfp-prod/codeforphilly', '../x', '..', '.', '/etc/passwd', 'a/b', 'a\\b', '', 'UPPER', 'x_y', '-x', 'x'.repeat(254), 'a b', 'a\u0000b', '\u202e'),
      fc.tuple(goodLabel, fc.constantFrom('/', '\\', '/../', ':', '%', '#', '?', '*'), goodLabel).map(([a, s, b]) => `${a}${s}${b}`),
    );
    fc.assert(fc.property(names, (name) => {
      const stderr = refused({ 'cfp-sandbox/names.yaml': `namespace: names\nconfigName: ${JSON.stringify(name)}\n` });
      expect(stderr).toMatch(/ConfigMap name .* must be a DNS subdomain|ConfigMap has no metadata\.name/);
    }), params(25));
    // Corrected twin: a valid name is written where names go.
    writeFileSync(join(overlays, 'cfp-sandbox/names.yaml'), 'namespace: names\nconfigName: app.settings\n');
    try {
      expect(cli([]).code).toBe(EXIT.ok);
      expect(readTree(join(scratch, 'dist')).has('cfp-sandbox/names/configmap-app.settings.yaml')).toBe(true);
    } finally {
      writeFileSync(join(overlays, 'cfp-sandbox/names.yaml'), sources.get('cfp-sandbox/names.yaml')!);
      expect(cli([]).code).toBe(EXIT.ok);
      expect(readTree(join(scratch, 'dist'))).toEqual(dist);
    }
  }, 300_000);

  test('3. a client named by a prototype key is an undeclared client, never "every pod"; label keys and values of declared clients are validated (property; corrected twin: a declared "constructor")', () => {
    const file = 'openova-prod/pool-domain-manager.yaml';
    const env = 'openova-prod/environment.yaml';
    for (const key of ['constructor', 'toString', 'valueof', 'prototype', '__proto__', 'hasOwnProperty']) {
      const stderr = refused({ [file]: sources.get(file)!.replace('clients: [catalyst-api]', `clients: [${JSON.stringify(key)}]`) });
      expect(stderr).toMatch(/clients\.0/);
    }
    const badKeys = fc.constantFrom('${file("/etc/passwd")}', '%{ for x in y }', '-x', 'a b', 'a/b/c', '\u001b[31m', 'x'.repeat(64), '__proto__');
    fc.assert(fc.property(badKeys, fc.boolean(), (bad, asValue) => {
      const labels = asValue ? `{app: ${JSON.stringify(bad)}}` : `{${JSON.stringify(bad)}: x}`;
      const text = sources.get(env)!.replace('podLabels: { app.kubernetes.io/name: catalyst-api }', `podLabels: ${labels}`);
      expect(text).not.toBe(sources.get(env));
      const stderr = refused({ [env]: text });
      expect(stderr).toMatch(/podLabels/);
    }), params(16));
    // Corrected twin: "constructor" declared as a client is a client like any other.
    const declared = sources.get(env)!.replace(/( {2}clients:\n)/, '$1    constructor: { namespace: ops, podLabels: { app: ops-bridge } }\n');
    writeFileSync(join(overlays, env), declared);
    writeFileSync(join(overlays, file), sources.get(file)!.replace('clients: [catalyst-api]', 'clients: [constructor]'));
    try {
      expect(cli(['--env', 'openova-prod', '--out', '.twin']).code).toBe(EXIT.ok);
      const policy = [...readTree(join(scratch, '.twin')).entries()].find(([p, text]) => p.startsWith('openova-prod/pool-domain-manager/networkpolicy-') && text.includes('ops-bridge'));
      expect(policy?.[1]).toMatch(/podSelector:\n\s+matchLabels:\n\s+app: ops-bridge/);
    } finally {
      writeFileSync(join(overlays, env), sources.get(env)!);
      writeFileSync(join(overlays, file), sources.get(file)!);
      rmSync(join(scratch, '.twin'), { recursive: true, force: true });
    }
  }, 300_000);

  test('3. prototype keys and words fed into every overlay map and every name: refused, or taken as plain values; never a crash, never a selector of every pod (property)', () => {
    const words = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
    const files = [...sources.keys()].filter((f) => f.endsWith('.yaml')).sort();
    /** Every object (a map) and every string leaf of a value, by path. */
    const places = (value: unknown, path: Path = []): Array<{ path: Path; map: boolean }> => {
      if (Array.isArray(value)) return value.flatMap((v, i) => places(v, [...path, i]));
      if (value !== null && typeof value === 'object') return [{ path, map: true }, ...Object.entries(value).flatMap(([k, v]) => places(v, [...path, k]))];
      return typeof value === 'string' ? [{ path, map: false }] : [];
    };
    const arb = fc.tuple(fc.constantFrom(...files), fc.nat(), fc.constantFrom(...words)).map(([file, i, word]) => {
      const value = parse(sources.get(file)!) as Json;
      const all = places(value);
      const { path, map } = all[i % all.length];
      if (map) {
        const node = (path.length ? getIn(value, path) : value) as Record<string, unknown>;
        const sibling = Object.values(node)[0];
        Object.defineProperty(node, word, { value: sibling ?? 'x', enumerable: true, writable: true, configurable: true });
      } else {
        setIn(value, path, word);
      }
      return { file, text: stringify(value), where: `${path.join('.')}${map ? `.${word}` : ` = ${word}`}` };
    });
    let refusedCount = 0;
    fc.assert(fc.property(arb, ({ file, text }) => {
      writeFileSync(join(overlays, file), text);
      try {
        const result = synthesize({ apps: issueApps, overlaysDir: overlays, environments: [file.split('/')[0]] });
        // Accepted as a plain value: no NetworkPolicy peer may select every pod.
        for (const app of result.apps) {
          for (const object of app.objects.filter((o) => o.kind === 'NetworkPolicy')) {
            const peers = ((object.spec as { ingress?: Array<{ from?: Array<{ podSelector?: { matchLabels?: object; matchExpressions?: unknown[] } }> }> }).ingress ?? []).flatMap((r) => r.from ?? []);
            for (const peer of peers) {
              if (peer.podSelector) expect(Object.keys(peer.podSelector.matchLabels ?? {}).length + (peer.podSelector.matchExpressions?.length ?? 0)).toBeGreaterThan(0);
            }
          }
        }
      } catch (error) {
        if (!(error instanceof UserError)) throw new Error(`not a UserError: ${error instanceof Error ? error.stack : String(error)}`);
        refusedCount++;
      } finally {
        writeFileSync(join(overlays, file), sources.get(file)!);
      }
    }), params(120));
    expect(refusedCount).toBeGreaterThan(0);
  }, 600_000);

  test('4. a repoURL with credentials, in any form the schema lets through, stops synth without being echoed', () => {
    const env = 'cfp-sandbox/environment.yaml';
    const urls = fc.tuple(fc.constantFrom('https://', 'ssh://'), fc.stringMatching(/^[a-z]{0,6}$/), fc.stringMatching(/^[A-Za-z0-9]{6,12}$/), fc.boolean())
      .map(([scheme, user, secret, query]) => ({ secret, url: query ? `${scheme}git.example.org/deployments.git?access_token=${secret}` : `${scheme}${user}:${secret}@git.example.org/deployments.git` }));
    fc.assert(fc.property(urls, ({ secret, url }) => {
      const stderr = refused({ [env]: sources.get(env)!.replace(/repoURL: \S+/, `repoURL: ${url}`) });
      expect(stderr).toMatch(/\[rule no-secret-strings\]/);
      expect(stderr).not.toContain(secret);
    }), params(12));
  }, 300_000);

  test('5. an exception without a namespace, or with an invisible reason, is refused', () => {
    const file = 'cfp-sandbox/names.yaml';
    const base = sources.get(file)!;
    expect(refused({ [file]: `${base}policyExceptions:\n  - { rule: no-token-automount, kind: ConfigMap, name: settings, reason: a reason long enough }\n` })).toMatch(/policyExceptions\.0: names no namespace/);
    expect(refused({ [file]: `${base}policyExceptions:\n  - { rule: no-token-automount, kind: ConfigMap, name: settings, namespace: names, reason: "\\u200b\\u200b\\u200b\\u200b\\u200b\\u200b\\u200b\\u200b\\u200b\\u200b" }\n` })).toMatch(/policyExceptions\.0\.reason: .* must be a reason in visible text/);
  }, 120_000);

  test('6. --out that is not a directory of synth\'s own is exit 2 and deletes nothing; stray files in dist/ are reported (variants; corrected twin: a fresh directory)', () => {
    // A directory of someone's sources, outside the project.
    const appsLike = mkdtempSync(join(tmpdir(), 'apps-like-'));
    mkdirSync(join(appsLike, 'lib'));
    writeFileSync(join(appsLike, 'index.ts'), 'export {};\n');
    writeFileSync(join(appsLike, 'lib', 'a.ts'), 'export {};\n');
    const variants = ['overlays', 'overlays/cfp-prod', 'overlays/new', '.', '..', '/', appsLike, join(appsLike, 'lib')];
    try {
      for (const out of variants) {
        const before = readTree(appsLike);
        const stderr = refused({}, ['--out', out]);
        expect(stderr).toMatch(/is the project directory or holds it|is the overlays directory or inside it|was not written by synth/);
        expect(readTree(appsLike)).toEqual(before);
      }
    } finally {
      rmSync(appsLike, { recursive: true, force: true });
    }
    for (const stray of ['notes.txt', 'cfp-prod/NOTES.md', 'cfp-prod/codeforphilly/extra.yaml', 'cfp-prod/codeforphilly/deep/x.yaml']) {
      const path = join(scratch, 'dist', stray);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'mine\n');
      dist = readTree(join(scratch, 'dist'));
      try {
        // A directory deeper than synth writes is named as a directory, found before anything is read.
        const named = stray.split('/').length > 3 ? 'cfp-prod/codeforphilly/deep/' : stray;
        expect(refused({})).toContain(`dist/${named}: was not written by synth`);
      } finally {
        rmSync(join(scratch, 'dist', stray.split('/').length > 3 ? 'cfp-prod/codeforphilly/deep' : stray), { recursive: true, force: true });
        dist = readTree(join(scratch, 'dist'));
      }
    }
    expect(cli(['--out', '.fresh']).code).toBe(EXIT.ok);
    expect(cli(['--out', '.fresh']).code).toBe(EXIT.ok); // its own output, again
    rmSync(join(scratch, '.fresh'), { recursive: true, force: true });
  }, 300_000);

  test('9. overlay keys with terminal escapes or CI workflow commands are printed inert', () => {
    const file = 'cfp-sandbox/names.yaml';
    for (const key of ['\u001b[2Jx', '"\\n::set-output name=pwned::1"', '"\\r##vso[task.setvariable variable=x]1"', '\u202eevil', '"::add-mask::x"']) {
      const stderr = refused({ [file]: `${sources.get(file)!}${key}: 1\n` });
      expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      for (const line of stderr.split('\n')) expect(line).not.toMatch(/^\s*(::|##)/);
    }
  }, 120_000);

  test('10. overlays, environment directories and overlay files that link out of the repository are refused; links inside are followed; environment names are DNS labels', () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    try {
      cpSync(join(overlays, 'cfp-sandbox'), join(outside, 'cfp-sandbox'), { recursive: true });
      writeFileSync(join(outside, 'names.yaml'), 'namespace: names\nconfigName: settings\n');
      const links: Array<[string, string]> = [
        ['cfp-linked', join(outside, 'cfp-sandbox')],
        ['cfp-sandbox/names.yaml', join(outside, 'names.yaml')],
        ['cfp-dangling', join(outside, 'nothing-here')],
      ];
      for (const [link, target] of links) {
        const path = join(overlays, link);
        const original = link.includes('/') ? readFileSync(path, 'utf8') : undefined;
        if (original !== undefined) rmSync(path);
        symlinkSync(target, path);
        try {
          const result = cli([]);
          expect(result.code).toBe(EXIT.badInput);
          expect(result.stderr).toMatch(/symbolic link to .* outside the repository|cannot be resolved/);
          expect(readTree(join(scratch, 'dist'))).toEqual(dist);
        } finally {
          rmSync(path);
          if (original !== undefined) writeFileSync(path, original);
        }
      }
      // Corrected twin: a link inside the repository is followed.
      symlinkSync(join(overlays, 'cfp-sandbox', 'names.yaml'), join(overlays, 'cfp-sandbox', 'names-alias.yaml'));
      try {
        const result = cli(['--check']);
        expect(result.stderr).not.toMatch(/outside the repository/);
      } finally {
        rmSync(join(overlays, 'cfp-sandbox', 'names-alias.yaml'));
      }
      for (const name of ['Bad_Env', 'with space', 'a.b']) {
        cpSync(join(overlays, 'cfp-sandbox'), join(overlays, name), { recursive: true });
        try {
          expect(cli([]).stderr).toMatch(/is not an environment name/);
        } finally {
          rmSync(join(overlays, name), { recursive: true, force: true });
        }
      }
      expect(readTree(join(scratch, 'dist'))).toEqual(dist);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 300_000);
});
