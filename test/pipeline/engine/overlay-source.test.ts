import { Type } from '@sinclair/typebox';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps } from '../../../apps';
import { parseOverlayWithSource } from '../../../lib/pipeline/engine/overlay';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { problemsOf, ROOT } from '../../helpers';

const FILE = 'overlays/openova-prod/pool-domain-manager.yaml';

/** Synthesizes openova-prod from a copy of its overlays with `edit` applied to the app's overlay. */
function synthEdited(edit: (text: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
  cpSync(join(ROOT, 'overlays', 'openova-prod'), join(dir, 'openova-prod'), { recursive: true });
  const file = join(dir, 'openova-prod', 'pool-domain-manager.yaml');
  const text = readFileSync(file, 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
  return problemsOf(() => synthesize({ apps, overlaysDir: dir, environments: ['openova-prod'] }));
}

/** The 1-based line of the first line of the committed overlay that contains `text`. */
const lineOf = (text: string) => readFileSync(join(ROOT, FILE), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

describe('construct errors point at the overlay line of the value they refuse', () => {
  test('a five-field backup cron, refused by CnpgDatabase, names the overlay file, line, column and key', () => {
    const problems = synthEdited((t) => t.replace('schedule: "0 30 2 * * *"', 'schedule: "30 2 * * *"'));
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^overlays/openova-prod/pool-domain-manager\\.yaml:${lineOf('schedule:')}:15 database\\.backup\\.schedule: backup\\.schedule "30 2 \\* \\* \\*" has 5 fields`)),
    ]);
    expect(problems[0]).toContain('(refused by pool-domain-manager/Database)');
  });

  test('a system database as the application database, another construct rule, is located the same way', () => {
    const problems = synthEdited((t) => t.replace('  database: pdm\n', '  database: postgres\n'));
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^overlays/openova-prod/pool-domain-manager\\.yaml:${lineOf('  database: pdm')}:13 database\\.database: database "postgres" is a PostgreSQL system database`)),
    ]);
  });
});

describe('OverlaySource', () => {
  const schema = Type.Object({ a: Type.Object({ retention: Type.String(), parallel: Type.Integer() }), b: Type.Array(Type.String()), c: Type.String() });
  const { source } = parseOverlayWithSource('a:\n  retention: 30d\n  parallel: 0\nb: [x, 30d]\nc: 30d\n', 'o.yaml', schema);

  test('a number is found after the key the message names', () => {
    expect(source.locate({ where: 'app/store', message: 'parallel 0 must be a positive integer' }).where).toBe('o.yaml:3:13 a.parallel');
  });

  test('a value several keys hold goes to the key path the message names before it; without one, the candidates are listed', () => {
    expect(source.locate({ where: 'app/store', message: 'a.retention "30d" is too short' }).where).toBe('o.yaml:2:14 a.retention');
    expect(source.locate({ where: 'app/store', message: 'c "30d" is too short' }).where).toBe('o.yaml:5:4 c');
    const ambiguous = source.locate({ where: 'app/store', message: 'retention "30d" is too short' });
    expect(ambiguous.where).toBe('app/store');
    expect(ambiguous.hint).toBe('the value comes from o.yaml:2:14 a.retention or o.yaml:4:8 b.1 or o.yaml:5:4 c');
  });

  test('a key named elsewhere in the sentence does not decide between several keys holding the value', () => {
    // "name" is a key of the overlay and a word of the message, but it does not stand before the value.
    const { source: names } = parseOverlayWithSource('namespace: web\ndatabase:\n  name: web\n  owner: web\n', 'n.yaml', Type.Object({ namespace: Type.String(), database: Type.Object({ name: Type.String(), owner: Type.String() }) }));
    const problem = names.locate({ where: 'app/db', message: 'claim name "web" is declared twice' });
    expect(problem.where).toBe('app/db');
    expect(problem.hint).toBe('the value comes from n.yaml:1:12 namespace or n.yaml:3:9 database.name or n.yaml:4:10 database.owner');
  });

  test('a message that quotes no overlay value keeps its construct path', () => {
    expect(source.locate({ where: 'app/db', message: 'production needs two instances' })).toEqual({ where: 'app/db', message: 'production needs two instances' });
  });
});
