import type { Problem } from '../../core/errors';
import type { KubeObject } from './schema-validation';

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
