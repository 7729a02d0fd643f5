/** A container image reference split into its parts. */
export interface ImageReference {
  /** The repository, with its registry host and port if given, e.g. `ghcr.io/example/app`. */
  readonly repository: string;
  /** The tag, e.g. `1.4.2`; absent when the reference has none. */
  readonly tag?: string;
  /** The digest, `sha256:<64 hex>`; absent when the reference has none. */
  readonly digest?: string;
}

const REFERENCE = /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Parses `repository[:tag][@sha256:digest]` (distribution/reference grammar, lower-case repository). */
export function parseImage(reference: string): ImageReference | undefined {
  const match = REFERENCE.exec(reference);
  if (!match?.groups) return undefined;
  const { repository, tag, digest } = match.groups;
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * The pull policy an image reference implies, or why the reference is refused: production runs
 * only digests (what was reviewed is what runs) and pulls them once; elsewhere a mutable tag is
 * allowed and pulled on every start, so a restart picks up the newest build. Untagged and
 * `latest` references are refused everywhere.
 */
export function imagePolicy(reference: string, production: boolean): {
  /** `IfNotPresent` for a digest, `Always` for a tag. */
  pullPolicy: 'Always' | 'IfNotPresent';
} | {
  /** Why the reference is refused, as a construct-validation message. */
  error: string;
} {
  const image = parseImage(reference);
  if (!image) return { error: `image "${reference}" is not a valid image reference (repository[:tag][@sha256:<64 hex>])` };
  if (!image.tag && !image.digest) return { error: `image "${reference}" has no tag or digest; an untagged image means "latest"` };
  if (image.tag === 'latest' && !image.digest) return { error: `image "${reference}" uses the "latest" tag; pin a version tag or a digest` };
  if (production && !image.digest) return { error: `image "${reference}" has no digest; production requires repository@sha256:<digest> so the reviewed build is the one that runs` };
  return { pullPolicy: image.digest ? 'IfNotPresent' : 'Always' };
}
