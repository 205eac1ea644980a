#include "core/json.h"

#include <array>
#include <cmath>
#include <fmt/format.h>

namespace stacklens::json {

bj::parse_options parse_options() {
  bj::parse_options opts;
  opts.max_depth = 32;
  return opts;
}

Error empty_body() { return make_error(ErrorCode::bad_request, "request body is empty: send a JSON object"); }

Error malformed(const boost::system::error_code& ec) {
  return make_error(ErrorCode::bad_request, fmt::format("malformed JSON: {}", ec.message()));
}

Result<bj::value> parse(std::string_view body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec, {}, parse_options());
  if (ec) return malformed(ec);
  return v;
}

std::string serialize(const bj::value& v) { return bj::serialize(v); }

namespace {
// What each byte becomes inside a JSON string: 0 as it is, 'u' as \u00XX, else a backslash and
// this character.
constexpr auto kEscapes = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['"'] = '"', t['\\'] = '\\', t['\b'] = 'b', t['\f'] = 'f', t['\n'] = 'n', t['\r'] = 'r', t['\t'] = 't';
  return t;
}();
}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Room for the text and a few escapes at once: exports quote megabytes of prompts this way.
  out.reserve(out.size() + s.size() + s.size() / 16 + 2);
  out += '"';
  size_t plain = 0;  // start of the run of characters copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const char e = kEscapes[static_cast<unsigned char>(s[i])];
    if (!e) continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    if (e != 'u') {
      const char pair[2] = {'\\', e};
      out.append(pair, 2);
    } else {
      const auto c = static_cast<unsigned char>(s[i]);
      const char six[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(six, 6);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

Result<std::optional<std::string>> opt_string(const bj::object& o, std::string_view key, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return make_error(ErrorCode::bad_request, fmt::format("{} must be a string", where));
  const auto& s = it->value().get_string();
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

Result<std::string> req_string(const bj::object& o, std::string_view key, std::string_view where) {
  auto r = opt_string(o, key, where);
  if (!r) return r.error();
  if (!r->has_value()) return make_error(ErrorCode::bad_request, fmt::format("{} is required", where));
  return std::move(**r);
}

Result<int64_t> to_int(const bj::value& v, std::string_view where) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(INT64_MAX))
      return make_error(ErrorCode::bad_request, fmt::format("{} is too large", where));
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  return make_error(ErrorCode::bad_request, fmt::format("{} must be an integer", where));
}

Result<double> to_number(const bj::value& v, std::string_view where) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
  return make_error(ErrorCode::bad_request, fmt::format("{} must be a number", where));
}

Result<std::optional<int64_t>> opt_int(const bj::object& o, std::string_view key, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>{};
  SL_TRY(n, to_int(it->value(), where));
  return std::optional<int64_t>(n);
}

Result<std::optional<double>> opt_number(const bj::object& o, std::string_view key, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<double>{};
  SL_TRY(d, to_number(it->value(), where));
  return std::optional<double>(d);
}

Result<std::optional<bool>> opt_bool(const bj::object& o, std::string_view key, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) return make_error(ErrorCode::bad_request, fmt::format("{} must be a boolean", where));
  return std::optional<bool>(it->value().get_bool());
}

Result<const bj::object*> req_object(const bj::value& v, std::string_view where) {
  if (!v.is_object()) return make_error(ErrorCode::bad_request, fmt::format("{} must be a JSON object", where));
  return &v.get_object();
}

namespace {

// Compact JSON with doubles written the short way (0.5, not 5E-1), at any depth.
void append_compact(std::string& out, const bj::value& v) {
  if (v.is_double() && std::isfinite(v.get_double())) {
    out += fmt::format("{}", v.get_double());
  } else if (v.is_array()) {
    out += '[';
    for (size_t i = 0; i < v.get_array().size(); ++i) {
      if (i) out += ',';
      append_compact(out, v.get_array()[i]);
    }
    out += ']';
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ',';
      first = false;
      out += bj::serialize(bj::value(kv.key()));
      out += ':';
      append_compact(out, kv.value());
    }
    out += '}';
  } else {
    out += bj::serialize(v);
  }
}

}  // namespace

std::string to_attribute_string(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  std::string out;
  append_compact(out, v);
  return out;
}

}  // namespace stacklens::json
