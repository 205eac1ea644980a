// GovernAI's EU AI Act Article 13 transparency report, generated from the data for a period,
// with the statements only the operator can make (entered once per project and kept), and
// the findings over time the dashboard charts.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "api/request_helpers.h"
#include "api/routes.h"
#include "audit/chain_verifier.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::string_view kReportParams[] = {"from", "to"};
constexpr std::string_view kFindingsParams[] = {"from", "to", "interval"};
constexpr size_t kMaxStatement = 10000;  // characters of one operator statement
constexpr int64_t kMaxBuckets = 1000;
constexpr int64_t kMinute = 60'000'000;

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

// The operator's statements: the API's name and the field it is kept in.
constexpr std::pair<std::string_view, std::string TransparencyInfo::*> kStatements[] = {
    {"intendedPurpose", &TransparencyInfo::intended_purpose},
    {"providerContact", &TransparencyInfo::provider_contact},
    {"humanOversight", &TransparencyInfo::human_oversight},
    {"knownLimitations", &TransparencyInfo::known_limitations},
};

bj::object operator_json(const TransparencyInfo& t) {
  bj::object o;
  for (const auto& [name, field] : kStatements) o[name] = t.*field;
  o["updatedBy"] = t.updated_us ? bj::value(t.updated_by) : bj::value(nullptr);
  o["updatedAt"] = t.updated_us ? bj::value(format_iso8601(t.updated_us)) : bj::value(nullptr);
  return o;
}

// The body's statements over the stored ones: a statement not given keeps its value.
Result<TransparencyInfo> apply_statements(TransparencyInfo t, const bj::object& body) {
  for (const auto& kv : body) {
    const auto* s = std::find_if(std::begin(kStatements), std::end(kStatements),
                                 [&](const auto& st) { return st.first == kv.key(); });
    if (s == std::end(kStatements))
      return bad(fmt::format("unknown field '{}': the operator's statements are intendedPurpose, providerContact, "
                             "humanOversight and knownLimitations",
                             std::string_view(kv.key()).substr(0, 64)));
    if (!kv.value().is_string()) return bad(fmt::format("{} must be a string", s->first));
    if (kv.value().get_string().size() > kMaxStatement)
      return bad(fmt::format("{} is longer than {} characters", s->first, kMaxStatement));
    t.*(s->second) = std::string(kv.value().get_string());
  }
  return t;
}

struct Volume {
  int64_t requests = 0, errors = 0, input_tokens = 0, output_tokens = 0;
  double cost_usd = 0;
  void add(const MetricsPoint& p) {
    requests += p.requests;
    errors += p.errors;
    input_tokens += p.input_tokens;
    output_tokens += p.output_tokens;
    cost_usd += p.cost_usd;
  }
  bj::object json() const {
    return bj::object{{"spans", requests},          {"errors", errors},         {"inputTokens", input_tokens},
                      {"outputTokens", output_tokens}, {"costUsd", cost_usd}};
  }
};

// LLM spans of the period by model, provider or operation (span name), largest first.
Result<bj::array> volume_by(Services& s, int64_t project_id, Micros from, Micros to, GroupBy group, Volume* total) {
  MetricsQuery q;
  q.from_us = from;
  q.to_us = to;
  q.interval_us = std::max<int64_t>(1, (to - from + kMinute - 1) / kMinute) * kMinute;  // one bucket
  q.group_by = group;
  q.kind = "llm";
  SL_TRY(series, s.traces.metrics(project_id, q));
  std::vector<std::pair<std::string, Volume>> rows;
  for (const MetricsSeries& m : series) {
    Volume v;
    for (const MetricsPoint& p : m.points) v.add(p);
    if (total)
      for (const MetricsPoint& p : m.points) total->add(p);
    rows.emplace_back(m.group, v);
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.requests != b.second.requests ? a.second.requests > b.second.requests : a.first < b.first;
  });
  bj::array out;
  for (const auto& [name, v] : rows) {
    bj::object o = v.json();
    o["name"] = name;
    out.push_back(std::move(o));
  }
  return out;
}

Result<bj::object> usage_json(Services& s, int64_t project_id, Micros from, Micros to) {
  Volume total;
  SL_TRY(models, volume_by(s, project_id, from, to, GroupBy::model, &total));
  SL_TRY(providers, volume_by(s, project_id, from, to, GroupBy::provider, nullptr));
  SL_TRY(operations, volume_by(s, project_id, from, to, GroupBy::name, nullptr));
  return bj::object{{"totals", total.json()},
                    {"models", std::move(models)},
                    {"providers", std::move(providers)},
                    {"operations", std::move(operations)}};
}

// The audit log's entries of the period by type and policy (allow findings are counted in the
// metrics, not audited).
Result<bj::array> personal_data_json(Services& s, int64_t project_id, Micros from, Micros to) {
  SL_TRY(counts, s.meta.audit_counts(project_id, from, to, to - from));
  std::map<std::pair<std::string, std::string>, int64_t> by_type;
  for (const AuditCount& c : counts) by_type[{c.data_type, c.policy}] += c.count;
  bj::array out;
  for (const auto& [key, n] : by_type) out.push_back(bj::object{{"type", key.first}, {"policy", key.second}, {"count", n}});
  return out;
}

bj::object policies_json(Services& s, int64_t project_id) {
  const ingest::ProjectPolicy policy = s.governai.policies().of(project_id);
  bj::array types;
  for (const auto& info : governai::pii_types()) {
    const auto i = static_cast<size_t>(info.type);
    types.push_back(bj::object{{"type", info.name},
                               {"action", action_name(policy.action[i])},
                               {"default", !policy.own[i]},
                               {"defaultAction", action_name(ingest::default_action(info.type))},
                               {"placeholder", info.placeholder}});
  }
  return bj::object{{"enabled", s.settings.governai}, {"policies", std::move(types)}};
}

