import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { AppChart } from '../../../lib/core/app';
import { k8s } from '../../../lib/core/k8s';
import { WebService } from '../../../lib/apps/web-service';
import { Gateway } from '../../../lib/gateway/gateway';
import { HttpRoute } from '../../../lib/gateway/http-route';
import { ServiceRef } from '../../../lib/core/service-ref';
import { ExternalSecret } from '../../../lib/secrets/external-secret';
import { checkReferences } from '../../../lib/pipeline/checks/references';
import { REFERENCE_FIELDS, referencesOf, selects } from '../../../lib/pipeline/checks/reference-model';
import { POD_READ_FIELDS } from '../../../lib/pipeline/checks/pod-reads';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { render, testChart, testEnvironment } from '../../helpers';

// Every reference of the model (lib/pipeline/checks/reference-model.ts), broken through a raw
// object, a cdk8s-plus construct or the library's constructs, each with a corrected twin that
// resolves. The check runs on the rendered output, so whatever built an object is held to it.

const operators = { 'external-secrets': '2.9.0', 'envoy-gateway': '1.6.0', 'cert-manager': '1.19.0', 'prometheus-operator': '0.93.0' };
const environment = (existing: Record<string, unknown> = {}) => testEnvironment({ existing: { namespaces: ['demo'], operators, ...existing } });
/** The problems of one app, as `where: message (allowed) hint` lines. */
function problems(objects: readonly KubeObject[], existing: Record<string, unknown> = {}): string[] {
  return checkReferences(environment(existing), [{ app: { name: 'demo' }, objects }])
    .map((p) => `${p.where}: ${p.message}${p.allowed ? ` [allowed: ${p.allowed}]` : ''}${p.hint ? ` [fix: ${p.hint}]` : ''}`);
}

const podLabels = { 'app.kubernetes.io/name': 'web' };

/**
 * A Deployment `web` (labels app.kubernetes.io/name: web) meeting the policy, built as a raw
 * ApiObject (no construct's validation), whose pod spec and container `change` edits.
 */
function deployment(chart: AppChart, change: (pod: Record<string, any>, container: Record<string, any>) => void): void {
  const container: Record<string, any> = {
    name: 'web',
    image: `ghcr.io/example/web:1.0.0@sha256:${'b'.repeat(64)}`,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    readinessProbe: { tcpSocket: { port: 8080 } },
    livenessProbe: { tcpSocket: { port: 8080 } },
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
  };
  const pod: Record<string, any> = { automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container] };
  change(pod, container);
  new ApiObject(chart, 'web', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { selector: { matchLabels: podLabels }, template: { metadata: { labels: podLabels }, spec: pod } },
  });
}

/** An object as rendered, for kinds synth cannot render yet (no upstream schema imported). */
const plain = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'demo' }, spec });


