import { UserError } from '../../core/errors';

/**
 * Loads a part of the library that needs packages a project installs only when it uses that part
 * (optional peer dependencies, such as cdktf for `--target terraform`). A package missing is the
 * user's to fix, not a bug: a UserError naming `feature` and the exact install command, built
 * from `packages` (name to version). Any other failure to load is thrown as it is.
 */
export function requireOptional<T>(load: () => T, feature: string, packages: Readonly<Record<string, string>>): T {
  try {
    return load();
  } catch (error) {
    const missing = missingPackage(error, Object.keys(packages));
    if (missing === undefined) throw error;
    throw new UserError({
      where: feature,
      message: `needs the package ${missing}, which is not installed in this project`,
      allowed: `the optional peer dependencies ${Object.keys(packages).join(' and ')}`,
      hint: `npm install --save-dev --save-exact ${Object.entries(packages).map(([name, version]) => `${name}@${version}`).join(' ')}`,
    });
  }
}

/** Which of `names` a module-not-found error is about (the package itself or a file inside it). */
function missingPackage(error: unknown, names: readonly string[]): string | undefined {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  if (code !== 'MODULE_NOT_FOUND' || typeof message !== 'string') return undefined;
  const specifier = /Cannot find module '([^']+)'/.exec(message)?.[1];
  return names.find((name) => specifier === name || specifier?.startsWith(`${name}/`));
}
