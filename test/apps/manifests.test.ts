import { join } from 'node:path';
import { apps } from '../../apps';
import { readTree } from '../../lib/core/output';
import { synthesize } from '../../lib/core/synth';
import { ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays') });

describe.each(result.apps.map((a) => [`${a.environment.name}/${a.app.name}`, a] as const))('%s', (_pair, synthesized) => {
  test.each([...synthesized.files.keys()])('%s matches its snapshot', (path) => {
    expect(synthesized.files.get(path)).toMatchSnapshot();
  });
});

test('the committed dist/ is exactly a fresh synth', () => {
  expect(readTree(join(ROOT, 'dist'))).toEqual(result.files);
});
