#include "storage/eval_rows.h"

#include <fmt/format.h>

namespace stacklens {

JudgeSchema judge_schema_of(std::string_view type, double min_value, double max_value, std::string_view categories) {
  JudgeSchema s;
  s.type = parse_score_type(type).value_or(ScoreType::numeric);
  s.min_value = min_value;
  s.max_value = max_value;
  s.categories = split_categories(categories);
  return s;
}

std::string join_attribute_lines(const std::vector<std::pair<std::string, std::string>>& attributes) {
  std::string out;
  for (const auto& [k, v] : attributes) out += (out.empty() ? "" : "\n") + k + "=" + v;
  return out;
}

std::vector<std::pair<std::string, std::string>> split_attribute_lines(std::string_view stored) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& line : split_categories(stored)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

EvalRunPage eval_run_page(std::vector<EvalRun> rows, int limit) {
  EvalRunPage page;
  if (rows.size() > static_cast<size_t>(limit)) {
    rows.resize(static_cast<size_t>(limit));
    page.next_before = rows.back().id;
  }
  page.runs = std::move(rows);
  return page;
}

void add_eval_run_totals(EvalRunTotals& t, std::string_view status, int64_t count, double cost_usd) {
  t.runs += count;
  t.cost_usd += cost_usd;
  if (status == "ok") t.ok += count;
  else if (status == "error") t.errors += count;
  else if (status == "dropped") t.dropped += count;
}

Error evaluator_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("evaluator '{}' does not exist in this project", name));
}

Error evaluator_taken(const std::string& name) {
  return make_error(ErrorCode::conflict, fmt::format("evaluator '{}' already exists", name));
}

Error evaluator_in_use(const std::string& name, const std::vector<std::string>& rules) {
  return make_error(ErrorCode::conflict, fmt::format("evaluator '{}' is used by rule(s) {}: delete or change them first",
                                                     name, fmt::join(rules, ", ")));
}

Error eval_rule_missing(int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("evaluation rule {} does not exist in this project", id));
}

Error eval_rule_taken(const std::string& name) {
  return make_error(ErrorCode::conflict, fmt::format("evaluation rule '{}' already exists", name));
}

}  // namespace stacklens
