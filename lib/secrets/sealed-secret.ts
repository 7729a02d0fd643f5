import { Type } from '@sinclair/typebox';
import { Construct } from 'constructs';
import { checkProps, oneOf, propsShape, stringMap } from '../core/prop-shape';
import { SealedSecret as SealedSecretL1 } from '../../imports/bitnami.com';
import { AppChart } from '../core/app';
import { checkDnsSubdomain } from '../core/dns';
import { isSecretKey, SECRET_KEY_PATTERN } from '../core/values';
import type { ISecretSource } from '../core/secret-source';

/**
 * The sealing scope, which must match how the value was sealed with kubeseal (`--scope`):
 * strict binds it to the Secret's name and namespace, namespace-wide to the namespace,
 * cluster-wide to nothing (sealed-secrets README, "Scopes").
 */
export type SealingScope = 'strict' | 'namespace-wide' | 'cluster-wide';

/** Properties for `SealedSecret`. */
export interface SealedSecretProps {
  /** The Secret's name (and the SealedSecret's). */
  readonly name: string;
  /** kubeseal output per key: base64 ciphertext, never the plaintext. */
  readonly encryptedData: Readonly<Record<string, string>>;
  /** How the values were sealed. */
  readonly scope: SealingScope;
  /** The Secret's type. @default "Opaque" */
  readonly type?: string;
}

/** The shape of `SealedSecretProps`, checked at run time (lib/core/prop-shape.ts). */
export const SEALED_SECRET_PROPS_SHAPE = propsShape<SealedSecretProps>('the props of a SealedSecret', {
  name: Type.String(),
  encryptedData: stringMap('a map of Secret keys to kubeseal ciphertext'),
  scope: oneOf(['strict', 'namespace-wide', 'cluster-wide']),
  type: Type.Optional(Type.String()),
});

/**
 * A Secret delivered as Sealed Secrets ciphertext: only the controller in the cluster can
 * decrypt it, so dist/ and overlays hold no secret material.
 */
export class SealedSecret extends Construct implements ISecretSource {
  /** The name of the Secret the controller unseals (and of the SealedSecret). */
  public readonly name: string;
  /** "SealedSecret <name>", for messages about the keys it writes. */
  public readonly writtenBy: string;
  /** The keys the unsealed Secret will have. */
  public readonly keys: readonly string[];

  constructor(scope: Construct, id: string, props: SealedSecretProps) {
    super(scope, id);
    checkProps(this, SEALED_SECRET_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.writtenBy = `SealedSecret ${props.name}`;
    this.keys = Object.keys(props.encryptedData).sort();
    this.node.addValidation({ validate: () => validateSealed(props, chart.namespace ?? '<namespace>') });
    const annotations: Record<string, string> = {};
    if (props.scope === 'namespace-wide') annotations['sealedsecrets.bitnami.com/namespace-wide'] = 'true';
    if (props.scope === 'cluster-wide') annotations['sealedsecrets.bitnami.com/cluster-wide'] = 'true';
    const labels = chart.labelsFor('secret');
    new SealedSecretL1(this, 'Resource', {
      metadata: { name: props.name, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        encryptedData: Object.fromEntries(this.keys.map((k) => [k, props.encryptedData[k]])),
        template: { metadata: { name: props.name, labels, ...(Object.keys(annotations).length ? { annotations } : {}) }, type: props.type ?? 'Opaque' },
      },
    });
  }
}

/**
 * Whether a value is kubeseal ciphertext: base64 of a 2-byte big-endian length of the RSA-OAEP
 * encrypted session key, that key (256, 384 or 512 bytes for 2048- to 4096-bit keys), then the
 * AES-GCM ciphertext with its 16-byte tag (sealed-secrets pkg/crypto/crypto.go `HybridEncrypt`).
 * Plaintext, a pasted token or plain base64 of a value fails this.
 */
export function isSealedCiphertext(value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 2) return false;
  const keyLength = bytes.readUInt16BE(0);
  return [256, 384, 512].includes(keyLength) && bytes.length >= 2 + keyLength + 16;
}

function validateSealed(props: SealedSecretProps, namespace: string): string[] {
  const errors: string[] = [];
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`Secret name "${props.name}" ${nameProblem}`);
  if (Object.keys(props.encryptedData).length === 0) errors.push(`SealedSecret ${props.name} has no keys`);
  for (const [key, value] of Object.entries(props.encryptedData)) {
    if (!isSecretKey(key)) errors.push(`key "${key}" of ${props.name} is not a valid Secret key (letters, digits, "-", "_", ".")`);
    if (!isSealedCiphertext(value)) {
      errors.push(`${props.name}.${key} is not Sealed Secrets ciphertext (it looks like plaintext or plain base64); seal it with \`kubeseal --raw --scope ${props.scope} --namespace ${namespace} --name ${props.name}\` and paste the output`);
    }
  }
  return errors;
}

/** The overlay shape of a sealed secret: its scope and kubeseal output per key. */
export const SealedSecretValues = Type.Object({
  scope: Type.Union([Type.Literal('strict'), Type.Literal('namespace-wide'), Type.Literal('cluster-wide')], { description: 'the kubeseal --scope the values were sealed with: strict, namespace-wide or cluster-wide' }),
  encryptedData: Type.Record(Type.String(SECRET_KEY_PATTERN), Type.String({ minLength: 1 }), { additionalProperties: false, description: 'Secret key → `kubeseal --raw` output (base64 ciphertext, never plaintext)' }),
}, { additionalProperties: false });
