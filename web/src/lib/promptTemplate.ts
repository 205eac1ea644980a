// FlowOps prompt templates as the server reads them (src/model/prompt_template.cpp): `{{name}}`, white space
// allowed inside the braces, a name being a letter or '_' then letters, digits or '_'.
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The variables a template names, in order of first appearance. */
export function templateVariables(content: string): string[] {
  return [...new Set([...content.matchAll(VARIABLE)].map((m) => m[1]))];
}

/** The template with every variable replaced by its value (absent ones by nothing: the caller checks first). */
export function compileTemplate(content: string, values: Record<string, string>): string {
  return content.replace(VARIABLE, (_, name: string) => values[name] ?? "");
}
