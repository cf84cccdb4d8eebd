// The service's configuration as the stacks set it. Names, types, ranges, defaults and messages
// are the service's own (service/src/config.ts): a value the service would refuse at start stops
// the synth with the service's message, and a setting the service gains can be set here with no
// change to the stacks.
import { type Config, ConfigError, ConfigSchema, loadConfig } from '../../service/src/config.ts';
import { DEFAULT_PORT, SYNC_PORT } from '../../service/src/contract.ts';
import { IDLE_TIMEOUT_SECONDS } from './load-balancer.ts';

/** A variable the service reads. */
type ServiceVariable = keyof Config;

/** Variables as ECS passes them to the service. */
export type ServiceEnvironment = Partial<Record<ServiceVariable, string>>;

/** Every variable the service reads. */
const SERVICE_VARIABLES: ReadonlySet<string> = new Set(Object.keys(ConfigSchema.properties));

/** The values the stacks choose themselves: how a task is reached, and what the alarms read. */
const stackConfig = (metricsServiceName: string) =>
  ({
    PORT: DEFAULT_PORT,
    // The flagd sync service (gRPC): the load balancer's sync listener forwards to this port.
    SYNC_PORT,
    HOST: '0.0.0.0',
    // Longer than the load balancer's idle timeout, so it never reuses a connection the task closed.
    KEEP_ALIVE_TIMEOUT_SECONDS: IDLE_TIMEOUT_SECONDS + 15,
    // The load balancer appends the client's address to X-Forwarded-For (sign-in limits use it).
    TRUSTED_PROXY_HOPS: 1,
    // The alarms and the dashboard read these metrics: printed whatever the service would detect.
    METRICS_EMF: 'on',
    // The dimension the alarms and the dashboard name.
    SERVICE_NAME: metricsServiceName,
  }) as const satisfies Partial<Config>;

/** Variables the stacks fill from their own resources: the Redis endpoint and the secrets. */
const WIRED = [
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_AUTH_TOKEN',
  'ADMIN_TOKEN',
  'EVENTS_SIGNING_KEY',
  'OIDC_CLIENT_SECRET',
] as const satisfies readonly ServiceVariable[];

/** The configuration the tasks run with: the service's own, with the values the stacks choose. */
export type TaskConfig = Config & ReturnType<typeof stackConfig>;

type StackOwned = keyof ReturnType<typeof stackConfig> | (typeof WIRED)[number];
const STACK_OWNED: ReadonlySet<string> = new Set([...Object.keys(stackConfig('')), ...WIRED]);

/** The service's settings an environment chooses, by variable name and in the service's types. */
export type ServiceConfig = Partial<Omit<Config, StackOwned>>;

/** Values as the environment variables the service parses them back from. */
const asEnvironment = (values: Record<string, unknown>): ServiceEnvironment =>
  Object.fromEntries(
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, String(value)]),
  );

/**
 * Checks the chosen settings, with the stacks' own, as the service checks its environment at
 * start. `chosen` comes from settings.ts, which nothing type-checks before a synth: names are
 * checked here as well as values.
 */
export function checkServiceConfig(
  chosen: Record<string, unknown>,
  metricsServiceName: string,
):
  | {
      /** The variables the task definition sets, the stacks' wiring and secrets aside. */
      environment: ServiceEnvironment;
      /** The configuration the service will run with, its defaults included. */
      config: TaskConfig;
    }
  | { problems: string[] } {
  const problems: string[] = [];
  for (const name of Object.keys(chosen)) {
    if (!SERVICE_VARIABLES.has(name)) {
      problems.push(`service.config.${name} is not a setting of the service (README, "Configuration")`);
    } else if (STACK_OWNED.has(name)) {
      problems.push(`service.config.${name} is set by the stacks themselves`);
    }
  }
  if (problems.length > 0) return { problems };
  const stackValues = stackConfig(metricsServiceName);
  const environment = asEnvironment({ ...chosen, ...stackValues });
  try {
    // The service parses the stacks' values back to themselves; restating them keeps their types.
    return { environment, config: { ...loadConfig(environment), ...stackValues } };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { problems: [`service.config: the service would refuse to start: ${err.message}`] };
  }
}
