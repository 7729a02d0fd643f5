import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../../../apps';
import { synthesize } from '../../../../lib/pipeline/engine/synth';
import { renderTerraform } from '../../../../lib/pipeline/emit/terraform';
import { addressOf, importIdOf, renderStack } from '../../../../lib/pipeline/emit/terraform/stack';
import { ROOT } from '../../../helpers';
import { renderScenario, TERRAFORM_SECTION, type Stack } from './scenario';

const overlaysDir = join(ROOT, 'overlays');
const palEProd = () => renderTerraform({ result: synthesize({ apps, overlaysDir, environments: ['pal-e-prod'] }), overlaysDir, explicitEnvironments: true });

describe('the pal-e-prod stack (overlays/pal-e-prod, as committed)', () => {
  const render = palEProd();
  const text = render.files.get('pal-e-prod/cdk.tf.json')!;
  const stack = JSON.parse(text) as Stack;

  test('is one file, dist-terraform/pal-e-prod/cdk.tf.json, and matches its snapshot', () => {
    expect(render.problems).toEqual([]);
    expect([...render.files.keys()]).toEqual(['pal-e-prod/cdk.tf.json']);
    expect(text).toMatchSnapshot();
  });

  test('configures the Kubernetes provider from environment.yaml: kubeconfig path and context', () => {
    expect(stack.provider.kubernetes).toEqual([{ config_path: '~/.kube/config', config_context: 'pal-e' }]);
    expect(stack.terraform.required_providers.kubernetes).toEqual({ source: 'hashicorp/kubernetes', version: '2.38.0' });
    expect(stack.terraform.required_version).toBe('>= 1.5.0'); // import blocks
  });

  test('keeps state in the cluster, not in the regenerated output directory', () => {
    expect(stack.terraform.backend).toEqual({ kubernetes: { config_path: '~/.kube/config', config_context: 'pal-e', secret_suffix: 'pal-e-prod' } });
  });

  test('has one resource per object: the funnel Ingress as kubernetes_manifest, exactly the object of dist/', () => {
    const ingress = synthesize({ apps, overlaysDir, environments: ['pal-e-prod'] }).apps[0].objects[0];
    expect(Object.keys(stack.resource)).toEqual(['kubernetes_manifest']);
    expect(stack.resource.kubernetes_manifest['ingress_pal-e-docs_pal-e-docs-api-funnel'].manifest).toEqual(ingress);
    expect(stack.import).toBeUndefined(); // nothing adopted until an app emits pal-e-docs-funnel (see the adoption tests)
  });

  test('is deterministic: the same bytes every run, no absolute paths, no timestamps', () => {
    expect(palEProd().files.get('pal-e-prod/cdk.tf.json')).toBe(text);
    expect(text).not.toContain(ROOT);
    expect(text).not.toMatch(/"\/(?!\/)|\d{4}-\d\d-\d\dT\d\d:/);
  });
});

describe('adoption of the hand-applied pal-e-docs-funnel (pal-e-docs-api with manageLegacyFunnel)', () => {
  const { stacks } = renderScenario({
    environments: ['pal-e-prod'],
    legacyFunnel: true,
    adopt: { 'pal-e-prod': [{ kind: 'Ingress', namespace: 'pal-e-docs', name: 'pal-e-docs-funnel' }] },
  });
  const stack = stacks.get('pal-e-prod')!;

  test('gets a Terraform import block with the kubernetes_manifest import id', () => {
    expect(stack.import).toEqual([{
      to: 'kubernetes_manifest.ingress_pal-e-docs_pal-e-docs-funnel',
      id: 'apiVersion=networking.k8s.io/v1,kind=Ingress,namespace=pal-e-docs,name=pal-e-docs-funnel',
    }]);
  });

  test('the import targets a resource of the stack, and the new funnel is still created, not imported', () => {
    const manifests = stack.resource.kubernetes_manifest;
    expect(manifests['ingress_pal-e-docs_pal-e-docs-funnel'].manifest.metadata).toMatchObject({ name: 'pal-e-docs-funnel', namespace: 'pal-e-docs' });
    expect(Object.keys(manifests).sort()).toEqual(['ingress_pal-e-docs_pal-e-docs-api-funnel', 'ingress_pal-e-docs_pal-e-docs-funnel']);
  });
});

describe('typed resources (cfp-sandbox with a terraform: section)', () => {
  const { stacks } = renderScenario({
    environments: ['cfp-sandbox'],
    append: { 'cfp-sandbox/environment.yaml': TERRAFORM_SECTION },
    adopt: { 'cfp-sandbox': [{ kind: 'Deployment', namespace: 'codeforphilly-rewrite-sandbox', name: 'codeforphilly' }, { kind: 'Namespace', name: 'codeforphilly-rewrite-sandbox' }] },
  });
  const stack = stacks.get('cfp-sandbox')!;
  const resources = stack.resource;

  test('Namespace, ServiceAccount, ConfigMap, Service, PVC and Deployment are typed; custom resources are kubernetes_manifest', () => {
    expect(Object.keys(resources.kubernetes_namespace_v1)).toEqual(['namespace_codeforphilly-rewrite-sandbox']);
    expect(Object.keys(resources.kubernetes_deployment_v1)).toEqual(['deployment_codeforphilly-rewrite-sandbox_codeforphilly']);
    expect(Object.keys(resources.kubernetes_service_v1)).toEqual(['service_codeforphilly-rewrite-sandbox_codeforphilly']);
    expect(Object.keys(resources.kubernetes_service_account_v1)).toEqual(['serviceaccount_codeforphilly-rewrite-sandbox_codeforphilly']);
    expect(Object.keys(resources.kubernetes_config_map_v1).length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(resources.kubernetes_persistent_volume_claim_v1).length).toBe(2);
    const manifestKinds = new Set(Object.values(resources.kubernetes_manifest).map((r) => r.manifest.kind));
    for (const kind of ['Gateway', 'HTTPRoute', 'SealedSecret']) expect(manifestKinds.has(kind)).toBe(true);
    for (const kind of ['Namespace', 'Deployment', 'Service', 'ConfigMap', 'ServiceAccount', 'PersistentVolumeClaim']) expect(manifestKinds.has(kind)).toBe(false);
  });

  test('the Namespace keeps its Pod Security labels', () => {
    const ns = resources.kubernetes_namespace_v1['namespace_codeforphilly-rewrite-sandbox'];
    expect(ns.metadata.name).toBe('codeforphilly-rewrite-sandbox');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the Deployment is converted to the provider schema: singular blocks, strings where the provider wants them', () => {
    const spec = resources.kubernetes_deployment_v1['deployment_codeforphilly-rewrite-sandbox_codeforphilly'].spec;
    expect(spec.replicas).toBe('1');
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    expect(spec.selector.match_labels['app.kubernetes.io/name']).toBe('codeforphilly');
    const pod = spec.template.spec;
    expect(pod.security_context).toMatchObject({ run_as_user: '1000', fs_group: '1000', fs_group_change_policy: 'OnRootMismatch', seccomp_profile: { type: 'RuntimeDefault' } });
    const [container] = pod.container;
    expect(container.port).toEqual([{ container_port: 3001, name: 'http', protocol: 'TCP' }]);
    expect(container.readiness_probe.http_get).toEqual({ path: '/api/health/ready', port: 'http' });
    expect(container.security_context.capabilities).toEqual({ drop: ['ALL'] });
    expect(container.volume_mount).toContainEqual({ name: 'deploy-key', mount_path: '/etc/git-deploy-key', read_only: true });
    const deployKey = pod.volume.find((v: { name: string }) => v.name === 'deploy-key');
    expect(deployKey.secret).toEqual({ secret_name: 'codeforphilly-data-deploy-key', default_mode: '0400' }); // 256 = 0o400
    expect(pod.volume.find((v: { name: string }) => v.name === 'tmp').empty_dir).toBeDefined();
  });

  test('the Service: port blocks with target_port as a string, the selector as a map', () => {
    const spec = resources.kubernetes_service_v1['service_codeforphilly-rewrite-sandbox_codeforphilly'].spec;
    expect(spec.port).toEqual([{ name: 'http', port: 3001, target_port: 'http', protocol: 'TCP' }]);
    expect(spec.type).toBe('ClusterIP');
    expect(spec.selector['app.kubernetes.io/component']).toBe('web');
  });

  test('objects ArgoCD must never delete (Delete=false) get prevent_destroy; PVCs do not wait to be bound', () => {
    for (const pvc of Object.values(resources.kubernetes_persistent_volume_claim_v1)) {
      expect(pvc.lifecycle).toEqual({ prevent_destroy: true });
      expect(pvc.wait_until_bound).toBe(false);
    }
    expect(resources.kubernetes_deployment_v1['deployment_codeforphilly-rewrite-sandbox_codeforphilly'].lifecycle).toBeUndefined();
  });

  test('objects in a Namespace of the stack depend on it', () => {
    const ns = '${kubernetes_namespace_v1.namespace_codeforphilly-rewrite-sandbox}'; // cdktf's form of a reference
    expect(resources.kubernetes_deployment_v1['deployment_codeforphilly-rewrite-sandbox_codeforphilly'].depends_on).toEqual([ns]);
    for (const manifest of Object.values(resources.kubernetes_manifest)) expect(manifest.depends_on).toEqual([ns]);
    expect(resources.kubernetes_namespace_v1['namespace_codeforphilly-rewrite-sandbox'].depends_on).toBeUndefined();
  });

  test('adopting typed resources uses their import ids: namespace/name, or the name when cluster-scoped', () => {
    expect(stack.import).toEqual([
      { to: 'kubernetes_namespace_v1.namespace_codeforphilly-rewrite-sandbox', id: 'codeforphilly-rewrite-sandbox' },
      { to: 'kubernetes_deployment_v1.deployment_codeforphilly-rewrite-sandbox_codeforphilly', id: 'codeforphilly-rewrite-sandbox/codeforphilly' },
    ]);
  });
});

test('every object every app emits, in every environment, converts to a resource without losing a field', () => {
  const environments = readdirSync(overlaysDir).sort();
  const append = Object.fromEntries(environments.filter((e) => e !== 'pal-e-prod').map((e) => [`${e}/environment.yaml`, TERRAFORM_SECTION]));
  const { render, stacks } = renderScenario({ environments, append, apps });
  const result = synthesize({ apps, overlaysDir });
  expect([...stacks.keys()].sort()).toEqual(environments);
  for (const env of environments) {
    const objects = result.apps.filter((a) => a.environment.name === env).flatMap((a) => a.objects);
    const resources = Object.values(stacks.get(env)!.resource).flatMap((byName) => Object.keys(byName));
    expect(resources.length).toBe(objects.length);
  }
  expect(render.summary.length).toBe(environments.length);
});

test('strings Terraform would read as templates are escaped, in typed and manifest resources', () => {
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'demo' }, data: { 'run.sh': 'echo ${HOME} %{ if x } $$' } };
  const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' }, spec: { template: '${name}' } };
  const stack = JSON.parse(renderStack('demo', { kubeconfigPath: '~/.kube/config', context: 'demo' }, [
    { object: configMap, ...addressOf(configMap) },
    { object: custom, ...addressOf(custom) },
  ], 'test')) as Stack;
  expect(stack.resource.kubernetes_config_map_v1.configmap_demo_scripts.data['run.sh']).toBe('echo $${HOME} %%{ if x } $$');
  expect(stack.resource.kubernetes_manifest.widget_demo_w.manifest.spec.template).toBe('$${name}');
});

test('a field the typed mapping does not know is an internal error, never dropped', () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'demo' }, spec: { ports: [{ port: 80 }], futureField: true } };
  expect(() => renderStack('demo', { kubeconfigPath: '~/.kube/config', context: 'demo' }, [{ object: service, ...addressOf(service) }], 'test'))
    .toThrow('Service demo/api.spec.futureField: no mapping to kubernetes_service_v1');
});

test('import ids follow the provider docs', () => {
  const ingress = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'pal-e-docs-funnel', namespace: 'pal-e-docs' } };
  expect(importIdOf(ingress)).toBe('apiVersion=networking.k8s.io/v1,kind=Ingress,namespace=pal-e-docs,name=pal-e-docs-funnel');
  expect(importIdOf({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } })).toBe('apiVersion=rbac.authorization.k8s.io/v1,kind=ClusterRole,name=x');
  expect(importIdOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' } })).toBe('shop/api');
});
