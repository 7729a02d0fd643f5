import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDefinition } from '../../lib/core/app';
import { UserError } from '../../lib/core/errors';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { guideFiles, guideSource } from '../guide-files';
import { ROOT } from '../helpers';

/*
 * docs/first-app.md, section 11: the guide's hello app with its autoscaler and scheduled digest
 * turned on, synthesized in process from lib/ (test/package/package.e2e.test.ts runs the rest of
 * the guide against the packed library). One synth per test, in a scratch directory.
 */
const GUIDE = 'docs/first-app.md';
const text = readFileSync(join(ROOT, GUIDE), 'utf8');
const files = guideFiles(join(ROOT, GUIDE));
const section = text.slice(text.indexOf('## 11. Scheduled work and autoscaling'), text.indexOf('## 12. '));
const added = /```yaml\n([\s\S]*?)```/.exec(section)![1];

describe('docs/first-app.md: scheduled work and autoscaling', () => {
  let dir: string;
  let hello: AppDefinition;
  beforeAll(() => {
    mkdirSync(join(ROOT, '.build'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.build', 'first-app-'));
    writeFileSync(join(dir, 'hello.ts'), guideSource(ROOT, GUIDE, 'apps/hello.ts'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    hello = (require(join(dir, 'hello.ts')) as { hello: AppDefinition }).hello;
    mkdirSync(join(dir, 'overlays', 'dev'), { recursive: true });
    writeFileSync(join(dir, 'overlays', 'dev', 'environment.yaml'), files.get('overlays/dev/environment.yaml')!);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const synth = (overlay: string) => {
    writeFileSync(join(dir, 'overlays', 'dev', 'hello.yaml'), overlay);
    return synthesize({ apps: [hello], overlaysDir: join(dir, 'overlays') });
  };

  test('the overlay lines add the autoscaler, the disruption budget and the digest CronJob; the Deployment leaves replicas out', () => {
    const result = synth(files.get('overlays/dev/hello.yaml')! + added);
    const written = [...result.files.keys()].filter((f) => f.startsWith('dev/hello/')).map((f) => f.slice('dev/hello/'.length)).sort();
    // The files the section names, and the digest's ServiceAccount and ConfigMap.
    for (const file of ['horizontalpodautoscaler-hello.yaml', 'poddisruptionbudget-hello.yaml', 'cronjob-hello-digest.yaml']) expect(section).toContain(`\`${file}\``);
    expect(written).toEqual(expect.arrayContaining(['horizontalpodautoscaler-hello.yaml', 'poddisruptionbudget-hello.yaml', 'cronjob-hello-digest.yaml', 'serviceaccount-hello-digest.yaml', 'configmap-hello-digest-env.yaml']));
    const objects = result.apps[0].objects as unknown as ReadonlyArray<Record<string, any>>;
    const of = (kind: string) => objects.find((o) => o.kind === kind)!;
    expect(of('Deployment').spec).not.toHaveProperty('replicas');
    expect(of('HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 80 } } }] });
    expect(of('PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(of('CronJob').spec).toMatchObject({ schedule: '0 7 * * 1-5', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(of('CronJob').spec.jobTemplate.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  test('without them, the guide\'s overlay gives the app of the earlier sections', () => {
    const kinds = synth(files.get('overlays/dev/hello.yaml')!).apps[0].objects.map((o) => o.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'Ingress', 'Service', 'ServiceAccount']);
  });

  test('the six-field schedule is refused with the guide\'s message', () => {
    const shown = /```text output:schedule\n([\s\S]*?)```/.exec(section)![1].trim();
    const sixFields = files.get('overlays/dev/hello.yaml')! + added.replace('"0 7 * * 1-5"', '"0 0 7 * * 1-5"');
    let messages: string[] = [];
    try {
      synth(sixFields);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      messages = error.problems.map((p) => `${p.where} ${p.message}`);
    }
    expect(messages).toEqual([shown]);
  });
});
