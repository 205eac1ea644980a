// The model, temperature and max tokens a form asks for (the playground, a prompt run), read
// from its text fields: the ones filled in, or the message naming the first that is wrong.
export interface ModelParameters {
  model?: string;
  temperature?: number;
  maxTokens?: number;
}

export function modelParameters(model: string, temperature: string, maxTokens: string): ModelParameters | string {
  const out: ModelParameters = {};
  if (model.trim()) out.model = model.trim();
  if (temperature.trim()) {
    out.temperature = Number(temperature);
    if (!(out.temperature >= 0 && out.temperature <= 2)) return "The temperature is a number from 0 to 2.";
  }
  if (maxTokens.trim()) {
    out.maxTokens = Number(maxTokens);
    if (!Number.isInteger(out.maxTokens) || out.maxTokens < 1) return "Max tokens is a whole number above 0.";
  }
  return out;
}
