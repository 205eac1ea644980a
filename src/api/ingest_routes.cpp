#include <fmt/format.h>

#include "api/auth.h"
#include "api/request_helpers.h"
#include "api/routes.h"
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
  // The body and the answer live in one arena, freed at once: a storage_ptr that does not own
  // its monotonic resource lets Boost.JSON skip destroying the values one by one.
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
  bj::array results(arena);
  results.reserve(items->size());
  std::vector<Span> spans;
  int64_t rejected = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    auto span = ingest::parse_wire_span((*items)[i], who->project_id, s.settings.limits);
    if (span) {
      results.push_back(bj::object({{"index", i}, {"status", "accepted"}, {"spanId", span->span_id}}, arena));
      spans.push_back(std::move(*span));
    } else {
      ++rejected;
      results.push_back(bj::object({{"index", i}, {"status", "rejected"}, {"error", span.error().message}}, arena));
    }
  }
  s.metrics.add_rejected(rejected);
  const int64_t accepted = static_cast<int64_t>(spans.size());
  http::Reply ok =
      http::json_reply(200, bj::object({{"accepted", accepted}, {"rejected", rejected}, {"results", std::move(results)}}, arena));
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
