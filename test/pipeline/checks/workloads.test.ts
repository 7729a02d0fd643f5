import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { parseDocument } from 'yaml';
import { defineApp, type AppChart, type AppDefinition } from '../../../lib/core/app';
import { UserError } from '../../../lib/core/errors';
import { k8s } from '../../../lib/core/k8s';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { restrictedDeployment, ROOT } from '../../helpers';

/*
 * The rules of lib/pipeline/checks/workloads.ts on raw objects, through synthesize(): a CronJob's
 * schedule and time zone as the API server checks them, and a workload left to its autoscaler.
 * Each case is one synth of one small app; the file runs in a few seconds on an idle core.
 */

/** A CronJob that meets every other rule, with `spec` patched. */
function cronJob(chart: AppChart, name: string, spec: { schedule: string; timeZone?: string }): void {
  new k8s.KubeCronJob(chart, 'report', {
    metadata: { name },
    spec: {
      ...spec,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [{
                name: 'report',
                image: 'ghcr.io/example/report:2.0.1',
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') } },
              }],
            },
          },
        },
      },
    },
  });
}

/** A Deployment scaled by an autoscaler (on cpu, its default metric), with or without spec.replicas and a cpu request. */
function autoscaled(chart: AppChart, options: { replicas: boolean; cpuRequest: boolean }): void {
  const deployment = restrictedDeployment(chart, 'api');
  if (options.replicas) deployment.addJsonPatch(JsonPatch.add('/spec/replicas', 3));
  if (!options.cpuRequest) deployment.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/resources/requests/cpu'));
  new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
    metadata: { name: 'api' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5 },
  });
}

const CASES: Record<string, (chart: AppChart) => void> = {
  'five-fields': (c) => cronJob(c, 'report', { schedule: '0 2 * * *', timeZone: 'Europe/Berlin' }),
  'six-fields': (c) => cronJob(c, 'report', { schedule: '0 0 2 * * *' }),
  'bad-zone': (c) => cronJob(c, 'report', { schedule: '0 2 * * *', timeZone: 'Europe/Atlantis' }),
  'tz-in-schedule': (c) => cronJob(c, 'report', { schedule: 'CRON_TZ=Europe/Berlin 0 2 * * *' }),
  'long-name': (c) => cronJob(c, `report-${'x'.repeat(50)}`, { schedule: '@daily' }),
  'hpa-left-alone': (c) => autoscaled(c, { replicas: false, cpuRequest: true }),
  'hpa-fought': (c) => autoscaled(c, { replicas: true, cpuRequest: true }),
  'hpa-blind': (c) => autoscaled(c, { replicas: false, cpuRequest: false }),
};

const app = defineApp({
  name: 'raw',
  description: 'test app emitting raw workload objects',
  values: Type.Object({ case: Type.String() }, { additionalProperties: false }),
  build(chart, values) {
    CASES[values.case](chart);
  },
});

const PAIR = ' (app raw, environment cfp-sandbox, values from overlays/cfp-sandbox/raw.yaml)';

