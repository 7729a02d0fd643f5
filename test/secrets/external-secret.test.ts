import { ExternalSecret, ExternalSecretValues } from '../../lib/secrets/external-secret';
import { parseOverlay } from '../../lib/pipeline/engine/overlay';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

function externalSecret(props: Partial<ConstructorParameters<typeof ExternalSecret>[2]> = {}) {
  const chart = testChart({ namespace: 'openova-system' });
  const secret = new ExternalSecret(chart, 'env', {
    name: 'pdm-env',
    store: { name: 'openbao', kind: 'ClusterSecretStore' },
    data: { PORT: { key: 'pdm', property: 'port' }, PDM_DATABASE_URL: { key: 'pdm', property: 'database-url' } },
    ...props,
  });
  return { chart, secret };
}

describe('ExternalSecret', () => {
  test('references the store and maps each Secret key to a remote key and property; no values in the manifest', () => {
    const { chart, secret } = externalSecret();
    const object = only(render(chart), 'ExternalSecret');
    expect(object.metadata).toMatchObject({ name: 'pdm-env', namespace: 'openova-system' });
    expect(object.spec.secretStoreRef).toEqual({ name: 'openbao', kind: 'ClusterSecretStore' });
    expect(object.spec.data).toEqual([
      { secretKey: 'PDM_DATABASE_URL', remoteRef: { key: 'pdm', property: 'database-url' } },
      { secretKey: 'PORT', remoteRef: { key: 'pdm', property: 'port' } },
    ]);
    expect(secret.keys).toEqual(['PDM_DATABASE_URL', 'PORT']);
  });

  test('owns the Secret it creates and keeps it when the store loses the entry', () => {
    const object = only(render(externalSecret().chart), 'ExternalSecret');
    expect(object.spec.target).toEqual({ name: 'pdm-env', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
    expect(object.spec.refreshInterval).toBe('1h');
  });

  test('extracts a whole entry, whose keys are then unknown at synth time', () => {
    const { chart, secret } = externalSecret({ data: undefined, extract: 'pdm' });
    expect(only(render(chart), 'ExternalSecret').spec.dataFrom).toEqual([{ extract: { key: 'pdm' } }]);
    expect(secret.keys).toBeUndefined();
  });

  describe('refuses', () => {
    test('fetching nothing', () => {
      expect(problemsOf(() => render(externalSecret({ data: {} }).chart)).join('\n')).toMatch(/fetches nothing: give data .* or extract/);
    });
    test('an invalid Secret key, an empty remote key and a refresh interval that is not a Go duration', () => {
      const problems = problemsOf(() => render(externalSecret({ data: { 'bad key': { key: '' } }, refreshInterval: 'hourly' }).chart)).join('\n');
      expect(problems).toMatch(/key "bad key" of pdm-env is not a valid Secret key/);
      expect(problems).toMatch(/data.bad key.key of pdm-env is empty/);
      expect(problems).toMatch(/refreshInterval "hourly" is not a Go duration/);
    });
    test('properties without a remoteKey, and a key both in data and in properties', () => {
      const problems = problemsOf(() => render(externalSecret({ properties: ['PORT'] }).chart)).join('\n');
      expect(problems).toMatch(/PORT of pdm-env is both in data and in properties; keep one/);
      expect(problems).toMatch(/properties of pdm-env need remoteKey: the secret-manager entry they are properties of/);
    });
  });

  describe('an entry and a store said once', () => {
    const environment = (secretStores: string[]) => testEnvironment({ existing: { secretStores } });
    function shorthand(secretStores: string[], namespace = 'openova-system') {
      const chart = testChart({ namespace, environment: environment(secretStores) });
      const secret = new ExternalSecret(chart, 'env', { name: 'pdm-env', remoteKey: 'pdm', properties: ['PORT'], data: { DB: { property: 'database-url' }, OTHER: { key: 'shared', property: 'x' } } });
      return { chart, secret };
    }

    test('properties and key-less data items read remoteKey; the one declared store is the default', () => {
      const { chart, secret } = shorthand(['ClusterSecretStore/openbao']);
      const object = only(render(chart), 'ExternalSecret');
      expect(object.spec.secretStoreRef).toEqual({ name: 'openbao', kind: 'ClusterSecretStore' });
      expect(object.spec.data).toEqual([
        { secretKey: 'DB', remoteRef: { key: 'pdm', property: 'database-url' } },
        { secretKey: 'OTHER', remoteRef: { key: 'shared', property: 'x' } },
        { secretKey: 'PORT', remoteRef: { key: 'pdm', property: 'PORT' } },
      ]);
      expect(secret.keys).toEqual(['DB', 'OTHER', 'PORT']);
    });

    test('a namespaced SecretStore is the default only in its namespace', () => {
      expect(only(render(shorthand(['SecretStore/openova-system/vault']).chart), 'ExternalSecret').spec.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
      expect(problemsOf(() => shorthand(['SecretStore/elsewhere/vault']))).toEqual([
        'demo/env: names no store, and overlays/test-sandbox/environment.yaml declares none this app can read from under existing.secretStores',
      ]);
    });

    test('several declared stores are ambiguous', () => {
      expect(problemsOf(() => shorthand(['ClusterSecretStore/a', 'ClusterSecretStore/b'])).join('\n'))
        .toMatch(/names no store, and overlays\/test-sandbox\/environment.yaml declares several \(ClusterSecretStore\/a, ClusterSecretStore\/b\): which one is ambiguous/);
    });
  });

  test('the overlay shape refuses unknown keys with the file and field', () => {
    const problems = problemsOf(() => parseOverlay('store: { name: openbao, kynd: ClusterSecretStore }\n', 'overlays/x/pdm.yaml', ExternalSecretValues));
    expect(problems.join('\n')).toMatch(/overlays\/x\/pdm\.yaml:1:\d+ store\.kynd: unknown key "kynd".*did you mean "kind"/);
  });
});
