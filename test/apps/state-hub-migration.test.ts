import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, problemsOf, ROOT } from '../helpers';

/**
 * The migration switch of docs/state-hub-migration.md, taken as the runbook says: uncomment the
 * new generation in railiance-platform.yaml, seal the import password, then point State Hub at it.
 */
const SWITCH = '  # The migration switch';

/** railiance01-prod's overlays with the switch turned on (and the import password, unless `sealed` is false). */
function withSwitchOn(options: { sealed?: boolean; stateHubCluster?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'migration-'));
  cpSync(join(ROOT, 'overlays', 'railiance01-prod'), join(dir, 'railiance01-prod'), { recursive: true });
  const platform = join(dir, 'railiance01-prod', 'railiance-platform.yaml');
  const [before, after] = readFileSync(platform, 'utf8').split(SWITCH);
  const lines = after.split('\n');
  const end = lines.findIndex((l) => l === 'sealedSecrets:');
  const uncommented = lines.slice(0, end).filter((l) => l.startsWith('  # - ') || l.startsWith('  #   ')).map((l) => `  ${l.slice(4)}`);
  // Ciphertext of the right shape: the backup credentials' own (kubeseal output is what is pasted).
  const ciphertext = /ACCESS_KEY_ID: (\S+)/.exec(after)![1];
  const password = `  state-hub-import-source:\n    scope: strict\n    encryptedData:\n      password: ${ciphertext}\n`;
  writeFileSync(platform, `${before}${uncommented.join('\n')}\n${lines.slice(end).join('\n')}${options.sealed === false ? '' : password}`);
  if (options.stateHubCluster) {
    const stateHub = join(dir, 'railiance01-prod', 'state-hub.yaml');
    writeFileSync(stateHub, readFileSync(stateHub, 'utf8').replace('  cluster: state-hub-db\n', `  cluster: ${options.stateHubCluster}\n`));
  }
  return dir;
}

describe('the State Hub migration switch', () => {
  test('the new generation imports into its own Cluster, archive folder and Secret; the live one is untouched', () => {
    const result = synthesize({ apps, overlaysDir: withSwitchOn(), environments: ['railiance01-prod'] });
    const platform = result.apps.find((a) => a.app.name === 'railiance-platform')!.objects;
    const next = only(platform, 'Cluster', 'state-hub-db-2');
    expect(next.spec.bootstrap.initdb.import).toMatchObject({ type: 'microservice', databases: ['statehub'] });
    expect(next.spec.plugins[0].parameters).toEqual({ barmanObjectName: 'state-hub-db-2-backups' });
    expect(only(platform, 'Cluster', 'state-hub-db').spec.bootstrap.initdb.import).toBeUndefined();
    const live = result.apps.find((a) => a.app.name === 'state-hub')!.objects;
    expect(only(live, 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('state-hub-db-app');
  });

  test('without the sealed import password, synth says what is missing', () => {
    expect(problemsOf(() => synthesize({ apps, overlaysDir: withSwitchOn({ sealed: false }), environments: ['railiance01-prod'] }))).toEqual([
      expect.stringContaining('reads Secret databases/state-hub-import-source, which nothing in environment railiance01-prod writes'),
    ]);
  });

  test('cut-over: State Hub\'s credentials copy, migration Job and pods move to the new generation\'s Secret', () => {
    const result = synthesize({ apps, overlaysDir: withSwitchOn({ stateHubCluster: 'state-hub-db-2' }), environments: ['railiance01-prod'] });
    const objects = result.apps.find((a) => a.app.name === 'state-hub')!.objects;
    expect(only(objects, 'ExternalSecret').spec.data.map((d: { remoteRef: { key: string } }) => d.remoteRef.key)).toEqual(expect.arrayContaining(['state-hub-db-2-app']));
    for (const kind of ['Deployment', 'Job']) {
      expect(only(objects, kind).spec.template.spec.containers[0].env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'state-hub-db-2-app', key: 'uri' } } }]);
    }
  });
});