describe('the reference model', () => {
  test('has one row per field of what a pod reads, then the other references, each saying who resolves it and what happens', () => {
    expect(REFERENCE_FIELDS.slice(0, POD_READ_FIELDS.length).map((r) => r.id)).toEqual(POD_READ_FIELDS.map((f) => `pod ${f.field}`));
    expect(new Set(REFERENCE_FIELDS.map((r) => r.id)).size).toBe(REFERENCE_FIELDS.length);
    for (const row of REFERENCE_FIELDS) expect(row.whenMissing).toMatch(/\(.+\)/);
    expect(REFERENCE_FIELDS.map((r) => r.id)).toEqual(expect.arrayContaining([
      'probe port', 'Service selector', 'Service targetPort', 'PodDisruptionBudget selector', 'NetworkPolicy podSelector', 'NetworkPolicy peer',
      'NetworkPolicy egress DNS', 'PodMonitor selector', 'ServiceMonitor selector', 'HorizontalPodAutoscaler target', 'Ingress backend',
      'route backendRefs', 'route parentRefs', 'ExternalSecret store', 'Certificate issuer', 'issuer annotation',
    ]));
  });

  test('a label selector selects by matchLabels and every operator of matchExpressions', () => {
    const labels = { a: '1', b: '2' };
    expect(selects({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'b', operator: 'In', values: ['2', '3'] }, { key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
  });

  test('probes of every kind are found, with the ports the container names', () => {
    const chart = testChart();
    deployment(chart, (_pod, c) => {
      c.ports = [{ name: 'http', containerPort: 8080 }];
      c.startupProbe = { httpGet: { path: '/', port: 'http' } };
    });
    const refs = referencesOf(render(chart).find((o) => o.kind === 'Deployment')!).filter((r) => r.row.id === 'probe port');
    expect(refs.map((r) => r.path)).toEqual(['spec.template.spec.containers[0].startupProbe.httpGet.port']);
  });
});

describe('every reference resolves the way the cluster resolves it', () => {
  test('ServiceAccount: a pod naming one nobody emits is refused (raw and cdk8s-plus); emitted, or `default`, it resolves', () => {
    const raw = testChart();
    deployment(raw, (pod) => { pod.serviceAccountName = 'web'; });
    expect(problems(render(raw))).toEqual([expect.stringMatching(/^\S+\.yaml Deployment demo\/web spec\.template\.spec\.serviceAccountName .*names ServiceAccount demo\/web, which nothing in environment test-sandbox emits: the ServiceAccount admission plugin refuses the pod.*\[fix: no ServiceAccount exists in namespace demo; or emit it\]$/)]);
    new k8s.KubeServiceAccount(raw, 'sa', { metadata: { name: 'web' } });
    expect(problems(render(raw))).toEqual([]);
    const byDefault = testChart();
    deployment(byDefault, (pod) => { pod.serviceAccountName = 'default'; });
    expect(problems(render(byDefault))).toEqual([]);

    const plus = testChart();
    new kplus.Deployment(plus, 'worker', { metadata: { name: 'worker' }, serviceAccount: kplus.ServiceAccount.fromServiceAccountName(plus, 'sa', 'workr'), containers: [{ image: 'example/worker:1.0' }] });
    new kplus.ServiceAccount(plus, 'worker-sa', { metadata: { name: 'worker' } });
    expect(problems(render(plus))).toEqual([expect.stringMatching(/names ServiceAccount demo\/workr, .*did you mean "worker"\?/)]);
    const fixed = testChart();
    const account = new kplus.ServiceAccount(fixed, 'worker-sa', { metadata: { name: 'worker' } });
    new kplus.Deployment(fixed, 'worker', { metadata: { name: 'worker' }, serviceAccount: account, containers: [{ image: 'example/worker:1.0' }] });
    expect(problems(render(fixed))).toEqual([]);
  });

  test('ConfigMap and its keys, in env and volumes: a key its data lacks is refused with the closest key; optional and kube-root-ca.crt resolve', () => {
    const build = (key: string, optional = false) => {
      const chart = testChart();
      new k8s.KubeConfigMap(chart, 'cfg', { metadata: { name: 'cfg' }, data: { LOG_LEVEL: 'info' } });
      deployment(chart, (pod, c) => {
        c.env = [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key, optional } } }];
        pod.volumes = [{ name: 'ca', configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }];
      });
      return render(chart);
    };
    expect(problems(build('LOG_LEVL'))).toEqual([expect.stringMatching(/env\[0\]\.valueFrom\.configMapKeyRef .*reads key "LOG_LEVL" of ConfigMap demo\/cfg, which ConfigMap demo\/cfg writes without that key: the container does not start.*\[allowed: LOG_LEVEL\] \[fix: did you mean "LOG_LEVEL"\?\]/)]);
    expect(problems(build('LOG_LEVL', true))).toEqual([]);
    expect(problems(build('LOG_LEVEL'))).toEqual([]);

    const plus = (name: string) => {
      const chart = testChart();
      new kplus.ConfigMap(chart, 'settings', { metadata: { name: 'settings' }, data: { MODE: 'a' } });
      const config = kplus.ConfigMap.fromConfigMapName(chart, 'ref', name);
      new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, containers: [{ image: 'example/worker:1.0', envVariables: { MODE: kplus.EnvValue.fromConfigMap(config, 'MODE') } }] });
      return render(chart);
    };
    expect(problems(plus('setings'))).toEqual([expect.stringMatching(/names ConfigMap demo\/setings, which nothing .*emits: the container does not start.*did you mean "settings"\?/)]);
    expect(problems(plus('settings'))).toEqual([]);
  });

  test('claims and image pull Secrets: a pod naming a claim or a pull Secret nobody emits is refused; emitted, they resolve', () => {
    const build = (emit: boolean) => {
      const chart = testChart();
      deployment(chart, (pod) => {
        pod.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
        pod.imagePullSecrets = [{ name: 'registry' }];
      });
      if (emit) {
        new k8s.KubePersistentVolumeClaim(chart, 'data', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });
      }
      return render(chart);
    };
    expect(problems(build(false))).toEqual([
      expect.stringMatching(/volumes\[0\]\.persistentVolumeClaim .*names PersistentVolumeClaim demo\/data, .*the pod is not scheduled/),
      expect.stringMatching(/imagePullSecrets\[0\] .*reads Secret demo\/registry, which nothing in environment test-sandbox writes/),
    ]);
    expect(problems(build(true), { secrets: ['demo/registry'] })).toEqual([]);
  });

  test('named ports: a probe of any kind naming a port its container does not declare is refused, with the closest name', () => {
    const build = (port: string) => {
      const chart = testChart();
      deployment(chart, (_pod, c) => {
        c.ports = [{ name: 'http', containerPort: 8080 }];
        c.readinessProbe = { httpGet: { path: '/', port } };
        c.startupProbe = { tcpSocket: { port } };
      });
      return render(chart);
    };
    expect(problems(build('htp'))).toEqual([
      expect.stringMatching(/containers\[0\]\.readinessProbe\.httpGet\.port .*names port "htp", which container "web" does not declare: .*\[allowed: http\] \[fix: did you mean "http"\?/),
      expect.stringMatching(/containers\[0\]\.startupProbe\.tcpSocket\.port .*names port "htp"/),
    ]);
    expect(problems(build('http'))).toEqual([]);
  });

  test('Service: a selector that selects no pod, or a targetPort no selected pod names, is refused (raw and cdk8s-plus); the twin resolves', () => {
    const build = (selector: Record<string, string>, targetPort: string) => {
      const chart = testChart();
      deployment(chart, (_pod, c) => { c.ports = [{ name: 'http', containerPort: 8080 }]; });
      new k8s.KubeService(chart, 'svc', { metadata: { name: 'web' }, spec: { selector, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString(targetPort) }] } });
      return render(chart);
    };
    expect(problems(build({ 'app.kubernetes.io/name': 'wbe' }, 'http'))).toEqual([
      expect.stringMatching(/^\S+\.yaml Service demo\/web spec\.selector .*selects no pod in namespace demo: the Service has no endpoints.*\[allowed: \{"app.kubernetes.io\/name":"web"\}\]/),
    ]);
    expect(problems(build(podLabels, 'metrics'))).toEqual([
      expect.stringMatching(/^\S+\.yaml Service demo\/web spec\.ports\[0\]\.targetPort .*names port "metrics", which no pod it selects declares \(Deployment demo\/web\).*\[allowed: http\]/),
    ]);
    expect(problems(build(podLabels, 'http'))).toEqual([]);

    const plus = (labels: Record<string, string>) => {
      const chart = testChart();
      const own = chart.selectorFor('worker');
      const worker = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, select: false, podMetadata: { labels: own }, containers: [{ image: 'example/worker:1.0', portNumber: 8080 }] });
      worker.select(kplus.LabelSelector.of({ labels: own }));
      new kplus.Service(chart, 'service', { metadata: { name: 'worker' }, selector: kplus.Pods.select(chart, 'pods', { labels }), ports: [{ port: 80, targetPort: 8080 }] });
      return { chart, own };
    };
    const wrong = plus({ 'app.kubernetes.io/name': 'other' });
    expect(problems(render(wrong.chart))).toEqual([expect.stringMatching(/^\S+\.yaml Service demo\/worker spec\.selector .*selects no pod in namespace demo/)]);
    const right = testChart();
    const labels = right.selectorFor('worker');
    const fixed = plus(labels);
    expect(problems(render(fixed.chart))).toEqual([]);
  });

  test('PodDisruptionBudget and NetworkPolicy selectors must select the pods the environment emits; a peer in the same namespace too', () => {
    const build = (selector: Record<string, string>) => {
      const chart = testChart();
      deployment(chart, () => undefined);
      new k8s.KubePodDisruptionBudget(chart, 'pdb', { metadata: { name: 'web' }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } } });
      new k8s.KubeNetworkPolicy(chart, 'np', { metadata: { name: 'web' }, spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: selector } }] }] } });
      return render(chart);
    };
    expect(problems(build({ 'app.kubernetes.io/name': 'api' }))).toEqual([
      expect.stringMatching(/^\S+\.yaml PodDisruptionBudget demo\/web spec\.selector .*selects no pod in namespace demo: the budget protects no pod/),
      expect.stringMatching(/^\S+\.yaml NetworkPolicy demo\/web spec\.podSelector .*selects no pod in namespace demo: the policy isolates no pod/),
      expect.stringMatching(/^\S+\.yaml NetworkPolicy demo\/web spec\.ingress\[0\]\.from\[0\]\.podSelector .*selects no pod in namespace demo: the rule allows traffic from or to no pod/),
    ]);
    expect(problems(build(podLabels))).toEqual([]);
  });

  test('a PodDisruptionBudget that allows no eviction of the pods it selects is refused (raw and cdk8s-plus); one that allows one is not', () => {
    const raw = (budget: Record<string, unknown>) => {
      const chart = testChart();
      deployment(chart, () => undefined);
      const objects = render(chart).map((o) => (o.kind === 'Deployment' ? { ...o, spec: { ...(o.spec as object), replicas: 2 } } : o));
      return [...objects, plain('policy/v1', 'PodDisruptionBudget', 'web', { selector: { matchLabels: podLabels }, ...budget })];
    };
    expect(problems(raw({ minAvailable: 2 }))).toEqual([expect.stringMatching(/^\S+\.yaml PodDisruptionBudget demo\/web spec\.selector .*allows no voluntary disruption of the pods it selects \(Deployment demo\/web, 2 replicas\): minAvailable 2 is all of them.*\[fix: set minAvailable below 2/)]);
    expect(problems(raw({ maxUnavailable: 0 }))).toEqual([expect.stringMatching(/maxUnavailable is 0, so every node drain waits on it forever/)]);
    expect(problems(raw({ minAvailable: 1 }))).toEqual([]);

    const plus = (minAvailable: number) => {
      const chart = testChart();
      const labels = chart.selectorFor('worker');
      const worker = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, replicas: 3, select: false, podMetadata: { labels }, containers: [{ image: 'example/worker:1.0' }] });
      worker.select(kplus.LabelSelector.of({ labels }));
      new k8s.KubePodDisruptionBudget(chart, 'pdb', { metadata: { name: 'worker' }, spec: { minAvailable: k8s.IntOrString.fromNumber(minAvailable), selector: { matchLabels: labels } } });
      return render(chart);
    };
    expect(problems(plus(3))).toEqual([expect.stringMatching(/allows no voluntary disruption .*Deployment demo\/worker, 3 replicas/)]);
    expect(problems(plus(2))).toEqual([]);
  });

  test('NetworkPolicy isolating egress must leave DNS open (raw and cdk8s-plus), unless closed deliberately', () => {
    const build = (egress: unknown[], annotations: Record<string, string> = {}) => {
      const chart = testChart();
      deployment(chart, () => undefined);
      new k8s.KubeNetworkPolicy(chart, 'np', { metadata: { name: 'web', annotations }, spec: { podSelector: { matchLabels: podLabels }, policyTypes: ['Egress'], egress: egress as never } });
      return render(chart);
    };
    const https = { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: k8s.IntOrString.fromNumber(443), protocol: 'TCP' }] };
    const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' }] };
    expect(problems(build([https]))).toEqual([
      expect.stringMatching(/^\S+\.yaml NetworkPolicy demo\/web spec\.policyTypes .*isolates the egress of Deployment demo\/web, and no NetworkPolicy lets them reach the cluster's DNS resolver/),
    ]);
    expect(problems(build([https, dns]))).toEqual([]);
    expect(problems(build([https], { 'references.platform.internal/dns-egress': 'closed' }))).toEqual([]);

    const plus = (allowDns: boolean) => {
      const chart = testChart();
      const labels = chart.selectorFor('worker');
      const worker = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, select: false, podMetadata: { labels }, containers: [{ image: 'example/worker:1.0' }] });
      worker.select(kplus.LabelSelector.of({ labels }));
      const policy = new kplus.NetworkPolicy(chart, 'np', { metadata: { name: 'worker' }, selector: kplus.Pods.select(chart, 'pods', { labels }), egress: { default: kplus.NetworkPolicyTrafficDefault.DENY } });
      if (allowDns) policy.addEgressRule(kplus.Namespaces.select(chart, 'kube-system', { names: ['kube-system'] }), [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
      return render(chart);
    };
    expect(problems(plus(false))).toEqual([expect.stringMatching(/^\S+\.yaml NetworkPolicy demo\/worker spec\.policyTypes .*isolates the egress of Deployment demo\/worker/)]);
    expect(problems(plus(true))).toEqual([]);
  });

  test('PodMonitor: a selector that selects no pod, or a port no selected pod names, is refused; the twin resolves', () => {
    const build = (selector: Record<string, string>, port: string) => {
      const chart = testChart();
      deployment(chart, (_pod, c) => { c.ports = [{ name: 'metrics', containerPort: 9090 }]; });
      new ApiObject(chart, 'pm', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'web' }, spec: { selector: { matchLabels: selector }, podMetricsEndpoints: [{ port }] } });
      return render(chart);
    };
    expect(problems(build({ 'app.kubernetes.io/name': 'wb' }, 'metrics'))).toEqual([
      expect.stringMatching(/^\S+\.yaml PodMonitor demo\/web spec\.selector .*selects no pod/),
    ]);
    expect(problems(build(podLabels, 'metric'))).toEqual([expect.stringMatching(/podMetricsEndpoints\[0\]\.port .*names port "metric", which no pod it selects declares.*did you mean "metrics"\?/)]);
    expect(problems(build(podLabels, 'metrics'))).toEqual([]);
  });

  test('HorizontalPodAutoscaler: a scaleTargetRef to an object nobody emits is refused; the twin resolves', () => {
    const build = (kind: string, name: string) => {
      const chart = testChart();
      deployment(chart, () => undefined);
      new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', { metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name }, minReplicas: 2, maxReplicas: 4 } });
      return render(chart);
    };
    expect(problems(build('Deployment', 'wbe'))).toEqual([expect.stringMatching(/^\S+\.yaml HorizontalPodAutoscaler demo\/web spec\.scaleTargetRef .*names Deployment demo\/wbe, .*FailedGetScale.*did you mean "web"\?/)]);
    expect(problems(build('StatefulSet', 'web'))).toEqual([expect.stringMatching(/names StatefulSet demo\/web, /)]);
    expect(problems(build('Deployment', 'web'))).toEqual([]);
  });

  test('Gateway API: parentRefs to a listener (sectionName, port) the Gateway lacks and backendRefs to a port the Service lacks are refused; the twin resolves', () => {
    const build = (section: string, parentPort: number, backendPort: number) => {
      const chart = testChart();
      const gateway = new Gateway(chart, 'gw', { name: 'web', hostnames: ['web.example.org'] });
      void gateway;
      deployment(chart, (_pod, c) => { c.ports = [{ name: 'http', containerPort: 8080 }]; });
      new k8s.KubeService(chart, 'svc', { metadata: { name: 'web' }, spec: { selector: podLabels, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] } });
      new ApiObject(chart, 'route', {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'raw' },
        spec: { parentRefs: [{ name: 'web', sectionName: section, port: parentPort }], hostnames: ['web.example.org'], rules: [{ backendRefs: [{ name: 'web', port: backendPort }] }] },
      });
      return render(chart);
    };
    const listener = (objects: readonly KubeObject[]) => (objects.find((o) => o.kind === 'Gateway')!.spec as { listeners: Array<{ name: string; port: number }> }).listeners[0];
    const good = build('x', 1, 80);
    const { name, port } = listener(good);
    expect(problems(build(`${name}x`, port, 8080))).toEqual([
      expect.stringMatching(new RegExp(`spec\\.parentRefs\\[0\\] .*attaches to listener "${name}x" on port ${port} of Gateway demo/web, which has no such listener: no Gateway accepts the route.*did you mean "${name}"\\?`)),
      expect.stringMatching(/spec\.rules\[0\]\.backendRefs\[0\] .*names port 8080 of Service demo\/web, which has no such port.*\[allowed: 80\]/),
    ]);
    expect(problems(build(name, port, 80))).toEqual([]);
  });

  test('External Secrets: the store reference is resolved by name and kind (a kind the operator does not know is refused)', () => {
    const build = (kind: string, name: string) => {
      // The schema validation refuses a kind outside its enum first; the model holds the output to it all the same.
      return [plain('external-secrets.io/v1', 'ExternalSecret', 'creds', { secretStoreRef: { kind, name }, data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] })];
    };
    const existing = { secretStores: ['ClusterSecretStore/vault'] };
    expect(problems(build('clustersecretstore', 'vault'), existing)).toEqual([expect.stringMatching(/spec\.secretStoreRef .*names kind "clustersecretstore", which the External Secrets Operator does not resolve.*\[allowed: SecretStore, ClusterSecretStore\]/)]);
    expect(problems(build('ClusterSecretStore', 'valt'), existing)).toEqual([expect.stringMatching(/names ClusterSecretStore valt, which nothing .*does not declare: the operator reports SecretSyncedError.*did you mean "vault"\?.*add "ClusterSecretStore\/valt" to existing\.secretStores/)]);
    expect(problems(build('SecretStore', 'vault'), existing)).toEqual([expect.stringMatching(/names SecretStore demo\/vault, which nothing/)]);
    expect(problems(build('ClusterSecretStore', 'vault'), existing)).toEqual([]);
  });

  test('cert-manager: a Certificate\'s issuerRef and a Gateway\'s issuer annotation must name the environment\'s issuer or an emitted one; the library\'s Gateway names it', () => {
    const certificate = (kind: string, name: string) => {
      // No schema is imported for cert-manager's Certificate, so synth refuses the kind; the model resolves it on any output.
      return [plain('cert-manager.io/v1', 'Certificate', 'web', { secretName: 'web-tls', dnsNames: ['web.example.org'], issuerRef: { kind, name } })];
    };
    expect(problems(certificate('ClusterIssuer', 'letsencrypt-stagin'))).toEqual([expect.stringMatching(/spec\.issuerRef .*names ClusterIssuer letsencrypt-stagin, .*IssuerNotFound.*did you mean "letsencrypt-staging"\?/)]);
    expect(problems(certificate('Issuer', 'letsencrypt-staging'))).toEqual([expect.stringMatching(/names Issuer demo\/letsencrypt-staging, /)]);
    expect(problems(certificate('ClusterIssuer', 'letsencrypt-staging'))).toEqual([]);

    const chart = testChart();
    const gateway = new Gateway(chart, 'gw', { name: 'web', hostnames: ['web.example.org'] });
    void gateway;
    expect(problems(render(chart))).toEqual([]);
    const patched = render(chart).map((o) => (o.kind === 'Gateway' ? { ...o, metadata: { ...o.metadata, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } } } : o));
    expect(problems(patched)).toEqual([expect.stringMatching(/metadata\.annotations\.cert-manager\.io\/cluster-issuer .*names ClusterIssuer letsencrypt, /)]);
  });
});

