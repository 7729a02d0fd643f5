import type { Environment } from '../../../lib/core/environment';
import { JsonPatch } from 'cdk8s';
import { unpublishedTagProblem } from '../../../lib/core/published-images';
import { enforcePolicy, findViolations, RULES } from '../../../lib/pipeline/checks/policy';
import { problemsOf, render, restrictedDeployment, testChart, testEnvironment } from '../../helpers';

/**
 * `image-published`: an image of a repository the environment lists under `publishedImages` uses
 * a tag its publisher pushes. The policy below is cfp-staging's: CodeForPhilly/codeforphilly-ng
 * @930d035 .github/workflows/deploy-staging.yml pushes `sha-${GITHUB_SHA::12}` and `staging-latest`.
 */
const REPOSITORY = 'ghcr.io/codeforphilly/codeforphilly-ng';
const STAGING: Environment = testEnvironment({
  publishedImages: {
    [REPOSITORY]: { tags: ['staging-latest'], tagPatterns: ['sha-[0-9a-f]{12}'], source: 'CodeForPhilly/codeforphilly-ng@930d035 .github/workflows/deploy-staging.yml' },
  },
});
const DIGEST = `sha256:${'b'.repeat(64)}`;

/** A chart whose one Deployment runs `image`, in `environment`. */
function chartRunning(image: string, environment: Environment = STAGING) {
  const chart = testChart({ environment });
  const deployment = restrictedDeployment(chart, 'web');
  deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', image));
  return chart;
}
const published = (image: string, environment: Environment = STAGING) =>
  findViolations(render(chartRunning(image, environment)), { production: false, environment }, [RULES['image-published']]).map((v) => v.message);

describe('rule image-published', () => {
  test('refuses a tag its publisher never pushes (cfp-staging\'s :staging), naming the tags it pushes and the source', () => {
    expect(published(`${REPOSITORY}:staging`)).toEqual([
      `container "web" uses image "${REPOSITORY}:staging": tag "staging" of ${REPOSITORY} is never pushed by its publisher, which pushes "staging-latest", tags matching /sha-[0-9a-f]{12}/ `
      + '(CodeForPhilly/codeforphilly-ng@930d035 .github/workflows/deploy-staging.yml); the pull fails (ErrImagePull, then ImagePullBackOff) while the sync reports success',
    ]);
  });

  test('its corrected twins pass: a listed tag, a tag matching a pattern whole, a digest alone', () => {
    expect(published(`${REPOSITORY}:staging-latest`)).toEqual([]);
    expect(published(`${REPOSITORY}:sha-0123456789ab`)).toEqual([]);
    expect(published(`${REPOSITORY}@${DIGEST}`)).toEqual([]);
  });

  test('a pattern matches the whole tag, not a part of it', () => {
    expect(published(`${REPOSITORY}:sha-0123456789ab-dirty`)).toHaveLength(1);
    expect(published(`${REPOSITORY}:x-sha-0123456789ab`)).toHaveLength(1);
  });

  test('a tag beside a digest is still held to the policy (a tag nobody pushed misleads the reader)', () => {
    expect(published(`${REPOSITORY}:staging@${DIGEST}`)).toHaveLength(1);
  });

  test('says nothing of a repository the environment does not list, nor where no policy is declared', () => {
    expect(published('ghcr.io/example/other:anything')).toEqual([]);
    expect(published(`${REPOSITORY}:staging`, testEnvironment())).toEqual([]);
  });

  test('runs in the policy on every rendered object, raw ones included, and names the construct', () => {
    const chart = chartRunning(`${REPOSITORY}:staging`);
    expect(problemsOf(() => enforcePolicy(chart, render(chart))).join('\n')).toMatch(/^demo\/web \(Deployment demo\/web\): \[rule image-published\] container "web" uses image/);
  });

  test('unpublishedTagProblem ignores what is not an image reference (image-pinned reports it)', () => {
    expect(unpublishedTagProblem('Not An Image', STAGING.publishedImages)).toBeUndefined();
  });
});
