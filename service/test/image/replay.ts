// Builds the Dockerfile's stages without Docker: each stage gets an empty folder standing for the
// image's filesystem, holding only what the stage copies (from the build context, less what
// .dockerignore leaves out, or from an earlier stage's folder), and its RUN commands run there.
// So a file the image needs and does not copy is missing here too. Commands that cannot run on
// this machine are skipped by a declared rule (RUN_RULES); one no rule names fails the replay.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { type Copy, DockerfileParser, type Env, type Instruction } from 'dockerfile-ast';

const run = promisify(execFile);

export interface Stage {
  name: string;
  /** The folder standing for the image's `/`. */
  root: string;
  /** WORKDIR, as a path inside the image. */
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  healthcheck?: string[];
}

export interface Replay {
  stages: Map<string, Stage>;
  /** Each command skipped, with the rule's reason. */
  skipped: string[];
}

export interface ReplayOptions {
  /** The build context: the project's root. */
  context: string;
  /** An empty folder for the stages' folders. */
  into: string;
  /** The installed packages `npm ci` stands for: they must match the copied package-lock.json. */
  installed: string;
  /** Variables the replay's commands get besides the stage's ENV (PATH, Prisma's engine). */
  env: Record<string, string>;
}

type Action = 'skip' | 'run' | 'npm-ci' | 'mkdir';

/** How each command of a RUN line (split at `&&`) is replayed. */
const RUN_RULES: { pattern: RegExp; action: Action; why: string }[] = [
  {
    pattern: /^apt-get /,
    action: 'skip',
    why: "system packages of the base image, which holds none of the project's files",
  },
  { pattern: /^rm -rf \/var\/lib\/apt\/lists\/\*$/, action: 'skip', why: "apt's package lists" },
  { pattern: /^npm cache clean --force$/, action: 'skip', why: "npm's download cache" },
  { pattern: /^chown [\w:-]+ [\w/.-]+$/, action: 'skip', why: 'ownership: the replay runs as one user' },
  { pattern: /^npm ci( --[a-z-]+(=[a-z]+)?)*$/, action: 'npm-ci', why: 'installs package-lock.json' },
  { pattern: /^mkdir -p( \/[\w/.-]+)+$/, action: 'mkdir', why: 'creates folders' },
  { pattern: /^(npx prisma generate|npm run [\w:-]+)$/, action: 'run', why: "builds from the stage's files" },
];

/** Instructions that change no file the replay could check. */
const NO_FILES = new Set(['USER', 'EXPOSE', 'LABEL', 'STOPSIGNAL']);

/** The .dockerignore rules as Docker applies them: the last pattern matching a path or one of its parents decides. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = posix.normalize(line.slice(exception ? 1 : 0).trim()).replace(/^\/+/, '');
      if (/[[\\]/.test(pattern)) throw new Error(`.dockerignore: the replay does not read '${line}'`);
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(.*/)?';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|]/g, '\\$&');
        })
        .join('');
      return { exception, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const { exception, regex } of rules) {
      if (prefixes.some((prefix) => regex.test(prefix))) ignored = !exception;
    }
    return ignored;
  };
}