describe('workload rules on raw objects, through synthesize()', () => {
  let overlays: string;
  beforeAll(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'workload-rules-')), 'overlays');
    mkdirSync(join(overlays, 'cfp-sandbox'), { recursive: true });
    const environment = parseDocument(readFileSync(join(ROOT, 'overlays/cfp-sandbox/environment.yaml'), 'utf8'));
    environment.setIn(['existing', 'namespaces'], ['raw']);
    writeFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), environment.toString({ flowCollectionPadding: false }));
  });
  afterAll(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const run = (name: string): { problems: string[]; files: ReadonlyMap<string, string> } => {
    writeFileSync(join(overlays, 'cfp-sandbox/raw.yaml'), `namespace: raw\ncase: ${name}\n`);
    try {
      return { problems: [], files: synthesize({ apps: [app] as readonly AppDefinition[], overlaysDir: overlays }).files };
    } catch (error) {
      // Synth adds which app, environment and overlay to every message; the cases are about the rest.
      if (error instanceof UserError) return { problems: error.problems.map((p) => `${p.where}: ${p.message.replace(PAIR, '')}\n  fix: ${p.hint}`), files: new Map() };
      throw error;
    }
  };

  describe('cron-schedule', () => {
    test('a five-field schedule in a real zone synthesizes', () => {
      const { problems, files } = run('five-fields');
      expect(problems).toEqual([]);
      expect(files.get('cfp-sandbox/raw/cronjob-report.yaml')).toMatch(/schedule: 0 2 \* \* \*\n {2}timeZone: Europe\/Berlin\n/);
    });

    test('six fields (CloudNativePG\'s form) is refused, saying which form a CronJob needs', () => {
      expect(run('six-fields').problems).toEqual([
        'raw/report (CronJob raw/report): [rule cron-schedule] spec.schedule "0 0 2 * * *" has 6 fields: a Kubernetes CronJob schedule has five fields, "<minute> <hour> <day of month> <month> <day of week>" (e.g. "0 2 * * *" for 02:00 daily), or one of @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>; six fields with seconds first is CloudNativePG\'s ScheduledBackup form: drop the seconds ("0 2 * * *")\n'
        + '  fix: write the schedule in the CronJob form: five fields, minute first, e.g. "0 2 * * *"; or, if it must stay, add { rule: cron-schedule, kind: CronJob, name: report, namespace: raw, reason: <why> } to policyExceptions in overlays/cfp-sandbox/raw.yaml',
      ]);
    });

    test('a zone the IANA database does not have, a zone inside the schedule, a name too long for its Jobs', () => {
      expect(run('bad-zone').problems).toEqual([expect.stringMatching(/^raw\/report \(CronJob raw\/report\): \[rule cron-schedule\] spec.timeZone "Europe\/Atlantis" is not in the IANA time zone database/)]);
      expect(run('tz-in-schedule').problems).toEqual([expect.stringMatching(/\[rule cron-schedule\] spec.schedule "CRON_TZ=Europe\/Berlin 0 2 \* \* \*" names a time zone \(TZ or CRON_TZ\)/)]);
      expect(run('long-name').problems).toEqual([expect.stringMatching(/\[rule cron-schedule\] the name "report-x{50}" has 57 characters; the API server refuses a CronJob name longer than 52/)]);
    });

    test('a CloudNativePG ScheduledBackup is held to its own six-field form', () => {
      const backup = (schedule: string): KubeObject => new ApiObject(new Chart(new App(), 'c'), 'sb', {
        apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'db-backup' }, spec: { schedule, cluster: { name: 'db' } },
      }).toJson() as KubeObject;
      const fired = (schedule: string) => findViolations([backup(schedule)], { production: false }).filter((v) => v.rule === 'cron-schedule').map((v) => v.message);
      expect(fired('0 2 * * *')).toEqual([expect.stringMatching(/^spec.schedule "0 2 \* \* \*" has 5 fields; CNPG schedules have six, seconds first.*\(a Kubernetes CronJob schedule; prepend the seconds: "0 0 2 \* \* \*"\)$/)]);
      expect(fired('0 0 2 * * *')).toEqual([]);
    });
  });

  describe('autoscaling', () => {
    test('a Deployment its autoscaler scales, without spec.replicas and with a cpu request, synthesizes', () => {
      const { problems, files } = run('hpa-left-alone');
      expect(problems).toEqual([]);
      expect(files.get('cfp-sandbox/raw/deployment-api.yaml')).not.toMatch(/replicas:/);
      expect(files.get('cfp-sandbox/raw/horizontalpodautoscaler-api.yaml')).toMatch(/scaleTargetRef:\n {4}apiVersion: apps\/v1\n {4}kind: Deployment\n {4}name: api\n/);
    });

    test('spec.replicas on an autoscaled Deployment is refused: ArgoCD would reset the autoscaler', () => {
      expect(run('hpa-fought').problems).toEqual([
        'raw/web (Deployment raw/api): [rule autoscaling] HorizontalPodAutoscaler api scales it, but its manifest sets spec.replicas (3): every ArgoCD sync resets the count the autoscaler chose\n'
        + '  fix: leave spec.replicas out of the manifest (WebService: autoscaling instead of replicas); the autoscaler\'s minReplicas is the floor; or, if it must stay, add { rule: autoscaling, kind: Deployment, name: api, namespace: raw, reason: <why> } to policyExceptions in overlays/cfp-sandbox/raw.yaml',
      ]);
    });

    test('the requests its utilization is a share of are probes-and-requests\' (one finding per mistake)', () => {
      expect(run('hpa-blind').problems).toEqual([expect.stringMatching(/^raw\/web \(Deployment raw\/api\): \[rule probes-and-requests\] container "web" lacks a cpu request\n/)]);
    });
  });
});
