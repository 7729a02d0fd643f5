import { Type } from '@sinclair/typebox';
import { quantity } from '../../lib/core/values';
import { parseOverlay } from '../../lib/pipeline/engine/overlay';
import { problemsOf } from '../helpers';

const schema = Type.Object({ size: quantity() }, { additionalProperties: false });

describe('quantity()', () => {
  test('takes Kubernetes quantities of 0 or more', () => {
    for (const size of ['10Gi', '512Mi', '250m', '0', '+1G', '1.5', '1e3']) expect(parseOverlay(`size: "${size}"`, 'x.yaml', schema)).toEqual({ size });
  });

  test('refuses a negative amount, with the file and field', () => {
    expect(problemsOf(() => parseOverlay('size: -5Gi', 'overlays/dev/app.yaml', schema))).toEqual([
      expect.stringMatching(/^overlays\/dev\/app\.yaml:1:7 size: "-5Gi" .*allowed: a Kubernetes quantity of 0 or more/s),
    ]);
  });
});
