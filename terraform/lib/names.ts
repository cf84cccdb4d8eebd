// Resource names derived once from the environment key and handed to every construct, so no
// construct repeats another's name as a literal.
import type { EnvironmentName } from '../settings.ts';

export interface ResourceNames {
  /** `flagstone-<environment>`: the prefix of every resource name. */
  readonly prefix: string;
  /** The ECS cluster. */
  readonly cluster: string;
  /** The ECS service. */
  readonly service: string;
  /** The container name in the service's task definition (the ALB forwards to it). */
  readonly container: string;
  /** SERVICE_NAME: the `ServiceName` dimension of the service's EMF metrics. */
  readonly metricsServiceName: string;
  /** The `Environment` tag, also the budget's cost filter. */
  readonly environment: EnvironmentName;
}

export function resourceNames(environment: EnvironmentName): ResourceNames {
  const prefix = `flagstone-${environment}`;
  return {
    prefix,
    cluster: prefix,
    service: prefix,
    container: 'flagstone',
    metricsServiceName: prefix,
    environment,
  };
}
