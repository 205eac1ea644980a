#include "model/attribute_values.h"

#include "core/json.h"

namespace stacklens {

std::optional<boost::json::value> typed_value(const TypedKeys& typed, std::string_view key, std::string_view text) {
  if (typed.empty() || !is_typed(typed, key)) return std::nullopt;
  auto parsed = json::parse(text);
  if (!parsed || parsed->is_string()) return std::nullopt;
  return std::move(*parsed);
}

boost::json::object attributes_object(const Attributes& attrs, const TypedKeys& typed) {
  boost::json::object o;
  for (const auto& [k, v] : attrs) {
    auto t = typed_value(typed, k, v);
    o[k] = t ? std::move(*t) : boost::json::value(v);
  }
  return o;
}

}  // namespace stacklens
