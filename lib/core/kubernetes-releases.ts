/**
 * Which built-in APIs each Kubernetes minor serves, for the minors an environment may run.
 *
 * The schemas of the built-in kinds are those kube-apiserver `kubernetesRelease` serves by default
 * (imports/kubernetes/, dumped by `npm run import -- --kubernetes`). An older minor serves the same
 * APIs but for the ones added since (INTRODUCED_APIS) and for the ones removed since (REMOVED_APIS),
 * which the vendored release no longer serves and which therefore have no schema here.
 */
import { kubernetesRelease } from '../../imports/validators';
import { apiGroupOf } from './kinds';

/** "1.34" for "v1.34.4". */
function minorOf(release: string): string {
  const match = /^v?(\d+)\.(\d+)/.exec(release);
  if (!match) throw new Error(`not a Kubernetes release: ${release}`);
  return `${match[1]}.${match[2]}`;
}

/** Orders two minors ("1.9" before "1.10"): negative, zero or positive. */
export function compareMinors(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1];
}

/** The minor whose API the built-in schemas come from (imports/kubernetes/), e.g. "1.34". */
export const VALIDATED_MINOR = minorOf(kubernetesRelease);

/**
 * The oldest minor an environment may name: the tables below are complete from it on. Every
 * built-in kind the vendored release serves and INTRODUCED_APIS does not list is in the
 * Kubernetes 1.28 OpenAPI definitions as a GA version, so 1.28 served it.
 */
export const OLDEST_MINOR = '1.28';

/** The minors an environment may run, oldest first: OLDEST_MINOR up to VALIDATED_MINOR. */
export const KUBERNETES_MINORS: readonly string[] = Array.from(
  { length: Number(VALIDATED_MINOR.split('.')[1]) - Number(OLDEST_MINOR.split('.')[1]) + 1 },
  (_, i) => `1.${Number(OLDEST_MINOR.split('.')[1]) + i}`,
);

/**
 * Built-in kinds the vendored release serves that older minors do not, by "apiVersion/Kind", with
 * the minor that first served each by default (GA). Sources: the KEPs' graduation and the
 * Kubernetes release notes of each minor; none of these kinds is in the 1.28 OpenAPI definitions.
 */
export const INTRODUCED_APIS: Readonly<Record<string, string>> = {
  // Deprecated API migration guide, v1.29: "flowcontrol.apiserver.k8s.io/v1 API version, available since v1.29".
  'flowcontrol.apiserver.k8s.io/v1/FlowSchema': '1.29',
  'flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration': '1.29',
  // KEP-3488 (CEL admission control), GA in v1.30.
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': '1.30',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': '1.30',
  // KEP-1880 (multiple Service CIDRs), GA in v1.33.
  'networking.k8s.io/v1/IPAddress': '1.33',
  'networking.k8s.io/v1/ServiceCIDR': '1.33',
  // KEP-4381 (structured parameters for dynamic resource allocation), GA in v1.34.
  'resource.k8s.io/v1/DeviceClass': '1.34',
  'resource.k8s.io/v1/ResourceClaim': '1.34',
  'resource.k8s.io/v1/ResourceClaimTemplate': '1.34',
  'resource.k8s.io/v1/ResourceSlice': '1.34',
  // KEP-3751 (VolumeAttributesClass), GA in v1.34.
  'storage.k8s.io/v1/VolumeAttributesClass': '1.34',
};

/** A built-in API version Kubernetes stopped serving. */
export interface RemovedApi {
  /** The apiVersion no longer served, e.g. `policy/v1beta1`. */
  readonly apiVersion: string;
  /** The kinds of that apiVersion it concerns. */
  readonly kinds: readonly string[];
  /** The first minor that no longer serves it. */
  readonly removedIn: string;
  /** What to use instead, and since when it is served. */
  readonly replacement: string;
}

const removed = (apiVersion: string, kinds: string[], removedIn: string, replacement: string): RemovedApi => ({ apiVersion, kinds, removedIn, replacement });

/**
 * Built-in API versions removed from Kubernetes, from the Deprecated API Migration Guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/, "Removed APIs by release").
 */
