// Who is signed in, in which project, with which role: the whole app reads it here.
import { createContext, useContext } from "react";
import type { Role, Session } from "./types";

export interface SessionContextValue {
  session: Session;
  project: string;
  role: Role;
  switchProject: (name: string) => void;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside the signed-in app");
  return value;
}

export const can = {
  editPrompts: (role: Role) => role === "admin" || role === "member",
  manageKeys: (role: Role) => role === "admin",
  manageMembers: (role: Role) => role === "admin",
};
