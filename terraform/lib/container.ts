// ECS container definitions, built as plain objects and serialised for `container_definitions`.

export interface ContainerSpec {
  /** The container name. */
  readonly name: string;
  /** The image reference, `<repository>:<tag>`. */
  readonly image: string;
  /** Plain environment variables (never secrets). */
  readonly environment?: Readonly<Partial<Record<string, string>>>;
  /** Variables filled by ECS from Secrets Manager at task start: name -> secret ARN (optionally `:<json-key>::`). */
  readonly secrets?: Readonly<Partial<Record<string, string>>>;
  /** The log group and stream prefix for the awslogs driver. */
  readonly logs: { readonly group: string; readonly region: string; readonly streamPrefix: string };
  /** The container ports to map, by name (none for one-off jobs), e.g. `{ http: 3000 }`. */
  readonly ports?: Readonly<Record<string, number>>;
  /** Overrides the image's CMD. */
  readonly command?: readonly string[];
  /** The container health check: command and grace period in seconds. */
  readonly healthCheck?: { readonly command: readonly string[]; readonly startPeriod: number };
  /** Seconds between SIGTERM and SIGKILL. */
  readonly stopTimeout?: number;
}

const sorted = (record: Readonly<Partial<Record<string, string>>> | undefined) =>
  Object.entries(record ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));

export function containerDefinitions(containers: readonly ContainerSpec[]): string {
  return JSON.stringify(
    containers.map((c) => ({
      name: c.name,
      image: c.image,
      essential: true,
      ...(c.command ? { command: c.command } : {}),
      ...(c.ports
        ? {
            portMappings: Object.entries(c.ports).map(([name, containerPort]) => ({
              name,
              containerPort,
              protocol: 'tcp',
            })),
          }
        : {}),
      environment: sorted(c.environment).map(([name, value]) => ({ name, value })),
      secrets: sorted(c.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
      ...(c.healthCheck
        ? {
            healthCheck: {
              command: c.healthCheck.command,
              interval: 10,
              timeout: 5,
              retries: 3,
              startPeriod: c.healthCheck.startPeriod,
            },
          }
        : {}),
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: c.stopTimeout ?? 30,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': c.logs.group,
          'awslogs-region': c.logs.region,
          'awslogs-stream-prefix': c.logs.streamPrefix,
          mode: 'non-blocking',
          'max-buffer-size': '25m',
        },
      },
    })),
  );
}
