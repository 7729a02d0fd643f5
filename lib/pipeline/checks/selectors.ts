import { list, record } from './objects';
import type { Finding, PolicyRule } from './types';
import { IMMUTABLE_SELECTOR_KINDS, isGroupKind, KINDS } from '../../core/kinds';

/**
 * The label cdk8s-plus derives a workload's default selector from: the construct's path in the
 * tree (cdk8s-plus-28 `Workload`: `select` defaults to true, matching `cdk8s.io/metadata.addr`).
 */
export const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/** Kinds whose selector the API server refuses to change after creation. */

/**
 * `stable-selectors`: no selector depends on where a construct sits in the code. A Deployment's
 * selector is immutable (apps/v1 validation: "field is immutable"), so a selector on the construct
 * path turns renaming or moving a construct into a failed sync; a Service selecting by it loses
 * its pods the same way.
 */
export const stableSelectors: PolicyRule = {
  name: 'stable-selectors',
  summary: `no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job), Service, NetworkPolicy or PodDisruptionBudget selects pods by ${CDK8S_ADDRESS_LABEL}, which cdk8s-plus derives from the construct path`,
  sources: ['cdk8s-plus-28 Workload `select` (default true) and `cdk8s.io/metadata.addr`', 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates'],
  check(objects) {
    const findings: Finding[] = [];
    for (const object of objects) {
      const spec = record(object.spec);
      const selectors = IMMUTABLE_SELECTOR_KINDS.has(object) || isGroupKind(object, KINDS.PodDisruptionBudget)
        ? [record(spec.selector)]
        : isGroupKind(object, KINDS.NetworkPolicy) ? [record(spec.podSelector)]
          : [];
      const keys = [
        ...selectors.flatMap((s) => [...Object.keys(record(s.matchLabels)), ...list(s.matchExpressions).map((e) => String(e.key))]),
        ...(isGroupKind(object, KINDS.Service) ? Object.keys(record(spec.selector)) : []),
      ];
      if (!keys.includes(CDK8S_ADDRESS_LABEL)) continue;
      findings.push({
        object,
        message: `its selector uses ${CDK8S_ADDRESS_LABEL}, derived from the construct path: renaming or moving the construct changes it${isGroupKind(object, KINDS.Service) ? ' and the Service loses its pods' : IMMUTABLE_SELECTOR_KINDS.has(object) ? `, and a ${object.kind}'s selector cannot change after creation` : ', and it stops selecting the pods'}`,
        fix: isGroupKind(object, KINDS.Service)
          ? 'select the pods by stable labels: new kplus.Service(chart, id, { selector: kplus.Pods.select(chart, id, { labels: chart.selectorFor(component) }), ... }) instead of exposeViaService() or selector: workload, which select by the construct path (docs/cdk8s-plus.md)'
          : 'create the cdk8s-plus workload with select: false and podMetadata: { labels: chart.selectorFor(component) }, then workload.select(kplus.LabelSelector.of({ labels: chart.selectorFor(component) })) (docs/cdk8s-plus.md)',
      });
    }
    return findings;
  },
};
