import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { parseOverlayWithSource, quickValues } from '../../../lib/pipeline/engine/overlay';
import { ROOT } from '../../helpers';

// Synth reads a valid overlay with js-yaml, without positions (lib/pipeline/engine/overlay.ts
// quickValues), and falls back to the yaml library's full document, which names line and column,
// for everything else. The quick values must be exactly the full parse's, or absent: this compares
// the two on every overlay in the repository and on the YAML that reads differently in parsers.

/** What the full parse gives (the values synth had before the quick path), or 'error'. */
function fullValues(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  if (doc.errors.length > 0) return 'error';
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch {
    return 'error';
  }
}

/** Equal values, own keys alike (a `__proto__` key included), and -0, NaN and Infinity told apart. */
function expectSame(quick: unknown, full: unknown, text: string): void {
  const canonical = (value: unknown): unknown => {
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? value : String(value);
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') return Object.getOwnPropertyNames(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]);
    return value;
  };
  expect({ text, value: canonical(quick) }).toEqual({ text, value: canonical(full) });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return entry.endsWith('.yaml') ? [path] : [];
  });
}

describe('the quick overlay parse gives the full parse\'s values, or leaves the overlay to it', () => {
  const overlays = yamlFiles(join(ROOT, 'overlays'));

  test.each(overlays.map((file) => [relative(ROOT, file)]))('%s is read the quick way, with the same values', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const quick = quickValues(text);
    // The quick path runs on the real overlays, or it is speed code that never runs.
    expect(quick).toBeDefined();
    expectSame(quick, fullValues(text), text);
  });

  // Scalars the YAML 1.1 and 1.2 schemas, and parsers, read differently.
  const scalars = [
    '012', '0o14', '0x1F', '0b101', '1_000', '+12', '-0', '1e3', '1E3', '1.5e-3', '.5', '5.', '.inf', '-.Inf', '.NaN', 'NaN', 'inf',
    '~', 'null', 'Null', 'NULL', 'NuLL', 'true', 'True', 'TRUE', 'tRUE', 'yes', 'no', 'on', 'off', 'y', 'n', '2024-01-01',
    '2024-01-01T10:00:00Z', '12:30', '1:20:30', '00', '-012', '08', '09.5', '0O7', '0X1f', '0xG', '1,000', '10Gi', '500m', '1.0',
    '123456789012345678901234567890', '0.0000001', '1e400', '-1e400', '1e-400', '"012"', "'true'", '"\\x41\\u00e9"', '"a\\tb"',
    'a#b', 'a #b', '[1, 2]', '{a: 1}', '[a, {b: c}]', '!!str 12', '!!int "12"', '!!binary aGk=', '!custom x', '"multi\n  line"',
    '|\n  literal\n  text\n', '>\n  folded\n  text\n', '|-\n  stripped\n', '>+\n  kept\n\n',
  ];
  test.each(scalars.map((s) => [s]))('v: %s', (scalar) => {
    const text = `v: ${scalar}\n`;
    const quick = quickValues(text);
    if (quick !== undefined) expectSame(quick, fullValues(text), text);
  });

  // Documents whose structure parsers treat differently, or refuse.
  const documents = [
    '', '# only a comment\n', '---\na: 1\n', 'a: 1\n...\n', 'a: 1\n---\nb: 2\n', '%YAML 1.1\n---\nv: yes\n', 'a: 1\na: 2\n',
    'a: &x 1\nb: *x\n', 'base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n', '<<: {x: 1}\n', '__proto__: {polluted: 1}\nconstructor: 2\n',
    'a:\n\t- 1\n', 'a: b: c\n', '? complex\n: value\n', '? [a, b]\n: value\n', '"quoted key": 1\n', 'a: [1, 2\n', 'a: {b: 1,}\n',
    '- 1\n- 2\n', 'plain string\n', '42\n', 'a:\n  - b: 1\n    c: 2\n  - d\n', 'a: >-\n  x\n  y\nb: 1\n', 'a: |\n    deeper\n  shallower\n',
    'a: "unterminated\n', "a: 'it''s'\n", 'a: b # comment\n', 'a: b#not-comment\n', 'key with spaces: 1\n', '"a": 1\n\'a\': 2\n',
    '\ufeffa: 1\n', 'a: 1\r\nb: 2\r\n', 'a: !!set {x, y}\n', 'a: !!omap [x: 1]\n', 'a: 2001-12-14t21:59:43.10-05:00\n',
  ];
  test.each(documents.map((d) => [JSON.stringify(d)]))('document %s', (json) => {
    const text = JSON.parse(json) as string;
    const quick = quickValues(text);
    if (quick !== undefined) expectSame(quick, fullValues(text), text);
  });

  test('every way out of the quick path is taken: a refusal, a directive, an alias, a document that is not a mapping, a huge exponent', () => {
    for (const text of ['a: 1\na: 2\n', '%YAML 1.2\n---\na: 1\n', 'a: &x 1\nb: *x\n', '- 1\n', '42\n', '', 'v: 1e400\n']) expect(quickValues(text)).toBeUndefined();
    expect(quickValues('a: 1\nb: [x, "y"]\n')).toEqual({ a: 1, b: ['x', 'y'] });
  });

  test('an overlay the quick path reads but the schema refuses gets the full parse\'s error, with line and column', () => {
    const schema = Type.Object({ a: Type.Integer(), b: Type.String() }, { additionalProperties: false });
    expect(() => parseOverlayWithSource('a: 1\nb: 2\n', 'o.yaml', schema)).toThrow(/o\.yaml:2:4/);
    expect(parseOverlayWithSource('a: 1\nb: "2"\n', 'o.yaml', schema).values).toEqual({ a: 1, b: '2' });
  });
});
