// Generates src/api/schema.ts from api/openapi.yaml (the dashboard's API types and enum values).
// With --check, generates into a temporary file instead and fails when src/api/schema.ts differs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const spec = path.join(web, "../api/openapi.yaml");
const committed = path.join(web, "src/api/schema.ts");
const cli = path.join(web, "node_modules/openapi-typescript/bin/cli.js");

// Properties are required unless the spec says otherwise: the server writes every field it documents.
function generate(out) {
  execFileSync(process.execPath, [cli, spec, "--enum-values", "--properties-required-by-default", "-o", out],
    { stdio: ["ignore", "ignore", "inherit"] });
}

if (!process.argv.includes("--check")) {
  generate(committed);
} else {
  const dir = mkdtempSync(path.join(tmpdir(), "stacklens-api-types-"));
  try {
    const fresh = path.join(dir, "schema.ts");
    generate(fresh);
    if (readFileSync(fresh, "utf8") !== readFileSync(committed, "utf8")) {
      console.error("web/src/api/schema.ts differs from api/openapi.yaml: run `npm run gen-types` in web/ and commit it");
      process.exit(1);
    }
    console.log("web/src/api/schema.ts matches api/openapi.yaml");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
