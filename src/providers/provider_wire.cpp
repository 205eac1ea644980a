#include "providers/provider_wire.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace stacklens::providers {
namespace {

namespace bj = boost::json;

// Anthropic requires max_tokens; this is what a call without one asks for.
constexpr int64_t kAnthropicDefaultMaxTokens = 1024;

std::string trimmed_base(const std::string& base) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b;
}

Error not_the_shape(const ModelConnection& c, std::string_view what) {
  return make_error(ErrorCode::upstream,
                    fmt::format("model connection '{}': the provider's answer {}", c.name, what));
}

int64_t int_at(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return 0;
  return it->value().get_int64();
}

std::string string_at(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

}  // namespace

WireRequest build_request(const ModelConnection& c, const std::string& key, const ChatRequest& req) {
  const std::string model = req.model.empty() ? c.default_model : req.model;
  WireRequest out;
  bj::object body{{"model", model}};
  if (req.temperature) body["temperature"] = *req.temperature;
  if (c.provider == "anthropic") {
    out.url = trimmed_base(c.base_url) + "/v1/messages";
    out.headers = {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}};
    std::string system;
    bj::array messages;
    for (const auto& m : req.messages) {
      if (m.role == "system") system += (system.empty() ? "" : "\n\n") + m.content;
      else messages.push_back(bj::object{{"role", m.role}, {"content", m.content}});
    }
    if (!system.empty()) body["system"] = system;
    body["messages"] = std::move(messages);
    body["max_tokens"] = req.max_tokens.value_or(kAnthropicDefaultMaxTokens);
  } else {
    out.url = trimmed_base(c.base_url) + "/chat/completions";
    out.headers = {{"Authorization", "Bearer " + key}};
    bj::array messages;
    for (const auto& m : req.messages) messages.push_back(bj::object{{"role", m.role}, {"content", m.content}});
    body["messages"] = std::move(messages);
    if (req.max_tokens) body["max_tokens"] = *req.max_tokens;
  }
  out.body = bj::serialize(body);
  return out;
}

Result<ChatResult> read_answer(const ModelConnection& c, const std::string& body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec || !v.is_object()) return not_the_shape(c, "is not a JSON object");
  const bj::object& o = v.get_object();
  ChatResult out;
  out.model = string_at(o, "model");
  auto usage = o.find("usage");
  const bj::object empty;
  const bj::object& u = usage != o.end() && usage->value().is_object() ? usage->value().get_object() : empty;
  if (c.provider == "anthropic") {
    auto content = o.find("content");
    if (content == o.end() || !content->value().is_array()) return not_the_shape(c, "has no content list");
    for (const auto& part : content->value().get_array())
      if (part.is_object() && string_at(part.get_object(), "type") == "text")
        out.text += string_at(part.get_object(), "text");
    out.finish_reason = string_at(o, "stop_reason");
    out.input_tokens = int_at(u, "input_tokens") + int_at(u, "cache_read_input_tokens") +
                       int_at(u, "cache_creation_input_tokens");
    out.output_tokens = int_at(u, "output_tokens");
  } else {
    auto choices = o.find("choices");
    if (choices == o.end() || !choices->value().is_array() || choices->value().get_array().empty() ||
        !choices->value().get_array()[0].is_object())
      return not_the_shape(c, "has no choices");
    const bj::object& choice = choices->value().get_array()[0].get_object();
    auto message = choice.find("message");
    if (message == choice.end() || !message->value().is_object()) return not_the_shape(c, "has no message");
    out.text = string_at(message->value().get_object(), "content");
    out.finish_reason = string_at(choice, "finish_reason");
    out.input_tokens = int_at(u, "prompt_tokens");
    out.output_tokens = int_at(u, "completion_tokens");
  }
  return out;
}

std::string error_message(const std::string& body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (!ec && v.is_object()) {
    auto e = v.get_object().find("error");
    if (e != v.get_object().end()) {
      if (e->value().is_object()) {
        std::string m = string_at(e->value().get_object(), "message");
        if (!m.empty()) return m.substr(0, 500);
      }
      if (e->value().is_string()) return std::string(e->value().get_string()).substr(0, 500);
    }
  }
  return body.substr(0, 200);
}

}  // namespace stacklens::providers
