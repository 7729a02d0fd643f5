import { TerraformBackend, TerraformStack, type TerraformRemoteState, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { ARGOCD_SYNC_OPTIONS } from '../../../core/argocd-sync';
import { FLUX_PRUNE, FLUX_PRUNE_DISABLED } from '../../../core/delivery';
import type { KubeObject } from '../../checks/schema-validation';
import { countLeaves, typedProps, typedResourceFor, type TypedResource } from './typed';

/** The `terraform:` section of an environment.yaml. */
export interface TerraformSettings {
  readonly kubeconfigPath: string;
  readonly context: string;
}

/** One object of the stack, with its Terraform address and, when adopted, its import id. */
export interface StackObject {
  readonly object: KubeObject;
  readonly type: TypedResource | 'kubernetes_manifest';
  readonly logicalId: string;
  readonly importId?: string;
}

/** Import blocks need Terraform 1.5 (developer.hashicorp.com/terraform/language/import). */
export const REQUIRED_TERRAFORM = '>= 1.5.0';

type ResourceClass = new (scope: Construct, id: string, config: never) => TerraformResource;
const TYPED_CLASSES: Readonly<Record<TypedResource, ResourceClass>> = {
  kubernetes_namespace_v1: NamespaceV1 as unknown as ResourceClass,
  kubernetes_service_account_v1: ServiceAccountV1 as unknown as ResourceClass,
  kubernetes_config_map_v1: ConfigMapV1 as unknown as ResourceClass,
  kubernetes_service_v1: ServiceV1 as unknown as ResourceClass,
  kubernetes_persistent_volume_claim_v1: PersistentVolumeClaimV1 as unknown as ResourceClass,
  kubernetes_deployment_v1: DeploymentV1 as unknown as ResourceClass,
};

/**
 * Settings of typed resources that are not part of the object: a PVC is not waited for until
 * bound (the provider's default, `wait_until_bound = true`, would hang every apply on a
 * WaitForFirstConsumer StorageClass such as k3s's local-path until the pod that mounts it
 * exists).
 */
const TYPED_EXTRAS: Readonly<Partial<Record<TypedResource, Record<string, unknown>>>> = {
  kubernetes_persistent_volume_claim_v1: { waitUntilBound: false },
};

/** The Terraform address type and name of `object`: `<kind>_<namespace>_<name>`, stable under refactors. */
export function addressOf(object: KubeObject): { type: StackObject['type']; logicalId: string } {
  const parts = [object.kind.toLowerCase(), ...(object.metadata.namespace ? [object.metadata.namespace] : []), String(object.metadata.name)];
  // Kubernetes names never contain "_", so joining with it and turning "." into it stays unique;
  // Terraform names allow letters, digits, "_" and "-", starting with a letter.
  return { type: typedResourceFor(object) ?? 'kubernetes_manifest', logicalId: parts.join('_').replace(/\./g, '_') };
}

/**
 * The import id of `object` for its resource type: kubernetes_manifest takes
 * "apiVersion=<v>,kind=<k>,[namespace=<ns>,]name=<n>" (terraform-provider-kubernetes
 * docs/resources/manifest.md, "Importing existing Kubernetes resources"); typed resources take
 * "<namespace>/<name>", or the name of a cluster-scoped object (docs/resources/deployment_v1.md,
 * namespace_v1.md, "Import").
 */
export function importIdOf(object: KubeObject): string {
  const { namespace } = object.metadata;
  const name = String(object.metadata.name);
  if (typedResourceFor(object)) return namespace ? `${namespace}/${name}` : name;
  return [`apiVersion=${object.apiVersion}`, `kind=${object.kind}`, ...(namespace ? [`namespace=${namespace}`] : []), `name=${name}`].join(',');
}

/**
 * The stack's state lives in the cluster, in Secret `tfstate-default-<suffix>` of namespace
 * `default` (Terraform's "kubernetes" backend), never in the output directory: every synth
 * replaces that directory whole, so a local terraform.tfstate there would be deleted.
 * cdktf 0.21 has no class for this backend.
 */
class KubernetesStateBackend extends TerraformBackend {
  constructor(scope: Construct, private readonly attributes: Readonly<Record<string, string>>) {
    super(scope, 'backend', 'kubernetes');
  }

  protected override synthesizeAttributes(): Record<string, string> {
    return { ...this.attributes };
  }

  protected override synthesizeHclAttributes(): Record<string, string> {
    return { ...this.attributes };
  }

  public getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error('remote state of the kubernetes backend is not used by this project');
  }
}

