#pragma once
// One LLM-as-judge evaluation: the evaluator's template filled from a span (or from values given
// for a dry run), the judge asked through a model connection, its answer read strictly
// (judge_answer.h) and given as a score with source "eval" and the reasoning as comment.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/evaluator.h"
#include "model/span.h"
#include "providers/model_caller.h"
#include "query/trace_service.h"
#include "storage/score_store.h"

namespace stacklens::evals {

// What a template's variables stand for.
struct JudgeInputs {
  std::string input, output, expected, context;
  Attributes attributes;
};

// bad_request naming the first variable that is not one of {{input}}, {{output}},
// {{expected}}, {{context}}, {{attributes.<key>}}, or a {{ left open.
Status check_template(std::string_view text);
// The template with its variables replaced (an attribute the span lacks becomes empty text).
std::string fill_template(std::string_view text, const JudgeInputs& in);

// A span's inputs: its prompt (or attribute `input`), completion (or attribute `output`), the
// attributes `expected_output` and `context`, and all its attributes. not_found when the trace
// or the span is not stored.
Result<JudgeInputs> inputs_of_span(query::TraceService& traces, int64_t project_id, const std::string& trace_id,
                                   const std::string& span_id);

// The call the judge gets: instructions to answer only the JSON object, then the filled template.
providers::ChatRequest judge_request(const Evaluator& e, const JudgeInputs& in);

// Where a verdict goes: a span's score under this id. None: a dry run, nothing stored.
struct JudgeTarget {
  std::string trace_id, span_id, score_id;
};

struct JudgeOutcome {
  Result<Score> score = make_error(ErrorCode::internal, "not judged");  // stored when targeted
  std::string reasoning;
  double cost_usd = 0;
  std::optional<std::string> judge_trace_id;
};

// The judge's reply turned into the outcome: the provider's error, an answer off the schema, or
// the score (stored in `scores` when there is a target).
JudgeOutcome conclude(const Evaluator& e, Result<providers::ChatResult> reply, const std::optional<JudgeTarget>& target,
                      ScoreStore& scores, int64_t project_id);

}  // namespace stacklens::evals
