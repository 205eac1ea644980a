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
  ingest::Screening screening;
  const std::optional<Error> blocked = s.governai.screen(*span, screening);
  if (auto st = s.governai.record(screening); !st) return respond(http::error_reply(st.error()));
  if (blocked) {  // the answer is the refusal, given once the span's marker is committed
    s.metrics.add_rejected(1);
    std::vector<Span> marker;
    marker.push_back(std::move(*span));
    return store_then_reply(s, std::move(marker), http::error_reply(*blocked), std::move(respond));
  }
  std::string answer = "{\"accepted\":1,\"traceId\":";
  json::append_quoted(answer, span->trace_id);
  answer += ",\"spanId\":";
  json::append_quoted(answer, span->span_id);
  answer += '}';
  std::vector<Span> spans;
  spans.push_back(std::move(*span));
  store_then_reply(s, std::move(spans), http::Reply{200, std::move(answer), "application/json", {}}, std::move(respond));
}

// A batch sorted into the spans to store and the answer {"accepted", "rejected", "results"}.
struct SortedBatch {
  std::vector<Span> stored;  // the accepted spans and the markers of blocked ones
  int64_t rejected = 0;
  std::string answer;
};

// One result per span, in order; the spans to store move out of `parsed`: the accepted ones and
// the markers of those GovernAI blocked (`blocked[i]`), which are rejected in their result. The
// results are written as text as the spans are read (a JSON object per span, built and
// serialised, cost more than the rest of the answer).
SortedBatch sort_batch(std::vector<Result<Span>>& parsed, const std::vector<std::optional<Error>>& blocked) {
  SortedBatch out;
  auto& stored = out.stored;
  std::string results;
  results.reserve(parsed.size() * 64);
  stored.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    auto& span = parsed[i];
    results += i ? ",{\"index\":" : "{\"index\":";
    results += std::to_string(i);
    if (span && !blocked[i]) {
      results += ",\"status\":\"accepted\",\"spanId\":";
      json::append_quoted(results, span->span_id);
      stored.push_back(std::move(*span));
    } else {
      ++out.rejected;
      results += ",\"status\":\"rejected\",\"error\":";
      json::append_quoted(results, span ? blocked[i]->message : span.error().message);
      if (span) stored.push_back(std::move(*span));
    }
    results += '}';
  }
  const size_t accepted = parsed.size() - static_cast<size_t>(out.rejected);
  out.answer = fmt::format("{{\"accepted\":{},\"rejected\":{},\"results\":[", accepted, out.rejected);
  out.answer.reserve(out.answer.size() + results.size() + 2);
  out.answer += results;
  out.answer += "]}";
  return out;
}

// POST /stacktrace/v1/traces/batch: {"spans": [...]}, one result per span.
void ingest_batch(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  auto parsed = ingest::parse_wire_batch(ctx.req.body(), who->project_id, s.settings.limits);
  if (!parsed) return respond(http::error_reply(parsed.error()));
  ingest::Screening screening;
  std::vector<std::optional<Error>> blocked(parsed->size());
  for (size_t i = 0; i < parsed->size(); ++i)
    if ((*parsed)[i]) blocked[i] = s.governai.screen(*(*parsed)[i], screening);
  if (auto st = s.governai.record(screening); !st) return respond(http::error_reply(st.error()));
  SortedBatch batch = sort_batch(*parsed, blocked);
  parsed->clear();
  s.metrics.add_rejected(batch.rejected);
  store_then_reply(s, std::move(batch.stored), http::Reply{200, std::move(batch.answer), "application/json", {}},
                   std::move(respond));
}

}  // namespace

void add_ingest_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::post, "/stacktrace/v1/traces",
                    [&s](http::Context& ctx, http::Respond r) { ingest_one(s, ctx, std::move(r)); });
  add_product_route(router, verb::post, "/stacktrace/v1/traces/batch",
                    [&s](http::Context& ctx, http::Respond r) { ingest_batch(s, ctx, std::move(r)); });
}

}  // namespace stacklens::api
