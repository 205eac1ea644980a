#pragma once
// An experiment's results per variant, read through the storage interfaces so that every span
// and score store answers the same: a variant's traces are those started in the experiment's
// time with a span carrying `stacklens.experiment` = its id and `stacklens.prompt.variant` = its
// label (the SDK sets both); its scores are those given to these traces and their spans.
#include <string>
#include <vector>

#include "core/error.h"
#include "model/prompt.h"
#include "storage/score_store.h"
#include "storage/span_store.h"

namespace stacklens::query {

inline constexpr std::string_view kExperimentAttribute = "stacklens.experiment";
inline constexpr std::string_view kVariantAttribute = "stacklens.prompt.variant";

struct ScoreAverage {
  std::string name;
  int64_t count = 0;
  double average = 0;
};

struct VariantResult {
  ExperimentVariant variant;
  int64_t traces = 0, errors = 0;  // errors: traces with a failed span
  double latency_p50_ms = 0, latency_p95_ms = 0;
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost_usd = 0;
  std::vector<ScoreAverage> scores;  // numeric and boolean scores, by name
};

struct ExperimentResults {
  Micros from_us = 0, to_us = 0;
  // More traces or scores than read: the figures are of the newest kMaxTraces traces per
  // variant and the newest kMaxScores scores.
  bool capped = false;
  std::vector<VariantResult> variants;
};

inline constexpr int64_t kMaxTraces = 50000;
inline constexpr int64_t kMaxScores = 200000;

Result<ExperimentResults> experiment_results(SpanStore& spans, ScoreStore& scores, int64_t project_id,
                                             const Experiment& e, Micros now_us);

}  // namespace stacklens::query
