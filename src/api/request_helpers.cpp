#include "api/request_helpers.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "core/json.h"

namespace stacklens::api {

Status check_query_params(const http::Context& ctx, QueryParams accepted) {
  std::vector<std::string> unknown;
  for (const auto& p : ctx.query) {
    const std::string_view key = p.key;
    // An empty name ("?", "?limit=5&") names nothing that could be misspelt.
    if (key.empty() || std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
    std::string name = fmt::format("'{}'", key.substr(0, 64));
    if (std::find(unknown.begin(), unknown.end(), name) == unknown.end()) unknown.push_back(std::move(name));
  }
  if (unknown.empty()) return ok_status();
  std::string takes = accepted.empty() ? "none" : fmt::format("{}", fmt::join(accepted, ", "));
  return make_error(ErrorCode::bad_request,
                    fmt::format("unknown query parameter{} {}; this route takes {}", unknown.size() > 1 ? "s" : "",
                                fmt::join(unknown, ", "), takes));
}

Result<boost::json::value> json_body(const http::Context& ctx) {
  if (ctx.req.body().empty()) return json::empty_body();
  return json::parse(ctx.req.body());
}

Result<std::optional<int64_t>> int_param(const http::Context& ctx, std::string_view name, int64_t lo, int64_t hi) {
  auto raw = ctx.query_param(name);
  if (!raw || raw->empty()) return std::optional<int64_t>{};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size() || v < lo || v > hi)
    return make_error(ErrorCode::bad_request, fmt::format("query parameter {} must be an integer from {} to {}", name, lo, hi));
  return std::optional<int64_t>(v);
}

Result<std::optional<double>> number_param(const http::Context& ctx, std::string_view name) {
  auto raw = ctx.query_param(name);
  if (!raw || raw->empty()) return std::optional<double>{};
  double v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size() || !std::isfinite(v) || v < 0)
    return make_error(ErrorCode::bad_request, fmt::format("query parameter {} must be a non-negative number", name));
  return std::optional<double>(v);
}

Result<std::optional<Micros>> time_param(const http::Context& ctx, std::string_view name) {
  auto raw = ctx.query_param(name);
  if (!raw || raw->empty()) return std::optional<Micros>{};
  auto t = parse_timestamp(*raw, fmt::format("query parameter {}", name));
  if (!t) return t.error();
  return std::optional<Micros>(*t);
}

Result<Project> project_by_id(MetaStore& meta, int64_t project_id) {
  SL_TRY(projects, meta.list_projects());
  for (Project& p : projects)
    if (p.id == project_id) return std::move(p);
  return make_error(ErrorCode::not_found, "this project does not exist");
}

Result<Period> period_params(const http::Context& ctx) {
  SL_TRY(from, time_param(ctx, "from"));
  SL_TRY(to, time_param(ctx, "to"));
  Period p;
  p.to_us = to.value_or(now_micros());
  p.from_us = from.value_or(p.to_us - 24LL * 3600 * 1000000);
  if (p.from_us >= p.to_us) return make_error(ErrorCode::bad_request, "from must be before to");
  return p;
}

void store_then_reply(Services& s, std::vector<Span> spans, http::Reply ok, http::Respond respond) {
  auto shared = std::make_shared<http::Respond>(std::move(respond));
  auto reply = std::make_shared<http::Reply>(std::move(ok));
  auto st = s.writer.submit(std::move(spans), [shared, reply](Status committed) {
    (*shared)(committed ? std::move(*reply) : http::error_reply(committed.error()));
  });
  if (!st) (*shared)(http::error_reply(st.error()));
}

Result<Admitted> admit(Services& s, http::Context& ctx, Scope scope, bool with_body, QueryParams query) {
  SL_TRY(who, s.auth.authenticate(ctx, scope));
  if (auto st = check_query_params(ctx, query); !st) return st.error();
  Admitted in{std::move(who), boost::json::object()};
  if (with_body) {
    SL_TRY(parsed, json_body(ctx));
    if (!parsed.is_object()) return make_error(ErrorCode::bad_request, "request body must be a JSON object");
    in.body = std::move(parsed);
  }
  return in;
}

Status check_name(std::string_view kind, const std::string& name) {
  constexpr size_t kMaxName = 128;
  if (name.empty() || name.size() > kMaxName)
    return make_error(ErrorCode::bad_request, fmt::format("{} name must be 1 to {} characters", kind, kMaxName));
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || (i > 0 && (c == '-' || c == '_' || c == '.'))))
      return make_error(ErrorCode::bad_request,
                        fmt::format("{} name may hold letters, digits, '-', '_' and '.', and must start with a letter "
                                    "or digit",
                                    kind));
  }
  return ok_status();
}

Status only_fields(const boost::json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& kv : o)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      return make_error(ErrorCode::bad_request,
                        fmt::format("unknown field '{}'", std::string_view(kv.key()).substr(0, 64)));
  return ok_status();
}

}  // namespace stacklens::api
