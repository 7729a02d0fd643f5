import fc from 'fast-check';
import type { KubeObject } from '../../../../lib/pipeline/checks/schema-validation';
import { addressOf, renderStack } from '../../../../lib/pipeline/emit/terraform/stack';
import { SEED } from '../../../reliability/fixtures';

/*
 * Terraform evaluates "${...}" and "%{...}" in every string of a .tf.json file, object keys
 * included (hashicorp/hcl json/spec.md). Whatever the objects hold, the stack must hold no live
 * template sequence but the references the stack makes itself (depends_on), and un-escaping it
 * must give the objects back unchanged.
 */

type Json = Record<string, unknown>;

/** Paths of keys and strings with a template sequence that is not escaped, found by walking the whole JSON. */
function liveTemplates(value: unknown, path: string[] = []): string[] {
  // As HCL scans a template (hclsyntax/scan_tokens.rl): "$${" and "%%{" are literal, "${" and "%{" open a sequence.
  const live = (text: string) => /[$%]\{/.test(text.replace(/\$\$\{|%%\{|[$%](?!\{)/g, '_'));
  if (typeof value === 'string') return live(value) ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => liveTemplates(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      // cdktf's references to the stack's own Namespace resources: the one place a template is meant.
      if (k === 'depends_on' && path.length === 3 && path[0] === 'resource') return [];
      return [...(live(k) ? [[...path, k].join('.')] : []), ...liveTemplates(v, [...path, k])];
    });
  }
  return [];
}

function unescape(value: unknown): unknown {
  const text = (s: string) => s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map(unescape);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), unescape(v)]));
  return value;
}

/** Strings an attacker would write: template sequences, already-escaped ones, and plain text around them. */
const hostile = fc.array(fc.oneof(
  fc.constantFrom('${', '%{', '$${', '%%{', '$$', '}', '${file("/etc/passwd")}', '%{ for x in y }', '$${x}', '$', '%', '{', '__proto__', 'constructor'),
  fc.string({ maxLength: 6 }),
), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));

/** Keys: the same, but "__proto__", which synth refuses in any rendered object before the stack is built (test/pipeline/checks/object-metadata.test.ts). */
const key = hostile.filter((k) => k !== '__proto__');

const nested: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostile, fc.integer(), fc.boolean(), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
})).value;

const settings = fc.record({ kubeconfigPath: hostile.map((s) => `~/${s}`), context: hostile });

test('every key and string of the stack, typed and manifest resources, provider and comment included, is escaped (a walk of the whole JSON)', () => {
  fc.assert(fc.property(settings, fc.dictionary(key, hostile, { minKeys: 4, maxKeys: 12 }), fc.dictionary(key, hostile, { minKeys: 2, maxKeys: 8 }), nested, hostile, (tf, data, annotations, spec, comment) => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'demo', annotations }, data } as KubeObject;
    const custom = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo', annotations }, spec } as unknown as KubeObject;
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', annotations } } as KubeObject;
    const text = renderStack('demo', tf, [namespace, configMap, custom].map((object, i) => ({ object, ...addressOf(object), ...(i === 0 ? { importId: `demo${comment}` } : {}) })), comment);
    const stack = JSON.parse(text) as { resource: Record<string, Record<string, Json>>; provider: Json; import: Json[]; '//': Json };
    expect(liveTemplates(stack)).toEqual([]);
    // Escaping is all that changed: the objects, settings, import id and comment come back unchanged.
    expect(unescape(stack.resource.kubernetes_manifest.widget_demo_w.manifest)).toEqual(JSON.parse(JSON.stringify(custom)));
    const typed = stack.resource.kubernetes_config_map_v1.configmap_demo_scripts as { data?: Json; metadata: Json };
    expect(unescape(typed.data ?? {})).toEqual(data);
    expect(unescape(typed.metadata.annotations ?? {})).toEqual(annotations);
    expect(unescape(stack.provider.kubernetes)).toEqual([{ config_path: tf.kubeconfigPath, config_context: tf.context }]);
    expect(unescape(stack.import[0].id)).toBe(`demo${comment}`);
    expect(unescape(stack['//'].comment)).toBe(comment);
  }), { seed: SEED, numRuns: 25 }); // each run renders a whole stack through cdktf: fewer runs, each with many hostile keys and values
});

test('a label key `${file(...)}` reaches the stack escaped, as the issue reproduced it (corrected twin: a plain key is unchanged)', () => {
  const object = (key: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'demo', labels: { [key]: 'x' } } }) as KubeObject;
  const labels = (key: string) => (JSON.parse(renderStack('demo', { kubeconfigPath: '~/.kube/config', context: 'demo' }, [{ object: object(key), ...addressOf(object(key)) }], 'test')) as { resource: { kubernetes_config_map_v1: { configmap_demo_c: { metadata: { labels: Json } } } } }).resource.kubernetes_config_map_v1.configmap_demo_c.metadata.labels;
  expect(Object.keys(labels('${file("/etc/passwd")}'))).toEqual(['$${file("/etc/passwd")}']);
  expect(Object.keys(labels('app'))).toEqual(['app']);
});
