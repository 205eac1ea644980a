#include "storage/sqlite/span_codec.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/json.h"
#include "model/attribute_values.h"

namespace stacklens::sqlite {
namespace {
constexpr unsigned char kKey[crypto_shorthash_KEYBYTES] = {'s', 't', 'a', 'c', 'k', 'l', 'e', 'n',
                                                           's', '-', 'i', 'd', '-', 'k', 'e', 'y'};

std::string quoted(const std::string& s) { return json::serialize(boost::json::string(s)); }
}  // namespace

int64_t id_key(std::string_view id) {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(id.data()), id.size(), kKey);
  int64_t v;
  std::memcpy(&v, out, sizeof v);
  return v;
}

// Written directly rather than through a bj::object (a quarter of the cost on the ingest
// path); the text is the same as serialising that object.
std::string attributes_json(const Attributes& attrs, const TypedKeys& typed) {
  for (size_t i = 1; i < attrs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (attrs[i].first == attrs[j].first)  // a repeated key: the object's rule, the last value wins
        return json::to_attribute_string(attributes_object(attrs, typed));
  std::string out;
  size_t size = 2;
  for (const auto& [k, v] : attrs) size += k.size() + v.size() + 6;
  out.reserve(size);
  out += '{';
  for (const auto& [k, v] : attrs) {
    if (out.size() > 1) out += ',';
    json::append_quoted(out, k);
    out += ':';
    if (auto t = typed_value(typed, k, v)) out += json::to_attribute_string(*t);
    else json::append_quoted(out, v);
  }
  out += '}';
  return out;
}

std::string tags_json(const std::vector<std::string>& tags) {
  std::string out;
  out += '[';
  for (const auto& t : tags) {
    if (out.size() > 1) out += ',';
    json::append_quoted(out, t);
  }
  out += ']';
  return out;
}

std::string events_json(const std::vector<SpanEvent>& events) {
  if (events.empty()) return "[]";
  boost::json::array a;
  for (const auto& e : events) {
    a.push_back(boost::json::object{
        {"name", e.name}, {"time_us", e.time_us}, {"attributes", attributes_object(e.attributes, e.typed_attributes)}});
  }
  return json::serialize(a);
}

void parse_attributes(std::string_view text, Attributes& out, TypedKeys& typed) {
  if (auto attrs = json::parse(text); attrs && attrs->is_object())
    for (const auto& kv : attrs->get_object()) {
      if (!kv.value().is_string()) typed.emplace_back(kv.key());
      out.emplace_back(kv.key(), json::to_attribute_string(kv.value()));
    }
}

void parse_tags(std::string_view text, std::vector<std::string>& out) {
  if (auto tags = json::parse(text); tags && tags->is_array())
    for (const auto& t : tags->get_array())
      if (t.is_string()) out.emplace_back(t.get_string());
}

void parse_events(std::string_view text, std::vector<SpanEvent>& out) {
  if (text == "[]") return;
  auto events = json::parse(text);
  if (!events || !events->is_array()) return;
  for (const auto& e : events->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    SpanEvent ev;
    if (auto n = o.if_contains("name"); n && n->is_string()) ev.name = n->get_string();
    if (auto t = o.if_contains("time_us"); t && t->is_int64()) ev.time_us = t->get_int64();
    if (auto a = o.if_contains("attributes"); a && a->is_object())
      for (const auto& kv : a->get_object()) {
        if (!kv.value().is_string()) ev.typed_attributes.emplace_back(kv.key());
        ev.attributes.emplace_back(kv.key(), json::to_attribute_string(kv.value()));
      }
    out.push_back(std::move(ev));
  }
}

std::string attribute_needle(const std::string& key, const std::string& value) {
  return quoted(key) + ":" + quoted(value);
}

std::optional<double> decimal_number(std::string_view text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || text.empty() || p != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string attribute_key_needle(const std::string& key) { return quoted(key) + ":"; }

bool attribute_number_matches(std::string_view text, const std::string& key_needle, std::string_view op, double number,
                              bool strings_too) {
  for (size_t at = text.find(key_needle); at != std::string_view::npos; at = text.find(key_needle, at + 1)) {
    std::string_view rest = text.substr(at + key_needle.size());
    const bool quoted_value = !rest.empty() && rest.front() == '"';
    if (quoted_value && !strings_too) continue;
    if (quoted_value) rest.remove_prefix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (ec != std::errc() || p == rest.data()) continue;
    const char end = p == rest.data() + rest.size() ? '\0' : *p;
    // The whole value: a string's number ends at its closing quote, a number at , } or ]
    if (quoted_value ? end != '"' : (end != ',' && end != '}' && end != ']' && end != '\0')) continue;
    if (!std::isfinite(v)) continue;
    const bool match = op == ">" ? v > number : op == ">=" ? v >= number : op == "<" ? v < number
                     : op == "<=" ? v <= number : v == number;
    if (match) return true;
  }
  return false;
}

std::string tag_needle(const std::string& tag) { return quoted(tag); }

}  // namespace stacklens::sqlite
