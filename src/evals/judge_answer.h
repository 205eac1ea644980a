#pragma once
// The judge's answer read strictly: the whole answer is one JSON object {"score": ...,
// "reasoning": "..."} (alone, or alone inside one ```json fence, as models like to write it),
// and the score fits the evaluator's schema exactly. Anything else is an evaluation error that
// says what was wrong, never a score.
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/evaluator.h"

namespace stacklens::evals {

struct JudgeVerdict {
  ScoreType type = ScoreType::numeric;
  double number = 0;     // numeric; boolean as 0 or 1
  std::string category;  // categorical
  std::string reasoning;
};

// unprocessable, "the judge's answer does not fit the schema: <what>", when it does not.
Result<JudgeVerdict> parse_judge_answer(std::string_view answer, const JudgeSchema& schema);

// The schema in words, for the judge's instructions: "a number from 1 to 5", ...
std::string describe_schema(const JudgeSchema& schema);

}  // namespace stacklens::evals
