#include <fmt/format.h>

#include "api/auth.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "core/json.h"
#include "ingest/span_parser.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

// POST /stacktrace/v1/traces: one span in the hosted client's wire format.
void ingest_one(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  // The body is parsed into an arena that starts on the stack (see ingest_batch).
  unsigned char first_block[8192];
  bj::monotonic_resource arena_memory(first_block, sizeof first_block);
  const bj::storage_ptr arena(&arena_memory);
  auto body = json_body(ctx, arena);
  if (!body) return s.metrics.add_rejected(1), respond(http::error_reply(body.error()));
  auto span = ingest::parse_wire_span(*body, who->project_id, s.settings.limits);
  if (!span) return s.metrics.add_rejected(1), respond(http::error_reply(span.error()));
  http::Reply ok =
      http::json_reply(200, bj::object{{"accepted", 1}, {"traceId", span->trace_id}, {"spanId", span->span_id}});
  std::vector<Span> spans;
  spans.push_back(std::move(*span));
  store_then_reply(s, std::move(spans), std::move(ok), std::move(respond));
}

// POST /stacktrace/v1/traces/batch: {"spans": [...]}, one result per span.
void ingest_batch(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  // The body lives in an arena freed at once: a storage_ptr that does not own its monotonic
  // resource lets Boost.JSON skip destroying the values one by one.
  bj::monotonic_resource arena_memory;
  const bj::storage_ptr arena(&arena_memory);
  auto body = json_body(ctx, arena);
  if (!body) return respond(http::error_reply(body.error()));
  const bj::array* items = nullptr;
  if (body->is_array()) items = &body->get_array();
  else if (body->is_object())
    if (auto it = body->get_object().find("spans"); it != body->get_object().end() && it->value().is_array())
      items = &it->value().get_array();
  if (!items)
    return respond(http::error_reply(make_error(ErrorCode::bad_request, "body must be {\"spans\": [span, ...]}")));
  if (items->size() > s.settings.limits.max_batch_spans)
    return respond(http::error_reply(make_error(
        ErrorCode::payload_too_large,
        fmt::format("batch has {} spans; the limit is {} per request", items->size(), s.settings.limits.max_batch_spans))));
  // The answer's results are written as text as the spans are read (a JSON object per span,
  // built and serialised, cost more than the rest of the answer).
  std::string results;
  results.reserve(items->size() * 64);
  std::vector<Span> spans;
  spans.reserve(items->size());
  int64_t rejected = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    auto span = ingest::parse_wire_span((*items)[i], who->project_id, s.settings.limits);
    results += i ? ",{\"index\":" : "{\"index\":";
    results += std::to_string(i);
    if (span) {
      results += ",\"status\":\"accepted\",\"spanId\":";
      json::append_quoted(results, span->span_id);
      spans.push_back(std::move(*span));
    } else {
      ++rejected;
      results += ",\"status\":\"rejected\",\"error\":";
      json::append_quoted(results, span.error().message);
    }
    results += '}';
  }
  s.metrics.add_rejected(rejected);
  const int64_t accepted = static_cast<int64_t>(spans.size());
  std::string answer = fmt::format("{{\"accepted\":{},\"rejected\":{},\"results\":[", accepted, rejected);
  answer.reserve(answer.size() + results.size() + 2);
  answer += results;
  answer += "]}";
  http::Reply ok{200, std::move(answer), "application/json", {}};
  store_then_reply(s, std::move(spans), std::move(ok), std::move(respond));
}

}  // namespace

void add_ingest_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::post, "/stacktrace/v1/traces",
                    [&s](http::Context& ctx, http::Respond r) { ingest_one(s, ctx, std::move(r)); });
  add_product_route(router, verb::post, "/stacktrace/v1/traces/batch",
                    [&s](http::Context& ctx, http::Respond r) { ingest_batch(s, ctx, std::move(r)); });
}

}  // namespace stacklens::api