Result<bj::object> access_json(Services& s, int64_t project_id) {
  SL_TRY(members, s.meta.members_of(project_id));
  SL_TRY(keys, s.meta.list_keys(project_id));
  bj::object roles{{"admin", 0}, {"member", 0}, {"viewer", 0}};
  for (const Membership& m : members) roles[role_name(m.role)] = roles[role_name(m.role)].as_int64() + 1;
  int64_t active = 0;
  for (const ApiKeyInfo& k : keys) active += k.revoked_us ? 0 : 1;
  return bj::object{{"members", std::move(roles)},
                    {"activeApiKeys", active},
                    {"description",
                     "API keys carry scopes; dashboard users sign in with a password (argon2id) and act with "
                     "their role's scopes in each project (viewer: read; member: also write; admin: also keys, "
                     "members, prices and GovernAI policies)"}};
}

// The chain checked now, with the signing key of this node's data directory.
Result<bj::object> audit_integrity_json(Services& s) {
  bj::object o{{"checkedAt", format_iso8601(now_micros())}};
  auto signer = AuditSigner::open(s.settings.audit_key_file());
  if (!signer) {
    o["intact"] = false;
    o["problem"] = signer.error().message;
    return o;
  }
  SL_TRY(check, audit::verify_chain(s.meta, *signer));
  o["intact"] = check.intact();
  o["entries"] = check.entries;
  o["signedThrough"] = check.signed_through;
  o["firstBadEntry"] = check.first_bad ? bj::value(*check.first_bad) : bj::value(nullptr);
  o["problem"] = check.intact() ? bj::value(nullptr) : bj::value(check.problem);
  return o;
}

std::string span_retention(const Project& p, const Settings& settings) {
  if (!p.retention_days) return "kept until the operator deletes them: no retention period is set";
  return fmt::format(
      "kept {} days: the spans of traces that began earlier are removed with their text, scores and metrics, by a "
      "pass every {} seconds",
      *p.retention_days, settings.retention_interval_seconds);
}

Result<bj::object> report_json(Services& s, int64_t project_id, const Period& period) {
  SL_TRY(project, project_by_id(s.meta, project_id));
  const std::string& name = project.name;
  SL_TRY(statements, s.meta.get_transparency(project_id));
  SL_TRY(usage, usage_json(s, project_id, period.from_us, period.to_us));
  SL_TRY(personal, personal_data_json(s, project_id, period.from_us, period.to_us));
  SL_TRY(access, access_json(s, project_id));
  SL_TRY(integrity, audit_integrity_json(s));
  bj::object safeguards{
      {"governai", policies_json(s, project_id)},
      {"encryptionAtRest",
       "prompt and completion text is sealed with XChaCha20-Poly1305 (libsodium) before it is stored, under a key "
       "ring kept in a 0600 file in the data directory; each value is bound to its project, trace, span and field"},
      {"accessControl", std::move(access)},
      {"retention",
       bj::object{{"spans", span_retention(project, s.settings)},
                  {"auditLog", "kept in the metadata store apart from the spans, append-only, never deleted by StackLens"}}},
      {"auditLog", std::move(integrity)}};
  return bj::object{{"project", name},
                    {"from", format_iso8601(period.from_us)},
                    {"to", format_iso8601(period.to_us)},
                    {"generatedAt", format_iso8601(now_micros())},
                    {"operator", operator_json(statements)},
                    {"usage", std::move(usage)},
                    {"personalData", std::move(personal)},
                    {"safeguards", std::move(safeguards)}};
}

}  // namespace

void add_report_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, "/governai/v1/report",
                    guarded(s, Scope::traces_read, false, kReportParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(period, period_params(ctx));
                              SL_TRY(report, report_json(s, who.project_id, period));
                              return http::json_reply(200, report);
                            }));
  add_product_route(router, verb::get, "/governai/v1/report/operator",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(t, s.meta.get_transparency(who.project_id));
                              return http::json_reply(200, operator_json(t));
                            }));
  add_product_route(router, verb::put, "/governai/v1/report/operator",
                    guarded(s, Scope::governai_manage, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(stored, s.meta.get_transparency(who.project_id));
                              SL_TRY(t, apply_statements(std::move(stored), o));
                              t.project_id = who.project_id;
                              t.updated_by = who.actor;
                              SL_TRY(saved, s.meta.put_transparency(t));
                              return http::json_reply(200, operator_json(saved));
                            }));
  add_product_route(
      router, verb::get, "/governai/v1/findings",
      guarded(s, Scope::traces_read, false, kFindingsParams,
              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                SL_TRY(period, period_params(ctx));
                SL_TRY(interval, int_param(ctx, "interval", 60, 366LL * 86400));
                const int64_t interval_us =
                    interval ? *interval * 1'000'000
                             : std::max<int64_t>(1, (period.to_us - period.from_us) / 60 / kMinute) * kMinute;
                if ((period.to_us - period.from_us) / interval_us > kMaxBuckets)
                  return bad(fmt::format("range / interval gives more than {} buckets: widen the interval", kMaxBuckets));
                SL_TRY(counts, s.meta.audit_counts(who.project_id, period.from_us, period.to_us, interval_us));
                bj::array buckets;
                for (const AuditCount& c : counts)
                  buckets.push_back(bj::object{{"time", format_iso8601(c.bucket_us)},
                                               {"type", c.data_type},
                                               {"policy", c.policy},
                                               {"count", c.count}});
                return http::json_reply(200, bj::object{{"interval", interval_us / 1'000'000},
                                                        {"buckets", std::move(buckets)}});
              }));
}

}  // namespace stacklens::api
