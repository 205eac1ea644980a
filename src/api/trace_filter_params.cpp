#include "api/trace_filter_params.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "api/request_helpers.h"

namespace stacklens::api {

namespace {

// `score=accuracy>0.8`: name, operator, value. A number compares with numeric and boolean
// scores; true/false with booleans; any other text equals (or, with !=, differs from) a category.
Result<ScoreCondition> score_condition(const std::string& raw) {
  static constexpr std::string_view ops[] = {">=", "<=", "!=", ">", "<", "="};
  const auto bad = [&] {
    return make_error(ErrorCode::bad_request,
                      fmt::format("query parameter score must be <name><op><value> with op one of > >= < <= = !=, "
                                  "got '{}'", raw.substr(0, 64)));
  };
  const auto at = raw.find_first_of("<>=!");
  if (at == std::string::npos || at == 0) return bad();
  ScoreCondition c;
  c.name = raw.substr(0, at);
  for (auto op : ops)
    if (raw.compare(at, op.size(), op) == 0) {
      c.op = op;
      break;
    }
  if (c.op.empty()) return bad();
  const std::string value = raw.substr(at + c.op.size());
  if (value.empty()) return bad();
  double number = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec == std::errc() && p == value.data() + value.size() && std::isfinite(number)) c.number = number;
  else if (value == "true" || value == "false") c.number = value == "true" ? 1 : 0;
  else c.text = value;
  if (!c.number && c.op != "=" && c.op != "!=")
    return make_error(ErrorCode::bad_request,
                      fmt::format("query parameter score: a category compares with = or != only, got '{}'",
                                  raw.substr(0, 64)));
  return c;
}

}  // namespace

std::optional<AttributeComparison> attribute_comparison(std::string_view raw) {
  const auto at = raw.find_first_of("<>=");
  if (at == std::string_view::npos || at == 0 || raw[at] == '=') return std::nullopt;
  AttributeComparison c;
  c.key = std::string(raw.substr(0, at));
  c.op = raw.substr(at, at + 1 < raw.size() && raw[at + 1] == '=' ? 2 : 1);
  const std::string_view value = raw.substr(at + c.op.size());
  double number = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || ec != std::errc() || p != value.data() + value.size() || !std::isfinite(number)) return std::nullopt;
  c.number = number;
  return c;
}

Result<TraceFilter> trace_filter(const http::Context& ctx) {
  TraceFilter f;
  SL_TRY(from, time_param(ctx, "from"));
  SL_TRY(to, time_param(ctx, "to"));
  f.from_us = from;
  f.to_us = to;
  const auto text = [&](const char* name) -> std::optional<std::string> {
    auto v = ctx.query_param(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  f.name = text("name");
  f.model = text("model");
  f.provider = text("provider");
  f.status = text("status");
  if (f.status && *f.status != "ok" && *f.status != "error")
    return make_error(ErrorCode::bad_request, "query parameter status must be ok or error");
  for (auto& t : ctx.query_params("tag"))
    if (!t.empty()) f.tags.push_back(std::move(t));
  for (const auto& a : ctx.query_params("attr")) {
    if (auto c = attribute_comparison(a)) {
      f.attribute_numbers.push_back(std::move(*c));
      continue;
    }
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(ErrorCode::bad_request,
                        fmt::format("query parameter attr must be key=value or key<op>number with op one of > >= < <=, "
                                    "got '{}'", a.substr(0, 64)));
    f.attributes.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  if (f.tags.size() + f.attributes.size() + f.attribute_numbers.size() > 20)
    return make_error(ErrorCode::bad_request, "at most 20 tag and attr filters at once");
  SL_TRY(min_latency, number_param(ctx, "min_latency_ms"));
  SL_TRY(min_cost, number_param(ctx, "min_cost_usd"));
  f.min_latency_ms = min_latency;
  f.min_cost_usd = min_cost;
  if (auto unpriced = text("unpriced")) {
    if (*unpriced != "true" && *unpriced != "false")
      return make_error(ErrorCode::bad_request, "query parameter unpriced must be true or false");
    f.unpriced = *unpriced == "true";
  }
  SL_TRY(limit, int_param(ctx, "limit", 1, 500));
  f.limit = static_cast<int>(limit.value_or(50));
  f.cursor = text("cursor");
  f.session_id = text("session_id");
  f.user_id = text("user_id");
  for (const auto& c : ctx.query_params("score")) {
    SL_TRY(condition, score_condition(c));
    f.scores.push_back(std::move(condition));
  }
  if (f.scores.size() > 5) return make_error(ErrorCode::bad_request, "at most 5 score filters at once");
  if (auto sort = text("sort")) {
    // score:<name> (highest first) or score:<name>:asc
    std::string_view v = *sort;
    if (!v.starts_with("score:") || v.size() == 6)
      return make_error(ErrorCode::bad_request, "query parameter sort must be score:<name> or score:<name>:asc");
    v.remove_prefix(6);
    if (v.ends_with(":asc")) v.remove_suffix(4), f.sort_ascending = true;
    else if (v.ends_with(":desc")) v.remove_suffix(5);
    if (v.empty()) return make_error(ErrorCode::bad_request, "query parameter sort must be score:<name> or score:<name>:asc");
    f.sort_score = std::string(v);
  }
  return f;
}

}  // namespace stacklens::api
