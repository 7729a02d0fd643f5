import { ScheduledJob, type ScheduledJobProps } from '../../lib/apps/scheduled-job';
import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { ImageContract } from '../../lib/core/image-contract';
import { SecretSource } from '../../lib/core/secret-source';
import { enforcePolicy } from '../../lib/pipeline/checks/policy';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

const db = CnpgDatabase.connectionFor({ clusterName: 'reports-db', namespace: 'demo', database: 'reports' });
const DIGEST = `sha256:${'c'.repeat(64)}`;
const CONTRACT = new ImageContract({
  repository: 'ghcr.io/example/reporter',
  source: 'example/reporter@1a2b3c4 Dockerfile (USER 10001, HOME /home/app)',
  user: 10001,
  ports: [8080],
  ready: { path: '/ready' },
  alive: 'tcp',
  requiredEnv: { DATABASE_URL: 'the reports are read from the database' },
  writes: [{ path: '/home/app/.cache', why: 'the PDF renderer caches fonts (src/render.ts)' }],
});

function job(props: Partial<ScheduledJobProps> = {}, options: { production?: boolean } = {}) {
  const chart = testChart({ environment: testEnvironment({ production: options.production ?? false }) });
  new ScheduledJob(chart, 'reports', {
    name: 'nightly-report',
    image: 'ghcr.io/example/reporter:3.1.0',
    contract: CONTRACT,
    schedule: '30 2 * * *',
    command: ['reporter', 'nightly'],
    env: { REPORT_FORMAT: 'pdf' },
    secretEnv: { DATABASE_URL: { secret: db.secret, key: db.secretKeys.uri } },
    ...props,
  });
  return chart;
}
const errorsOf = (props: Partial<ScheduledJobProps>) => problemsOf(() => render(job(props))).join('\n');

