import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump, load, type DumpOptions } from 'js-yaml';
import { blockYaml } from '../../../lib/pipeline/engine/output-yaml';
import { toYaml } from '../../../lib/pipeline/engine/output';
import { ROOT } from '../../helpers';
import { SEED } from '../../reliability/fixtures';

// The output's YAML writer must write what js-yaml's dump writes, byte for byte: dist/ must not
// change with it, and dump stays the definition of the output's format.
const OPTIONS: DumpOptions = { lineWidth: -1, noRefs: true, sortKeys: false, quoteStyle: 'double' };

/** Every YAML document of dist/, parsed. */
function distObjects(): unknown[] {
  const found: unknown[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.yaml')) found.push(load(readFileSync(path, 'utf8')));
    }
  };
  walk(join(ROOT, 'dist'));
  return found;
}

/** Strings YAML reads as something else, or that need quoting, escaping or a block. */
const tricky = fc.constantFrom('', ' ', 'yes', 'n', 'No', 'on', '~', 'null', 'true', '1', '-0', '1e3', '0x1F', '0o17', '.inf', '-.Inf', '.nan', '=', '<<',
  '---', '...', '--- x', 'a: b', 'a #b', '#x', '- x', '? x', '[x]', '{x}', '*x', '&x', '!x', '|', '>', '%x', '@x', '`x', '"x"', "'x'", 'x\ny', 'x\n', '\nx', ' x\ny', 'x\r\ny',
  'tab\there', 'nbsp\u00a0x', 'ls\u2028x', 'bom\ufeffx', 'emoji 😀', 'é', '\u0007', 'x'.repeat(300), 'key with: colon', '2024-01-01', '12:30', 'https://example.org/x?a=b#c');
const text = fc.oneof(tricky, fc.string(), fc.string({ unit: 'binary', maxLength: 12 }), fc.array(tricky, { maxLength: 4 }).map((parts) => parts.join('')));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;

describe('blockYaml, the output\'s YAML writer', () => {
  test('writes every object of dist/ as js-yaml\'s dump does', () => {
    const objects = distObjects();
    expect(objects.length).toBeGreaterThan(50);
    for (const object of objects) expect(blockYaml(object, OPTIONS)).toBe(dump(object, OPTIONS));
  });

  test('writes any JSON mapping as js-yaml\'s dump does, with keys and values YAML would misread (property)', () => {
    fc.assert(fc.property(fc.dictionary(text, json, { minKeys: 1, maxKeys: 8 }), (object) => {
      expect(blockYaml(object, OPTIONS)).toBe(dump(object, OPTIONS));
    }), { seed: SEED, numRuns: 600 });
  });

  test('writes the words it answers without dump (keys and values) as dump does (property)', () => {
    const word = fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./-]{0,10}$/), fc.constantFrom('y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'NO', 'true', 'True', 'FALSE', 'on', 'On', 'off', 'OFF', 'null', 'Null', 'NULL', 'e5', 'E', 'inf', 'nan', 'NaN', 'Infinity', 'x.y', 'a/b', 'a-', 'a.', 'v1.2.3'));
    fc.assert(fc.property(word, word, (key, value) => {
      expect(blockYaml({ [key]: value, list: [value] }, OPTIONS)).toBe(dump({ [key]: value, list: [value] }, OPTIONS));
    }), { seed: SEED, numRuns: 3000 });
  });

  test('hands to dump what it does not write itself, with the same result: block scalars, shared and non-JSON values', () => {
    const shared = { a: 1 };
    for (const value of [{ script: '#!/bin/sh\necho hi\n' }, { a: shared, b: shared }, { a: [1, , 3] }, { d: new Date(0) }, [1, 2], 'x', {}, { empty: {}, list: [] }, { nested: [[[]], [{}]] }]) {
      expect(blockYaml(value, OPTIONS)).toBe(dump(value, OPTIONS));
    }
    expect(toYaml({ a: 'x' })).toBe('a: x\n');
  });
});
