import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import type { SecretStore } from '../core/provider';

/**
 * Rotated tokens must outlive a restart, but Node-RED cannot persist a credential from the
 * runtime (node-red#1055). They go to `<userDir>/camhub/<hash of the account id>.json`,
 * AES-256-GCM encrypted, file mode 600. The name is a hash so that ids differing only in
 * characters a file name cannot hold (`a b`, `a_b`) never share a file, and any length fits. The key is derived from the runtime's `credentialSecret` when one
 * is set, else from a random key kept in `<userDir>/camhub/.key` (mode 600).
 */
function stateDir(RED: NodeAPI): string {
  const settings = RED.settings as unknown as { userDir?: string };
  const base =
    process.env.CAMHUB_STATE_DIR ||
    (settings.userDir
      ? path.join(settings.userDir, 'camhub')
      : path.join(os.tmpdir(), 'camhub-state'));
  return base;
}

function keyFor(RED: NodeAPI, dir: string): Buffer {
  const settings = RED.settings as unknown as { credentialSecret?: unknown };
  if (typeof settings.credentialSecret === 'string' && settings.credentialSecret) {
    return createHash('sha256').update(`camhub:${settings.credentialSecret}`).digest();
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, '.key');
  if (!existsSync(keyFile))
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  return createHash('sha256').update(readFileSync(keyFile, 'utf8').trim()).digest();
}

/** The file of one account (and `part`, e.g. "gate" for the login back-off). */
export function storeFileName(accountId: string, part = ''): string {
  const hash = createHash('sha256').update(accountId, 'utf8').digest('hex').slice(0, 40);
  return `account-${hash}${part ? `.${part}` : ''}.json`;
}

/**
 * The name used before, read once for a migration. Only for ids it kept whole: for any other
 * it may hold another account's tokens.
 */
function legacyFileName(accountId: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,200}$/.test(accountId) && !accountId.startsWith('.')
    ? `${accountId}.json`
    : undefined;
}

export function fileStore(RED: NodeAPI, accountId: string, part = ''): SecretStore {
  const dir = stateDir(RED);
  const file = path.join(dir, storeFileName(accountId, part));
  const legacyName = part ? undefined : legacyFileName(accountId);
  const legacy = legacyName ? path.join(dir, legacyName) : undefined;
  const key = () => keyFor(RED, dir);
  return {
    async load() {
      let text: string | undefined;
      for (const candidate of [file, legacy]) {
        if (!candidate) continue;
        try {
          text = await fs.readFile(candidate, 'utf8');
          break;
        } catch {
          // not there: try the next name
        }
      }
      if (text === undefined) return undefined;
      try {
        const box = JSON.parse(text) as { iv: string; tag: string; data: string };
        const decipher = createDecipheriv('aes-256-gcm', key(), Buffer.from(box.iv, 'base64'));
        decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
        const plain = Buffer.concat([
          decipher.update(Buffer.from(box.data, 'base64')),
          decipher.final(),
        ]);
        return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
      } catch {
        // A changed credentialSecret or a damaged file: start a fresh login, never crash.
        return undefined;
      }
    },
    async save(value) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key(), iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      const box = {
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      };
      // A name of its own per write: two saves at once must not write into one temp file.
      const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await fs.writeFile(tmp, JSON.stringify(box), { mode: 0o600 });
        await fs.rename(tmp, file);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      }
      if (legacy) await fs.rm(legacy, { force: true });
    },
    async clear() {
      await fs.rm(file, { force: true });
      if (legacy) await fs.rm(legacy, { force: true });
    },
  };
}

const BOUND_TO = '_camhubCredentials';

/**
 * A store whose contents belong to one set of login credentials: a session kept under other
 * credentials is not handed back, so a changed password means a new login instead of going on
 * with the old token. Contents saved before this check (no mark) are taken as they are.
 * `changed()` says whether the store holds a session of other credentials.
 */
export function credentialBound(
  store: SecretStore,
  credentials: Record<string, string>,
): SecretStore & { changed(): Promise<boolean> } {
  const mark = createHash('sha256')
    .update(
      JSON.stringify(
        Object.keys(credentials)
          .sort()
          .map((k) => [k, credentials[k]]),
      ),
    )
    .digest('base64');
  const other = (v: Record<string, unknown> | undefined): boolean =>
    !!v && typeof v[BOUND_TO] === 'string' && v[BOUND_TO] !== mark;
  return {
    async load() {
      const v = await store.load();
      if (!v || other(v)) return undefined;
      const { [BOUND_TO]: _mark, ...rest } = v;
      return rest;
    },
    save: (value) => store.save({ ...value, [BOUND_TO]: mark }),
    clear: () => store.clear(),
    async changed() {
      return other(await store.load().catch(() => undefined));
    },
  };
}
