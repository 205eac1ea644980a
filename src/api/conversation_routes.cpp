// The sessions and users of traces (their session_id / user_id), and one session's traces read
// as a conversation. (Sign-in sessions of the dashboard are session_routes.cpp.)
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

// The query parameters of each GET route (api/openapi.yaml lists the same).
constexpr std::string_view kSessionListParams[] = {"from", "to", "user_id", "sort", "order", "limit", "cursor"};
constexpr std::string_view kUserListParams[] = {"from", "to", "sort", "order", "limit", "cursor"};
constexpr std::string_view kSessionParams[] = {"limit", "cursor"};
constexpr int64_t kMaxListOffset = 10000;

// A period list's query; `sorts`: its sort keys. The period defaults to the last 24 hours.
template <size_t N>
Result<PeriodListQuery> period_query(http::Context& ctx, const std::string_view (&sorts)[N]) {
  PeriodListQuery q;
  SL_TRY(period, period_params(ctx));
  q.from_us = period.from_us;
  q.to_us = period.to_us;
  if (auto sort = ctx.query_param("sort"); sort && !sort->empty()) {
    if (std::find(std::begin(sorts), std::end(sorts), *sort) == std::end(sorts))
      return make_error(ErrorCode::bad_request,
                        fmt::format("sort must be one of {}, got '{}'", fmt::join(sorts, ", "), sort->substr(0, 64)));
    q.sort = *sort;
  }
  if (auto order = ctx.query_param("order"); order && !order->empty()) {
    if (*order != "asc" && *order != "desc") return make_error(ErrorCode::bad_request, "order must be asc or desc");
    q.ascending = *order == "asc";
  }
  SL_TRY(limit, int_param(ctx, "limit", 1, 500));
  q.limit = static_cast<int>(limit.value_or(50));
  if (auto c = ctx.query_param("cursor"); c && !c->empty()) {
    if (std::from_chars(c->data(), c->data() + c->size(), q.offset).ptr != c->data() + c->size() || q.offset < 0)
      return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
    // A page is found by walking the period from its start: deep pages cost what they skip.
    if (q.offset > kMaxListOffset)
      return make_error(ErrorCode::bad_request,
                        fmt::format("cursor is past the {}th entry: narrow the period or filter by user", kMaxListOffset));
  }
  return q;
}

template <typename Row>
bj::object page_json(const char* key, const PeriodPage<Row>& page, bj::object (*row_json)(const Row&)) {
  std::optional<std::string> cursor;
  if (page.next_offset) cursor = std::to_string(*page.next_offset);
  return list_page_json(key, page.rows, row_json, cursor);
}

}  // namespace

void add_conversation_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/stacktrace/v1/sessions",
                    guarded(s, Scope::traces_read, false, kSessionListParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(q, period_query(ctx, kSessionSorts));
                              if (auto user = ctx.query_param("user_id"); user && !user->empty()) q.user_id = *user;
                              SL_TRY(page, s.traces.sessions(who.project_id, q));
                              return http::json_reply(200, page_json("sessions", page, &session_summary_json));
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/sessions/{sessionId}",
                    guarded(s, Scope::traces_read, false, kSessionParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(limit, int_param(ctx, "limit", 1, 100));
                              auto cursor = ctx.query_param("cursor");
                              if (cursor && cursor->empty()) cursor.reset();
                              SL_TRY(view, s.traces.session(who.project_id, ctx.params["sessionId"],
                                                            static_cast<int>(limit.value_or(20)), std::move(cursor)));
                              return http::json_reply(200, session_view_json(view));
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/users",
                    guarded(s, Scope::traces_read, false, kUserListParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(q, period_query(ctx, kUserSorts));
                              SL_TRY(page, s.traces.users(who.project_id, q));
                              return http::json_reply(200, page_json("users", page, &user_summary_json));
                            }));
}

}  // namespace stacklens::api
