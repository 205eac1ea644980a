#pragma once
// Projects, users, API keys and their scopes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace stacklens {

enum class Scope : uint32_t {
  traces_write = 1u << 0,
  traces_read = 1u << 1,
  prompts_read = 1u << 2,
  prompts_write = 1u << 3,
  keys_manage = 1u << 4,
  members_manage = 1u << 5,  // projects' members and roles
  scores_write = 1u << 6,    // give, edit and delete scores
  scores_configure = 1u << 7,  // the project's score configurations
  prices_manage = 1u << 8,     // the project's own model prices, and recomputing stored costs
  governai_manage = 1u << 9,   // the project's GovernAI policies (what happens to personal data found)
  prompts_approve = 1u << 10,  // approve or reject others' promotions into protected environments
  evaluations_read = 1u << 11,     // datasets, experiments, evaluators, rules, model connections (no keys)
  evaluations_write = 1u << 12,    // change them, run the playground, call model connections
  connections_manage = 1u << 13,   // the project's model connections and their keys
  alerts_read = 1u << 14,          // budgets (and the status the application asks), notification channels
  alerts_manage = 1u << 15,        // change them, send a channel a test
};

struct ScopeName {
  Scope scope;
  std::string_view name;
};
inline constexpr ScopeName kScopeNames[] = {
    {Scope::traces_write, "traces:write"},   {Scope::traces_read, "traces:read"},
    {Scope::prompts_read, "prompts:read"},   {Scope::prompts_write, "prompts:write"},
    {Scope::keys_manage, "keys:manage"},     {Scope::members_manage, "members:manage"},
    {Scope::scores_write, "scores:write"},   {Scope::scores_configure, "scores:configure"},
    {Scope::prices_manage, "prices:manage"}, {Scope::governai_manage, "governai:manage"},
    {Scope::prompts_approve, "prompts:approve"},     {Scope::evaluations_read, "evaluations:read"},
    {Scope::evaluations_write, "evaluations:write"}, {Scope::connections_manage, "connections:manage"},
    {Scope::alerts_read, "alerts:read"},             {Scope::alerts_manage, "alerts:manage"},
};

using ScopeSet = uint32_t;
inline bool has_scope(ScopeSet set, Scope s) { return (set & static_cast<uint32_t>(s)) != 0; }
// "traces:write,prompts:read" -> set; unknown names are reported in `bad`.
std::optional<ScopeSet> parse_scopes(std::string_view csv, std::string* bad);
std::string format_scopes(ScopeSet set);
std::string_view scope_name(Scope s);
std::vector<std::string> scope_list(ScopeSet set);

struct Project {
  int64_t id = 0;
  std::string name;
  Micros created_us = 0;
  std::optional<int> retention_days;  // spans kept this many days after their trace began; none: kept
};

struct ApiKeyInfo {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string project_name;
  std::string name;
  std::string prefix;  // non-secret: "sl-" plus the first 8 characters
  ScopeSet scopes = 0;
  Micros created_us = 0;
  std::optional<Micros> last_used_us;
  std::optional<Micros> revoked_us;
};

enum class Role { viewer, member, admin };
std::optional<Role> parse_role(std::string_view s);
std::string_view role_name(Role r);
// viewer: read traces (with their scores) and prompts; member: also write them and give scores;
// viewer: also evaluations; member: also writes them; admin: also keys, members, score
// configurations, model prices, GovernAI policies, approving promotions, model connections, budgets and
// notification channels (viewer: reads them).
ScopeSet scopes_of(Role r);

struct User {
  int64_t id = 0;
  std::string email;
  Micros created_us = 0;
};

struct UserCredentials {
  User user;
  std::string password_hash;
};

struct Membership {
  int64_t project_id = 0;
  std::string project_name;
  std::string email;
  Role role = Role::viewer;
  Micros project_created_us = 0;
};

// A signed-in dashboard user. Only the hash of the session token is stored.
struct Session {
  int64_t id = 0;
  User user;
  std::string csrf_token;
  Micros expires_us = 0;
};

// Who is calling: resolved from an API key (or, later, a dashboard session).
struct Principal {
  int64_t project_id = 0;
  ScopeSet scopes = 0;
  std::string actor;  // recorded in history, e.g. "key:sl-1a2b3c4d"
};

}  // namespace stacklens
