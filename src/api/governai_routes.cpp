// GovernAI: the project's policies (what happens to each type of personal data found in its
// spans) and the check endpoint an application calls before it sends a prompt to a model.
#include <fmt/format.h>

#include <cmath>

#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

// The most text one check reads: the text, or all messages' content together.
constexpr size_t kMaxCheckBytes = 1 << 20;
constexpr size_t kMaxCheckMessages = 1000;
constexpr std::string_view kResetAction = "default";

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

std::string known_types() {
  std::string out;
  for (const auto& info : governai::pii_types()) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

Result<http::Reply> policies_reply(Services& s, int64_t project_id) {
  SL_TRY(own, s.meta.list_governai_policies(project_id));
  bj::array out;
  for (const auto& info : governai::pii_types()) {
    const PolicyAction fallback = ingest::default_action(info.type);
    const auto set = std::find_if(own.begin(), own.end(), [&](const GovernaiPolicy& p) { return p.data_type == info.name; });
    out.push_back(bj::object{{"type", info.name},
                             {"action", action_name(set == own.end() ? fallback : set->action)},
                             {"default", set == own.end()},
                             {"defaultAction", action_name(fallback)},
                             {"placeholder", info.placeholder}});
  }
  return http::json_reply(200, bj::object{{"policies", std::move(out)}});
}

Result<http::Reply> put_policies(Services& s, const Principal& who, const bj::object& body) {
  for (const auto& kv : body)
    if (kv.key() != "policies")
      return bad(fmt::format("unknown field '{}': the body is {{\"policies\": {{type: action}}}}",
                             std::string_view(kv.key()).substr(0, 64)));
  const bj::value* policies = body.if_contains("policies");
  if (!policies || !policies->is_object())
    return bad("policies is required: an object of type -> allow, redact, block or default");
  std::vector<GovernaiPolicy> set;
  std::vector<std::string> reset;
  for (const auto& kv : policies->get_object()) {
    const std::string_view type = kv.key();
    if (!governai::type_from_name(type))
      return bad(fmt::format("policies: unknown type '{}' (known: {})", type.substr(0, 64), known_types()));
    if (!kv.value().is_string())
      return bad(fmt::format("policies.{} must be a string: allow, redact, block or default", type));
    const std::string_view action = kv.value().get_string();
    if (action == kResetAction) {
      reset.emplace_back(type);
      continue;
    }
    const auto parsed = parse_action(action);
    if (!parsed)
      return bad(fmt::format("policies.{}: unknown action '{}' (allow, redact, block or default)", type,
                             action.substr(0, 64)));
    set.push_back(GovernaiPolicy{who.project_id, std::string(type), *parsed, who.actor, 0});
  }
  if (auto st = s.meta.set_governai_policies(who.project_id, set, reset); !st) return st.error();
  // In force on this node before the answer; other nodes follow within a second.
  if (auto st = s.governai.policies().reload(); !st) return st.error();
  return policies_reply(s, who.project_id);
}

// One text to check and the name its findings carry.
struct CheckInput {
  std::string field;
  std::string_view text;
  std::string role;  // messages only
};

Result<std::vector<CheckInput>> check_inputs(const bj::object& body, bool& as_messages) {
  for (const auto& kv : body)
    if (kv.key() != "text" && kv.key() != "messages")
      return bad(fmt::format("unknown field '{}': a check takes text or messages",
                             std::string_view(kv.key()).substr(0, 64)));
  const bj::value* text = body.if_contains("text");
  const bj::value* messages = body.if_contains("messages");
  if ((text != nullptr) == (messages != nullptr)) return bad("a check takes either text or messages (one of them)");
  std::vector<CheckInput> out;
  size_t total = 0;
  if (text) {
    as_messages = false;
    if (!text->is_string()) return bad("text must be a string");
    out.push_back({"text", text->get_string(), {}});
    total = text->get_string().size();
  } else {
    as_messages = true;
    if (!messages->is_array()) return bad("messages must be an array of {role, content}");
    const bj::array& list = messages->get_array();
    if (list.size() > kMaxCheckMessages)
      return bad(fmt::format("messages: at most {} messages, got {}", kMaxCheckMessages, list.size()));
    for (size_t i = 0; i < list.size(); ++i) {
      const auto* m = list[i].if_object();
      if (!m) return bad(fmt::format("messages[{}] must be an object {{role, content}}", i));
      for (const auto& kv : *m)
        if (kv.key() != "role" && kv.key() != "content")
          return bad(fmt::format("messages[{}]: unknown field '{}' (a message is {{role, content}})", i,
                                 std::string_view(kv.key()).substr(0, 64)));
      const bj::value* role = m->if_contains("role");
      const bj::value* content = m->if_contains("content");
      if (!role || !role->is_string()) return bad(fmt::format("messages[{}].role must be a string", i));
      if (!content || !content->is_string()) return bad(fmt::format("messages[{}].content must be a string", i));
      out.push_back({fmt::format("messages[{}].content", i), content->get_string(), std::string(role->get_string())});
      total += content->get_string().size();
    }
  }
  if (total > kMaxCheckBytes)
    return bad(fmt::format("{} longer than {} bytes in all ({}): check it in parts",
                           as_messages ? "messages are" : "text is", kMaxCheckBytes, total));
  return out;
}

Result<http::Reply> check(Services& s, const Principal& who, const bj::object& body) {
  bool as_messages = false;
  SL_TRY(inputs, check_inputs(body, as_messages));
  // Read from the store, not the ingest path's snapshot (which another node's change reaches
  // within a second): a check right after a policy change answers under the new policy.
  SL_TRY(own, s.meta.list_governai_policies(who.project_id));
  ingest::ProjectPolicy policy = ingest::default_policy();
  for (const GovernaiPolicy& p : own)
    if (const auto type = governai::type_from_name(p.data_type)) policy.action[static_cast<size_t>(*type)] = p.action;
  PolicyAction decision = PolicyAction::allow;
  bj::array findings, messages;
  bj::string redacted_text;
  for (const CheckInput& in : inputs) {
    ingest::CheckedText checked = s.governai.check(in.text, policy);
    decision = std::max(decision, checked.decision);
    for (size_t i = 0; i < checked.findings.size(); ++i) {
      const governai::Finding& f = checked.findings[i];
      findings.push_back(bj::object{{"type", governai::type_name(f.type)},
                                    {"field", in.field},
                                    {"start", f.begin},
                                    {"end", f.end},
                                    {"confidence", std::round(static_cast<double>(f.confidence) * 100) / 100},
                                    {"action", action_name(checked.actions[i])}});
    }
    if (as_messages) messages.push_back(bj::object{{"role", in.role}, {"content", std::move(checked.redacted)}});
    else redacted_text = std::move(checked.redacted);
  }
  bj::object out{{"decision", action_name(decision)}, {"findings", std::move(findings)}};
  if (as_messages) out["messages"] = std::move(messages);
  else out["text"] = std::move(redacted_text);
  return http::json_reply(200, out);
}

}  // namespace

void add_governai_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/governai/v1/policies",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) {
                              return policies_reply(s, who.project_id);
                            }));
  add_product_route(router, verb::put, "/governai/v1/policies",
                    guarded(s, Scope::governai_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) {
                              return put_policies(s, who, o);
                            }));
  add_product_route(router, verb::post, "/governai/v1/check",
                    guarded(s, Scope::traces_write, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) {
                              return check(s, who, o);
                            }));
}

}  // namespace stacklens::api
