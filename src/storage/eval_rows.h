#pragma once
// How both metadata backends keep evaluators, rules and runs in columns of text and numbers,
// and the errors they answer (model/evaluator.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "model/evaluator.h"

namespace stacklens {

// The output schema from its columns: the type's name, the range, the categories one per line.
JudgeSchema judge_schema_of(std::string_view type, double min_value, double max_value, std::string_view categories);

// A rule filter's attributes as stored: one "key=value" per line (keys hold no '=' and neither
// holds a line break: the API refuses them).
std::string join_attribute_lines(const std::vector<std::pair<std::string, std::string>>& attributes);
std::vector<std::pair<std::string, std::string>> split_attribute_lines(std::string_view stored);

// `rows` read with one more than `limit`: the page, and where the next starts when it was there.
EvalRunPage eval_run_page(std::vector<EvalRun> rows, int limit);
void add_eval_run_totals(EvalRunTotals& t, std::string_view status, int64_t count, double cost_usd);

Error evaluator_missing(const std::string& name);
Error evaluator_taken(const std::string& name);
Error evaluator_in_use(const std::string& name, const std::vector<std::string>& rules);
Error eval_rule_missing(int64_t id);
Error eval_rule_taken(const std::string& name);

}  // namespace stacklens
