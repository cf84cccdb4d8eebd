// The key event-stream tickets are signed with: EVENTS_SIGNING_KEY (the stacks set it from a
// Secrets Manager secret, the same on every instance); on the embedded database, one generated
// once and kept under DATA_DIR beside it; otherwise one for this process alone.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';

const KEY_FILE = 'events-signing-key';

const newKey = () => randomBytes(32).toString('hex');

export async function signingKey(
  config: Pick<Config, 'EVENTS_SIGNING_KEY' | 'DATA_DIR'>,
  embedded: boolean,
  log: FastifyBaseLogger,
): Promise<string> {
  if (config.EVENTS_SIGNING_KEY) return config.EVENTS_SIGNING_KEY;
  if (!embedded) {
    log.warn(
      'EVENTS_SIGNING_KEY is not set: event-stream tickets from this instance work on this instance only; set the same key on every instance',
    );
    return newKey();
  }
  const file = join(config.DATA_DIR, KEY_FILE);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = newKey();
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}
