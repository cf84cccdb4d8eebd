// Server processes for the benchmarks: started on a spare loopback port, known by the line that
// says where they listen, and measured by their resident memory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

export const CORES = availableParallelism();

/** Whether `taskset` (util-linux) can pin processes to cores here. */
function canPin() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// BENCH_PIN=1: servers on the last core, the load generator on the others. Sharing cores, the
// load generator takes turns with the server it measures and the results drift with the
// scheduler; pinned, each server is held to one core.
export const PIN = process.env.BENCH_PIN === '1' && CORES >= 2 && canPin();
/** The core servers are started on when pinned. */
export const SERVER_CORE = PIN ? CORES - 1 : undefined;

/** Holds this process (the load generator) to the cores the servers do not use, when pinned. */
export function pinLoadGenerator() {
  if (PIN)
    execFileSync('taskset', ['-a', '-p', '-c', `0-${CORES - 2}`, String(process.pid)], { stdio: 'ignore' });
}

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

/** Prints a benchmark's table and keeps it as bench-results/`name`.md. */
export async function publish(name: string, table: string) {
  console.log(table);
  await mkdir('bench-results', { recursive: true });
  await writeFile(`bench-results/${name}.md`, `${table}\n`);
}

/** Stops the servers, lets them let go of the database, and drops it. */
export async function stopAll(servers: (Server | undefined)[], database: { drop(): Promise<void> }) {
  for (const server of servers) server?.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await database.drop();
}
