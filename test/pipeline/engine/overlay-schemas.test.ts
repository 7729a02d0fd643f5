import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { apps } from '../../../apps';
import { OVERLAY_SCHEMA_DIRECTORY, overlayModeline, overlaySchemaFiles } from '../../../lib/pipeline/engine/overlay-schema';
import { ROOT } from '../../helpers';

const dir = join(ROOT, OVERLAY_SCHEMA_DIRECTORY);
const committed = new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const environments = readdirSync(join(ROOT, 'overlays'), { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
const overlays = environments.flatMap((env) => readdirSync(join(ROOT, 'overlays', env)).filter((f) => f.endsWith('.yaml')).map((f) => ({ env, file: f, schema: f === 'environment.yaml' ? 'environment' : f.slice(0, -5) })));

describe('the overlays\' JSON Schemas, for editors', () => {
  test('are exactly the schemas synth validates with (run `npm run schemas` after changing one)', () => {
    expect(committed).toEqual(overlaySchemaFiles(apps));
  });

  test('every overlay names its schema in its first line, and validates against it', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    expect(overlays.length).toBeGreaterThan(environments.length);
    for (const { env, file, schema } of overlays) {
      const text = readFileSync(join(ROOT, 'overlays', env, file), 'utf8');
      expect({ file: `${env}/${file}`, line: text.split('\n')[0] }).toEqual({ file: `${env}/${file}`, line: overlayModeline(schema) });
      const validate = ajv.compile(JSON.parse(committed.get(`${schema}.schema.json`)!));
      expect({ file: `${env}/${file}`, valid: validate(parse(text)), errors: validate.errors ?? null }).toEqual({ file: `${env}/${file}`, valid: true, errors: null });
    }
  });

  test('a misspelt key fails the editor\'s schema as it fails synth', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(committed.get('environment.schema.json')!));
    expect(validate({ cluster: 'x', stage: 'prod', production: true, argocd: { server: 'https://k', repoURL: 'https://g' }, storageClassName: 'local-path' })).toBe(false);
  });
});