describe('ScheduledJob', () => {
  test('a CronJob with the documented defaults: Forbid, UTC, history 3 and 3, a start deadline, retries and a time limit', () => {
    const cronJob = only(render(job()), 'CronJob');
    expect(cronJob.metadata.name).toBe('nightly-report');
    expect(cronJob.spec).toMatchObject({
      schedule: '30 2 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 3600 } },
    });
    expect(cronJob.spec).not.toHaveProperty('suspend');
  });

  test('runs restricted pods as the contract\'s user, with emptyDirs where the image writes, and no probes', () => {
    const objects = render(job());
    const pod = only(objects, 'CronJob').spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('nightly-report');
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container.command).toEqual(['reporter', 'nightly']);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'writable-home-app-cache', mountPath: '/home/app/.cache' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'writable-home-app-cache', emptyDir: {} }]);
    expect(container).not.toHaveProperty('readinessProbe');
    expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'reports-db-app', key: 'uri' } } }]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'nightly-report-env' } }]);
    expect(only(objects, 'ConfigMap', 'nightly-report-env').data).toEqual({ REPORT_FORMAT: 'pdf' });
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('meets every policy rule as built, in production with a digest', () => {
    const chart = job({ image: `ghcr.io/example/reporter:3.1.0@${DIGEST}` }, { production: true });
    const objects = render(chart);
    expect(enforcePolicy(chart, objects)).toEqual(objects);
  });

  test('takes the options it documents', () => {
    const spec = only(render(job({
      timeZone: 'America/New_York', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5,
      startingDeadlineSeconds: 60, backoffLimit: 0, activeDeadlineSeconds: 900, suspend: true, resources: { cpu: '250m', memory: '1Gi' },
    })), 'CronJob').spec;
    expect(spec).toMatchObject({ timeZone: 'America/New_York', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5, startingDeadlineSeconds: 60, suspend: true });
    expect(spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900 });
    expect(spec.jobTemplate.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  describe('refuses, at its construct path, with the function the output rule runs', () => {
    test('a six-field schedule, saying which form a CronJob needs', () => {
      expect(errorsOf({ schedule: '0 30 2 * * *' })).toBe(
        'demo/reports: schedule "0 30 2 * * *" has 6 fields: a Kubernetes CronJob schedule has five fields, "<minute> <hour> <day of month> <month> <day of week>" (e.g. "0 2 * * *" for 02:00 daily), or one of @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>; six fields with seconds first is CloudNativePG\'s ScheduledBackup form: drop the seconds ("30 2 * * *")',
      );
    });
    test('a time zone that is not in the IANA database, or Local', () => {
      expect(errorsOf({ timeZone: 'Europe/Atlantis' })).toMatch(/^demo\/reports: timeZone "Europe\/Atlantis" is not in the IANA time zone database/);
      expect(errorsOf({ timeZone: 'Local' })).toMatch(/timeZone is "Local", which the API server refuses/);
    });
    test('a name longer than its Jobs allow', () => {
      expect(errorsOf({ name: `nightly-${'report'.repeat(8)}` })).toMatch(/name "nightly-report\S+" has 56 characters; the API server refuses a CronJob name longer than 52/);
    });
    test('an image of another repository than its contract, a root user, an empty command', () => {
      expect(errorsOf({ image: 'ghcr.io/example/other:1.0.0' })).toMatch(/image "ghcr.io\/example\/other:1.0.0" is not of the contract's repository ghcr.io\/example\/reporter/);
      expect(errorsOf({ runAsUser: 0 })).toMatch(/runAsUser and runAsGroup must not be 0/);
      expect(errorsOf({ command: [] })).toMatch(/command is empty/);
    });
    test('negative limits, and a start deadline the controller cannot meet', () => {
      expect(errorsOf({ successfulJobsHistoryLimit: -1 })).toMatch(/successfulJobsHistoryLimit -1 must be a whole number, 0 or more/);
      expect(errorsOf({ startingDeadlineSeconds: 5 })).toMatch(/startingDeadlineSeconds 5 is below 10: the controller checks every 10 seconds/);
    });
    test('a variable set twice: in env and secretEnv, or by secretEnv and a Secret of envFromSecrets', () => {
      expect(errorsOf({ env: { DATABASE_URL: 'postgres://db/reports' } })).toMatch(/DATABASE_URL is set both in env and in secretEnv/);
      expect(errorsOf({ envFromSecrets: [SecretSource.fromName('reports-env', { keys: ['DATABASE_URL'] })] })).toMatch(/DATABASE_URL is set both by secretEnv and by envFromSecrets \(Secret reports-env\)/);
      const objects = render(job({ envFromSecrets: [SecretSource.fromName('reports-env', { keys: ['SMTP_PASSWORD'] })] }));
      expect(only(objects, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'nightly-report-env' } }, { secretRef: { name: 'reports-env' } }]);
    });
    test('a tag without digest in production', () => {
      expect(problemsOf(() => render(job({}, { production: true }))).join('\n')).toMatch(/digest/);
    });
  });

  test('a corrected schedule passes where the six-field one was refused', () => {
    expect(() => render(job({ schedule: '30 2 * * *' }))).not.toThrow();
    expect(() => render(job({ schedule: '@daily', timeZone: 'Europe/Berlin' }))).not.toThrow();
  });
});

describe('the runs\' pods as a peer', () => {
  test('selected by the CronJob\'s pod labels, to admit them where they connect; the job itself admits nothing', () => {
    const chart = testChart();
    const job = new ScheduledJob(chart, 'refresh', { name: 'refresh', image: 'registry.example/reader:2.3.3', schedule: '*/10 * * * *' });
    const podLabels = only(render(chart), 'CronJob').spec.jobTemplate.spec.template.metadata.labels;
    expect(Object.entries(job.connections.peer.podLabels).every(([k, v]) => podLabels[k] === v)).toBe(true);
    expect(job.connections.peer.podLabels).toEqual(job.selector);
    expect(() => job.connections.allowFrom({ podLabels: { app: 'x' } })).toThrow(/serves no port/);
  });
});
