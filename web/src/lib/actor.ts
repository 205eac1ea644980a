// Who did something, as the server names them: `user:<email>` for people, `key:<prefix>` for API keys.

export const userActor = (email: string) => `user:${email}`;

/** A person by their email, a key as "key sl-…". */
export function actorName(actor: string | null | undefined): string {
  if (!actor) return "–";
  if (actor.startsWith("user:")) return actor.slice(5);
  if (actor.startsWith("key:")) return `key ${actor.slice(4)}`;
  return actor;
}
