import { WebService } from '../../../lib/apps/web-service';
import { ImageContract } from '../../../lib/core/image-contract';
import { k8s } from '../../../lib/core/k8s';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import { only, problemsOf, render, testChart } from '../../helpers';

const contract = new ImageContract({
  repository: 'ghcr.io/example/app',
  source: 'example/app@abc123 Dockerfile',
  user: 1000,
  ports: [3001],
  requiredEnv: { DATA_PATH: 'the entrypoint exits without it' },
  writes: [{ path: '/home/app', why: 'git config --global' }, { path: '/data', persist: true, why: 'the working copy' }],
  ready: { path: '/ready' },
  alive: { path: '/alive' },
  dependentEndpoints: { '/ready': 'the database' },
});
const findings = (objects: ReturnType<typeof render>) => findViolations(objects, { production: false, contracts: [contract] }).filter((v) => v.rule === 'image-contract').map((v) => v.message);

describe('image contracts', () => {
  test('WebService takes port, user, probes and a scratch volume for HOME from the contract', () => {
    const chart = testChart();
    new WebService(chart, 'web', {
      name: 'web', image: 'ghcr.io/example/app:1.0', contract, env: { DATA_PATH: '/data' },
      volumes: [{ name: 'data', mountPath: '/data', source: { persistentVolumeClaim: 'web-data' } }],
    });
    const objects = render(chart);
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3001, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/alive');
    expect(container.volumeMounts).toContainEqual({ name: 'writable-home-app', mountPath: '/home/app' });
    expect(only(objects, 'Deployment').spec.template.spec.securityContext.runAsUser).toBe(1000);
    expect(findings(objects)).toEqual([]);
    expect(chart.imageContracts).toEqual([contract]);
  });

  test('a raw Deployment of the image is held to the contract: user, env, writes, port, probes', () => {
    const chart = testChart();
    const probe = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(8080) } });
    new k8s.KubeDeployment(chart, 'raw', {
      metadata: { name: 'raw' },
      spec: {
        selector: { matchLabels: { app: 'raw' } },
        template: {
          metadata: { labels: { app: 'raw' } },
          spec: {
            securityContext: { runAsUser: 2000 },
            containers: [{
              name: 'app', image: 'ghcr.io/example/app@sha256:' + 'a'.repeat(64),
              ports: [{ containerPort: 8080 }],
              securityContext: { readOnlyRootFilesystem: true },
              readinessProbe: probe('/alive'), livenessProbe: probe('/ready'),
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            }],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    });
    expect(findings(render(chart))).toEqual([
      expect.stringContaining('says it runs as uid 1000, but the pod runs it as uid 2000'),
      expect.stringContaining('requires DATA_PATH (the entrypoint exits without it), which the container does not get'),
      expect.stringContaining('writes /home/app (git config --global), which is on the read-only root filesystem'),
      expect.stringContaining('keeps /data across restarts (the working copy), but the volume there is not a PersistentVolumeClaim'),
      expect.stringContaining('listens on 3001, not on container port 8080'),
      expect.stringContaining('signals readiness at /ready, but the readiness probe asks /alive'),
      expect.stringContaining('answers /ready according to the database: a livenessProbe there restarts every pod'),
    ]);
  });

  test('the chart declares contracts for pods built any other way; another image is not checked', () => {
    const chart = testChart();
    chart.declareImage(contract);
    chart.declareImage(contract);
    expect(chart.imageContracts).toHaveLength(1);
    expect(contract.matches('ghcr.io/example/app:1')).toBe(true);
    expect(contract.matches('ghcr.io/example/app-other:1')).toBe(false);
  });

  test('WebService refuses a contract for another image, and healthPath beside a contract', () => {
    const chart = testChart();
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/example/other:1.0', contract, healthPath: '/h' });
    expect(problemsOf(() => render(chart))).toEqual([
      expect.stringContaining('healthPath and contract are both set: the contract says readiness is /ready; remove healthPath'),
      expect.stringContaining('image "ghcr.io/example/other:1.0" is not of the contract\'s repository ghcr.io/example/app'),
    ]);
  });
});

describe('an image that cannot run with a read-only root', () => {
  test('says why in its contract: the root is writable and the reason recorded on the Deployment', () => {
    const chart = testChart();
    const legacy = new ImageContract({ ...contract.props, writes: [], requiredEnv: {}, writableRootReason: 'the vendor image writes its PID file under /var/run (vendor/app@1.0 Dockerfile)' });
    new WebService(chart, 'web', { name: 'web', image: 'ghcr.io/example/app:1.0', contract: legacy });
    const deployment = only(render(chart), 'Deployment');
    expect(deployment.metadata.annotations['platform.internal/writable-root-reason']).toBe('the vendor image writes its PID file under /var/run (vendor/app@1.0 Dockerfile)');
    expect(deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(findViolations(render(chart), { production: false, contracts: [legacy] }).filter((v) => v.rule === 'image-contract')).toEqual([]);
  });
});
