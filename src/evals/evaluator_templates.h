#pragma once
// The ready evaluators users copy and edit (GET /evaluator-templates): each a template text and
// an output schema.
#include <span>
#include <string_view>

#include "model/evaluator.h"

namespace stacklens::evals {

struct EvaluatorTemplate {
  std::string_view name, description, template_text;
  JudgeSchema output;
};

std::span<const EvaluatorTemplate> evaluator_templates();

}  // namespace stacklens::evals
