#include <fmt/format.h>

#include "api/auth.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "core/json.h"
#include "ingest/span_parser.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

// POST /stacktrace/v1/traces: one span in the hosted client's wire format.
void ingest_one(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  auto span = ingest::parse_wire_span(ctx.req.body(), who->project_id, s.settings.limits);
  if (!span) return s.metrics.add_rejected(1), respond(http::error_reply(span.error()));
  std::string answer = "{\"accepted\":1,\"traceId\":";
  json::append_quoted(answer, span->trace_id);
  answer += ",\"spanId\":";
  json::append_quoted(answer, span->span_id);
  answer += '}';
  std::vector<Span> spans;
  spans.push_back(std::move(*span));
  store_then_reply(s, std::move(spans), http::Reply{200, std::move(answer), "application/json", {}}, std::move(respond));
}

// POST /stacktrace/v1/traces/batch: {"spans": [...]}, one result per span.
void ingest_batch(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  auto parsed = ingest::parse_wire_batch(ctx.req.body(), who->project_id, s.settings.limits);
  if (!parsed) return respond(http::error_reply(parsed.error()));
  // The answer's results are written as text as the spans are read (a JSON object per span,
  // built and serialised, cost more than the rest of the answer).
  std::string results;
  results.reserve(parsed->size() * 64);
  std::vector<Span> spans;
  spans.reserve(parsed->size());
  int64_t rejected = 0;
  for (size_t i = 0; i < parsed->size(); ++i) {
    auto& span = (*parsed)[i];
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
  parsed->clear();
  s.metrics.add_rejected(rejected);
  const int64_t accepted = static_cast<int64_t>(spans.size());
  std::string answer = fmt::format("{{\"accepted\":{},\"rejected\":{},\"results\":[", accepted, rejected);
  answer.reserve(answer.size() + results.size() + 2);
  answer += results;
  answer += "]}";
  store_then_reply(s, std::move(spans), http::Reply{200, std::move(answer), "application/json", {}}, std::move(respond));
}

}  // namespace

void add_ingest_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::post, "/stacktrace/v1/traces",
                    [&s](http::Context& ctx, http::Respond r) { ingest_one(s, ctx, std::move(r)); });
  add_product_route(router, verb::post, "/stacktrace/v1/traces/batch",
                    [&s](http::Context& ctx, http::Respond r) { ingest_batch(s, ctx, std::move(r)); });
}

}  // namespace stacklens::api
