import { containersOf, list, podTemplatesOf, record, type ContainerRef, type Json, type PodTemplate } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { isGroupKind, KINDS, LONG_RUNNING_KINDS, POD_TEMPLATE_KINDS, RUN_TO_COMPLETION_KINDS } from '../../core/kinds';
import type { KubeObject } from './schema-validation';

/**
 * Rules over pod templates: the Pod Security Standards "restricted" profile, no mounted
 * service account tokens, and probes and requests on long-running workloads.
 */

const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Kubernetes v1.28, "Baseline" and "Restricted" policies)';

/** Restricted, "Volume Types": the only volume sources a restricted pod may use. */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** Baseline, "Sysctls": the safe set as of v1.28 (ip_local_reserved_ports since v1.27). */
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports'];
/** Baseline, "SELinux": the allowed `seLinuxOptions.type` values. */
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
/** Restricted, "Seccomp": the allowed profile types. */
const SECCOMP_TYPES = ['RuntimeDefault', 'Localhost'];
/** Baseline, "AppArmor": the pod template annotation prefix of a container's profile. */
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** `pss-restricted`: the Pod Security Standards "restricted" profile, on every pod template. */
export const pssRestricted: RuleDeclaration = {
  name: 'pss-restricted',
  summary: 'every pod template meets the Pod Security Standards "restricted" profile: runAsNonRoot true (pod, or every container), no runAsUser 0, allowPrivilegeEscalation false, capabilities drop [ALL] and nothing added but NET_BIND_SERVICE, seccomp RuntimeDefault or Localhost, not privileged, no hostNetwork, hostPID, hostIPC or host ports, volumes only of types configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret (so no hostPath), and the baseline controls (safe sysctls, AppArmor, SELinux, procMount, Windows host process)',
  scope: [POD_TEMPLATE_KINDS],
  sources: [PSS],
  fix: 'set the pod\'s and containers\' securityContext as the restricted profile asks (WebService and PushDaemonApp do), and use only the volume types it allows',
  check(object) {
    return podTemplatesOf(object).flatMap((template) => restrictedProblems(template).map(([message, fix]) => ({ message, fix })));
  },
};

/** Every way `template` breaks the restricted profile, as [what is wrong, how to fix it]. */
function restrictedProblems(template: PodTemplate): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const { spec, path } = template;
  const podSc = record(spec.securityContext);

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) out.push([`the pod template shares the host's namespaces (${path}.${field}: true)`, `remove ${field} from the pod spec`]);
  }
  if (record(podSc.windowsOptions).hostProcess === true) out.push(['the pod template runs as a Windows host process', `remove ${path}.securityContext.windowsOptions.hostProcess`]);
  for (const volume of list(spec.volumes)) {
    const name = typeof volume.name === 'string' ? volume.name : '(unnamed)';
    const types = Object.keys(volume).filter((k) => k !== 'name');
    for (const type of types.filter((t) => !RESTRICTED_VOLUME_TYPES.includes(t))) {
      out.push([
        type === 'hostPath' ? `volume "${name}" mounts a hostPath` : `volume "${name}" is of type ${type}, which the restricted profile does not allow`,
        `use one of ${RESTRICTED_VOLUME_TYPES.join(', ')} (a persistentVolumeClaim for storage)`,
      ]);
    }
  }
  for (const sysctl of list(podSc.sysctls)) {
    if (!SAFE_SYSCTLS.includes(String(sysctl.name))) out.push([`the pod sets sysctl "${String(sysctl.name)}", which is not in the safe set`, `set only ${SAFE_SYSCTLS.join(', ')}`]);
  }
  out.push(...seLinuxProblems(record(podSc.seLinuxOptions), 'the pod'));
  if (podSc.runAsUser === 0) out.push(['the pod runs as uid 0 (securityContext.runAsUser: 0)', 'set runAsUser to a non-zero uid']);
  const podSeccomp = record(podSc.seccompProfile).type;
  if (podSeccomp !== undefined && !SECCOMP_TYPES.includes(String(podSeccomp))) {
    out.push([`the pod's seccomp profile is ${String(podSeccomp)}`, 'set securityContext.seccompProfile.type: RuntimeDefault (or Localhost)']);
  }
  const annotations = record(template.metadata.annotations);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(APPARMOR_PREFIX) && !(value === 'runtime/default' || String(value).startsWith('localhost/'))) {
      out.push([`container "${key.slice(APPARMOR_PREFIX.length)}" has AppArmor profile "${String(value)}"`, 'use runtime/default or a localhost/<profile>, or remove the annotation']);
    }
  }

  for (const ref of containersOf(spec)) out.push(...containerProblems(ref, podSc));
  return out;
}