describe('the library\'s constructs are held to the same references', () => {
  test('a WebService\'s Service, probes, disruption budget and autoscaler resolve; its budget, made to block every drain by a patch, is refused', () => {
    const build = () => {
      const chart = testChart();
      new WebService(chart, 'web', { name: 'web', image: 'example/web:1.0', port: 8080, healthPath: '/healthz', replicas: 2 });
      return render(chart);
    };
    const objects = build();
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'PodDisruptionBudget']));
    expect(problems(objects)).toEqual([]);
    const blocking = objects.map((o) => (o.kind === 'PodDisruptionBudget' ? { ...o, spec: { ...(o.spec as object), maxUnavailable: 0 } } : o));
    expect(problems(blocking)).toEqual([expect.stringMatching(/^\S+\.yaml PodDisruptionBudget demo\/web spec\.selector .*allows no voluntary disruption .*Deployment demo\/web, 2 replicas.*maxUnavailable is 0/)]);
  });

  test('a Gateway whose issuer names one the environment does not have is refused; the environment\'s issuer resolves', () => {
    const build = (name: string) => {
      const chart = testChart();
      new Gateway(chart, 'gw', { name: 'web', hostnames: ['web.example.org'], issuer: { name } });
      return render(chart);
    };
    expect(problems(build('letsencrypt-stagin'))).toEqual([expect.stringMatching(/^\S+\.yaml Gateway demo\/web metadata\.annotations\.cert-manager\.io\/cluster-issuer .*names ClusterIssuer letsencrypt-stagin, .*did you mean "letsencrypt-staging"\?.*certManager: \{ issuer: letsencrypt-stagin, issuerKind: ClusterIssuer \}/)]);
    expect(problems(build('letsencrypt-staging'))).toEqual([]);
  });

  test('an HttpRoute to a Gateway of the app\'s namespace that nobody emits is refused; one in a namespace that is not ours is not known, and passes', () => {
    const build = (namespace: string) => {
      const chart = testChart();
      const gateway = Gateway.fromAttributes({ name: 'shared', namespace, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'web.example.org', allowedRoutes: { from: 'All' } }] });
      new HttpRoute(chart, 'route', { name: 'web', gateway, hostnames: ['web.example.org'], httpsRedirect: false, rules: [{ backends: [{ service: ServiceRef.fromName('web', { namespace: 'demo', ports: [{ name: 'http', port: 80 }] }), port: 80 }] }] });
      return render(chart);
    };
    expect(problems(build('demo'), { services: ['demo/web'] })).toEqual([expect.stringMatching(/^\S+\.yaml HTTPRoute demo\/web spec\.parentRefs\[0\] .*names Gateway demo\/shared, which nothing in environment test-sandbox emits and overlays\/test-sandbox\/environment\.yaml does not declare: no Gateway accepts the route.*existing\.gateways/)]);
    expect(problems(build('platform'), { services: ['demo/web'], namespaces: ['demo', 'platform'] })).toEqual([]);
  });

  test('an ExternalSecret naming a store nobody emits or declares is refused with the closest store; the declared one resolves', () => {
    const build = (name: string) => {
      const chart = testChart();
      new ExternalSecret(chart, 'creds', { name: 'creds', store: { name, kind: 'ClusterSecretStore' }, data: { TOKEN: { key: 'token' } } });
      return render(chart);
    };
    const existing = { secretStores: ['ClusterSecretStore/vault'] };
    expect(problems(build('valt'), existing)).toEqual([expect.stringMatching(/^\S+\.yaml ExternalSecret demo\/creds spec\.secretStoreRef .*names ClusterSecretStore valt, .*did you mean "vault"\?/)]);
    expect(problems(build('vault'), existing)).toEqual([]);
  });
});

