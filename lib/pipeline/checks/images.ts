import { parseImage } from '../../core/image';
import { unpublishedTagProblem } from '../../core/published-images';
import type { KubeObject } from './schema-validation';
import { containersOf, list, podTemplatesOf, record } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { IMAGE_REFERENCING_KINDS, isGroupKind, KINDS } from '../../core/kinds';

/**
 * Every image reference of an object: the containers of its pod templates, a CloudNativePG
 * Cluster's `spec.imageName`, the images of an (Cluster)ImageCatalog.
 */
function imagesOf(object: KubeObject): Array<{ image: string; where: string }> {
  const out: Array<{ image: string; where: string }> = [];
  for (const template of podTemplatesOf(object)) {
    for (const ref of containersOf(template.spec)) {
      if (typeof ref.container.image === 'string') out.push({ image: ref.container.image, where: ref.label });
      else out.push({ image: '', where: ref.label });
    }
  }
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.CnpgCluster) && typeof spec.imageName === 'string') out.push({ image: spec.imageName, where: 'spec.imageName' });
  if (isGroupKind(object, KINDS.ImageCatalog) || isGroupKind(object, KINDS.ClusterImageCatalog)) {
    list(spec.images).forEach((entry, i) => out.push({ image: String(entry.image ?? ''), where: `spec.images[${i}]` }));
  }
  return out;
}

const PIN_IT = 'pin a version tag (repository:1.2.3) or a digest (repository@sha256:<digest>)';

/** `image-pinned`: no `latest` and no untagged images. */
export const imagePinned: RuleDeclaration = {
  name: 'image-pinned',
  summary: 'every image (containers, init and ephemeral containers, a CNPG Cluster\'s imageName, image catalogs) is a valid reference with a tag other than "latest", or a digest: an untagged image means "latest", and what runs changes with every push',
  scope: [IMAGE_REFERENCING_KINDS],
  sources: [
    'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy (avoid the :latest tag in production: which version runs becomes hard to track and to roll back)',
    'https://kubernetes.io/docs/concepts/configuration/overview/#container-images',
    'https://github.com/distribution/reference/blob/main/reference.go (the reference grammar; lib/core/image.ts)',
  ],
  fix: PIN_IT,
  check(object) {
    return imagesOf(object).flatMap(({ image, where }): RuleProblem[] => {
      const parsed = parseImage(image);
      if (!parsed) return [{ message: `${where} has image "${image}", which is not a valid image reference`, fix: `write repository[:tag][@sha256:<64 hex>]; ${PIN_IT}` }];
      if (!parsed.tag && !parsed.digest) return [{ message: `${where} has untagged image "${image}", which means "latest"` }];
      if (parsed.tag === 'latest' && !parsed.digest) return [{ message: `${where} uses image "${image}" with the "latest" tag` }];
      return [];
    });
  },
};

/** `image-digest-in-production`: digests only, in production. */
export const imageDigestInProduction: RuleDeclaration = {
  name: 'image-digest-in-production',
  summary: 'in a production environment (production: true) every image is pinned by digest, so the build that was reviewed is the one that runs',
  scope: [IMAGE_REFERENCING_KINDS],
  sources: [
    'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy (to make sure a pod always runs the same image, specify its digest)',
    'lib/core/image.ts imagePolicy (the constructs refuse tags without digests in production)',
  ],
  fix: 'pin it as repository@sha256:<digest> (a tag may stay in front of the digest)',
  check(object, context) {
    if (!context.production) return [];
    // An invalid reference is image-pinned's finding; one problem per mistake.
    return imagesOf(object).flatMap(({ image, where }): RuleProblem[] => {
      const parsed = parseImage(image);
      return parsed && !parsed.digest ? [{ message: `${where} has image "${image}" without a digest in a production environment` }] : [];
    });
  },
};

/** `image-published`: every tag is one its publisher pushes, where the environment says what that is. */
export const imagePublished: RuleDeclaration = {
  name: 'image-published',
  summary: 'every image of a repository listed in the environment\'s publishedImages uses a tag its publisher pushes (one of its tags, or one matching its tagPatterns), or a digest alone: a tag nobody pushes fails to pull (ErrImagePull, ImagePullBackOff) while the sync reports success',
  scope: [IMAGE_REFERENCING_KINDS],
  sources: [
    'https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff (a reference that cannot be pulled leaves the container waiting)',
    'the publisher\'s own record of what it pushes, cited per repository in environment.yaml publishedImages.<repository>.source (e.g. CodeForPhilly/codeforphilly-ng@930d035 .github/workflows/deploy-staging.yml)',
  ],
  fix: 'use a tag the publisher pushes (see publishedImages in environment.yaml), or pin the digest of a pushed build',
  check(object, context) {
    const published = context.environment?.publishedImages;
    if (!published) return [];
    return imagesOf(object).flatMap(({ image, where }): RuleProblem[] => {
      const problem = unpublishedTagProblem(image, published);
      return problem ? [{ message: `${where} uses image "${image}": ${problem}`, fix: `use a tag the publisher pushes (publishedImages in ${context.environment!.file}), or pin the digest of a pushed build` }] : [];
    });
  },
};
