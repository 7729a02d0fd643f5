import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../lib/core/errors';
import { LIBRARY_IMPORT_COMMAND, PACKAGE_IMPORT_COMMAND, validateObject, type KubeObject, type ProjectSchemas } from '../../../lib/pipeline/checks/schema-validation';
import { projectSchemaSources } from '../../../lib/pipeline/engine/project-schemas';
import { ROOT } from '../../helpers';

// A library user's repository validates the CRDs it vendors itself (`cdk8s-constructs import`
// writes imports/validators/ there; the e2e test test/package/user-repository.e2e.test.ts runs the
// real command): synth finds them from the project's root, after the library's, and names the
// package command for a kind nothing serves.

/** A project's validators as `cdk8s-constructs import` lays them out, compiled here from a small schema. */
function projectWithWidgets(dir: string): void {
  mkdirSync(join(dir, 'imports', 'validators'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-deployments', private: true }));
  const schema = {
    type: 'object', required: ['apiVersion', 'kind', 'metadata'], additionalProperties: false,
    properties: {
      apiVersion: { const: 'example.com/v1' }, kind: { const: 'Widget' }, metadata: { type: 'object' },
      spec: { type: 'object', additionalProperties: false, properties: { size: { type: 'integer', maximum: 10 } } },
    },
  };
  writeFileSync(join(dir, 'imports', 'validators', 'index.js'), [
    `const Ajv = require(${JSON.stringify(require.resolve('ajv'))}).default;`,
    `let widget;`,
    `exports.validators = { 'example.com/v1/Widget': () => (widget ??= new Ajv({ strict: false }).compile(${JSON.stringify(schema)})) };`,
    `exports.sources = { 'example.com/v1/Widget': 'widgets.yaml' };`,
  ].join('\n'));
}

const widget = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' }, spec });
const gizmo: KubeObject = { apiVersion: 'example.org/v1', kind: 'Gizmo', metadata: { name: 'g' } };

describe('a project\'s own CRD schemas (imports/validators/ of the project root)', () => {
  let project: string;
  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'project-schemas-'));
    projectWithWidgets(project);
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  test('an object of a kind the project vendors is validated strictly, with its field path; its corrected twin passes', () => {
    const schemas = projectSchemaSources(project);
    expect(validateObject(widget({ size: 3, shape: 'round' }), 'gallery/Widget', undefined, schemas)).toEqual([
      { where: 'gallery/Widget (Widget demo/w) spec.shape', message: expect.stringMatching(/^is not a field of this kind/) },
    ]);
    expect(validateObject(widget({ size: 30 }), 'gallery/Widget', undefined, schemas).map((p) => p.where)).toEqual(['gallery/Widget (Widget demo/w) spec.size']);
    expect(validateObject(widget({ size: 3 }), 'gallery/Widget', undefined, schemas)).toEqual([]);
  });

  test('without the project\'s schemas the same object is refused as unserved: they are what validates it', () => {
    expect(validateObject(widget({ size: 3 }), 'gallery/Widget')[0].message).toMatch(/neither built into Kubernetes .* nor served by a vendored CRD/);
  });

  test('the library\'s schemas come first: a built-in kind is validated by them, whatever the project has', () => {
    const schemas = projectSchemaSources(project);
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dta: {} };
    expect(validateObject(configMap, 'x', undefined, schemas).map((p) => p.where)).toEqual(['x (ConfigMap c) dta']);
  });

  test('a kind nothing serves is refused with the package command in a user\'s repository', () => {
    const [problem] = validateObject(gizmo, 'gallery/Gizmo', undefined, projectSchemaSources(project));
    expect(problem.hint).toBe(`vendor the CustomResourceDefinition of example.org Gizmo from its operator's release and regenerate imports/: ${PACKAGE_IMPORT_COMMAND}`);
    expect(PACKAGE_IMPORT_COMMAND).toMatch(/^npx cdk8s-constructs import /);
  });

  test('a project without imports/ gets the package command too, and validates with the library\'s schemas alone', () => {
    rmSync(join(project, 'imports'), { recursive: true });
    const schemas = projectSchemaSources(project);
    expect(schemas.project).toBeUndefined();
    expect(validateObject(gizmo, 'x', undefined, schemas)[0].hint).toContain(PACKAGE_IMPORT_COMMAND);
  });

  test('the library\'s own repository keeps `npm run import`, and its imports/ are not loaded a second time', () => {
    const schemas = projectSchemaSources(ROOT);
    expect(schemas.project).toBeUndefined();
    expect(validateObject(gizmo, 'x', undefined, schemas)[0].hint).toContain(LIBRARY_IMPORT_COMMAND);
  });

  test('a project kind of a group it vendors, at a version it does not serve, lists the versions it does', () => {
    const [problem] = validateObject({ ...widget({}), apiVersion: 'example.com/v2' }, 'x', undefined, projectSchemaSources(project));
    expect(problem).toMatchObject({ message: 'the vendored CRDs of example.com (imports/crds/widgets/) serve no Widget in example.com/v2', allowed: 'example.com/v1 Widget' });
    expect(problem.hint).toContain(PACKAGE_IMPORT_COMMAND);
  });

  test('an index that is not what the command writes is the user\'s error, naming the file and the fix', () => {
    writeFileSync(join(project, 'imports', 'validators', 'index.js'), 'exports.something = 1;');
    expect(() => projectSchemaSources(project)).toThrow(UserError);
    expect(() => projectSchemaSources(project)).toThrow(/imports\/validators\/index\.js.*not the index `cdk8s-constructs import` writes/s);
  });

  test('a project\'s validator module loads on first use of its kind, once', () => {
    const schemas = projectSchemaSources(project);
    const project_ = schemas.project as ProjectSchemas;
    const load = jest.fn(project_.validators['example.com/v1/Widget']);
    const counted = { ...schemas, project: { ...project_, validators: { 'example.com/v1/Widget': load } } };
    expect(load).not.toHaveBeenCalled();
    validateObject(widget({ size: 1 }), 'x', undefined, counted);
    validateObject(widget({ size: 2 }), 'x', undefined, counted);
    expect(load).toHaveBeenCalledTimes(1);
  });
});

