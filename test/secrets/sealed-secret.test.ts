import { SealedSecret } from '../../lib/secrets/sealed-secret';
import { problemsOf, render, testChart } from '../helpers';

describe('SealedSecret', () => {
  test('plaintext where ciphertext belongs: the kubeseal command to run, with the namespace it seals for', () => {
    const chart = testChart({ namespace: 'codeforphilly-sandbox' });
    new SealedSecret(chart, 'secrets', { name: 'codeforphilly-secrets', scope: 'strict', encryptedData: { TOKEN: 'hunter2' } });
    expect(problemsOf(() => render(chart))).toEqual([
      expect.stringContaining('seal it with `kubeseal --raw --scope strict --namespace codeforphilly-sandbox --name codeforphilly-secrets` and paste the output'),
    ]);
  });
});