/**
 * The Terraform JSON of one environment: the Kubernetes provider configured from the
 * environment, one resource per object (in synth order), and an import block per adopted object.
 */
export function renderStack(envName: string, settings: TerraformSettings, objects: readonly StackObject[], comment: string): string {
  // A bare root construct instead of cdktf's App: App creates ./cdktf.out on construction, and
  // nothing here writes files (the CLI writes the JSON atomically).
  const stack = new TerraformStack(new Construct(undefined as unknown as Construct, ''), envName);
  const kubeconfigPath = escapeTemplates(settings.kubeconfigPath) as string;
  const context = escapeTemplates(settings.context) as string;
  new KubernetesProvider(stack, 'kubernetes', { configPath: kubeconfigPath, configContext: context });
  new KubernetesStateBackend(stack, {
    config_path: kubeconfigPath,
    config_context: context,
    // The backend refuses a suffix ending in "-<number>": it appends those when it splits a large state.
    secret_suffix: /-\d+$/.test(envName) ? `${envName}-state` : envName,
  });
  stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM);
  stack.addOverride('terraform.required_providers.kubernetes.source', 'hashicorp/kubernetes');

  const resources: TerraformResource[] = [];
  for (const item of objects) {
    const object = escapeTemplates(item.object) as KubeObject;
    // ArgoCD's "Delete=false" and Flux's "prune: disabled" (lib/core/delivery.ts) mark state that
    // must outlive the app; Terraform's equivalent refuses any plan that destroys the resource.
    const annotations = (object.metadata.annotations ?? {}) as Record<string, string>;
    const kept = (annotations[ARGOCD_SYNC_OPTIONS] ?? '').split(',').includes('Delete=false') || annotations[FLUX_PRUNE] === FLUX_PRUNE_DISABLED;
    const lifecycle = kept ? { preventDestroy: true } : undefined;
    const resource = item.type === 'kubernetes_manifest'
      ? new Manifest(stack, item.logicalId, { manifest: object as unknown as Record<string, unknown>, lifecycle })
      : new TYPED_CLASSES[item.type](stack, item.logicalId, { ...typedProps(item.type, object), ...TYPED_EXTRAS[item.type], lifecycle } as never);
    if (item.importId) resource.importFrom(escapeTemplates(item.importId) as string);
    resources.push(resource);
  }
  // Objects in a Namespace of the stack are created after it and destroyed before it (Terraform
  // knows no order otherwise, and an object cannot be created in a namespace that does not exist).
  const namespaces = new Map(objects.flatMap((item, i) => (item.object.kind === 'Namespace' && item.object.apiVersion === 'v1' ? [[String(item.object.metadata.name), resources[i]] as const] : [])));
  objects.forEach((item, i) => {
    const namespace = namespaces.get(item.object.metadata.namespace ?? '');
    if (namespace) resources[i].dependsOn = [namespace.fqn];
  });

  // No stack.runAllValidations(): of cdktf's validations, ValidateProviderPresence holds by
  // construction (the one KubernetesProvider above serves every resource, all kubernetes_*), and
  // importFrom's ValidateTerraformVersion runs the local `terraform version` once per adopted
  // object (cdktf lib/terraform-resource.ts importFrom, lib/validations/validate-binary-version.ts):
  // ~150 ms of a child process each, a call to HashiCorp's checkpoint service, and an output that
  // would depend on the machine that renders it. The stack's own `terraform.required_version`
  // (REQUIRED_TERRAFORM, >= 1.5 for import blocks) makes Terraform refuse an older binary when it
  // reads the stack, which is where the version matters.
  const json = stack.toTerraform() as Record<string, unknown> & { resource?: Record<string, Record<string, Record<string, unknown>>> };
  for (const item of objects) {
    const body = json.resource?.[item.type]?.[item.logicalId];
    if (!body) throw new Error(`${item.type}.${item.logicalId} is missing from the stack of ${envName}`);
    delete body['//'];
    if (item.type === 'kubernetes_manifest') continue;
    const { lifecycle: _lifecycle, depends_on: _dependsOn, wait_until_bound: _wait, ...converted } = body;
    const { apiVersion: _apiVersion, kind: _kind, ...original } = item.object as unknown as Record<string, unknown>;
    if (countLeaves(converted) !== countLeaves(original)) {
      throw new Error(`${item.type}.${item.logicalId}: the typed resource lost fields of the object (lib/pipeline/emit/terraform/typed.ts names a field the provider does not have)`);
    }
  }
  json['//'] = { comment: escapeTemplates(comment) };
  const unescaped = unescapedTemplates(json);
  if (unescaped.length > 0) throw new Error(`the stack of ${envName} holds unescaped Terraform templates at ${unescaped.slice(0, 3).join(', ')}`);
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * Terraform reads every string of a JSON configuration as a template, object property names
 * included (hashicorp/hcl json/spec.md, "Expression Evaluation": an object's property names are
 * evaluated as string templates, like its values): "${...}" and "%{...}" in a value (a shell line,
 * a config file in a ConfigMap) or in a key (a label, a ConfigMap key) would be evaluated at plan
 * time, e.g. `${file("...")}` reads a local file into the plan and state. "$${" and "%%{" are
 * their literal forms (Terraform language, "Strings and Templates", escape sequences). Every
 * string and every key of what the stack takes from the objects and environment.yaml goes
 * through here.
 */
