import { ApiObject } from 'cdk8s';
import type { AppChart } from '../../core/app';
import { withSyncWave } from '../../core/argocd-sync';
import { deliveryEngineOf } from '../../core/delivery';
import { droppedFields, renderingOnce, renderWithRaw } from '../checks/dropped-fields';
import { UserError, type Problem } from '../../core/errors';
import { objectNameProblems } from '../checks/object-names';
import { objectMetadataProblems } from '../checks/object-metadata';
import { renderAppFiles } from './output';
import { LIBRARY_SCHEMAS, validateObject, type KubeObject, type SchemaSources, type TargetCluster } from '../checks/schema-validation';
import { projectSchemaSources } from './project-schemas';

/**
 * Rendering one chart: its construct validations, its objects as JSON with their sync waves,
 * their validation against the upstream schemas, and the files they are written as. The synth
 * loop renders each app's chart here, and so does each environment's delivery chart.
 */

/**
 * Runs a chart's construct validations, renders its objects and validates each against its
 * upstream schema. `suffix` is appended to construct-validation messages (which app, which
 * overlay). Throws a UserError with every problem found.
 */
export function renderChart(chart: AppChart, suffix = ''): KubeObject[] {
  const { objects, wheres } = renderObjects(chart, suffix);
  const problems = schemaProblems(objects, wheres, chart.environment);
  if (problems.length > 0) throw new UserError(problems);
  return objects;
}

/**
 * A chart's construct validations (a UserError with every problem), then its objects as JSON,
 * each with the construct path that made it; not yet validated against the upstream schemas.
 */
function renderObjects(chart: AppChart, suffix: string): { objects: KubeObject[]; wheres: string[] } {
  // A construct validation that checks its own rendering and the rendering below share it.
  return renderingOnce(() => validateAndRender(chart, suffix));
}

function validateAndRender(chart: AppChart, suffix: string): { objects: KubeObject[]; wheres: string[] } {
  const problems: Problem[] = [];
  for (const construct of chart.node.findAll()) {
    for (const message of construct.node.validate()) problems.push({ where: construct.node.path, message: `${message}${suffix}` });
  }
  if (problems.length > 0) throw new UserError(problems);

  const objects: KubeObject[] = [];
  const wheres: string[] = [];
  const argocd = deliveryEngineOf(chart.environment) === 'argocd';
  for (const construct of chart.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) continue;
    // Rendering runs the user's values through cdk8s (tokens, patches, the class's serializer):
    // what throws there is the user's. The comparison of the two renderings is ours.
    let json: KubeObject;
    let raw: unknown;
    try {
      ({ json, raw } = renderWithRaw(construct) as { json: KubeObject; raw: unknown });
    } catch (error) {
      throw new UserError({ where: construct.node.path, message: `${(error as Error).message}${suffix}` });
    }
    for (const field of raw === undefined ? [] : droppedFields(raw, json)) {
      problems.push({
        where: `${construct.node.path} (${construct.kind} ${construct.name})`,
        message: `${field} is not a field the ${construct.apiVersion} ${construct.kind} class knows: it would be dropped without a word${suffix}`,
        hint: 'correct the spelling, or use the class\'s own property name (the wire name is written for you); a JSON patch must name a field of the kind',
      });
    }
    // In an ArgoCD environment every object gets its sync wave from its kind (lib/core/argocd-sync.ts);
    // Flux has no waves: it orders Kustomizations by dependsOn (lib/pipeline/emit/flux-delivery.ts).
    objects.push(argocd ? withSyncWave(json) : json);
    wheres.push(construct.node.path);
  }
  if (problems.length > 0) throw new UserError(problems);
  // Names (their kind's format: they become file names), labels and annotations, before anything is written.
  const unnamed = objectNameProblems(objects, wheres, suffix);
  if (unnamed.length > 0) throw new UserError(unnamed);
  const metadata = objectMetadataProblems(objects, wheres, suffix);
  if (metadata.length > 0) throw new UserError(metadata);
  return { objects, wheres };
}

/**
 * Every object's problems against its upstream schema and the APIs the environment's Kubernetes
 * minor serves, in order; `wheres[i]` made `objects[i]`.
 */
function schemaProblems(objects: readonly KubeObject[], wheres: readonly string[], cluster: TargetCluster, schemas: SchemaSources = LIBRARY_SCHEMAS): Problem[] {
  return objects.flatMap((object, i) => validateObject(object, wheres[i], cluster, schemas));
}

/**
 * Renders `chart` (renderObjects), runs `policy` over its objects, validates them against their
 * upstream schemas (and, with `root`, the schemas of the CRDs the project at `root` vendors,
 * project-schemas.ts) and writes the policy's objects as files. The schema problems win: the
 * policy is not reported on objects the schemas reject.
 */
export function renderChecked(
  chart: AppChart,
  suffix: string,
  policy: (objects: readonly KubeObject[]) => KubeObject[],
  header: string,
  root?: string,
): { objects: KubeObject[]; files: ReadonlyMap<string, string> } {
  const { objects, wheres } = renderObjects(chart, suffix);
  let checked: KubeObject[] | undefined;
  let policyError: unknown;
  try {
    checked = policy(objects);
  } catch (error) {
    policyError = error;
  }
  const problems = schemaProblems(objects, wheres, chart.environment, root === undefined ? LIBRARY_SCHEMAS : projectSchemaSources(root));
  if (problems.length > 0) throw new UserError(problems);
  if (!checked) throw policyError;
  return { objects: checked, files: renderAppFiles(checked, header) };
}

