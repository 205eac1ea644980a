#include "http/router.h"

#include <fmt/format.h>

namespace stacklens::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool match(std::string_view pattern, const std::vector<std::string_view>& segs, std::map<std::string, std::string>& params,
           bool& bad_encoding) {
  const auto pat = split_path(pattern);
  if (pat.size() != segs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      auto decoded = percent_decode(segs[i]);
      if (!decoded) {
        bad_encoding = true;
        return false;
      }
      found[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::move(*decoded);
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

std::string_view Context::header(std::string_view name) const {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

std::optional<std::string> Context::query_param(std::string_view name) const {
  for (const auto& p : query)
    if (p.key == name) return std::string(p.value);
  return std::nullopt;
}

std::vector<std::string> Context::query_params(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& p : query)
    if (p.key == name) out.emplace_back(p.value);
  return out;
}

void Router::add(boost::beast::http::verb method, std::string pattern, Handler handler) {
  routes_.push_back(Route{method, std::move(pattern), std::move(handler)});
}

void Router::dispatch(const Request& req, Respond respond, std::string& route_label) const {
  route_label = "unmatched";
  std::string_view target(req.target().data(), req.target().size());
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return respond(error_reply(make_error(ErrorCode::bad_request, "request target is not a valid URL")));
  auto path_raw = url->encoded_path();
  const auto segs = split_path(std::string_view(path_raw.data(), path_raw.size()));
  bool path_matched = false, bad_encoding = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r.pattern, segs, params, bad_encoding)) continue;
    path_matched = true;
    if (r.method != req.method()) continue;
    route_label = r.pattern;
    Context ctx{req, std::move(params), std::string(path_raw.data(), path_raw.size()), url->params()};
    return r.handler(ctx, std::move(respond));
  }
  if (!path_matched && fallback_ && req.method() == boost::beast::http::verb::get) {
    route_label = "static";
    Context ctx{req, {}, std::string(path_raw.data(), path_raw.size()), url->params()};
    return fallback_(ctx, std::move(respond));
  }
  if (bad_encoding) return respond(error_reply(make_error(ErrorCode::bad_request, "path has a malformed %-escape")));
  if (path_matched)
    return respond(error_reply(make_error(ErrorCode::method_not_allowed,
                                          fmt::format("method {} is not allowed on {}",
                                                      std::string(req.method_string()), std::string(path_raw)))));
  respond(error_reply(make_error(ErrorCode::not_found, fmt::format("no route for {}", std::string(path_raw)))));
}

}  // namespace stacklens::http
