// Generates src/api/schema.ts from api/openapi.yaml (the dashboard's API types and enum values).
// Runs before every type check and build (package.json), so the types always follow the spec;
// the generated file is not committed (.gitignore).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const spec = path.join(web, "../api/openapi.yaml");
const cli = path.join(web, "node_modules/openapi-typescript/bin/cli.js");

// Properties are required unless the spec says otherwise: the server writes every field it documents.
execFileSync(process.execPath, [cli, spec, "--enum-values", "--properties-required-by-default", "-o",
  path.join(web, "src/api/schema.ts")], { stdio: ["ignore", "ignore", "inherit"] });
