import type { ImageContract } from '../../core/image-contract';
import { containersOf, list, podTemplatesOf, record, type Json } from './objects';
import { podReadsOf, type PodRead } from './pod-reads';
import { producedIndexOf, type ProducedLookup } from './producers';
import type { RuleDeclaration, RuleProblem } from './types';
import { KINDS, POD_TEMPLATE_KINDS, sameGroupKind } from '../../core/kinds';

/**
 * `image-contract`: every container running an image whose contract the app declared
 * (`ImageContract`) gets what the image needs: its user, its required variables, a writable
 * volume for each path it writes (a claim where the data must persist), its ports, readiness on
 * its ready endpoint, and liveness and startup on an endpoint that does not depend on another
 * service. Checked on the rendered pods, so a raw Deployment of the same image is held to it too.
 */
export const imageContract: RuleDeclaration = {
  name: 'image-contract',
  summary: 'every container running an image whose ImageContract the app declared runs as the image\'s user, gets every variable the image requires (from env, or the keys of the ConfigMaps and Secrets of its envFrom), has a writable volume at each path the image writes (a PersistentVolumeClaim where it must persist), a read-only root unless the contract says why not, only the image\'s ports, readiness on its ready endpoint, and liveness and startup never on an endpoint that depends on another service',
  scope: [POD_TEMPLATE_KINDS],
  sources: ['each contract\'s own `source`: the image\'s Dockerfile, entrypoint and code at a named commit'],
  fix: 'give the container what its image needs, as the message says (WebService and PushDaemonApp read the contract themselves)',
  check(object, context) {
    if (!context.contracts?.length) return [];
    const problems: RuleProblem[] = [];
    const produced = producedIndexOf(context.objects.all);
    const reads = podReadsOf(object);
    for (const template of podTemplatesOf(object)) {
      for (const { container, label, field, name } of containersOf(template.spec, ['initContainers', 'containers'])) {
        const image = String(container.image ?? '');
        const contract = (context.contracts ?? []).find((c) => c.matches(image));
        if (!contract) continue;
        const envFrom = reads.filter((r) => r.envPrefix !== undefined && r.containers.includes(name));
        const found = containerProblems(contract, container, template.spec, providedEnv(container, envFrom, produced), field === 'containers');
        problems.push(...found.map(([message, fix]) => ({ message: `${label} runs ${contract.repository}, whose contract (${contract.props.source}) ${message}`, fix })));
      }
    }
    return problems;
  },
};


function containerProblems(contract: ImageContract, container: Json, pod: Json, provided: ProvidedEnv, longRunning: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const { props } = contract;
  const sc = record(container.securityContext);
  const podSc = record(pod.securityContext);
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (user !== undefined && user !== props.user) {
    out.push([`says it runs as uid ${props.user}, but the pod runs it as uid ${String(user)}: the files and HOME the image ships belong to ${props.user}`, `set runAsUser: ${props.user}`]);
  }

  for (const [name, why] of Object.entries(props.requiredEnv ?? {})) {
    if (provided.names.has(name) || provided.unknownSources.length > 0) continue;
    out.push([`requires ${name} (${why}), which the container does not get`, `set ${name} in the app's env, or add it to a Secret the container reads (${provided.sources.join(', ') || 'none today'})`]);
  }

  const mounts = list(container.volumeMounts);
  const volumes = new Map(list(pod.volumes).map((v) => [String(v.name), v]));
  const readOnlyRoot = sc.readOnlyRootFilesystem === true;
  if (!readOnlyRoot && !props.writableRootReason && longRunning) {
    out.push(['can run with a read-only root filesystem, but the container\'s root is writable', 'set securityContext.readOnlyRootFilesystem: true (WebService does)']);
  }
  for (const written of props.writes ?? []) {
    const mount = mounts
      .filter((m) => written.path === m.mountPath || written.path.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`))
      .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
    const volume = mount ? record(volumes.get(String(mount.name))) : undefined;
    if (!mount || mount.readOnly === true) {
      if (readOnlyRoot || written.persist) {
        out.push([`writes ${written.path} (${written.why}), which is ${mount ? 'mounted read-only' : readOnlyRoot ? 'on the read-only root filesystem' : 'not on a volume'}`, written.persist ? `mount a PersistentVolumeClaim at ${written.path}` : `mount a writable volume (an emptyDir) at ${written.path}`]);
      }
    } else if (written.persist && !volume?.persistentVolumeClaim) {
      out.push([`keeps ${written.path} across restarts (${written.why}), but the volume there is not a PersistentVolumeClaim`, `mount a PersistentVolumeClaim at ${written.path}`]);
    }
  }

  for (const port of list(container.ports)) {
    if (!props.ports.includes(Number(port.containerPort))) out.push([`listens on ${props.ports.join(', ')}, not on container port ${String(port.containerPort)}`, `use port ${contract.port}`]);
  }
  const probe = (name: string) => record(container[name]);
  const path = (name: string) => record(probe(name).httpGet).path;
  const readiness = path('readinessProbe');
  if (readiness !== undefined && readiness !== props.ready.path) {
    out.push([`signals readiness at ${props.ready.path}, but the readiness probe asks ${String(readiness)}`, `probe ${props.ready.path} for readiness`]);
  }
  for (const name of ['livenessProbe', 'startupProbe']) {
    const p = path(name);
    if (typeof p !== 'string') continue;
    const dependency = props.dependentEndpoints && Object.hasOwn(props.dependentEndpoints, p) ? props.dependentEndpoints[p] : undefined;
    if (dependency) {
      const alive = props.alive === 'tcp' ? 'a tcpSocket probe on the port' : props.alive.path;
      out.push([`answers ${p} according to ${dependency}: a ${name} there restarts every pod whenever that blinks`, `probe ${alive} for ${name === 'livenessProbe' ? 'liveness' : 'startup'}`]);
    }
  }
  return out;
}

interface ProvidedEnv {
  readonly names: ReadonlySet<string>;
  readonly sources: readonly string[];
  readonly unknownSources: readonly string[];
}

/** The variables a container gets: env, and the keys of the ConfigMaps and Secrets its envFrom reads (`envFrom`, from pod-reads.ts). */
function providedEnv(container: Json, envFrom: readonly PodRead[], produced: ProducedLookup): ProvidedEnv {
  const names = new Set(list(container.env).map((e) => String(e.name)));
  const sources: string[] = [];
  const unknownSources: string[] = [];
  for (const read of envFrom) {
    const label = `${read.kind.kind} ${read.target.name}`;
    const producer = produced.find(read.kind, read.target);
    // envFrom takes a ConfigMap's `data` only; binaryData is skipped (kubernetes pkg/kubelet/kubelet_pods.go).
    const keys = producer && sameGroupKind(read.kind, KINDS.ConfigMap) ? Object.keys(record(producer.source.data)) : producer?.keys;
    sources.push(label);
    if (!keys) unknownSources.push(label);
    for (const key of keys ?? []) names.add((read.envPrefix ?? '') + key);
  }
  return { names, sources, unknownSources };
}
