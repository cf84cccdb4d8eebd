// The real server as a child process, for tests that need what only a process has: its own
// environment, signals, exit codes.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const SERVER = new URL('../../src/server.ts', import.meta.url).pathname;

export interface Running {
  child: ChildProcess;
  base: string;
  lines: string[];
  startupMs: number;
}

/**
 * Starts the server on a free port with exactly `env` (plus PATH), resolving once it listens;
 * `args` and `cwd` start another copy of it (an image's files).
 */
export async function startServer(
  env: Record<string, string>,
  { args = [SERVER], cwd }: { args?: string[]; cwd?: string } = {},
): Promise<Running> {
  const began = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (d) => stderr.push(String(d)));
  const base = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (listening) resolve(listening[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.join('')}`)));
  });
  return { child, base, lines, startupMs: Math.round(performance.now() - began) };
}

/** SIGTERM, then the exit code. */
export async function stopServer(server: Running) {
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number;
}

export { SERVER };
