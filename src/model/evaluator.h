#pragma once
// LLM-as-judge evaluators and the rules that run them on live spans (api/openapi.yaml,
// "Evaluators"). Plain data; the judging lives in evals/.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "model/score.h"

namespace stacklens {

// What the judge must answer as its score: a number in [min, max], one of the categories, or
// true/false. The score it gives has the same type.
struct JudgeSchema {
  ScoreType type = ScoreType::numeric;
  double min_value = 0, max_value = 1;  // numeric only
  std::vector<std::string> categories;  // categorical only
};

struct Evaluator {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string description;
  // The judge's user message, with {{input}}, {{output}}, {{expected}}, {{context}} and
  // {{attributes.<key>}} filled in.
  std::string template_text;
  std::string connection;            // a model connection of the project, by name
  std::optional<std::string> model;  // none: the connection's default model
  JudgeSchema output;
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

// Which new spans a rule evaluates: LLM spans matching every field given.
struct RuleFilter {
  std::optional<std::string> name;                                // the span's operation name
  std::optional<std::string> model;                               // its model
  std::vector<std::string> tags;                                  // each among its tags
  std::vector<std::pair<std::string, std::string>> attributes;  // each key with this value
};

struct EvalRule {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string evaluator;  // by name
  RuleFilter filter;
  double sampling_rate = 1;  // the share of matching spans evaluated, 0..1
  int64_t delay_seconds = 0;  // after the span is stored
  bool paused = false;
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

// One span a rule picked: evaluated (ok), failed (error: the judge or the provider), or dropped
// because the evaluation queue was full.
inline constexpr std::string_view kEvalRunStatuses[] = {"ok", "error", "dropped"};

struct EvalRun {
  int64_t id = 0;
  int64_t rule_id = 0;
  std::string status;
  std::string trace_id, span_id;
  std::optional<std::string> score_id;  // ok: the score given
  std::optional<std::string> error;     // error, dropped: why
  double cost_usd = 0;                  // what the judge's call cost
  std::optional<std::string> judge_trace_id;  // the trace recording the judge's call
  Micros created_us = 0;
  int64_t spans = 1;  // how many spans the row stands for: a rule's drops are recorded together
};

struct EvalRunPage {
  std::vector<EvalRun> runs;  // newest first
  std::optional<int64_t> next_before;  // the next page: runs with a smaller id
};

struct EvalRunTotals {
  int64_t runs = 0, ok = 0, errors = 0, dropped = 0;
  double cost_usd = 0;
};

}  // namespace stacklens
