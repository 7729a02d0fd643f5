import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS, POD_TEMPLATE_KINDS } from '../../../lib/core/kinds';
import { RULE_LIST } from '../../../lib/pipeline/checks/rules';
import type { RuleDeclaration } from '../../../lib/pipeline/checks/types';
import { catalogIn, RULE_DOC, ruleCatalog, ruleSourceFiles, withCatalog } from '../../../lib/pipeline/engine/rule-docs';
import { ROOT } from '../../helpers';

// docs/security.md's rule catalog is generated from the registry, as kube-linter's
// docs/generated/checks.md is from its checks: a rule added, renamed or rescoped without
// `npm run docs:rules` fails here.

describe('the rule catalog of docs/security.md', () => {
  test('is what the registry generates (run `npm run docs:rules` when this fails)', () => {
    const committed = catalogIn(readFileSync(join(ROOT, RULE_DOC), 'utf8'));
    expect(committed).toBeDefined();
    expect(committed).toBe(ruleCatalog(ruleSourceFiles(ROOT)));
  });

  test('lists every rule with its scope as kind groups and the file that declares it, and every kind group', () => {
    const catalog = ruleCatalog(ruleSourceFiles(ROOT));
    const rows = catalog.split('\n').filter((line) => line.startsWith('| `'));
    for (const rule of RULE_LIST) expect(rows.some((row) => row.startsWith(`| \`${rule.name}\` |`))).toBe(true);
    expect(catalog).toContain('| `pss-restricted` | every pod template meets');
    expect(catalog).toMatch(/\| `no-token-automount` \|[^\n]*\| \[`pod-template`\]\(#kind-groups\), `ServiceAccount` \|/);
    expect(catalog).toMatch(/\| `sync-order` \|[^\n]*\[`lib\/pipeline\/checks\/sync-order\.ts`\]\(\.\.\/lib\/pipeline\/checks\/sync-order\.ts\) \|$/m);
    expect(catalog).toMatch(/^\| `pod-template` \| objects that carry a pod spec[^\n]*\| `Pod`, `PodTemplate`, `apps\/Deployment`/m);
    expect(catalog).toMatch(/^\| `any` \|[^\n]*\| every kind \|$/m);
  });

  test('a cell keeps a table row whole and does not turn <name> into HTML', () => {
    const rule: RuleDeclaration = {
      name: 'volume-claim', summary: 'a | b\nc <name>', scope: [POD_TEMPLATE_KINDS, KINDS.Secret], sources: ['one', 'two'], fix: 'fix it', check: () => [],
    };
    const catalog = ruleCatalog(new Map([['volume-claim', 'lib/pipeline/checks/x.ts']]), [rule], []);
    expect(catalog).toContain('| `volume-claim` | a \\| b c &lt;name> | [`pod-template`](#kind-groups), `Secret` | fix it | one; two | [`lib/pipeline/checks/x.ts`](../lib/pipeline/checks/x.ts) |');
  });

  test('the code of a rule is the one file that declares it; none or two is an error that says where to declare it', () => {
    const root = mkdtempSync(join(tmpdir(), 'rule-docs-'));
    try {
      mkdirSync(join(root, 'lib/pipeline/checks'), { recursive: true });
      const rule = RULE_LIST[0];
      writeFileSync(join(root, 'lib/pipeline/checks/a.ts'), `export const r = { name: '${rule.name}', };\n`);
      expect(ruleSourceFiles(root, [rule])).toEqual(new Map([[rule.name, 'lib/pipeline/checks/a.ts']]));
      writeFileSync(join(root, 'lib/pipeline/checks/b.ts'), `export const r = { name: '${rule.name}', };\n`);
      expect(() => ruleSourceFiles(root, [rule])).toThrow(`rule ${rule.name} must be declared (name: '${rule.name}',) in exactly one file of lib/pipeline/checks, found lib/pipeline/checks/a.ts, lib/pipeline/checks/b.ts`);
      expect(() => ruleSourceFiles(root, [RULE_LIST[1]])).toThrow(/found none$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('regenerating replaces the catalog and nothing around it; a document without the markers is refused', () => {
    const catalog = ruleCatalog(ruleSourceFiles(ROOT));
    const doc = readFileSync(join(ROOT, RULE_DOC), 'utf8');
    const stale = doc.replace(catalog, catalog.replace('| `pss-restricted` |', '| `pss-relaxed` |'));
    expect(stale).not.toBe(doc);
    expect(withCatalog(stale, catalog)).toBe(doc);
    expect(() => withCatalog('# Security\n', catalog)).toThrow(/has no rule catalog: put the two lines/);
  });
});
