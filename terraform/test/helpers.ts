// Shared test helpers: synthesize a stack from settings and read the Terraform JSON.
import { Testing } from 'cdktf';
import { FlagstoneStack } from '../lib/stack.ts';
import { type EnvironmentName, type EnvironmentSettings, environments } from '../settings.ts';

export type Json = Record<string, unknown>;

export interface Synthesized {
  readonly json: Json;
  /** The raw string, for cdktf's Testing matchers. */
  readonly raw: string;
  /** Resources of one type: [logical id, config without metadata]. */
  resources(type: string): Array<[string, Json]>;
  /** Resources of one type, each with its logical id as `id`. */
  list(type: string): Array<Json & { id: string }>;
  /** The one resource of a type (fails if there are several). */
  one(type: string): Json;
  /** The resource of a type whose logical id starts with `prefix`. */
  named(type: string, prefix: string): Json;
  /** A reference to an attribute of that resource: `${type.<id>.attribute}`. */
  refTo(type: string, prefix: string, attribute: string): string;
  /** Every resource type present. */
  types(): string[];
}

const cache = new Map<string, Synthesized>();

/** Synthesizes the stack for `settings` (memoised per environment when unmodified). */
export function synth(settings: EnvironmentSettings): Synthesized {
  const app = Testing.app();
  const stack = new FlagstoneStack(app, settings.environment, settings);
  const raw = Testing.synth(stack);
  const json = JSON.parse(raw) as Json;
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  const api: Synthesized = {
    json,
    raw,
    resources: (type) =>
      Object.entries(resources[type] ?? {}).map(([id, config]) => [id, withoutMetadata(config)]),
    list: (type) => api.resources(type).map(([id, config]) => ({ ...config, id }) as Json & { id: string }),
    one(type) {
      const all = api.resources(type);
      if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
      return all[0]![1];
    },
    named(type, prefix) {
      const found = api.resources(type).filter(([id]) => id.startsWith(prefix));
      if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.length}`);
      return found[0]![1];
    },
    refTo(type, prefix, attribute) {
      const found = Object.keys(resources[type] ?? {}).filter((id) => id.startsWith(prefix));
      if (found.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${found.length}`);
      return ref(type, found[0]!, attribute);
    },
    types: () => Object.keys(resources).sort(),
  };
  return api;
}

export function synthEnvironment(environment: EnvironmentName): Synthesized {
  let result = cache.get(environment);
  if (!result) {
    result = synth(environments[environment]);
    cache.set(environment, result);
  }
  return result;
}

export const ENVIRONMENTS: readonly EnvironmentName[] = ['staging', 'production'];

function withoutMetadata(config: Json): Json {
  const { '//': _metadata, ...rest } = config;
  return rest;
}

/** A Terraform reference to an attribute: `${type.id.attr}`. */
export const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

/** Removes values that change without a configuration change (cdktf metadata, versions). */
export function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Json)
        .filter(([key]) => key !== '//')
        .map(([key, v]) => [key, stable(v)]),
    );
  }
  return value;
}

export const parse = <T = Json>(text: unknown): T => JSON.parse(String(text)) as T;

/** The service container's plain environment and secrets, by variable name. */
export function serviceContainer(s: Synthesized) {
  const [container] = parse<
    Array<{
      environment: Array<{ name: string; value: string }>;
      secrets: Array<{ name: string; valueFrom: string }>;
    }>
  >(s.named('aws_ecs_task_definition', 'service_task').container_definitions);
  return {
    environment: Object.fromEntries(container!.environment.map((e) => [e.name, e.value])),
    secrets: Object.fromEntries(container!.secrets.map((e) => [e.name, e.valueFrom])),
  };
}