export const REMOVED_APIS: readonly RemovedApi[] = [
  removed('flowcontrol.apiserver.k8s.io/v1beta3', ['FlowSchema', 'PriorityLevelConfiguration'], '1.32', 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29)'),
  removed('flowcontrol.apiserver.k8s.io/v1beta2', ['FlowSchema', 'PriorityLevelConfiguration'], '1.29', 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29)'),
  removed('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.27', 'storage.k8s.io/v1 (served since 1.24)'),
  removed('flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration'], '1.26', 'flowcontrol.apiserver.k8s.io/v1 (served since 1.29)'),
  removed('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.26', 'autoscaling/v2 (served since 1.23)'),
  removed('batch/v1beta1', ['CronJob'], '1.25', 'batch/v1 (served since 1.21)'),
  removed('discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.25', 'discovery.k8s.io/v1 (served since 1.21)'),
  removed('events.k8s.io/v1beta1', ['Event'], '1.25', 'events.k8s.io/v1 (served since 1.19)'),
  removed('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.25', 'autoscaling/v2 (served since 1.23)'),
  removed('policy/v1beta1', ['PodDisruptionBudget'], '1.25', 'policy/v1 (served since 1.21)'),
  removed('policy/v1beta1', ['PodSecurityPolicy'], '1.25', 'no API: Pod Security Admission, the namespace labels pod-security.kubernetes.io/enforce (this library sets "restricted")'),
  removed('node.k8s.io/v1beta1', ['RuntimeClass'], '1.25', 'node.k8s.io/v1 (served since 1.20)'),
  removed('admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], '1.22', 'admissionregistration.k8s.io/v1 (served since 1.16)'),
  removed('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.22', 'apiextensions.k8s.io/v1 (served since 1.16)'),
  removed('apiregistration.k8s.io/v1beta1', ['APIService'], '1.22', 'apiregistration.k8s.io/v1 (served since 1.10)'),
  removed('authentication.k8s.io/v1beta1', ['TokenReview'], '1.22', 'authentication.k8s.io/v1 (served since 1.6)'),
  removed('authorization.k8s.io/v1beta1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview', 'SelfSubjectRulesReview'], '1.22', 'authorization.k8s.io/v1 (served since 1.6)'),
  removed('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], '1.22', 'certificates.k8s.io/v1 (served since 1.19)'),
  removed('coordination.k8s.io/v1beta1', ['Lease'], '1.22', 'coordination.k8s.io/v1 (served since 1.14)'),
  removed('extensions/v1beta1', ['Ingress'], '1.22', 'networking.k8s.io/v1 (served since 1.19)'),
  removed('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.22', 'networking.k8s.io/v1 (served since 1.19)'),
  removed('rbac.authorization.k8s.io/v1beta1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.22', 'rbac.authorization.k8s.io/v1 (served since 1.8)'),
  removed('scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.22', 'scheduling.k8s.io/v1 (served since 1.14)'),
  removed('storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], '1.22', 'storage.k8s.io/v1 (served since 1.19 at the latest)'),
  removed('extensions/v1beta1', ['NetworkPolicy'], '1.16', 'networking.k8s.io/v1 (served since 1.8)'),
  removed('extensions/v1beta1', ['PodSecurityPolicy'], '1.16', 'no API: Pod Security Admission (policy/v1beta1 PodSecurityPolicy was removed in 1.25 too)'),
  removed('extensions/v1beta1', ['DaemonSet', 'Deployment', 'ReplicaSet'], '1.16', 'apps/v1 (served since 1.9)'),
  removed('apps/v1beta1', ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'], '1.16', 'apps/v1 (served since 1.9)'),
  removed('apps/v1beta2', ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'], '1.16', 'apps/v1 (served since 1.9)'),
];

/** The removal of `apiVersion` `kind`, when Kubernetes removed it. */
export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  return REMOVED_APIS.find((r) => r.apiVersion === apiVersion && r.kinds.includes(kind));
}

/** The API groups built into Kubernetes that REMOVED_APIS names (their kinds are not CRDs). */
export const REMOVED_API_GROUPS: ReadonlySet<string> = new Set(REMOVED_APIS.map((r) => apiGroupOf(r.apiVersion)));

/**
 * The minor that first served built-in `apiVersion/Kind` (the key), when a minor the library
 * accepts does not serve it yet; undefined when every accepted minor serves it.
 */
export function introducedIn(key: string): string | undefined {
  return Object.hasOwn(INTRODUCED_APIS, key) ? INTRODUCED_APIS[key] : undefined;
}
