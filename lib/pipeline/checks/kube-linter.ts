/**
 * kube-linter's catalog as the anchor of the checks on the output: for every built-in check of
 * kube-linter (stackrox/kube-linter, docs/generated/checks.md of the release named in
 * imports/kube-linter/checks.json), either what of this project enforces the same intent on the
 * rendered output (a policy rule, a row of the reference model, the schema validation), or why
 * it does not apply. Read from the checks' documentation, not their code. docs/security.md's
 * table is generated from this list (`npm run docs:rules`), and
 * test/pipeline/checks/kube-linter.test.ts holds it to the vendored list of check names.
 */

/** What enforces a check's intent: a policy rule (types.ts RULE_NAMES), a reference-model row (REFERENCE_FIELDS id), or another check. */
export type Enforcement =
  | { readonly rule: string }
  | { readonly reference: string }
  | { readonly check: 'schema-validation' | 'references: namespaces' };

/** One kube-linter check and how this project answers it. */
export interface KubeLinterCheck {
  /** The check's name in kube-linter's catalog. */
  readonly check: string;
  /** What enforces the same intent on the output; empty when it does not apply. */
  readonly enforcedBy: readonly Enforcement[];
  /** How, when it is not obvious; or why the check does not apply. */
  readonly note?: string;
}

const rule = (name: string): Enforcement => ({ rule: name });
const reference = (id: string): Enforcement => ({ reference: id });

const PSS = 'the Pod Security Standards "restricted" profile, which pss-restricted enforces on every pod template';

