#include <fmt/format.h>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "api/trace_filter_params.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr int64_t kMaxBuckets = 10000;

// The metrics route's query parameters (api/openapi.yaml lists the same; the list's: trace_filter_params.h).
constexpr std::string_view kMetricsParams[] = {"from", "to", "interval", "group_by", "kind"};

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
