import type { Problem } from '../../core/errors';
import { checkDns1035Label, checkDnsLabel, checkDnsSubdomain, checkPathSegmentName } from '../../core/dns';
import { nameFormatOf } from '../../core/kinds';
import type { KubeObject } from './schema-validation';

/** How each name format is checked and named in messages. */
const NAME_FORMATS = {
  'dns-label': { check: checkDnsLabel, what: 'a DNS label (lower-case letters, digits and "-", at most 63 characters)' },
  'dns1035-label': { check: checkDns1035Label, what: 'an RFC 1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)' },
  'dns-subdomain': { check: checkDnsSubdomain, what: 'a DNS subdomain (DNS labels joined by ".", at most 253 characters)' },
  'path-segment': { check: checkPathSegmentName, what: 'a path segment (no "/" or "%", not "." or "..")' },
} as const;

/**
 * Why `object`'s name or namespace would be refused by the API server, or undefined. The name is
 * held to its kind's format (nameFormatOf, lib/core/kinds.ts), the namespace to a DNS label
 * (ValidateNamespaceName). Checked before anything is written: dist/'s file names are made of
 * kinds and names, so a name is never a path ("../x", "a/b").
 */
export function objectNameFormatProblem(object: KubeObject): string | undefined {
  // The kind names the file too; kinds are identifiers (the API's Go type names).
  if (typeof object.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(object.kind)) return `kind ${JSON.stringify(object.kind)} is not a kind: letters and digits, starting with a letter`;
  const name = String(object.metadata.name);
  const format = NAME_FORMATS[nameFormatOf(object)];
  const problem = format.check(name);
  if (problem) return `${object.kind} name ${JSON.stringify(name)} ${problem}: a ${object.kind}'s name must be ${format.what}`;
  const namespace: unknown = object.metadata.namespace;
  if (namespace !== undefined) {
    const nsProblem = typeof namespace === 'string' ? checkDnsLabel(namespace) : 'must be a string';
    if (nsProblem) return `${object.kind} ${JSON.stringify(name)} has namespace ${JSON.stringify(namespace)}, which ${nsProblem}: a namespace must be a DNS label`;
  }
  return undefined;
}

/**
 * Every rendered object needs a name, and one chart may not render two objects of one kind,
 * namespace and name: Kubernetes keeps one object per kind, namespace and name, so the second
 * would silently replace the first when applied, and both would be written to the same file of
 * dist/ (renderAppFiles names files by kind, namespace and name). Each problem names the construct
 * path of the object; a duplicate names the path of the first object too. `wheres[i]` made
 * `objects[i]`; `suffix` says which app and overlay.
 */
export function objectNameProblems(objects: readonly KubeObject[], wheres: readonly string[], suffix: string): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, number>();
  objects.forEach((object, i) => {
    const name: unknown = object.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      problems.push({
        where: wheres[i],
        message: `${object.kind} has no metadata.name after rendering${suffix}`,
        hint: 'give the object an explicit metadata.name (and do not remove it with a JSON patch)',
      });
      return;
    }
    const format = objectNameFormatProblem(object);
    if (format) {
      problems.push({ where: wheres[i], message: `${format}${suffix}`, hint: 'give the object a valid metadata.name (names come from the overlay or the app code that named it)' });
      return;
    }
    // Files are named by the lower-cased kind (renderAppFiles), so kinds that differ only in their
    // API group collide there too.
    const key = [object.kind.toLowerCase(), object.metadata.namespace ?? '', name].join('\u0000');
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      return;
    }
    const namespaced = object.metadata.namespace ? ` in namespace ${object.metadata.namespace}` : '';
    problems.push({
      where: wheres[i],
      message: `${object.kind} "${name}"${namespaced} is also rendered by ${wheres[earlier]}: two objects with one name${suffix}`,
      hint: 'give one of the two another metadata.name, or remove one: when applied, the second would replace the first',
    });
  });
  return problems;
}
