import { ALEMBIC_UPGRADE, MigrationJob } from '../../lib/apps/migration-job';
import { WebService } from '../../lib/apps/web-service';
import { only, problemsOf, render, testChart } from '../helpers';

function migration(props: Partial<ConstructorParameters<typeof MigrationJob>[2]> = {}) {
  const chart = testChart();
  const service = new WebService(chart, 'web', { name: 'reader', image: 'registry.example/reader:2.3.3', port: 8080, healthPath: '/healthz', env: { RUN_MIGRATIONS: '0' } });
  new MigrationJob(chart, 'migrate', { service, ...props });
  return render(chart);
}

describe('MigrationJob', () => {
  test('runs any image\'s own migration command, with arguments, in the service\'s image and environment', () => {
    const objects = migration({ command: ['/usr/bin/miniflux'], args: ['-migrate'] });
    const job = only(objects, 'Job', 'reader-migrate');
    const [container] = job.spec.template.spec.containers;
    expect(container).toMatchObject({ name: 'migrate', image: 'registry.example/reader:2.3.3', command: ['/usr/bin/miniflux'], args: ['-migrate'] });
    expect(container.envFrom).toEqual(only(objects, 'Deployment').spec.template.spec.containers[0].envFrom);
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync' });
  });

  test('alembic is one such command, and the default for the library\'s first users', () => {
    const [container] = only(migration(), 'Job').spec.template.spec.containers;
    expect(container.command).toEqual([...ALEMBIC_UPGRADE]);
    expect(container).not.toHaveProperty('args');
  });

  test('refuses an empty command; a command is a list, not one string', () => {
    expect(problemsOf(() => migration({ command: [] })).join('\n')).toMatch(/the migration command is empty/);
    expect(problemsOf(() => migration({ command: '/usr/bin/miniflux -migrate' as never })).join('\n')).toMatch(/prop command is the string "\/usr\/bin\/miniflux -migrate" \[allowed: a command: a list of strings/);
    expect(() => migration({ command: ['/usr/bin/miniflux', '-migrate'] })).not.toThrow();
  });
});

describe('a Job\'s pods as a peer', () => {
  test('a database admits the migration\'s pods by their selector; the Job itself admits nothing', () => {
    const chart = testChart();
    const service = new WebService(chart, 'web', { name: 'reader', image: 'registry.example/reader:2.3.3', port: 8080, healthPath: '/healthz' });
    const job = new MigrationJob(chart, 'migrate', { service, command: ['/app/migrate'] });
    const podLabels = only(render(chart), 'Job').spec.template.metadata.labels;
    expect(job.connections.peer.namespace).toBe('demo');
    expect(Object.entries(job.connections.peer.podLabels).every(([k, v]) => podLabels[k] === v)).toBe(true);
    expect(job.connections.peer.podLabels).not.toEqual(service.selector);
    expect(problemsOf(() => job.connections.allowFrom(service)).join('\n')).toMatch(/demo\/migrate: runs to completion and serves no port, so it has no NetworkPolicy to admit a peer through/);
  });
});