describe('priority classes and RBAC bindings', () => {
  test('a pod naming a PriorityClass nobody emits is refused; a system class resolves', () => {
    const build = (name: string) => {
      const chart = testChart();
      deployment(chart, (pod) => { pod.priorityClassName = name; });
      return render(chart);
    };
    expect(problems(build('high'))).toEqual([expect.stringMatching(/priorityClassName .*names PriorityClass high, .*the Priority admission plugin refuses the pod/)]);
    expect(problems(build('system-cluster-critical'))).toEqual([]);
  });

  test('a RoleBinding to a Role or ServiceAccount nobody emits is refused; emitted, they resolve', () => {
    const build = (emit: boolean) => {
      const chart = testChart();
      new k8s.KubeRoleBinding(chart, 'rb', { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'demo' }] });
      if (emit) {
        new k8s.KubeRole(chart, 'role', { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] });
        new k8s.KubeServiceAccount(chart, 'sa', { metadata: { name: 'web' }, automountServiceAccountToken: false });
      }
      return render(chart);
    };
    expect(problems(build(false))).toEqual([
      expect.stringMatching(/^\S+\.yaml RoleBinding demo\/reader roleRef .*names Role demo\/reader, .*403 Forbidden/),
      expect.stringMatching(/^\S+\.yaml RoleBinding demo\/reader subjects\[0\] .*names ServiceAccount demo\/web, /),
    ]);
    expect(problems(build(true))).toEqual([]);
  });
});

