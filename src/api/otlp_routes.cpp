// POST /otlp/v1/traces: OTLP/HTTP trace export (protobuf or JSON, optionally
// gzip). Decoded by src/otlp/, mapped to StackLens spans, validated like native
// ingest and committed through the same SpanWriter: answered after the commit.
// Success is an ExportTraceServiceResponse in the request's encoding; errors
// are the server's usual JSON {"error": ...} (see docs/otlp.md).
#include <fmt/format.h>

#include <algorithm>

#include "api/auth.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "ingest/span_validator.h"
#include "otlp/export_response.h"
#include "otlp/genai_mapping.h"
#include "otlp/gzip.h"
#include "otlp/otlp_decoder.h"
#include "otlp/otlp_json.h"

namespace stacklens::api {
namespace {

enum class Encoding { protobuf, json };

std::string lower_token(std::string_view v) {
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  std::string out(v);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<Encoding> encoding_of(const http::Context& ctx) {
  const std::string type = lower_token(ctx.header("Content-Type"));
  if (type == "application/x-protobuf" || type == "application/protobuf") return Encoding::protobuf;
  if (type == "application/json" || type.empty()) return Encoding::json;
  return make_error(ErrorCode::unsupported_media,
                    fmt::format("Content-Type '{}' is not supported: send application/x-protobuf or application/json",
                                type.substr(0, 64)));
}

Result<std::string> body_of(const http::Context& ctx, size_t max_bytes) {
  const std::string enc = lower_token(ctx.header("Content-Encoding"));
  if (enc == "gzip") return otlp::gunzip(ctx.req.body(), max_bytes);
  if (enc.empty() || enc == "identity") return ctx.req.body();
  return make_error(ErrorCode::unsupported_media,
                    fmt::format("Content-Encoding '{}' is not supported: send gzip or none", enc.substr(0, 64)));
}

struct Mapped {
  std::vector<Span> spans;
  otlp::ExportResult result;
};

Mapped map_spans(const otlp::TraceRequest& req, int64_t project_id, const Limits& limits) {
  Mapped m;
  for (const auto& resource : req.resource_spans)
    for (const auto& scope : resource.scope_spans)
      for (const auto& in : scope.spans) {
        Span span = otlp::to_span(in, scope, resource, project_id);
        if (auto st = ingest::validate_span(span, limits); !st) {
          if (m.result.rejected_spans++ == 0)
            m.result.error_message = fmt::format("span '{}': {}", in.span_id.substr(0, 32), st.error().message);
          continue;
        }
        m.spans.push_back(std::move(span));
      }
  if (m.result.rejected_spans > 1)
    m.result.error_message += fmt::format(" (and {} more rejected)", m.result.rejected_spans - 1);
  return m;
}

http::Reply export_reply(Encoding enc, const otlp::ExportResult& r) {
  if (enc == Encoding::protobuf) return http::Reply{200, otlp::response_protobuf(r), "application/x-protobuf", {}};
  return http::Reply{200, otlp::response_json(r), "application/json", {}};
}

void export_traces(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  auto enc = encoding_of(ctx);
  if (!enc) return respond(http::error_reply(enc.error()));
  auto body = body_of(ctx, s.settings.limits.max_body_bytes);
  if (!body) return respond(http::error_reply(body.error()));
  auto req = *enc == Encoding::protobuf ? otlp::decode_protobuf(*body) : otlp::decode_json(*body);
  if (!req) return respond(http::error_reply(req.error()));
  if (const size_t n = req->span_count(); n > s.settings.limits.max_batch_spans)
    return respond(http::error_reply(make_error(
        ErrorCode::payload_too_large,
        fmt::format("request has {} spans; the limit is {} per request", n, s.settings.limits.max_batch_spans))));
  Mapped mapped = map_spans(*req, who->project_id, s.settings.limits);
  s.metrics.add_rejected(mapped.result.rejected_spans);
  http::Reply ok = export_reply(*enc, mapped.result);
  store_then_reply(s, std::move(mapped.spans), std::move(ok), std::move(respond));
}

}  // namespace

void add_otlp_routes(http::Router& router, Services& s) {
  router.add(boost::beast::http::verb::post, "/otlp/v1/traces",
             [&s](http::Context& ctx, http::Respond r) { export_traces(s, ctx, std::move(r)); });
}

}  // namespace stacklens::api
