// The port to where environments are kept: the list of them, a new one, and the whole of one
// environment at one revision (what an instance loads into its snapshot).
import type { ActorRef } from '../access/authorization.ts';
import type { Environment } from './flag-schemas.ts';
import type { SnapshotChanges } from './snapshot.ts';

export interface EnvironmentStore {
  listEnvironments(): Promise<Environment[]>;
  /** Creates the environment at revision 0, with its audit event; throws ENVIRONMENT_EXISTS. */
  createEnvironment(key: string, actor: ActorRef): Promise<Environment>;
  /** The whole environment at one revision; null when it does not exist. */
  loadEnvironment(environment: string): Promise<SnapshotChanges | null>;
}
