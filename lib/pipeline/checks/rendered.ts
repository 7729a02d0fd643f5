import type { AppDefinition } from '../../core/app';
import type { Environment } from '../../core/environment';
import type { KubeObject } from './schema-validation';

/**
 * The rendered output, as the checks, the emitters and the review read it. The engine produces
 * it; everything above the checks consumes it, so it lives here, in the lowest room of the
 * pipeline.
 */

/** One rendered app of the environment: what a check needs of it. */
export interface RenderedApp {
  /** The app. */
  readonly app: Pick<AppDefinition, 'name' | 'layer'>;
  /** Its objects, as rendered. */
  readonly objects: readonly KubeObject[];
}

/** One synthesized (environment, app) pair. */
export interface SynthesizedApp extends RenderedApp {
  /** The environment. */
  readonly environment: Environment;
  /** The app. */
  readonly app: AppDefinition;
  /** The namespace the app deploys into (its overlay's `namespace`). */
  readonly namespace: string;
  /** Files relative to the output directory: `<env>/<app>/<file>`. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * The file each of one app's objects is written to, in order: `<kind>-<name>.yaml`, with the
 * namespace added only when two objects would share a file. The writer (renderAppFiles) names its
 * files with it, and problems on an object name its file with it.
 */
export function objectFileNames(objects: readonly KubeObject[]): string[] {
  const base = (o: KubeObject) => `${o.kind.toLowerCase()}-${o.metadata.name}`;
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(base(o), (counts.get(base(o)) ?? 0) + 1);
  return objects.map((o) => (counts.get(base(o))! > 1 && o.metadata.namespace ? `${o.kind.toLowerCase()}-${o.metadata.namespace}-${o.metadata.name}.yaml` : `${base(o)}.yaml`));
}
