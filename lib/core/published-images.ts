import { Type, type Static } from '@sinclair/typebox';
import { parseImage } from './image';
import { patternRule } from './values';

/**
 * Which tags a publisher pushes, per image repository, as an environment's `publishedImages`
 * states it with its source (a CI workflow, a documented manual push). A tag nobody pushes is a
 * pull that fails (ErrImagePull, then ImagePullBackOff) while the sync reports success; the
 * `image-published` rule (lib/pipeline/checks/images.ts) holds every image reference of the
 * output to this. Repositories not listed are not constrained: the policy says only what a
 * source says.
 */

/** The publishing policy of one repository. */
export const PublishedImageSchema = Type.Object({
  tags: Type.Optional(Type.Array(Type.String({ ...patternRule('^[\\w][\\w.-]{0,127}$', 'must be an image tag: letters, digits, "_", "." and "-", at most 128 characters, not starting with "." or "-"') }), {
    uniqueItems: true, description: 'tags pushed under exactly this name, e.g. "staging-latest"',
  })),
  tagPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), {
    uniqueItems: true, description: 'regular expressions (JavaScript syntax) a pushed tag matches as a whole, e.g. "sha-[0-9a-f]{12}" for a tag made of a commit prefix',
  })),
  source: Type.String({ minLength: 1, description: 'where the publisher says what it pushes: repository, commit and file (a CI workflow, a deploy doc)' }),
}, { additionalProperties: false });

/** `publishedImages`: repository → policy. */
export const PublishedImagesSchema = Type.Record(
  Type.String({ ...patternRule('^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$', 'must be an image repository with its registry, in lower case, e.g. ghcr.io/example/app') }),
  PublishedImageSchema,
  { description: 'per image repository (registry included, e.g. ghcr.io/example/app), the tags its publisher pushes, with the source: { tags, tagPatterns, source }. Every image of that repository in the environment must use one of them (or a digest alone)' },
);

/** One repository's publishing policy. */
export type PublishedImage = Static<typeof PublishedImageSchema>;
/** `publishedImages` of an environment. */
export type PublishedImages = Static<typeof PublishedImagesSchema>;

/** A tag pattern as a whole-tag regular expression, or the reason it is not one. */
export function tagPattern(pattern: string): RegExp | { readonly error: string } {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The patterns of `publishedImages` that are not regular expressions, each with its key path. */
export function publishedImagesProblems(published: PublishedImages | undefined): Array<{ readonly path: ReadonlyArray<string | number>; readonly message: string }> {
  return Object.entries(published ?? {}).flatMap(([repository, policy]) => (policy.tagPatterns ?? []).flatMap((pattern, i) => {
    const compiled = tagPattern(pattern);
    return compiled instanceof RegExp ? [] : [{ path: ['publishedImages', repository, 'tagPatterns', i], message: `"${pattern}" is not a regular expression: ${compiled.error}` }];
  }).concat(policy.tags === undefined && policy.tagPatterns === undefined
    ? [{ path: ['publishedImages', repository], message: 'lists neither tags nor tagPatterns: no tag of it could be deployed' }]
    : []));
}

/**
 * Why `reference` names a tag its publisher does not push, or undefined: the repository is not
 * listed, the reference has no tag (a digest alone names content, whatever tag it was pushed
 * under), or the tag is one the policy lists or matches.
 */
export function unpublishedTagProblem(reference: string, published: PublishedImages | undefined): string | undefined {
  const image = parseImage(reference);
  if (!image?.tag || !published || !Object.prototype.hasOwnProperty.call(published, image.repository)) return undefined;
  const policy = published[image.repository];
  if ((policy.tags ?? []).includes(image.tag)) return undefined;
  if ((policy.tagPatterns ?? []).some((p) => { const r = tagPattern(p); return r instanceof RegExp && r.test(image.tag!); })) return undefined;
  const pushed = [...(policy.tags ?? []).map((t) => `"${t}"`), ...(policy.tagPatterns ?? []).map((p) => `tags matching /${p}/`)].join(', ');
  return `tag "${image.tag}" of ${image.repository} is never pushed by its publisher, which pushes ${pushed} (${policy.source}); the pull fails (ErrImagePull, then ImagePullBackOff) while the sync reports success`;
}
