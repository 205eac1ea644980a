#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr int64_t kMaxBuckets = 10000;

// The query parameters of each GET route (api/openapi.yaml lists the same).
constexpr std::string_view kTraceListParams[] = {"from",     "to",  "name", "model",          "provider",     "status",
                                                 "tag",      "attr", "limit", "min_latency_ms", "min_cost_usd", "cursor",
                                                 "session_id", "user_id", "score", "sort", "unpriced"};
constexpr std::string_view kMetricsParams[] = {"from", "to", "interval", "group_by", "kind"};

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

Result<TraceFilter> trace_filter(http::Context& ctx) {
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
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(ErrorCode::bad_request, fmt::format("query parameter attr must be key=value, got '{}'", a.substr(0, 64)));
    f.attributes.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  if (f.tags.size() + f.attributes.size() > 20)
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

Result<MetricsQuery> metrics_query(http::Context& ctx) {
  MetricsQuery q;
  SL_TRY(period, period_params(ctx));
  q.from_us = period.from_us;
  q.to_us = period.to_us;
  SL_TRY(interval, int_param(ctx, "interval", 1, 366LL * 86400));
  if (interval) {
    q.interval_us = *interval * 1000000;
  } else {
    // About 60 buckets, rounded to whole minutes.
    q.interval_us = std::max<int64_t>(60, (q.to_us - q.from_us) / 60 / 1000000 / 60 * 60) * 1000000;
  }
  if (q.interval_us % 60000000 != 0)
    return make_error(ErrorCode::bad_request, "interval must be a whole number of minutes (a multiple of 60 seconds)");
  if ((q.to_us - q.from_us) / q.interval_us > kMaxBuckets)
    return make_error(ErrorCode::bad_request,
                      fmt::format("range / interval gives more than {} buckets: widen the interval", kMaxBuckets));
  const auto group = ctx.query_param("group_by").value_or("");
  if (group.empty() || group == "none") q.group_by = GroupBy::none;
  else if (group == "model") q.group_by = GroupBy::model;
  else if (group == "provider") q.group_by = GroupBy::provider;
  else if (group == "name") q.group_by = GroupBy::name;
  else return make_error(ErrorCode::bad_request, "group_by must be model, provider, name or none");
  if (auto kind = ctx.query_param("kind"); kind && !kind->empty()) {
    if (*kind != "llm") return make_error(ErrorCode::bad_request, "kind: metrics can be limited to llm spans only (kind=llm)");
    q.kind = *kind;
  }
  return q;
}

}  // namespace

void add_query_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/stacktrace/v1/traces",
                    guarded(s, Scope::traces_read, false, kTraceListParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(filter, trace_filter(ctx));
                              SL_TRY(page, s.traces.list(who.project_id, filter));
                              return http::json_reply(
                                  200, list_page_json("traces", page.traces, &trace_summary_json, page.next_cursor));
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/traces/{traceId}",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(view, s.traces.get(who.project_id, ctx.params["traceId"]));
                              SL_TRY(scores, s.scores.of_trace(who.project_id, ctx.params["traceId"]));
                              auto detail = trace_detail_json(view);
                              bj::array out;
                              for (const auto& sc : scores) out.push_back(score_json(sc));
                              detail["scores"] = std::move(out);
                              return http::json_reply(200, detail);
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/metrics",
                    guarded(s, Scope::traces_read, false, kMetricsParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(q, metrics_query(ctx));
                              SL_TRY(series, s.traces.metrics(who.project_id, q));
                              return http::json_reply(200, metrics_json(q, series));
                            }));
}

}  // namespace stacklens::api