/** kube-linter's checks, in the order of its catalog. */
export const KUBE_LINTER_CHECKS: readonly KubeLinterCheck[] = [
  {
    check: 'access-to-create-pods', enforcedBy: [],
    note: 'not enforced by a rule of its own: no construct of the library grants create on pods, and wildcard verbs and resources (which grant it implicitly) are refused by wildcard-in-rules; a hand-written Role granting pods/create is a deliberate grant a reviewer reads in dist/',
  },
  { check: 'access-to-secrets', enforcedBy: [rule('access-to-secrets')] },
  { check: 'cluster-admin-role-binding', enforcedBy: [rule('cluster-admin-role-binding')] },
  { check: 'dangling-horizontalpodautoscaler', enforcedBy: [reference('HorizontalPodAutoscaler target')] },
  { check: 'dangling-ingress', enforcedBy: [reference('Ingress backend')], note: 'and its port' },
  { check: 'dangling-networkpolicy', enforcedBy: [reference('NetworkPolicy podSelector')] },
  { check: 'dangling-networkpolicypeer-podselector', enforcedBy: [reference('NetworkPolicy peer')], note: 'peers in the policy\'s namespace, or in a namespace named by kubernetes.io/metadata.name that an app emits or where environment.yaml declares clients' },
  { check: 'dangling-service', enforcedBy: [reference('Service selector'), reference('Service targetPort')] },
  { check: 'dangling-servicemonitor', enforcedBy: [reference('ServiceMonitor selector'), reference('PodMonitor selector')] },
  {
    check: 'default-service-account', enforcedBy: [rule('no-token-automount')],
    note: 'the intent is that no pod holds the default ServiceAccount\'s API permissions: no pod mounts a token it was not explicitly given, so a pod of the default ServiceAccount holds no credentials',
  },
  {
    check: 'deprecated-service-account-field', enforcedBy: [reference('pod serviceAccountName')],
    note: 'the deprecated serviceAccount is resolved as serviceAccountName is (the API server copies one into the other), so it must name an emitted ServiceAccount either way',
  },
  { check: 'dnsconfig-options', enforcedBy: [], note: 'does not apply: DNS resolver options (ndots) are the cluster\'s defaults; no app here needs per-pod resolver tuning, and a missing option costs lookups, not correctness' },
  { check: 'docker-sock', enforcedBy: [rule('pss-restricted')], note: `no hostPath volume at all (${PSS})` },
  { check: 'drop-net-raw-capability', enforcedBy: [rule('pss-restricted')], note: 'every container drops ALL capabilities' },
  {
    check: 'duplicate-env-var', enforcedBy: [],
    note: 'not enforced: the API server keeps the last of two variables of one name, the image contract (image-contract) checks that each variable the image requires is set, and the constructs build env from a map, where a name cannot repeat',
  },
  { check: 'env-value-from', enforcedBy: [reference('pod env[].valueFrom.secretKeyRef'), reference('pod env[].valueFrom.configMapKeyRef'), reference('pod envFrom[].secretRef'), reference('pod envFrom[].configMapRef')], note: 'with the keys, honouring optional' },
  { check: 'env-var-secret', enforcedBy: [rule('no-secret-strings')] },
  {
    check: 'exposed-services', enforcedBy: [],
    note: 'does not apply as a rule: traffic enters through the Gateway (Envoy Gateway) and the Tailscale operator, whose objects the gateway-api and tailscale-ingress rules check; a NodePort or LoadBalancer Service is an explicit choice of the app, visible in dist/',
  },
  { check: 'host-ipc', enforcedBy: [rule('pss-restricted')] },
  { check: 'host-network', enforcedBy: [rule('pss-restricted')] },
  { check: 'host-pid', enforcedBy: [rule('pss-restricted')] },
  {
    check: 'hpa-minimum-three-replicas', enforcedBy: [],
    note: 'does not apply: replica counts come from each environment\'s overlay, and the single-node clusters (railiance01, k3s) cannot spread three replicas; the autoscaling rule keeps ArgoCD from fighting the autoscaler',
  },
  {
    check: 'invalid-target-ports', enforcedBy: [reference('Service targetPort'), reference('probe port')],
    note: 'a named port must name a port the pods declare; the name\'s format (IANA_SVC_NAME) is refused by the API server at the sync, which fails loudly',
  },
  {
    check: 'job-ttl-seconds-after-finished', enforcedBy: [],
    note: 'does not apply: a Job in dist/ is owned by ArgoCD, which recreates a Job its TTL deleted and shows the app OutOfSync (argo-cd docs, "Jobs with ttlSecondsAfterFinished"); hooks use argocd.argoproj.io/hook-delete-policy instead',
  },
  { check: 'latest-tag', enforcedBy: [rule('image-pinned'), rule('image-digest-in-production')] },
  { check: 'liveness-port', enforcedBy: [reference('probe port')], note: 'a named port must be the container\'s; a numbered port need not be declared (containerPort is informational)' },
  { check: 'minimum-three-replicas', enforcedBy: [], note: 'does not apply: replica counts come from each environment\'s overlay, and the single-node clusters cannot spread three replicas' },
  {
    check: 'mismatching-selector', enforcedBy: [rule('stable-selectors')],
    note: 'stable-selectors keeps selectors on stable labels; a selector that does not match its own template is refused by the API server at the sync ("selector does not match template labels"), which fails loudly',
  },
  { check: 'no-anti-affinity', enforcedBy: [], note: 'does not apply: placement is the scheduler\'s and the clusters\' (single-node clusters cannot spread); the databases spread through CloudNativePG\'s own affinity' },
  { check: 'no-extensions-v1beta', enforcedBy: [{ check: 'schema-validation' }], note: 'an apiVersion without an imported upstream schema is refused, and none is imported for extensions/v1beta1' },
  { check: 'no-liveness-probe', enforcedBy: [rule('probes-and-requests')] },
  { check: 'no-node-affinity', enforcedBy: [], note: 'does not apply: which node runs a pod is the cluster\'s concern, not the app\'s' },
  { check: 'no-read-only-root-fs', enforcedBy: [rule('image-contract')], note: 'a container whose image contract says it can run read-only must (WebService sets readOnlyRootFilesystem unless the contract gives a reason)' },
  { check: 'no-readiness-probe', enforcedBy: [rule('probes-and-requests')] },
  { check: 'no-rolling-update-strategy', enforcedBy: [], note: 'does not apply: single-writer requires Recreate where a Deployment mounts a ReadWriteOnce claim; elsewhere RollingUpdate is the default' },
  { check: 'non-existent-service-account', enforcedBy: [reference('pod serviceAccountName'), reference('binding subjects')] },
  {
    check: 'non-isolated-pod', enforcedBy: [rule('database-namespace-guarded')],
    note: 'database pods must be isolated; WebService emits an ingress NetworkPolicy for its pods; isolating other workloads is the app\'s choice',
  },
  { check: 'pdb-max-unavailable', enforcedBy: [reference('PodDisruptionBudget selector')], note: 'maxUnavailable 0 (or 0%) over the pods it selects is refused' },
  {
    check: 'pdb-min-available', enforcedBy: [reference('PodDisruptionBudget selector')],
    note: 'minAvailable 100%, or a number not below the replicas of the workloads it selects (where spec.replicas says), is refused',
  },
  { check: 'pdb-unhealthy-pod-eviction-policy', enforcedBy: [], note: 'not enforced: the default (IfHealthyBudget) is the cluster\'s; a budget of the library sets what it needs' },
  { check: 'priority-class-name', enforcedBy: [reference('pod priorityClassName')], note: 'the class must exist (emitted, or one of the system classes); which classes are acceptable is not restricted' },
  { check: 'privilege-escalation-container', enforcedBy: [rule('pss-restricted')] },
  { check: 'privileged-container', enforcedBy: [rule('pss-restricted')] },
  { check: 'privileged-ports', enforcedBy: [rule('pss-restricted')], note: 'a non-root container that drops ALL capabilities binds a port below 1024 only with NET_BIND_SERVICE added explicitly' },
  {
    check: 'read-secret-from-env-var', enforcedBy: [],
    note: 'does not apply: the images here read their configuration from the environment; no-secret-data and no-secret-strings keep the values out of dist/, and a variable is visible only inside its container',
  },
  { check: 'readiness-port', enforcedBy: [reference('probe port')] },
  { check: 'required-annotation-email', enforcedBy: [], note: 'does not apply: ownership is the app\'s ArgoCD Application and its app.kubernetes.io labels, which AppChart sets on every object' },
  { check: 'required-label-owner', enforcedBy: [], note: 'does not apply: ownership is the app\'s ArgoCD Application and its app.kubernetes.io labels, which AppChart sets on every object' },
  { check: 'restart-policy', enforcedBy: [{ check: 'schema-validation' }], note: 'restartPolicy is checked against its schema; a controller refuses a policy it does not support at the sync, which fails loudly' },
  { check: 'run-as-non-root', enforcedBy: [rule('pss-restricted')] },
  { check: 'scc-deny-privileged-container', enforcedBy: [], note: 'does not apply: SecurityContextConstraints are OpenShift\'s; no environment here runs OpenShift, and pss-restricted refuses privileged containers' },
  { check: 'schema-validation', enforcedBy: [{ check: 'schema-validation' }] },
  { check: 'sensitive-host-mounts', enforcedBy: [rule('pss-restricted')], note: 'no hostPath volume at all' },
  { check: 'sorted-keys', enforcedBy: [], note: 'does not apply: dist/ is generated, in one deterministic order (npm run check fails when it drifts)' },
  { check: 'ssh-port', enforcedBy: [], note: 'does not apply: a port number is not a risk in itself; what a container listens on is its image contract\'s' },
  { check: 'startup-port', enforcedBy: [reference('probe port')] },
  { check: 'unsafe-proc-mount', enforcedBy: [rule('pss-restricted')] },
  { check: 'unsafe-sysctls', enforcedBy: [rule('pss-restricted')] },
  { check: 'unset-cpu-requirements', enforcedBy: [rule('probes-and-requests'), rule('database-guaranteed')], note: 'requests everywhere; limits only where they buy Guaranteed QoS (databases in production), since CPU limits throttle' },
  { check: 'unset-memory-requirements', enforcedBy: [rule('probes-and-requests'), rule('database-guaranteed')] },
  { check: 'use-namespace', enforcedBy: [{ check: 'references: namespaces' }], note: 'every object\'s namespace must be emitted by an app or declared in environment.yaml; an app states its namespace' },
  { check: 'wildcard-in-rules', enforcedBy: [rule('wildcard-in-rules')] },
  { check: 'writable-host-mount', enforcedBy: [rule('pss-restricted')], note: 'no hostPath volume at all' },
];
