import { parseImage } from '../../core/image';
import type { KubeObject } from './schema-validation';
import { containersOf, list, podTemplatesOf, record } from './objects';
import type { Finding, PolicyRule } from './types';
import { isGroupKind, KINDS } from '../../core/kinds';

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

/** `image-pinned`: no `latest` and no untagged images. */
export const imagePinned: PolicyRule = {
  name: 'image-pinned',
  summary: 'every image has a tag other than "latest", or a digest: an untagged image means "latest", and what runs changes with every push',
  sources: [
    'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy (avoid the :latest tag in production: which version runs becomes hard to track and to roll back)',
    'https://kubernetes.io/docs/concepts/configuration/overview/#container-images',
    'https://github.com/distribution/reference/blob/main/reference.go (the reference grammar; lib/core/image.ts)',
  ],
  check(objects) {
    const findings: Finding[] = [];
    for (const object of objects) {
      for (const { image, where } of imagesOf(object)) {
        const parsed = parseImage(image);
        const fix = 'pin a version tag (repository:1.2.3) or a digest (repository@sha256:<digest>)';
        if (!parsed) findings.push({ object, message: `${where} has image "${image}", which is not a valid image reference`, fix: `write repository[:tag][@sha256:<64 hex>]; ${fix}` });
        else if (!parsed.tag && !parsed.digest) findings.push({ object, message: `${where} has untagged image "${image}", which means "latest"`, fix });
        else if (parsed.tag === 'latest' && !parsed.digest) findings.push({ object, message: `${where} uses image "${image}" with the "latest" tag`, fix });
      }
    }
    return findings;
  },
};

/** `image-digest-in-production`: digests only, in production. */
export const imageDigestInProduction: PolicyRule = {
  name: 'image-digest-in-production',
  summary: 'in a production environment every image is pinned by digest, so the build that was reviewed is the one that runs',
  sources: [
    'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy (to make sure a pod always runs the same image, specify its digest)',
    'lib/core/image.ts imagePolicy (the constructs refuse tags without digests in production)',
  ],
  check(objects, context) {
    if (!context.production) return [];
    const findings: Finding[] = [];
    for (const object of objects) {
      for (const { image, where } of imagesOf(object)) {
        const parsed = parseImage(image);
        // An invalid reference is image-pinned's finding; one problem per mistake.
        if (parsed && !parsed.digest) {
          findings.push({ object, message: `${where} has image "${image}" without a digest in a production environment`, fix: 'pin it as repository@sha256:<digest> (a tag may stay in front of the digest)' });
        }
      }
    }
    return findings;
  },
};
