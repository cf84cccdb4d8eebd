// The embedded database under DATA_DIR belongs to one server process at a time.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SERVER, startServer as start, stopServer as stop } from './helpers/server-process.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'flagstone-lock-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));

t.test(
  'a second process on the same DATA_DIR says it is in use; one killed outright is taken over',
  async (t) => {
    // The event-loop check is off: this is about the lock, and a loaded host can stall a start.
    const first = await start({ DATA_DIR: dataDir, MAX_EVENT_LOOP_DELAY_MS: '0' });
    t.teardown(() => first.child.kill('SIGKILL'));
    const token = first.lines.join('\n').match(/shown only this once: (fs_[\w-]+)/)?.[1];
    const created = await fetch(`${first.base}/api/admin/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'kept', type: 'boolean', defaultValue: true }),
    });
    t.equal(created.status, 201);

    const second = spawn(process.execPath, [SERVER], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        MAX_EVENT_LOOP_DELAY_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => second.kill('SIGKILL'));
    let stderr = '';
    second.stderr.on('data', (d) => {
      stderr += d;
    });
    const listening = new Promise<string>((resolve) =>
      second.stdout.on('data', (d) => String(d).includes('Server listening') && resolve('listening')),
    );
    const outcome = await Promise.race([once(second, 'exit').then(([code]) => code), listening]);
    t.equal(outcome, 1, 'the second exits with 1 instead of listening');
    t.equal(
      stderr,
      `flagstone: DATA_DIR ${dataDir} is in use by another Flagstone process, and its embedded database takes one at a time; stop that process, or set DATA_DIR to another directory\n`,
    );
    t.equal((await fetch(`${first.base}/health/ready`)).status, 200, 'the first goes on serving');

    const killed = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    await killed;
    const third = await start({ DATA_DIR: dataDir, MAX_EVENT_LOOP_DELAY_MS: '0' });
    t.teardown(() => third.child.kill('SIGKILL'));
    t.comment(
      `a start after a process was killed outright: ${third.startupMs} ms (the lock goes stale in 10 s)`,
    );
    const kept = await fetch(`${third.base}/api/config/flags/kept`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await kept.text();
    t.equal(kept.status, 200, `the data survived the kill: ${body}`);
    if (kept.status !== 200) t.comment(third.lines.filter((l) => /"level":[45]0/.test(l)).join('\n'));
    t.equal(await stop(third), 0);
  },
);
