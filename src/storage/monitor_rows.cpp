#include "storage/monitor_rows.h"

#include <fmt/format.h>

#include "core/json.h"

namespace stacklens {

std::string filter_text(const MonitorFilter& f) {
  boost::json::object o;
  if (!f.operation.empty()) o["operation"] = f.operation;
  if (!f.model.empty()) o["model"] = f.model;
  if (!f.user_id.empty()) o["userId"] = f.user_id;
  if (!f.tags.empty()) {
    boost::json::array tags;
    for (const auto& t : f.tags) tags.emplace_back(t);
    o["tags"] = std::move(tags);
  }
  if (!f.attributes.empty()) {
    boost::json::object attributes;
    for (const auto& [k, v] : f.attributes) attributes[k] = v;
    o["attributes"] = std::move(attributes);
  }
  return json::serialize(o);
}

// Written by filter_text: anything else reads as no filter.
MonitorFilter filter_of_text(std::string_view stored) {
  MonitorFilter f;
  auto v = json::parse(stored);
  if (!v || !v->is_object()) return f;
  const auto& o = v->get_object();
  const auto text = [&](std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
  };
  f.operation = text("operation");
  f.model = text("model");
  f.user_id = text("userId");
  if (auto it = o.find("tags"); it != o.end() && it->value().is_array())
    for (const auto& t : it->value().get_array())
      if (t.is_string()) f.tags.emplace_back(t.get_string());
  if (auto it = o.find("attributes"); it != o.end() && it->value().is_object())
    for (const auto& [k, val] : it->value().get_object())
      if (val.is_string()) f.attributes.emplace_back(std::string(k), std::string(val.get_string()));
  return f;
}

std::string channel_ids_text(const std::vector<int64_t>& ids) {
  boost::json::array a;
  for (auto id : ids) a.emplace_back(id);
  return json::serialize(a);
}

std::vector<int64_t> channel_ids_of_text(std::string_view stored) {
  std::vector<int64_t> ids;
  auto v = json::parse(stored);
  if (!v || !v->is_array()) return ids;
  for (const auto& id : v->get_array())
    if (id.is_int64()) ids.push_back(id.get_int64());
  return ids;
}

Error monitor_missing(int64_t id) {
  return make_error(ErrorCode::not_found, fmt::format("monitor {} does not exist in this project", id));
}

Error monitor_taken(const std::string& name) {
  return make_error(ErrorCode::conflict, fmt::format("monitor '{}' already exists", name));
}

}  // namespace stacklens
