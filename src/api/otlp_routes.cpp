// POST /otlp/v1/traces: OTLP/HTTP trace export (protobuf or JSON, optionally
// gzip), read into validated spans by otlp/export_reader.h and committed
// through the same SpanWriter as native ingest: answered after the commit.
// Success is an ExportTraceServiceResponse in the request's encoding; errors
// are the server's usual JSON {"error": ...} (see docs/otlp.md).
#include <fmt/format.h>

#include "api/auth.h"
#include "api/otlp_export.h"
#include "api/routes.h"
#include "otlp/export_reader.h"

namespace stacklens::api {

void export_otlp(Services& s, const Principal& who, std::string_view content_type, std::string_view content_encoding,
                 std::string_view body, std::function<void(Result<OtlpAnswer>)> done) {
  auto read = otlp::read_export(content_type, content_encoding, body, who.project_id, s.settings.limits);
  if (!read) return done(read.error());
  // A span GovernAI blocks is rejected like an invalid one (OTLP answers per request, not per
  // span); its marker is stored.
  ingest::Screening screening;
  int64_t blocked = 0;
  std::string first_blocked;
  for (Span& span : read->spans)
    if (auto refused = s.governai.screen(span, screening); refused && blocked++ == 0) first_blocked = refused->message;
  if (auto st = s.governai.record(screening); !st) return done(st.error());
  if (blocked > 0) {
    auto& r = read->result;
    if (r.rejected_spans == 0)
      r.error_message = blocked == 1 ? first_blocked : fmt::format("{} (and {} more rejected)", first_blocked, blocked - 1);
    else
      r.error_message += fmt::format("; {} blocked by GovernAI policy", blocked);
    r.rejected_spans += blocked;
  }
  s.metrics.add_rejected(read->result.rejected_spans);
  // Rendered here, so the writer's thread only hands it over.
  auto answer = std::make_shared<OtlpAnswer>(OtlpAnswer{otlp::response_body(read->media_type, read->result),
                                                        std::string(otlp::content_type_of(read->media_type))});
  auto shared = std::make_shared<std::function<void(Result<OtlpAnswer>)>>(std::move(done));
  auto st = s.writer.submit(std::move(read->spans), [shared, answer](Status committed) {
    if (committed) return (*shared)(std::move(*answer));
    (*shared)(committed.error());
  });
  if (!st) (*shared)(st.error());
}

namespace {

void export_traces(Services& s, http::Context& ctx, http::Respond respond) {
  auto who = s.auth.authenticate(ctx, Scope::traces_write);
  if (!who) return respond(http::error_reply(who.error()));
  export_otlp(s, *who, ctx.header("Content-Type"), ctx.header("Content-Encoding"), ctx.req.body(),
              [respond = std::move(respond)](Result<OtlpAnswer> answer) {
                if (!answer) return respond(http::error_reply(answer.error()));
                respond(http::Reply{200, std::move(answer->body), std::move(answer->content_type), {}});
              });
}

}  // namespace

void add_otlp_routes(http::Router& router, Services& s) {
  router.add(boost::beast::http::verb::post, "/otlp/v1/traces",
             [&s](http::Context& ctx, http::Respond r) { export_traces(s, ctx, std::move(r)); });
}

}  // namespace stacklens::api
