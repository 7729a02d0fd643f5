import { secretKeyMessage, secretKeyProblem, SecretSource } from '../../lib/core/secret-source';

describe('the one key check between a Secret\'s reader and its writer', () => {
  test('a key the writer does not write names both sides and the keys it has', () => {
    expect(secretKeyProblem('ACCESS_KEY_ID', 'db/backup-s3', { by: 'ExternalSecret db/backup-s3', keys: ['ACCESS_SECRET_KEY', 'AWS_ACCESS_KEY_ID'] })).toEqual({
      message: 'reads key "ACCESS_KEY_ID" of Secret db/backup-s3, which ExternalSecret db/backup-s3 writes without that key',
      allowed: 'ACCESS_SECRET_KEY, AWS_ACCESS_KEY_ID',
      hint: 'use one of its keys, or add "ACCESS_KEY_ID" where the Secret is written',
    });
  });

  test('keys known only in the cluster, or a key that is there, pass', () => {
    expect(secretKeyProblem('x', 'db/s', { by: 'ExternalSecret db/s' })).toBeUndefined();
    expect(secretKeyMessage('reader', 'x', SecretSource.fromSecretName('s'))).toBeUndefined();
    expect(secretKeyMessage('reader', 'x', SecretSource.fromSecretAttributes({ name: 's', keys: ['x'] }))).toBeUndefined();
  });
});
