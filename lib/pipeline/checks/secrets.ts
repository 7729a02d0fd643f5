import { isRecord, record } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { ANY_KIND, isGroupKind, KINDS } from '../../core/kinds';
import { isSealedCiphertext } from '../../secrets/sealed-secret';
import type { KubeObject } from './schema-validation';

/**
 * dist/ is committed and read by everyone with access to the repository: it must hold no secret
 * material. Secrets reach pods as SealedSecret ciphertext or through an ExternalSecret.
 */

const SECRET_GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/ and https://kubernetes.io/docs/concepts/configuration/secret/ (a Secret manifest is only base64-encoded: "anyone with access to the manifest can read it")';

const MOVE_IT = 'keep the value out of the code and overlays: seal it into a SealedSecret (kubeseal --raw) or fetch it with an ExternalSecret, and reference that Secret (secretKeyRef, envFrom); rotate it if it was ever committed';

/** `no-secret-data`: no Secret carries its values in dist/. */
export const noSecretData: RuleDeclaration = {
  name: 'no-secret-data',
  summary: 'no Secret object with data or stringData (a Secret manifest is only base64), and every SealedSecret holds only kubeseal ciphertext (no plaintext values, no data or stringData in spec.template): secret values never appear in dist/',
  scope: [KINDS.Secret, KINDS.SealedSecret],
  sources: [
    SECRET_GOOD_PRACTICES,
    'https://github.com/bitnami-labs/sealed-secrets#overview (only the in-cluster controller can decrypt a SealedSecret)',
    'bitnami-labs/sealed-secrets pkg/crypto/crypto.go HybridEncrypt (the shape of kubeseal ciphertext); pkg/apis/sealedsecrets/v1alpha1 SecretTemplateSpec (template.data is copied into the Secret as plaintext)',
  ],
  fix: `emit a SealedSecret (lib/secrets/sealed-secret.ts) or an ExternalSecret instead; ${MOVE_IT}`,
  check(object) {
    if (isGroupKind(object, KINDS.SealedSecret)) return sealedSecretProblems(object);
    const fields = ['data', 'stringData'].filter((f) => Object.keys(record(object[f])).length > 0);
    return fields.length > 0 ? [{ message: `the Secret carries its values in ${fields.join(' and ')}, in plain base64 in dist/` }] : [];
  },
};

/**
 * A SealedSecret from anywhere (the SealedSecret construct, a raw L1 object, a patch) held to what
 * the construct checks of its own (lib/secrets/sealed-secret.ts): every encryptedData value is
 * kubeseal ciphertext, and the template carries no data or stringData, which the controller would
 * copy into the Secret as they stand, so they would be plaintext in dist/.
 */
function sealedSecretProblems(object: KubeObject): RuleProblem[] {
  const findings: RuleProblem[] = [];
  const spec = record(object.spec);
  for (const [key, value] of Object.entries(record(spec.encryptedData))) {
    if (typeof value !== 'string' || !isSealedCiphertext(value)) {
      findings.push({ message: `spec.encryptedData.${key} is not Sealed Secrets ciphertext (it looks like plaintext or plain base64; value not shown)`, fix: `seal it with \`kubeseal --raw\` and paste the output; ${MOVE_IT}` });
    }
  }
  const template = record(spec.template);
  const fields = ['data', 'stringData'].filter((f) => Object.keys(record(template[f])).length > 0);
  if (fields.length > 0) {
    findings.push({ message: `spec.template carries ${fields.join(' and ')}, which the controller copies into the Secret as plaintext: they are in dist/ unencrypted`, fix: `move every value into spec.encryptedData (kubeseal --raw); ${MOVE_IT}` });
  }
  return findings;
}

/** What a secret looks like, with where the format is defined. */
interface SecretPattern {
  /** What it is, for messages: "a GitHub token". */
  readonly what: string;
  /** What it looks like. */
  readonly pattern: RegExp;
  /** Where the format is defined. */
  readonly source: string;
  /** Whether a match is a secret (e.g. a URL whose password is a `$(VAR)` reference is not). */
  readonly accept?: (match: RegExpExecArray) => boolean;
}

/** A password that is only a reference to an environment variable, expanded at run time. */
const VARIABLE_REFERENCE = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/;

