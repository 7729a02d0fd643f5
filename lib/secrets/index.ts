/**
 * Secrets without secret material in git: `SealedSecret` (kubeseal ciphertext in the overlay)
 * and `ExternalSecret` (a reference to a secret manager), both `ISecretSource`s.
 *
 * @packageDocumentation
 */
export { ExternalSecret, ExternalSecretValues, type ExternalSecretKeyRef, type ExternalSecretProps, type SecretStoreRef } from './external-secret';
export { isSealedCiphertext, SealedSecret, SealedSecretValues, type SealedSecretProps, type SealingScope } from './sealed-secret';
