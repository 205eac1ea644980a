#include <fmt/format.h>

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
                                                 "tag",      "attr", "limit", "min_latency_ms", "min_cost_usd", "cursor"};
constexpr std::string_view kMetricsParams[] = {"from", "to", "interval", "group_by", "kind"};

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
  SL_TRY(limit, int_param(ctx, "limit", 1, 500));
  f.limit = static_cast<int>(limit.value_or(50));
  f.cursor = text("cursor");
  return f;
}

Result<MetricsQuery> metrics_query(http::Context& ctx) {
  MetricsQuery q;
  SL_TRY(from, time_param(ctx, "from"));
  SL_TRY(to, time_param(ctx, "to"));
  q.to_us = to.value_or(now_micros());
  q.from_us = from.value_or(q.to_us - 24LL * 3600 * 1000000);
  if (q.from_us >= q.to_us) return make_error(ErrorCode::bad_request, "from must be before to");
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
                              bj::array traces;
                              for (const auto& t : page.traces) traces.push_back(trace_summary_json(t));
                              return http::json_reply(
                                  200, bj::object{{"traces", std::move(traces)},
                                                  {"nextCursor", page.next_cursor ? bj::value(*page.next_cursor)
                                                                                  : bj::value(nullptr)}});
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/traces/{traceId}",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(view, s.traces.get(who.project_id, ctx.params["traceId"]));
                              return http::json_reply(200, trace_detail_json(view));
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
