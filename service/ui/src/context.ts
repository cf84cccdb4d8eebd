// What every screen needs to know about the session and the environment on screen.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './types.ts';

export interface AppState {
  session: Session;
  environment: string;
  /** The environments the picker offers. */
  environments: string[];
  /** A read token: every changing control is disabled. */
  readOnly: boolean;
  /** A token limited to one environment cannot use the cross-environment routes (tokens). */
  restricted: boolean;
  /** A URL of the UI for `path` (e.g. '/flags'), in the given environment or the current one. */
  link: (path: string, environment?: string) => string;
  reloadEnvironments: () => void;
  /** The environment on screen is protected: changes there are proposed, for another person to approve. */
  protectedEnvironment: boolean;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside the signed-in app');
  return state;
}
