// Server processes for the benchmarks: started on a spare loopback port, known by the line that
// says where they listen, and measured by their resident memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Server {
  base: string;
  child: ChildProcess;
  /** Milliseconds from spawn to listening: the time to ready. */
  readyMs: number;
}

export const here = (file: string) => new URL(file, import.meta.url).pathname;

/** Starts `script` with `env` (on core `core` when given) and resolves once it listens. */
export async function startServer(
  script: string,
  env: Record<string, string>,
  core?: number,
): Promise<Server> {
  const [command, args] =
    core === undefined
      ? [process.execPath, [script]]
      : ['taskset', ['-c', String(core), process.execPath, script]];
  const started = performance.now();
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening (?:on |at http:\/\/127\.0\.0\.1:)(\d+)/i.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  child.stdout?.resume();
  return { base: `http://127.0.0.1:${port}`, child, readyMs: performance.now() - started };
}

export const rssMb = (child: ChildProcess) =>
  Math.round(
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
  );
