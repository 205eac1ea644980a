#include "evals/judge_answer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/json.h"

namespace stacklens::evals {
namespace bj = boost::json;
namespace {

Error off_schema(std::string what) {
  return make_error(ErrorCode::unprocessable, "the judge's answer does not fit the schema: " + std::move(what));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// What is between ``` or ```json and the closing ```, when the answer is one such block.
Result<std::string_view> unfence(std::string_view s) {
  if (!s.starts_with("```")) return s;
  s.remove_prefix(3);
  const auto line_end = s.find('\n');
  if (line_end == std::string_view::npos) return off_schema("a ``` fence that never closes");
  const std::string_view info = trim(s.substr(0, line_end));
  if (!info.empty() && info != "json" && info != "JSON")
    return off_schema(fmt::format("a ```{} block, not JSON", info.substr(0, 20)));
  s.remove_prefix(line_end + 1);
  s = trim(s);
  if (!s.ends_with("```")) return off_schema("text after the ``` block, or a fence that never closes");
  s.remove_suffix(3);
  if (s.find("```") != std::string_view::npos) return off_schema("more than one ``` block");
  return s;
}

std::string shown(std::string_view s) {
  return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 60)) + "...";
}

Status check_score(const bj::value& v, const JudgeSchema& schema, JudgeVerdict& out) {
  out.type = schema.type;
  switch (schema.type) {
    case ScoreType::numeric: {
      if (!v.is_number()) return off_schema(fmt::format("score must be a number, got {}", shown(json::serialize(v))));
      const double n = v.to_number<double>();
      if (!std::isfinite(n)) return off_schema("score must be a finite number");
      if (n < schema.min_value || n > schema.max_value)
        return off_schema(fmt::format("score {} is outside {} to {}", n, schema.min_value, schema.max_value));
      out.number = n;
      return ok_status();
    }
    case ScoreType::categorical: {
      if (!v.is_string())
        return off_schema(fmt::format("score must be one of the categories ({}), got {}",
                                      fmt::join(schema.categories, ", "), shown(json::serialize(v))));
      const std::string category(v.get_string());
      if (std::find(schema.categories.begin(), schema.categories.end(), category) == schema.categories.end())
        return off_schema(fmt::format("score '{}' is not one of the categories ({})", shown(category),
                                      fmt::join(schema.categories, ", ")));
      out.category = category;
      return ok_status();
    }
    case ScoreType::boolean:
      if (!v.is_bool())
        return off_schema(fmt::format("score must be true or false, got {}", shown(json::serialize(v))));
      out.number = v.get_bool() ? 1 : 0;
      return ok_status();
  }
  return off_schema("unknown schema type");
}

}  // namespace

Result<JudgeVerdict> parse_judge_answer(std::string_view answer, const JudgeSchema& schema) {
  const std::string_view whole = trim(answer);
  if (whole.empty()) return off_schema("the answer is empty");
  SL_TRY(body, unfence(whole));
  body = trim(body);
  if (!body.starts_with('{'))
    return off_schema(fmt::format("the answer must be only a JSON object, it starts with '{}'", shown(body)));
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec, {}, json::parse_options());
  if (ec) return off_schema(fmt::format("the answer is not one JSON object ({})", ec.message()));
  if (!v.is_object()) return off_schema("the answer must be a JSON object");
  const bj::object& o = v.get_object();
  for (const auto& kv : o)
    if (kv.key() != "score" && kv.key() != "reasoning")
      return off_schema(fmt::format("unexpected field '{}': only score and reasoning", shown(kv.key())));
  JudgeVerdict out;
  const auto score = o.find("score");
  if (score == o.end()) return off_schema("score is missing");
  if (auto st = check_score(score->value(), schema, out); !st) return st.error();
  const auto reasoning = o.find("reasoning");
  if (reasoning == o.end()) return off_schema("reasoning is missing");
  if (!reasoning->value().is_string()) return off_schema("reasoning must be a string");
  out.reasoning = std::string(reasoning->value().get_string());
  return out;
}

std::string describe_schema(const JudgeSchema& schema) {
  switch (schema.type) {
    case ScoreType::numeric:
      return fmt::format("a number from {} to {}", schema.min_value, schema.max_value);
    case ScoreType::categorical: {
      std::vector<std::string> quoted;
      for (const auto& c : schema.categories) quoted.push_back(json::serialize(bj::string(c)));
      return fmt::format("exactly one of these strings: {}", fmt::join(quoted, ", "));
    }
    case ScoreType::boolean:
      return "true or false (a JSON boolean)";
  }
  return "";
}

}  // namespace stacklens::evals
