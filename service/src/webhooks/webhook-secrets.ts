// Webhook signing secrets at rest. The service needs each secret itself to sign with, so it is
// kept encrypted (AES-256-GCM, `v1:`) under a key derived from EVENTS_SIGNING_KEY — the same on
// every instance — or from the embedded database's key file. Without either (PostgreSQL and no
// EVENTS_SIGNING_KEY) no key survives a restart, so the secret is kept as is (`plain:`).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';

export interface SecretBox {
  /** Whether secrets are encrypted (false: stored as they are). */
  readonly encrypts: boolean;
  seal(secret: string): string;
  /** The secret; throws when it was sealed under another key. */
  open(sealed: string): string;
}

export function createSecretBox(key: string | undefined): SecretBox {
  const derived = key ? Buffer.from(hkdfSync('sha256', key, 'flagstone', 'webhook secrets', 32)) : undefined;
  return {
    encrypts: derived !== undefined,
    seal(secret) {
      if (!derived) return `plain:${secret}`;
      const iv = randomBytes(12);
      const cipher = createCipheriv(ALGORITHM, derived, iv);
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join(':');
    },
    open(sealed) {
      if (sealed.startsWith('plain:')) return sealed.slice('plain:'.length);
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || body === undefined || !derived) {
        throw new Error(
          'the webhook secret was encrypted with a key this instance does not have: set the same EVENTS_SIGNING_KEY on every instance, or delete the webhook and create it again',
        );
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, derived, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new Error(
          'the webhook secret was encrypted with another key (EVENTS_SIGNING_KEY changed?): set the key it was made with, or delete the webhook and create it again',
        );
      }
    },
  };
}

/** A new signing secret: 32 random bytes, prefixed so people recognise it in their vaults. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** The Flagstone-Signature header of a body sent at `seconds` (Unix time). */
export function signature(secret: string, seconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
  return `t=${seconds},v1=${mac}`;
}
