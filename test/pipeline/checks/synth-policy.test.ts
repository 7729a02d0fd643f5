import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { apps as repoApps } from '../../../apps';
import { defineApp, type AppDefinition } from '../../../lib/core/app';
import { UserError } from '../../../lib/core/errors';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { restrictedDeployment, ROOT } from '../../helpers';

/** An app that writes a raw L1 Deployment, whose privilege escalation its overlay switches. */
const raw = defineApp({
  name: 'raw',
  description: 'test app emitting raw L1 objects',
  values: Type.Object({ escalate: Type.Boolean() }, { additionalProperties: false }),
  build(chart, values) {
    restrictedDeployment(chart, 'web', { escalate: values.escalate });
  },
});

const REASON = 'the vendor entrypoint calls su; replaced in OPS-42 next quarter';

describe('the policy in the synth pipeline', () => {
  let overlays: string;
  beforeEach(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'policy-')), 'overlays');
    mkdirSync(join(overlays, 'cfp-sandbox'), { recursive: true });
    // The raw app's namespace is declared as existing: the app emits no Namespace, and an object in
    // a namespace nothing emits or declares is refused (lib/pipeline/checks/references.ts).
    const environment = parseDocument(readFileSync(join(ROOT, 'overlays/cfp-sandbox/environment.yaml'), 'utf8'));
    environment.setIn(['existing', 'namespaces'], ['raw']);
    writeFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), environment.toString({ flowCollectionPadding: false }));
  });
  afterEach(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const run = (overlay: string) => {
    writeFileSync(join(overlays, 'cfp-sandbox/raw.yaml'), overlay);
    return synthesize({ apps: [raw] as readonly AppDefinition[], overlaysDir: overlays });
  };
  const problemsOf = (overlay: string) => {
    try {
      run(overlay);
    } catch (error) {
      if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}\n  fix: ${p.hint}`);
      throw error;
    }
    throw new Error('expected a UserError');
  };

  test('a violation in an app\'s raw objects stops synth, naming construct path, rule and overlay', () => {
    expect(problemsOf('namespace: raw\nescalate: true\n')).toEqual([
      'raw/web (Deployment raw/web): [rule pss-restricted] container "web" allows privilege escalation (app raw, environment cfp-sandbox, values from overlays/cfp-sandbox/raw.yaml)\n'
      + '  fix: set allowPrivilegeEscalation: false in the securityContext of container "web"; or, if it must stay, '
      + 'add { rule: pss-restricted, kind: Deployment, name: web, namespace: raw, reason: <why> } to policyExceptions in overlays/cfp-sandbox/raw.yaml',
    ]);
  });

  test('an overlay exception lets it through, with the reason in the written object', () => {
    const result = run(`namespace: raw\nescalate: true\npolicyExceptions:\n  - rule: pss-restricted\n    kind: Deployment\n    name: web\n    namespace: raw\n    reason: ${REASON}\n`);
    const file = result.files.get('cfp-sandbox/raw/deployment-web.yaml');
    expect(file).toMatch(new RegExp(`^metadata:\\n  annotations:\\n    policy.platform.internal/pss-restricted: ${REASON}\\n`, 'm'));
  });

  test('a stale exception is an error pointing at its overlay line', () => {
    expect(problemsOf(`namespace: raw\nescalate: false\npolicyExceptions:\n  - rule: pss-restricted\n    kind: Deployment\n    name: web\n    namespace: raw\n    reason: ${REASON}\n`)).toEqual([
      'overlays/cfp-sandbox/raw.yaml:4:5 policyExceptions.0: excepts Deployment raw/web from rule pss-restricted, but it does not break that rule (app raw, environment cfp-sandbox, values from overlays/cfp-sandbox/raw.yaml)\n'
      + '  fix: remove the stale entry: the exception is no longer needed',
    ]);
  });

  test('the generated ArgoCD objects are checked too: a token in the repoURL stops synth, without being echoed', () => {
    const token = `ghp_${'T0k3n'.repeat(7)}x`;
    const envFile = join(overlays, 'cfp-sandbox/environment.yaml');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(/repoURL: \S+/, `repoURL: https://x-access-token:${token}@github.com/example/deployments.git`));
    const problems = problemsOf('namespace: raw\nescalate: false\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p).toMatch(/^\w+\/[a-z0-9-]+ \(generated from overlays\/cfp-sandbox\/environment\.yaml\): \[rule no-secret-strings\] \S+ holds what looks like a GitHub token \(value not shown\)/);
      expect(p).not.toContain(token);
    }
  });

  test('the repository\'s apps meet every rule without exceptions', () => {
    const result = synthesize({ apps: repoApps, overlaysDir: join(ROOT, 'overlays') });
    expect(result.apps.length).toBeGreaterThanOrEqual(7);
    const excepted = [...result.files].filter(([, content]) => content.includes('policy.platform.internal/'));
    expect(excepted.map(([path]) => path)).toEqual([]);
  });
});