describe('across apps', () => {
  test('two apps emitting the same object is refused, naming both; distinct names are not', () => {
    const app = (name: string, configMap: string) => {
      const chart = testChart({ app: name });
      new k8s.KubeConfigMap(chart, 'cfg', { metadata: { name: configMap }, data: { A: '1' } });
      return { app: { name }, objects: render(chart) };
    };
    expect(checkReferences(environment(), [app('one', 'shared'), app('two', 'shared')]).map((p) => `${p.where}: ${p.message}`)).toEqual([
      'test-sandbox/two/configmap-shared.yaml ConfigMap demo/shared metadata.name (app two, environment test-sandbox): is emitted by app one and by app two: ArgoCD marks it SharedResourceWarning and each app\'s sync overwrites the other\'s',
    ]);
    expect(checkReferences(environment(), [app('one', 'one'), app('two', 'two')])).toEqual([]);
    // Delivered by Flux, the message says what Flux does with it.
    const flux = { ...environment(), argocd: undefined, flux: { url: 'https://git.example.org/deployments.git' } };
    expect(checkReferences(flux, [app('one', 'shared'), app('two', 'shared')]).map((p) => p.message)).toEqual([
      'is emitted by app one and by app two: each app\'s Kustomization overwrites the other\'s, and the first to drop it prunes it from under the other',
    ]);
  });
});
