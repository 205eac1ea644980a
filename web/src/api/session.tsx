// Who is signed in, in which project, with which role and scopes: the whole app reads it here.
import { createContext, useContext } from "react";
import type { Role, Scope, Session } from "./types";

export interface SessionContextValue {
  session: Session;
  project: string;
  role: Role;
  /** Whether the user's role in the project grants the scope (the server's answer, not a copy of its rules). */
  can: (scope: Scope) => boolean;
  switchProject: (name: string) => Promise<void>;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside the signed-in app");
  return value;
}