export function escapeTemplates(value: unknown): unknown {
  if (typeof value === 'string') return escapeString(value);
  if (Array.isArray(value)) return value.map(escapeTemplates);
  // Object.fromEntries defines own properties, so a key "__proto__" stays a key.
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeString(k), escapeTemplates(v)]));
  return value;
}

function escapeString(value: string): string {
  // (Replacement functions: in a replacement string "$$" would itself mean "$".)
  return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * The paths in a stack's JSON of a key or string that holds a template sequence ("${", "%{")
 * that is not escaped ("$${", "%%{"), except in `depends_on`, where cdktf writes the references
 * this module makes on purpose (`${kubernetes_namespace_v1.<name>}`).
 */
export function unescapedTemplates(value: unknown, path = ''): string[] {
  const live = liveTemplate;
  if (typeof value === 'string') return live(value) ? [path || '(root)'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unescapedTemplates(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const at = `${path}.${k}`;
      if (k === 'depends_on' && /^\.resource\.[^.]+\.[^.]+$/.test(path)) return [];
      return [...(live(k) ? [`${at} (key)`] : []), ...unescapedTemplates(v, at)];
    });
  }
  return [];
}

/**
 * Whether Terraform would start a template sequence in `text`, scanning as HCL does
 * (hashicorp/hcl hclsyntax/scan_tokens.rl: `TemplateNotInterp = '$' (TemplateIgnoredNonBrace |
 * TemplateInterp)`): left to right, "$${" and "%%{" are literal, a "$" or "%" before anything
 * but "{" is literal, and "${" or "%{" opens a sequence.
 */
function liveTemplate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$' && c !== '%') continue;
    if (text[i + 1] === '{') return true;
    if (text[i + 1] === c && text[i + 2] === '{') i += 2;
  }
  return false;
}
