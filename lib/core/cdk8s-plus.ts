import { Chart } from 'cdk8s';
// Types only: the library does not load cdk8s-plus-28; an app that builds with it passes its objects in.
import type * as kplus from 'cdk8s-plus-28';
import { UserError } from './errors';
import type { PodPeer } from './network-peer';
import type { IServiceRef, ServicePortRef } from './service-ref';

/**
 * cdk8s-plus-28 interop: the library's constructs take a cdk8s-plus Service where they take a
 * Service (`TailscaleFunnel` and `HttpRoute` backends) and a cdk8s-plus workload's pods where
 * they take pods (`allowFrom` of `WebService`, `CnpgDatabase` and the others). docs/cdk8s-plus.md shows it.
 */

/**
 * The label cdk8s-plus selects a workload's pods by unless it is created with `select: false`:
 * the construct's path (cdk8s-plus-28 `Workload`), which changes when the construct is renamed.
 */
const CONSTRUCT_PATH_LABEL = 'cdk8s.io/metadata.addr';

/**
 * A cdk8s-plus-28 Service as a backend reference. Its ports are read when the constructs validate,
 * so ports added after this call (`service.bind(...)`) count; its namespace is its own or its
 * chart's. Give it a stable selector (`selector: kplus.Pods.select(chart, id, { labels })`): one
 * made from a workload selects by the construct path, which the output rule stable-selectors refuses.
 */
export function serviceRefFromKplus(service: kplus.Service): IServiceRef {
  const namespace = namespaceOf(service, 'Service');
  return {
    name: service.name,
    namespace,
    get ports(): readonly ServicePortRef[] {
      return service.ports.map((p) => ({ port: p.port, ...(p.name ? { name: p.name } : {}) }));
    },
    get type(): IServiceRef['type'] {
      return service.type as IServiceRef['type'];
    },
    get headless(): boolean {
      return service.clusterIP === 'None';
    },
  };
}

/**
 * The pods of a cdk8s-plus-28 workload (Deployment, StatefulSet, DaemonSet, Job) as a
 * NetworkPolicy peer. The workload must select its pods by stable labels: created with
 * `select: false`, its pod labels given in `podMetadata`, and selected with
 * `workload.select(kplus.LabelSelector.of({ labels }))`. A selector on the construct path is
 * refused here, as the output rule stable-selectors refuses it: a peer would stop matching the
 * pods the day the construct is renamed.
 */
export function podPeerFromKplus(workload: kplus.Workload): PodPeer {
  const labels = workload.matchLabels;
  const where = workload.node.path;
  if (CONSTRUCT_PATH_LABEL in labels) {
    throw new UserError({
      where,
      message: `selects its pods by ${CONSTRUCT_PATH_LABEL}, derived from the construct path, so a NetworkPolicy admitting them breaks when the construct is renamed`,
      hint: 'create the workload with select: false and podMetadata: { labels: chart.selectorFor(<component>) }, then workload.select(kplus.LabelSelector.of({ labels: chart.selectorFor(<component>) })) (docs/cdk8s-plus.md)',
    });
  }
  if (Object.keys(labels).length === 0 || workload.matchExpressions.length > 0) {
    throw new UserError({
      where,
      message: Object.keys(labels).length === 0 ? 'selects its pods by no label, so there are no labels to admit them by' : 'selects its pods by expressions as well as labels; a peer admits pods by labels only',
      hint: 'select the pods by labels only: workload.select(kplus.LabelSelector.of({ labels: chart.selectorFor(<component>) })) (docs/cdk8s-plus.md)',
    });
  }
  return { namespace: namespaceOf(workload, 'workload'), podLabels: labels };
}

/** The namespace of a cdk8s-plus resource: its own or its chart's; one of them must say. */
function namespaceOf(resource: kplus.Resource, what: string): string {
  const namespace = resource.metadata.namespace ?? Chart.of(resource).namespace;
  if (!namespace) {
    throw new UserError({ where: resource.node.path, message: `is a cdk8s-plus ${what} without a namespace, and its chart has none`, hint: 'create it in an app\'s chart (AppChart), which sets the namespace' });
  }
  return namespace;
}