/** Replays every stage of `dockerfile` in order; rejects naming the instruction that failed. */
export async function replay(dockerfile: string, options: ReplayOptions): Promise<Replay> {
  const ignored = dockerignore(
    await readFile(join(options.context, '.dockerignore'), 'utf8').catch(() => ''),
  );
  const stages = new Map<string, Stage>();
  const skipped: string[] = [];
  let stage: Stage | undefined;
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = `line ${instruction.getRange().start.line + 1}: ${keyword} ${instruction.getArgumentsContent()}`;
    if (keyword === 'FROM') {
      stage = await from(instruction, stages, options.into);
      stages.set(stage.name, stage);
      continue;
    }
    if (!stage) throw new Error(`${line}: before any FROM`);
    try {
      if (keyword === 'WORKDIR') {
        stage.workdir = posix.resolve(stage.workdir, instruction.getArgumentsContent() ?? '');
        await mkdir(inside(stage, stage.workdir), { recursive: true });
      } else if (keyword === 'ENV') {
        for (const p of (instruction as Env).getProperties()) stage.env[p.getName()] = p.getValue() ?? '';
      } else if (keyword === 'COPY') {
        await copy(instruction as Copy, stage, stages, options.context, ignored);
      } else if (keyword === 'RUN') {
        await runLine(instruction.getArgumentsContent() ?? '', stage, options, skipped);
      } else if (keyword === 'CMD') {
        stage.cmd = execForm(instruction.getArgumentsContent() ?? '');
      } else if (keyword === 'HEALTHCHECK') {
        stage.healthcheck = execForm((instruction.getArgumentsContent() ?? '').replace(/^CMD\s+/, ''));
      } else if (!NO_FILES.has(keyword)) {
        throw new Error('the replay has no rule for this instruction');
      }
    } catch (err) {
      throw new Error(`stage '${stage.name}', ${line}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { stages, skipped };
}

/** A command in its JSON form, the one Docker runs without a shell. */
function execForm(content: string): string[] {
  const argv: unknown = JSON.parse(content.startsWith('[') ? content : 'null');
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    throw new Error('the replay reads a command in its JSON form only: ["program", "argument"]');
  }
  return argv;
}

/** A stage starts from an earlier stage's folder, or empty for a base image, whose Node must be ours. */
async function from(instruction: Instruction, stages: Map<string, Stage>, into: string): Promise<Stage> {
  const [image = '', as, name = image] = instruction.getArguments().map((a) => a.getValue());
  if (as?.toUpperCase() !== 'AS') throw new Error(`FROM ${image}: name the stage (FROM image AS name)`);
  const root = join(into, name);
  const earlier = stages.get(image);
  if (earlier) {
    await cp(earlier.root, root, { recursive: true, verbatimSymlinks: true });
    return { ...earlier, name, root, env: { ...earlier.env } };
  }
  const node = /^node:(\d+)/.exec(image)?.[1];
  if (node !== process.versions.node.split('.')[0]) {
    throw new Error(`FROM ${image}: the replay runs on Node ${process.versions.node}, not this base image's`);
  }
  await mkdir(root, { recursive: true });
  return { name, root, workdir: '/', env: {} };
}

const inside = (stage: Stage, path: string) => join(stage.root, posix.resolve(stage.workdir, path));

/** COPY's rules: a folder's content goes into the destination; several sources, or a trailing `/`, name a folder. */
async function copy(
  instruction: Copy,
  stage: Stage,
  stages: Map<string, Stage>,
  context: string,
  ignored: (path: string) => boolean,
) {
  const flags = instruction.getFlags();
  const unknown = flags.find((f) => f.getName() !== 'from');
  if (unknown) throw new Error(`the replay does not read --${unknown.getName()}`);
  const fromName = flags[0] && (flags[0].getValue() ?? '');
  const source = fromName === undefined ? undefined : stages.get(fromName);
  if (fromName !== undefined && !source) throw new Error(`no earlier stage named '${fromName}'`);
  const args = instruction.getArguments().map((a) => a.getValue());
  const destination = args.pop() ?? '';
  const intoFolder = args.length > 1 || destination.endsWith('/');
  for (const arg of args) {
    if (/[*?[]/.test(arg)) throw new Error(`the replay does not expand '${arg}'`);
    const path = source ? join(source.root, posix.resolve('/', arg)) : join(context, arg);
    const inContext = posix.normalize(arg).replace(/^\/+/, '');
    const found = await stat(path).catch(() => undefined);
    if (!found || (!source && ignored(inContext))) {
      throw new Error(`'${arg}' not found ${source ? `in stage '${source.name}'` : 'in the build context'}`);
    }
    const target = inside(
      stage,
      found.isFile() && intoFolder ? posix.join(destination, basename(arg)) : destination,
    );
    await mkdir(found.isFile() ? dirname(target) : target, { recursive: true });
    await cp(path, target, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (file) => source !== undefined || !ignored(relative(context, file)),
    });
  }
}

async function runLine(line: string, stage: Stage, options: ReplayOptions, skipped: string[]) {
  for (const command of line.split('&&').map((c) => c.trim().replace(/\s+/g, ' '))) {
    const rule = RUN_RULES.find((r) => r.pattern.test(command));
    if (!rule) throw new Error(`the replay has no rule for '${command}': add one to RUN_RULES`);
    const cwd = inside(stage, '.');
    if (rule.action === 'skip') skipped.push(`${stage.name}: ${command} (${rule.why})`);
    else if (rule.action === 'mkdir') {
      for (const path of command.split(' ').slice(2))
        await mkdir(join(stage.root, path), { recursive: true });
    } else if (rule.action === 'npm-ci') {
      await linkLockedPackages(cwd, options.installed, command.includes('--omit=dev'));
    } else {
      await run('sh', ['-c', command], {
        cwd,
        env: { ...options.env, ...stage.env, npm_config_offline: 'true' },
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`'${command}' failed: ${err.stderr || err.stdout || err.message}`);
      });
    }
  }
}

interface Locked {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * `npm ci` without the download: reads the package.json and package-lock.json the stage holds
 * (as npm ci does, refusing a lock out of step with package.json), and links each package the
 * lock names, dev ones only without --omit=dev, from `installed`, which must hold exactly the
 * locked version.
 */
async function linkLockedPackages(app: string, installed: string, omitDev: boolean) {
  const read = async (file: string) =>
    JSON.parse(
      await readFile(join(app, file), 'utf8').catch(() => {
        throw new Error(`npm ci needs ${file} in the working directory; the stage has not copied it`);
      }),
    );
  const manifest: Locked = await read('package.json');
  const lock: { packages: Record<string, Locked> } = await read('package-lock.json');
  const root = lock.packages[''] ?? {};
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
    if (JSON.stringify(manifest[field] ?? {}) !== JSON.stringify(root[field] ?? {})) {
      throw new Error(`package-lock.json's ${field} differ from package.json's: npm ci would refuse`);
    }
  }
  await mkdir(join(app, 'node_modules', '.bin'), { recursive: true });
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || (omitDev && entry.dev)) continue;
    const name = path.slice('node_modules/'.length);
    const source = join(installed, name);
    const found: Locked | undefined = JSON.parse(
      await readFile(join(source, 'package.json'), 'utf8').catch(() => 'null'),
    );
    // npm leaves out optional packages built for another platform.
    if (!found && (entry.optional || entry.devOptional)) continue;
    if (!found || found.version !== entry.version) {
      throw new Error(
        `${path} is ${found?.version ?? 'missing'} in ${installed}, locked at ${entry.version}: run npm ci`,
      );
    }
    await mkdir(dirname(join(app, path)), { recursive: true });
    await symlink(source, join(app, path));
    const bins = typeof found.bin === 'string' ? { [basename(name)]: found.bin } : (found.bin ?? {});
    for (const [bin, file] of Object.entries(bins)) {
      // Two packages may name the same command: the first keeps it.
      await symlink(join(source, file), join(app, 'node_modules', '.bin', bin)).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        },
      );
    }
  }
}
