import type { AppDefinition } from '../../core/app';
import type { Problem } from '../../core/errors';

/**
 * The list of apps a project gives synth (its `apps/index.ts`) names each app once: an app listed
 * twice is a mistake in the list (it is not silently de-duplicated), and two apps with one name
 * would share `overlays/<env>/<name>.yaml` and `dist/<env>/<name>/`, so only one of them could
 * ever be synthesized.
 */
export function appListProblems(apps: readonly AppDefinition[], where = 'apps/index.ts'): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, { app: AppDefinition; index: number }>();
  apps.forEach((app, index) => {
    const earlier = first.get(app.name);
    if (!earlier) {
      first.set(app.name, { app, index });
      return;
    }
    problems.push(earlier.app === app
      ? {
        where,
        message: `lists the app "${app.name}" twice (entries ${earlier.index + 1} and ${index + 1} of the list)`,
        hint: 'remove the second entry: each app is listed once',
      }
      : {
        where,
        message: `lists two different apps named "${app.name}" (entries ${earlier.index + 1} and ${index + 1} of the list)`,
        allowed: 'one app per name: the name picks its overlay file overlays/<env>/<name>.yaml and its output dist/<env>/<name>/',
        hint: `rename one of them in its defineApp({ name: ... })`,
      });
  });
  return problems;
}