/** The secret formats `no-secret-strings` recognizes. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    what: 'a private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
    source: 'RFC 7468 §10-11 (PEM "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"; legacy "RSA/EC/DSA/OPENSSH PRIVATE KEY"), RFC 4880 §6.2 ("PGP PRIVATE KEY BLOCK")',
  },
  {
    what: 'an AWS access key id',
    pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/,
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids (AKIA: access key, ASIA: temporary access key)',
  },
  {
    what: 'a GitHub token',
    pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/,
    source: 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats',
  },
  {
    what: 'a Slack token',
    pattern: /\bxox[abpr]-[A-Za-z0-9-]{10,}/,
    source: 'https://api.slack.com/concepts/token-types (xoxb bot, xoxp user, xoxa/xoxr app and refresh tokens)',
  },
  {
    // Any scheme (https://user:token@git..., postgres://, mysql://, redis://:password@, amqp://,
    // mongodb+srv://): the userinfo's password part (RFC 3986 §3.2.1, "user:password" is
    // deprecated exactly because it exposes the password). The user may be empty (redis://:pw@).
    what: 'a URL with a password in it (user:password@)',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:([^\s@/?#]+)@/i,
    source: 'RFC 3986 §3.2.1 (userinfo "user:password" in a URI); https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS (postgresql://user:password@host)',
    accept: (match) => !VARIABLE_REFERENCE.test(match[1]),
  },
  {
    what: 'a URL with a credential in its query (password=, token=, api_key=, a signature)',
    pattern: /[?&;](?:password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|id_token|api[_-]?key|apikey|auth|sig|signature|x-amz-signature|x-goog-signature|sslpassword)=([^&#\s'"]+)/i,
    source: 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS (password, sslpassword as URI query parameters); RFC 6750 §2.3 (access_token in a URI query); AWS SigV4 and GCS signed URLs (X-Amz-Signature, X-Goog-Signature)',
    accept: (match) => !VARIABLE_REFERENCE.test(match[1]),
  },
  {
    what: 'a connection string with a password (password=...)',
    pattern: /(?:^|[\s;])(?:password|pwd|sslpassword)\s*=\s*('(?:[^'\\]|\\.)+'|[^\s;'"]+)/i,
    source: 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-KEYWORD-VALUE (host=... password=...); ADO.NET/JDBC "Password=...;" connection strings',
    accept: (match) => !VARIABLE_REFERENCE.test(match[1].replace(/^'|'$/g, '')),
  },
];

/**
 * What every match of SECRET_PATTERNS contains: a PEM armor line, an AWS key id's prefix, a GitHub
 * or Slack token's prefix (those patterns are case-sensitive), `://` (a URL's userinfo) or `=` (a
 * query parameter, a connection string keyword). A string without any of them matches none of the
 * patterns, so most strings are answered by this one search. A new pattern adds its own literal.
 */
const SECRET_CANDIDATE = /-----BEGIN |AKIA|ASIA|gh[pousr]_|github_pat_|xox[abpr]-|:\/\/|=/;

/** The first secret-looking pattern `value` contains, if any. */
export function secretKind(value: string): SecretPattern | undefined {
  if (!SECRET_CANDIDATE.test(value)) return undefined;
  for (const p of SECRET_PATTERNS) {
    const match = p.pattern.exec(value);
    if (match && (p.accept?.(match) ?? true)) return p;
  }
  return undefined;
}

/** `no-secret-strings`: no rendered string looks like a secret. */
export const noSecretStrings: RuleDeclaration = {
  name: 'no-secret-strings',
  summary: 'no string or map key anywhere in a rendered object (env, args, ConfigMaps, annotations, the generated ArgoCD objects\' repoURLs, exception reasons) looks like a private key, an AWS access key id, a GitHub or Slack token, a URL with a password in any scheme or a credential in its query, or a connection string with a password (a $(VAR) or ${VAR} password reference is fine); a SealedSecret\'s spec.encryptedData values are exempt: they are ciphertext',
  scope: [ANY_KIND],
  sources: [SECRET_GOOD_PRACTICES, ...SECRET_PATTERNS.map((p) => `${p.what}: ${p.source}`)],
  fix: MOVE_IT,
  check(object) {
    const problems: RuleProblem[] = [];
    const sealed = isGroupKind(object, KINDS.SealedSecret);
    walkStrings(object, [], (value, path, isKey) => {
      // kubeseal ciphertext is the one place secret material belongs (it is encrypted).
      if (sealed && !isKey && path.length === 3 && path[0] === 'spec' && path[1] === 'encryptedData') return;
      const kind = secretKind(value);
      if (kind) problems.push({ message: `${isKey ? `a key of ${formatPath(path.slice(0, -1))}` : formatPath(path)} holds what looks like ${kind.what} (value not shown)` });
    });
    return problems;
  },
};

/**
 * Calls `visit` with every string value and map key under `value`, and its path. The path is one
 * array, changed as the walk goes: `visit` reads it during the call and keeps no reference.
 */
function walkStrings(value: unknown, path: string[], visit: (value: string, path: readonly string[], isKey: boolean) => void): void {
  if (typeof value === 'string') visit(value, path, false);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(String(i));
      walkStrings(value[i], path, visit);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      path.push(key);
      visit(key, path, true);
      walkStrings(value[key], path, visit);
      path.pop();
    }
  }
}

/** A field path for messages; a key that itself looks like a secret is not shown. */
function formatPath(path: readonly string[]): string {
  return path
    .map((s) => (secretKind(s) ? '<key not shown>' : s))
    .reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), '') || '(object)';
}
