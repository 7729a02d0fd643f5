import type { Problem } from '../../core/errors';
import { checkAnnotations, checkLabel, checkQualifiedName } from '../../core/labels';
import { isGroupKind, KINDS } from '../../core/kinds';
import { isRecord, list, podTemplatesOf, record } from './objects';
import type { KubeObject } from './schema-validation';

/**
 * Labels, annotations and selectors of every rendered object, held to the rules the API server
 * applies (k8s.io/apimachinery pkg/api/validation/objectmeta.go ValidateObjectMeta,
 * pkg/apis/meta/v1/validation ValidateLabels and ValidateLabelSelector): label keys and
 * annotation keys are qualified names, label values are label values, annotations hold at most
 * 256 KiB. These reach dist/ from overlays (client pod labels, inherited metadata) and from app
 * code alike; a selector built from a bad label would select nothing, or be refused at sync.
 *
 * A key "__proto__" anywhere in an object is refused too: JavaScript tools that copy objects by
 * assignment (cdktf's Terraform mapper among them) silently drop it or turn it into a prototype.
 */
export function objectMetadataProblems(objects: readonly KubeObject[], wheres: readonly string[], suffix: string): Problem[] {
  const problems: Problem[] = [];
  objects.forEach((object, i) => {
    const found: string[] = [];
    const labels = (map: unknown, at: string) => {
      for (const [key, value] of Object.entries(record(map))) {
        const problem = typeof value === 'string' ? checkLabel(key, value) : `label ${key} must be a string, not ${JSON.stringify(value)}`;
        if (problem) found.push(`${at}: ${problem}`);
      }
    };
    const metadata = (meta: unknown, at: string) => {
      labels(record(meta).labels, `${at}.labels`);
      found.push(...checkAnnotations(record(record(meta).annotations)).map((p) => `${at}.annotations: ${p}`));
    };
    metadata(object.metadata, 'metadata');
    for (const template of podTemplatesOf(object)) {
      if (template.metadata !== record(object.metadata)) metadata(template.metadata, template.path.replace(/\.spec$/, '.metadata'));
    }
    // A Service's selector is a plain label map (ValidateServiceSpec validates it with ValidateLabels).
    if (isGroupKind(object, KINDS.Service)) labels(record(object.spec).selector, 'spec.selector');
    // Every LabelSelector, wherever a kind puts one: matchLabels and matchExpressions keys.
    walk(object, [], (value, path) => {
      const last = path[path.length - 1];
      if (last === '__proto__') found.push(`${path.join('.')}: a key "__proto__" is not allowed (JavaScript tools drop it or read it as a prototype)`);
      if (last === 'matchLabels' && isRecord(value)) labels(value, path.join('.'));
      if (last === 'matchExpressions') {
        list(value).forEach((expression, n) => {
          const key = typeof expression.key === 'string' ? expression.key : '';
          const problem = checkQualifiedName(key);
          if (problem) found.push(`${path.join('.')}[${n}].key: ${JSON.stringify(key)} ${problem}`);
        });
      }
    });
    for (const message of found) {
      problems.push({ where: wheres[i], message: `${object.kind} ${JSON.stringify(String(object.metadata.name))} ${message}${suffix}`, hint: 'labels and annotations are validated by the API server; fix the value where it is set (overlay or app code)' });
    }
  });
  return problems;
}

/**
 * Calls `visit` with every value under `value` and its path. The path is one array, changed as the
 * walk goes: `visit` reads it during the call and keeps no reference.
 */
function walk(value: unknown, path: string[], visit: (value: unknown, path: readonly string[]) => void): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(String(i));
      walk(value[i], path, visit);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      path.push(key);
      visit(child, path);
      walk(child, path, visit);
      path.pop();
    }
  }
}
