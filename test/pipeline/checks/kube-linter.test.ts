import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBE_LINTER_CHECKS } from '../../../lib/pipeline/checks/kube-linter';
import { REFERENCE_FIELDS } from '../../../lib/pipeline/checks/reference-model';
import { RULE_NAMES } from '../../../lib/pipeline/checks/types';
import { ROOT } from '../../helpers';

// kube-linter's catalog is the anchor of the checks on the output (issue 28): every check of the
// vendored list (imports/kube-linter/checks.json, read from the release's docs/generated/checks.md)
// is answered once, by what enforces its intent here or by why it does not apply.

const vendored = JSON.parse(readFileSync(join(ROOT, 'imports', 'kube-linter', 'checks.json'), 'utf8')) as { release: string; checks: string[] };

describe('kube-linter\'s catalog', () => {
  test('every check of the vendored release is answered once, in the catalog\'s order, and nothing else', () => {
    expect(vendored.checks.length).toBeGreaterThanOrEqual(60);
    expect(KUBE_LINTER_CHECKS.map((c) => c.check)).toEqual(vendored.checks);
  });

  test('what enforces a check exists: a rule of the registry, a row of the reference model, or a named check', () => {
    const references = new Set(REFERENCE_FIELDS.map((r) => r.id));
    const rules = new Set<string>(RULE_NAMES);
    for (const { check, enforcedBy } of KUBE_LINTER_CHECKS) {
      for (const e of enforcedBy) {
        if ('rule' in e) expect([check, rules.has(e.rule)]).toEqual([check, true]);
        if ('reference' in e) expect([check, references.has(e.reference)]).toEqual([check, true]);
      }
    }
  });

  test('a check that nothing enforces says why', () => {
    for (const c of KUBE_LINTER_CHECKS.filter((k) => k.enforcedBy.length === 0)) expect([c.check, (c.note ?? '').length > 40]).toEqual([c.check, true]);
  });

});
