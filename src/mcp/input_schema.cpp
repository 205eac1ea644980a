#include "mcp/input_schema.h"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace stacklens::mcp {
namespace bj = boost::json;
namespace {

std::string_view type_of(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "boolean";
    case bj::kind::string: return "string";
    case bj::kind::array: return "array";
    case bj::kind::object: return "object";
    default: return "number";
  }
}

bool is_integer(const bj::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double() &&
         std::abs(v.get_double()) < 9e15;
}

bool fits_type(const bj::value& v, std::string_view type) {
  if (type == "integer") return is_integer(v);
  if (type == "number") return v.is_number() && std::isfinite(v.to_number<double>());
  return type_of(v) == type;
}

std::string name_of(const std::string& where) { return where.empty() ? "arguments" : fmt::format("argument '{}'", where); }

Error bad(const std::string& where, std::string what) {
  return make_error(ErrorCode::bad_request, fmt::format("{} {}", name_of(where), what));
}

std::string quoted_list(const bj::array& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(bj::serialize(v));
  return fmt::format("{}", fmt::join(out, ", "));
}

Status check(const bj::object& schema, const bj::value& v, const std::string& where) {
  if (const auto* type = schema.if_contains("type")) {
    std::vector<std::string_view> types;
    if (type->is_string()) types.push_back(type->get_string());
    else
      for (const auto& t : type->get_array()) types.push_back(t.get_string());
    bool fits = false;
    for (auto t : types) fits = fits || fits_type(v, t);
    if (!fits) {
      std::vector<std::string> names;
      for (auto t : types) names.push_back(t == "integer" ? "an integer" : t == "array" || t == "object" ? fmt::format("an {}", t) : fmt::format("a {}", t));
      return bad(where, fmt::format("must be {}, got {}", fmt::join(names, " or "), type_of(v)));
    }
  }
  if (const auto* allowed = schema.if_contains("enum")) {
    bool found = false;
    for (const auto& a : allowed->get_array()) found = found || a == v;
    if (!found) return bad(where, fmt::format("must be one of {}", quoted_list(allowed->get_array())));
  }
  if (v.is_number()) {
    const double n = v.to_number<double>();
    if (const auto* min = schema.if_contains("minimum"); min && n < min->to_number<double>())
      return bad(where, fmt::format("must be at least {}", bj::serialize(*min)));
    if (const auto* max = schema.if_contains("maximum"); max && n > max->to_number<double>())
      return bad(where, fmt::format("must be at most {}", bj::serialize(*max)));
  }
  if (v.is_string()) {
    const size_t size = v.get_string().size();
    if (const auto* min = schema.if_contains("minLength"); min && size < min->to_number<uint64_t>())
      return bad(where, min->to_number<uint64_t>() == 1 ? "must not be empty"
                                                         : fmt::format("must hold at least {} characters", bj::serialize(*min)));
    if (const auto* max = schema.if_contains("maxLength"); max && size > max->to_number<uint64_t>())
      return bad(where, fmt::format("must hold at most {} characters", bj::serialize(*max)));
  }
  if (v.is_array()) {
    const auto& items = v.get_array();
    if (const auto* max = schema.if_contains("maxItems"); max && items.size() > max->to_number<uint64_t>())
      return bad(where, fmt::format("must hold at most {} items", bj::serialize(*max)));
    if (const auto* item_schema = schema.if_contains("items"))
      for (size_t i = 0; i < items.size(); ++i)
        if (auto st = check(item_schema->get_object(), items[i], fmt::format("{}[{}]", where, i)); !st) return st;
  }
  if (v.is_object()) {
    const auto& o = v.get_object();
    const bj::object* properties = nullptr;
    if (const auto* p = schema.if_contains("properties")) properties = &p->get_object();
    if (const auto* required = schema.if_contains("required"))
      for (const auto& r : required->get_array()) {
        const std::string_view key = r.get_string();
        const std::string child = where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
        if (!o.contains(key)) return make_error(ErrorCode::bad_request, fmt::format("{} is required", name_of(child)));
      }
    const auto* extra = schema.if_contains("additionalProperties");
    for (const auto& kv : o) {
      const std::string key(kv.key().substr(0, 64));
      const std::string child = where.empty() ? key : fmt::format("{}.{}", where, key);
      const bj::value* sub = properties ? properties->if_contains(kv.key()) : nullptr;
      if (sub) {
        if (auto st = check(sub->get_object(), kv.value(), child); !st) return st;
      } else if (extra && extra->is_bool() && !extra->get_bool()) {
        std::vector<std::string> known;
        if (properties)
          for (const auto& p : *properties) known.push_back(std::string(p.key()));
        return make_error(ErrorCode::bad_request,
                          fmt::format("unknown {}; this tool takes {}", name_of(child),
                                      known.empty() ? "no arguments" : fmt::format("{}", fmt::join(known, ", "))));
      } else if (extra && extra->is_object()) {
        if (auto st = check(extra->get_object(), kv.value(), child); !st) return st;
      }
    }
  }
  return ok_status();
}

}  // namespace

Status check_arguments(const bj::object& schema, const bj::value& arguments) { return check(schema, arguments, ""); }

}  // namespace stacklens::mcp
