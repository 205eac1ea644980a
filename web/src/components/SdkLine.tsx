import type { Environment } from "../api/types";
import { CopyButton } from "./CopyButton";

export function sdkLine(name: string, env: Environment): string {
  return `stacklens.prompts.get(${JSON.stringify(name)}, env=${JSON.stringify(env)})`;
}

/** The exact SDK line that fetches what an environment serves. */
export function SdkLine({ name, env }: { name: string; env: Environment }) {
  const line = sdkLine(name, env);
  return (
    <div className="sdk-line">
      <code data-testid={`sdk-line-${env}`}>{line}</code>
      <CopyButton text={line} />
    </div>
  );
}
