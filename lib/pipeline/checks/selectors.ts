import { list, record } from './objects';
import type { RuleDeclaration } from './types';
import { IMMUTABLE_SELECTOR_KINDS, isGroupKind, KINDS } from '../../core/kinds';

/**
 * The label cdk8s-plus derives a workload's default selector from: the construct's path in the
 * tree (cdk8s-plus-28 `Workload`: `select` defaults to true, matching `cdk8s.io/metadata.addr`).
 */
export const CDK8S_ADDRESS_LABEL = 'cdk8s.io/metadata.addr';

/**
 * `stable-selectors`: no selector depends on where a construct sits in the code. A Deployment's
 * selector is immutable (apps/v1 validation: "field is immutable"), so a selector on the construct
 * path turns renaming or moving a construct into a failed sync; a Service selecting by it loses
 * its pods the same way.
 */
export const stableSelectors: RuleDeclaration = {
  name: 'stable-selectors',
  summary: `no workload (a Job's too; a CronJob has none: the API server generates each Job's), Service, NetworkPolicy or PodDisruptionBudget selects pods by ${CDK8S_ADDRESS_LABEL}, the label cdk8s-plus derives from the construct path: renaming or moving a construct would change an immutable selector, or leave a Service without pods`,
  scope: [IMMUTABLE_SELECTOR_KINDS, KINDS.Service, KINDS.NetworkPolicy, KINDS.PodDisruptionBudget],
  sources: ['cdk8s-plus-28 Workload `select` (default true) and `cdk8s.io/metadata.addr`', 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates'],
  fix: 'select pods by stable labels, chart.selectorFor(component), not by the construct path (docs/cdk8s-plus.md)',
  check(object) {
    const spec = record(object.spec);
    const service = isGroupKind(object, KINDS.Service);
    const selector = service ? {} : record(isGroupKind(object, KINDS.NetworkPolicy) ? spec.podSelector : spec.selector);
    const keys = service
      ? Object.keys(record(spec.selector))
      : [...Object.keys(record(selector.matchLabels)), ...list(selector.matchExpressions).map((e) => String(e.key))];
    if (!keys.includes(CDK8S_ADDRESS_LABEL)) return [];
    return [{
      message: `its selector uses ${CDK8S_ADDRESS_LABEL}, derived from the construct path: renaming or moving the construct changes it${service ? ' and the Service loses its pods' : IMMUTABLE_SELECTOR_KINDS.has(object) ? `, and a ${object.kind}'s selector cannot change after creation` : ', and it stops selecting the pods'}`,
      fix: service
        ? 'select the pods by stable labels: new kplus.Service(chart, id, { selector: kplus.Pods.select(chart, id, { labels: chart.selectorFor(component) }), ... }) instead of exposeViaService() or selector: workload, which select by the construct path (docs/cdk8s-plus.md)'
        : 'create the cdk8s-plus workload with select: false and podMetadata: { labels: chart.selectorFor(component) }, then workload.select(kplus.LabelSelector.of({ labels: chart.selectorFor(component) })) (docs/cdk8s-plus.md)',
    }];
  },
};
