#include "ingest/governai_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace stacklens::ingest {
namespace {

using governai::Finding;
using governai::PiiType;

// Reused by each request thread: a text without findings allocates nothing.
thread_local std::vector<Finding> tls_findings;
thread_local std::vector<PolicyAction> tls_actions;
thread_local std::vector<std::string_view> tls_values;
thread_local std::vector<std::uint32_t> tls_counts;

// The `field:type` pairs a span's findings were acted on, each once, in the order found.
struct Marks {
  std::vector<std::pair<std::string, PiiType>> redacted, blocked;

  static void add(std::vector<std::pair<std::string, PiiType>>& to, std::string_view field, PiiType type) {
    for (const auto& [f, t] : to)
      if (t == type && f == field) return;
    to.emplace_back(field, type);
  }
  static std::string joined(const std::vector<std::pair<std::string, PiiType>>& pairs) {
    std::string out;
    for (const auto& [field, type] : pairs) {
      if (!out.empty()) out += ',';
      out += field;
      out += ':';
      out += governai::type_name(type);
    }
    return out;
  }
};

bool set_by_governai(const std::pair<std::string, std::string>& a) {
  return a.first == kRedactedAttribute || a.first == kBlockedAttribute;
}

// The span's marker: what it was and that it was blocked, nothing it said.
void make_marker(Span& span, const Marks& marks) {
  span.status = "error";
  span.attributes.clear();
  span.attributes.emplace_back(kBlockedAttribute, Marks::joined(marks.blocked));
  span.events.clear();
  if (span.llm) {
    span.llm->prompt.reset();
    span.llm->completion.reset();
  }
}

Error blocked_error(const Span& span, const Marks& marks) {
  constexpr size_t kNamed = 5;
  std::string what;
  for (size_t i = 0; i < marks.blocked.size() && i < kNamed; ++i) {
    if (i) what += ", ";
    what += fmt::format("{} in {}", governai::type_name(marks.blocked[i].second), marks.blocked[i].first);
  }
  if (marks.blocked.size() > kNamed) what += fmt::format(" and {} more", marks.blocked.size() - kNamed);
  return make_error(ErrorCode::unprocessable,
                    fmt::format("span '{}' blocked by GovernAI policy: {}", span.span_id.substr(0, 128), what));
}

}  // namespace

std::string redacted(std::string_view text, std::span<const Finding> findings, std::span<const PolicyAction> actions) {
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (actions[i] == PolicyAction::allow || f.begin < at) continue;
    out.append(text.substr(at, f.begin - at));
    out += governai::placeholder(f.type);
    at = f.end;
  }
  out.append(text.substr(at));
  return out;
}

std::optional<Error> GovernaiGuard::screen(Span& span, Screening& s) const {
  if (!enabled_) return std::nullopt;
  std::erase_if(span.attributes, set_by_governai);
  if (!s.policy) {
    s.policy = policies_.of(span.project_id);
    s.project_id = span.project_id;
  }
  const ProjectPolicy& policy = *s.policy;
  Marks marks;
  auto& findings = tls_findings;
  auto& actions = tls_actions;
  // Acts on one value's findings; `field` is built only when there are some.
  const auto act = [&](std::string& value, std::span<const Finding> found, auto&& field) {
    if (found.empty()) return;
    const std::string name = field();
    actions.clear();
    bool acted = false;
    for (const Finding& f : found) {
      const PolicyAction a = policy.of(f.type);
      actions.push_back(a);
      ++s.counts[static_cast<size_t>(f.type)][static_cast<size_t>(a)];
      if (a == PolicyAction::allow) continue;
      acted = true;
      Marks::add(a == PolicyAction::block ? marks.blocked : marks.redacted, name, f.type);
      AuditEntry e;
      e.project_id = span.project_id;
      e.data_type = governai::type_name(f.type);
      e.policy = action_name(a);
      e.field = name;
      if (span.llm) {
        e.model = span.llm->model;
        e.provider = span.llm->provider;
      }
      e.trace_id = span.trace_id;
      e.span_id = span.span_id;
      s.audit.push_back(std::move(e));
    }
    if (acted) value = redacted(value, found, actions);
  };
  const auto scan = [&](std::string& text, auto&& field) {
    findings.clear();
    scanner_.scan(text, {}, findings);
    act(text, findings, field);
  };
  if (span.llm) {
    if (span.llm->prompt) scan(*span.llm->prompt, [] { return std::string("prompt"); });
    if (span.llm->completion) scan(*span.llm->completion, [] { return std::string("completion"); });
  }
  // Attribute values are many and mostly short: one scan for all of them.
  auto& values = tls_values;
  values.clear();
  for (const auto& attribute : span.attributes) values.push_back(attribute.second);
  for (const auto& event : span.events)
    for (const auto& attribute : event.attributes) values.push_back(attribute.second);
  findings.clear();
  scanner_.scan_each(values, findings, tls_counts);
  std::size_t next = 0, value_index = 0;
  const auto found_in_next = [&] {
    const std::uint32_t n = tls_counts[value_index++];
    const std::span<const Finding> found(findings.data() + next, n);
    next += n;
    return found;
  };
  for (auto& [key, value] : span.attributes) act(value, found_in_next(), [&] { return "attributes." + key; });
  for (auto& event : span.events)
    for (auto& [key, value] : event.attributes)
      act(value, found_in_next(), [&] { return fmt::format("events.{}.{}", event.name, key); });
  if (!marks.blocked.empty()) {
    Error e = blocked_error(span, marks);
    make_marker(span, marks);
    return e;
  }
  if (!marks.redacted.empty()) span.attributes.emplace_back(kRedactedAttribute, Marks::joined(marks.redacted));
  return std::nullopt;
}

Status GovernaiGuard::record(Screening& s) const {
  for (size_t t = 0; t < s.counts.size(); ++t)
    for (size_t a = 0; a < s.counts[t].size(); ++a)
      if (s.counts[t][a])
        metrics_.add_governai_findings(s.project_id, governai::pii_types()[t].name, kPolicyActions[a], s.counts[t][a]);
  if (s.audit.empty()) return ok_status();
  return meta_.append_audit(std::move(s.audit));
}

CheckedText GovernaiGuard::check(std::string_view text, const ProjectPolicy& policy) const {
  CheckedText out;
  scanner_.scan(text, {}, out.findings);
  for (const Finding& f : out.findings) {
    out.actions.push_back(policy.of(f.type));
    out.decision = std::max(out.decision, out.actions.back());
  }
  out.redacted = out.findings.empty() ? std::string(text) : redacted(text, out.findings, out.actions);
  return out;
}

}  // namespace stacklens::ingest
