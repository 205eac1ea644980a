// The playground: one model call through a model connection, of a prompt version (FlowOps) with
// its variables filled, or of messages written on the spot; the answer with its tokens, cost,
// latency and the trace that records it. Saving the result (a new prompt version, a dataset
// item) goes through those APIs.
#include <fmt/format.h>

#include <cmath>

#include "api/auth.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "model/prompt_template.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxMessages = 100;

Result<std::vector<providers::ChatMessage>> messages_of(const bj::object& o) {
  std::vector<providers::ChatMessage> out;
  auto it = o.find("messages");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return make_error(ErrorCode::bad_request, "messages must be a list of {role, content}");
  const bj::array& list = it->value().get_array();
  if (list.size() > kMaxMessages)
    return make_error(ErrorCode::bad_request, fmt::format("at most {} messages; {} given", kMaxMessages, list.size()));
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) return make_error(ErrorCode::bad_request, fmt::format("messages[{}] must be an object", i));
    SL_TRY(role, json::req_string(list[i].get_object(), "role", fmt::format("messages[{}].role", i)));
    if (role != "system" && role != "user" && role != "assistant")
      return make_error(ErrorCode::bad_request,
                        fmt::format("messages[{}].role must be system, user or assistant", i));
    SL_TRY(content, json::req_string(list[i].get_object(), "content", fmt::format("messages[{}].content", i)));
    if (content.size() > kMaxPromptBytes)
      return make_error(ErrorCode::bad_request, fmt::format("messages[{}].content is over {} bytes", i, kMaxPromptBytes));
    out.push_back({role, content});
  }
  return out;
}

Result<std::map<std::string, std::string>> variables_of(const bj::object& o) {
  std::map<std::string, std::string> out;
  auto it = o.find("variables");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_object()) return make_error(ErrorCode::bad_request, "variables must be an object of name to text");
  for (const auto& [k, v] : it->value().get_object()) {
    if (v.is_string()) out[k] = std::string(v.get_string());
    else out[k] = bj::serialize(v);  // numbers and the like as the SDK's str() would print JSON
  }
  return out;
}

// The prompt's message: a version (`version`) or what an environment serves (`env`, default
// production), compiled with the variables.
Result<providers::ChatMessage> prompt_message(Services& s, const Principal& who, const bj::object& prompt,
                                              const std::map<std::string, std::string>& variables,
                                              providers::ChatRequest& req) {
  SL_TRY(name, json::req_string(prompt, "name", "prompt.name"));
  if (auto st = check_prompt_name(name); !st) return st.error();
  SL_TRY(version, json::opt_int(prompt, "version", "prompt.version"));
  std::string role = "user";
  if (auto r = prompt.find("role"); r != prompt.end() && !r->value().is_null()) {
    if (!r->value().is_string() || (r->value().get_string() != "system" && r->value().get_string() != "user"))
      return make_error(ErrorCode::bad_request, "prompt.role must be system or user");
    role = std::string(r->value().get_string());
  }
  PromptVersion v;
  if (version) {
    SL_TRY(found, s.meta.get_version(who.project_id, name, *version));
    if (!found) return make_error(ErrorCode::not_found, fmt::format("prompt '{}' has no version {}", name, *version));
    v = *found;
  } else {
    SL_TRY(env_raw, json::opt_string(prompt, "env", "prompt.env"));
    SL_TRY(env, env_of(env_raw));
    SL_TRY(active, s.meta.active_version(who.project_id, name, env));
    v = active;
  }
  SL_TRY(text, compile_template(v.content, variables));
  req.attributes.emplace_back("stacklens.prompt.name", name);
  req.attributes.emplace_back("stacklens.prompt.version", std::to_string(v.version));
  return providers::ChatMessage{role, text};
}

}  // namespace

void add_playground_routes(http::Router& router, Services& s) {
  add_product_route(
      router, verb::post, "/evaluations/v1/playground/run",
      guarded_async(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context&, const bj::object& o, http::Respond respond) -> Status {
                      SL_TRY(connection, json::req_string(o, "connection", "connection"));
                      providers::ChatRequest req;
                      req.operation = "playground.run";
                      SL_TRY(model, json::opt_string(o, "model", "model"));
                      req.model = model.value_or("");
                      auto temperature = o.find("temperature");
                      if (temperature != o.end() && !temperature->value().is_null()) {
                        if (!temperature->value().is_number() || temperature->value().to_number<double>() < 0 ||
                            temperature->value().to_number<double>() > 2)
                          return make_error(ErrorCode::bad_request, "temperature must be a number from 0 to 2");
                        req.temperature = temperature->value().to_number<double>();
                      }
                      SL_TRY(max_tokens, json::opt_int(o, "maxTokens", "maxTokens"));
                      if (max_tokens && (*max_tokens < 1 || *max_tokens > 1000000))
                        return make_error(ErrorCode::bad_request, "maxTokens must be from 1 to 1000000");
                      req.max_tokens = max_tokens;
                      SL_TRY(variables, variables_of(o));
                      auto prompt = o.find("prompt");
                      if (prompt != o.end() && !prompt->value().is_null()) {
                        if (!prompt->value().is_object())
                          return make_error(ErrorCode::bad_request, "prompt must be an object: {name, version or env}");
                        SL_TRY(first, prompt_message(s, who, prompt->value().get_object(), variables, req));
                        req.messages.push_back(std::move(first));
                      }
                      SL_TRY(messages, messages_of(o));
                      for (auto& m : messages) req.messages.push_back(std::move(m));
                      if (req.messages.empty() ||
                          std::none_of(req.messages.begin(), req.messages.end(),
                                       [](const providers::ChatMessage& m) { return m.role == "user"; }))
                        return make_error(ErrorCode::bad_request,
                                          "nothing to send: give a prompt or messages with at least one user message");
                      bj::array sent;
                      for (const auto& m : req.messages)
                        sent.push_back(bj::object{{"role", m.role}, {"content", m.content}});
                      s.models.chat_async(
                          who.project_id, connection, std::move(req),
                          [respond, sent = std::move(sent)](Result<providers::ChatResult> r) {
                            if (!r) return respond(http::error_reply(r.error()));
                            respond(http::json_reply(200, bj::object{{"text", r->text},
                                                                     {"model", r->model},
                                                                     {"finishReason", r->finish_reason},
                                                                     {"inputTokens", r->input_tokens},
                                                                     {"outputTokens", r->output_tokens},
                                                                     {"costUsd", r->cost_usd},
                                                                     {"latencyMs", static_cast<double>(r->latency_us) / 1000.0},
                                                                     {"traceId", r->trace_id},
                                                                     {"messages", sent}}));
                          });
                      return ok_status();
                    }));
}

}  // namespace stacklens::api
