#pragma once
// Model connections: a project's way to call a model provider from the server (evaluators,
// experiments, the playground). The provider key is sealed at rest and never answered.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "model/span.h"

namespace stacklens {

// openai: any OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, vLLM, Ollama,
// LiteLLM, ...); anthropic: Anthropic's messages API.
inline constexpr std::array<std::string_view, 2> kConnectionProviders = {"openai", "anthropic"};

struct ModelConnection {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string provider;
  std::string base_url;  // e.g. https://api.openai.com/v1, https://api.anthropic.com
  std::string default_model;
  std::optional<double> monthly_budget_usd;  // none: no cap
  int64_t max_concurrency = 4;               // calls in flight at once, per node
  int64_t timeout_ms = 60000;                // per call, retries included
  std::string key_hint;                      // the key's first and last characters
  SealedText sealed_key;
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

// What a connection spent in one calendar month (UTC), "2026-12".
struct ConnectionUsage {
  std::string month;
  double cost_usd = 0;
  int64_t calls = 0;
};

}  // namespace stacklens
