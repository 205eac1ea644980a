// GovernAI's audit log, read-only: no route writes, changes or deletes an entry (they are
// appended by ingest's policies only). One project's entries, newest first, filtered and paged
// by cursor; format=jsonl exports them as JSON Lines.
#include <fmt/format.h>

#include <algorithm>

#include "api/request_helpers.h"
#include "api/routes.h"
#include "model/governai_policy.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view kAuditParams[] = {"type", "policy", "model", "from", "to", "cursor", "limit", "format"};
constexpr int64_t kDefaultPage = 100, kMaxPage = 1000;
constexpr int64_t kMaxExport = 100000;  // lines of one export; the next page's cursor is in a header
constexpr int kExportChunk = 5000;

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

bool is_type_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Result<AuditFilter> audit_filter(const Principal& who, const http::Context& ctx) {
  AuditFilter f;
  f.project_id = who.project_id;
  if (auto t = ctx.query_param("type"); t && !t->empty()) {
    if (!is_type_name(*t))
      return bad(fmt::format("type must be a GovernAI type name such as email or card, got '{}'", t->substr(0, 64)));
    f.data_type = *t;
  }
  if (auto p = ctx.query_param("policy"); p && !p->empty()) {
    if (!parse_action(*p)) return bad(fmt::format("policy must be allow, redact or block, got '{}'", p->substr(0, 64)));
    f.policy = *p;
  }
  if (auto m = ctx.query_param("model"); m && !m->empty()) {
    if (m->size() > 200) return bad("model is longer than 200 characters");
    f.model = *m;
  }
  SL_TRY(from, time_param(ctx, "from"));
  SL_TRY(to, time_param(ctx, "to"));
  if (from && to && *from >= *to) return bad("from must be before to");
  f.from_us = from;
  f.to_us = to;
  if (auto c = ctx.query_param("cursor"); c && !c->empty()) {
    SL_TRY(cursor, int_param(ctx, "cursor", 1, INT64_MAX));
    f.before_id = *cursor;
  }
  return f;
}

bj::object entry_json(const AuditEntry& e) {
  return bj::object{{"id", e.id},
                    {"time", format_iso8601(e.time_us)},
                    {"type", e.data_type},
                    {"policy", e.policy},
                    {"field", e.field},
                    {"model", e.model},
                    {"provider", e.provider},
                    {"traceId", e.trace_id},
                    {"spanId", e.span_id},
                    {"prevHash", e.prev_hash},
                    {"hash", e.hash}};
}

Result<http::Reply> export_jsonl(Services& s, AuditFilter f) {
  http::Reply reply;
  reply.content_type = "application/x-ndjson";
  int64_t lines = 0;
  for (;;) {
    f.limit = static_cast<int>(std::min<int64_t>(kExportChunk, kMaxExport - lines));
    SL_TRY(page, s.meta.list_audit(f));
    for (const AuditEntry& e : page) {
      reply.body += bj::serialize(entry_json(e));
      reply.body += '\n';
    }
    lines += static_cast<int64_t>(page.size());
    if (page.size() < static_cast<size_t>(f.limit)) return reply;
    f.before_id = page.back().id;
    if (lines == kMaxExport) {
      reply.headers.emplace_back("X-StackLens-Next-Cursor", std::to_string(f.before_id));
      return reply;
    }
  }
}

}  // namespace

void add_audit_routes(http::Router& router, Services& s) {
  add_product_route(
      router, verb::get, "/governai/v1/audit",
      guarded(s, Scope::traces_read, false, kAuditParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                SL_TRY(f, audit_filter(who, ctx));
                const std::string format = ctx.query_param("format").value_or("");
                if (format == "jsonl") {
                  if (ctx.query_param("limit")) return bad("limit does not apply to format=jsonl (an export is whole)");
                  return export_jsonl(s, std::move(f));
                }
                if (!format.empty() && format != "json")
                  return bad(fmt::format("format must be json or jsonl, got '{}'", format.substr(0, 64)));
                SL_TRY(limit, int_param(ctx, "limit", 1, kMaxPage));
                f.limit = static_cast<int>(limit.value_or(kDefaultPage));
                // One more than asked says whether there is a next page.
                ++f.limit;
                SL_TRY(page, s.meta.list_audit(f));
                const bool more = page.size() == static_cast<size_t>(f.limit);
                if (more) page.pop_back();
                bj::array entries;
                for (const AuditEntry& e : page) entries.push_back(entry_json(e));
                return http::json_reply(
                    200, bj::object{{"entries", std::move(entries)},
                                    {"nextCursor", more ? bj::value(std::to_string(page.back().id)) : bj::value(nullptr)}});
              }));
}

}  // namespace stacklens::api