function containerProblems(ref: ContainerRef, podSc: Json): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const { label } = ref;
  const sc = record(ref.container.securityContext);
  if (sc.privileged === true) out.push([`${label} is privileged`, 'remove securityContext.privileged (or set it to false)']);
  if (sc.allowPrivilegeEscalation !== false) {
    out.push([`${label} allows privilege escalation`, `set allowPrivilegeEscalation: false in the securityContext of ${label}`]);
  }
  const caps = record(sc.capabilities);
  const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
  if (!drop.includes('ALL')) out.push([`${label} does not drop all capabilities`, `set capabilities.drop: [ALL] in the securityContext of ${label}`]);
  const added = (Array.isArray(caps.add) ? caps.add.map(String) : []).filter((c) => c !== 'NET_BIND_SERVICE');
  if (added.length > 0) out.push([`${label} adds capabilities ${added.join(', ')}`, 'add none, or only NET_BIND_SERVICE']);
  if (sc.runAsNonRoot === false) out.push([`${label} sets runAsNonRoot: false`, `set runAsNonRoot: true in the securityContext of ${label}`]);
  else if (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true) {
    out.push([`${label} may run as root (runAsNonRoot is not true for the pod or the container)`, 'set securityContext.runAsNonRoot: true on the pod (or every container)']);
  }
  if (sc.runAsUser === 0) out.push([`${label} runs as uid 0 (runAsUser: 0)`, 'set runAsUser to a non-zero uid']);
  const seccomp = record(sc.seccompProfile).type;
  if (seccomp !== undefined && !SECCOMP_TYPES.includes(String(seccomp))) {
    out.push([`${label} has seccomp profile ${String(seccomp)}`, 'set seccompProfile.type: RuntimeDefault (or Localhost), or leave it to the pod\'s']);
  } else if (seccomp === undefined && !SECCOMP_TYPES.includes(String(record(podSc.seccompProfile).type))) {
    out.push([`${label} has no seccomp profile (neither the pod nor the container sets RuntimeDefault or Localhost)`, 'set securityContext.seccompProfile.type: RuntimeDefault on the pod']);
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push([`${label} sets procMount: ${String(sc.procMount)}`, 'remove procMount (or set it to Default)']);
  if (record(sc.windowsOptions).hostProcess === true) out.push([`${label} runs as a Windows host process`, 'remove windowsOptions.hostProcess']);
  out.push(...seLinuxProblems(record(sc.seLinuxOptions), label));
  for (const port of list(ref.container.ports)) {
    if (port.hostPort !== undefined && port.hostPort !== 0) out.push([`${label} binds host port ${String(port.hostPort)}`, 'remove hostPort; expose the port through a Service']);
  }
  return out;
}

function seLinuxProblems(options: Json, who: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (options.type !== undefined && !SELINUX_TYPES.includes(String(options.type))) out.push([`${who} sets SELinux type "${String(options.type)}"`, `use ${SELINUX_TYPES.filter(Boolean).join(', ')} or none`]);
  for (const field of ['user', 'role']) {
    if (options[field] !== undefined && options[field] !== '') out.push([`${who} sets SELinux ${field} "${String(options[field])}"`, `remove seLinuxOptions.${field}`]);
  }
  return out;
}

/** `no-token-automount`: no pod mounts a service account token it was not explicitly given. */
export const noTokenAutomount: RuleDeclaration = {
  name: 'no-token-automount',
  summary: 'pod templates and ServiceAccounts set automountServiceAccountToken: false: no pod holds API credentials it was not explicitly given',
  scope: [POD_TEMPLATE_KINDS, KINDS.ServiceAccount],
  sources: [
    'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/ ("Workload creation": a token mounted in every pod widens what a compromise reaches)',
  ],
  fix: 'set automountServiceAccountToken: false on the pod spec and the ServiceAccount; mount a token only into the pod that calls the API',
  check(object) {
    const problems: RuleProblem[] = [];
    if (isGroupKind(object, KINDS.ServiceAccount) && object.automountServiceAccountToken !== false) {
      problems.push({ message: 'the ServiceAccount lets pods mount its token by default (automountServiceAccountToken is not false)', fix: 'set automountServiceAccountToken: false on the ServiceAccount' });
    }
    for (const template of podTemplatesOf(object)) {
      if (template.spec.automountServiceAccountToken !== false) {
        problems.push({ message: `the pod template mounts a service account token (${template.path}.automountServiceAccountToken is not false)`, fix: `set ${template.path}.automountServiceAccountToken: false (WebService: leave serviceAccountToken unset)` });
      }
    }
    return problems;
  },
};

/**
 * Whether `object`'s pods run until stopped: a long-running controller's, or a bare Pod whose
 * restartPolicy is Always (the API default); Jobs, CronJobs and other Pods run to completion.
 */
function runsUntilStopped(object: KubeObject): boolean {
  if (isGroupKind(object, KINDS.Pod)) return (record(object.spec).restartPolicy ?? 'Always') === 'Always';
  return LONG_RUNNING_KINDS.has(object);
}

/** `probes-and-requests`: containers have requests, and long-running ones probes. */
export const probesAndRequests: RuleDeclaration = {
  name: 'probes-and-requests',
  summary: 'every container of a long-running workload (and of a bare Pod with restartPolicy Always, the default) has a readiness and a liveness probe and cpu and memory requests: the rollout waits for readiness, the kubelet restarts what hangs, the scheduler places pods by their requests; every container of a Job, CronJob or other Pod, which run to completion, has cpu and memory requests',
  scope: [LONG_RUNNING_KINDS, RUN_TO_COMPLETION_KINDS, KINDS.Pod],
  sources: [
    'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes',
    'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ (the scheduler places pods by their requests)',
  ],
  fix: 'give every container cpu and memory requests, and every container of a long-running workload a readinessProbe and a livenessProbe',
  check(object) {
    // A probe on a pod that runs to completion proves nothing: readiness gates no traffic.
    const longRunning = runsUntilStopped(object);
    return podTemplatesOf(object).flatMap((template) => containersOf(template.spec, ['containers']).flatMap((ref): RuleProblem[] => {
      const missing: string[] = [];
      if (longRunning && !ref.container.readinessProbe) missing.push('a readinessProbe');
      if (longRunning && !ref.container.livenessProbe) missing.push('a livenessProbe');
      const requests = record(record(ref.container.resources).requests);
      if (requests.cpu === undefined) missing.push('a cpu request');
      if (requests.memory === undefined) missing.push('a memory request');
      return missing.length > 0 ? [{ message: `${ref.label} lacks ${missing.join(', ')}`, fix: `give ${ref.label} ${missing.join(' and ')}` }] : [];
    }));
  },
};
