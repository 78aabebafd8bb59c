import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const VERSION = 'v1';
const KEY_FILE = 'encryption-key';

/** Refused to open: tampered, sealed for another context, or sealed with another key. */
export class SecretError extends Error {
  readonly code = 'SECRET_UNREADABLE' as const;
}

/**
 * Seals secrets (downstream headers, tokens) for storage in events: AES-256-GCM with a
 * key derived from ENCRYPTION_KEY, and the context (e.g. "gateway/Jira") bound in as
 * associated data, so a sealed value cannot be replayed under another name.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer | undefined) {}

  static fromKey(base64Key: string): SecretBox {
    const master = Buffer.from(base64Key, 'base64');
    if (master.length !== 32) throw new TypeError('SecretBox: the key must be 32 bytes, base64-encoded');
    return new SecretBox(Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'persona-gateway secrets v1', 32)));
  }

  /** A box without a key: sealing and opening fail with a message saying what to set. */
  static missing(): SecretBox {
    return new SecretBox(undefined);
  }

  get available(): boolean {
    return this.key !== undefined;
  }

  seal(plaintext: string, context: string): string {
    const key = this.requireKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const key = this.requireKey();
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== VERSION || iv === undefined || ciphertext === undefined || tag === undefined) throw new SecretError('not a sealed secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError('sealed secret could not be opened (wrong key or context, or tampered)');
    }
  }

  /** Seals every value of a record under the same context. */
  sealAll(values: Readonly<Record<string, string>>, context: string): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, this.seal(value, context)]));
  }

  openAll(values: Readonly<Record<string, string>>, context: string): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, this.open(value, context)]));
  }

  private requireKey(): Buffer {
    if (!this.key) throw new SecretError('ENCRYPTION_KEY is not set: secrets cannot be sealed or opened (openssl rand -base64 32)');
    return this.key;
  }
}

/** Embedded mode: the key in DATA_DIR/encryption-key, generated (mode 0600) on first start. */
export async function loadOrCreateKeyFile(dataDir: string): Promise<string> {
  const path = join(dataDir, KEY_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(32).toString('base64');
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/** Context for a gateway's sealed headers and environment. */
export const gatewaySecretContext = (gateway: string): string => `gateway/${gateway}`;

/** Forwarded passthrough headers are bound to the persona and caller they were sealed for. */
export const passthroughSecretContext = (persona: string, principal: string): string => `passthrough/${persona}/${principal}`;
