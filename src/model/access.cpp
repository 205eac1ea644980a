#include "model/access.h"

namespace stacklens {

std::optional<ScopeSet> parse_scopes(std::string_view csv, std::string* bad) {
  ScopeSet set = 0;
  size_t pos = 0;
  while (pos <= csv.size()) {
    size_t end = csv.find(',', pos);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view item = csv.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      bool found = false;
      for (const auto& sn : kScopeNames)
        if (sn.name == item) set |= static_cast<uint32_t>(sn.scope), found = true;
      if (!found) {
        if (bad) *bad = std::string(item);
        return std::nullopt;
      }
    }
    pos = end + 1;
  }
  if (set == 0) {
    if (bad) *bad = "";
    return std::nullopt;
  }
  return set;
}

std::string_view scope_name(Scope s) {
  for (const auto& sn : kScopeNames)
    if (sn.scope == s) return sn.name;
  return "?";
}

std::vector<std::string> scope_list(ScopeSet set) {
  std::vector<std::string> out;
  for (const auto& sn : kScopeNames)
    if (has_scope(set, sn.scope)) out.emplace_back(sn.name);
  return out;
}

std::string format_scopes(ScopeSet set) {
  std::string out;
  for (const auto& s : scope_list(set)) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "viewer") return Role::viewer;
  if (s == "member") return Role::member;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::viewer: return "viewer";
    case Role::member: return "member";
    case Role::admin: return "admin";
  }
  return "viewer";
}

ScopeSet scopes_of(Role r) {
  const auto bit = [](Scope s) { return static_cast<ScopeSet>(s); };
  ScopeSet set = bit(Scope::traces_read) | bit(Scope::prompts_read) | bit(Scope::evaluations_read) |
                 bit(Scope::alerts_read);
  if (r == Role::member || r == Role::admin)
    set |= bit(Scope::traces_write) | bit(Scope::prompts_write) | bit(Scope::scores_write) |
           bit(Scope::evaluations_write);
  if (r == Role::admin) set |= bit(Scope::keys_manage) | bit(Scope::members_manage) | bit(Scope::scores_configure) |
                            bit(Scope::prices_manage) | bit(Scope::governai_manage) | bit(Scope::prompts_approve) |
                            bit(Scope::connections_manage) | bit(Scope::alerts_manage);
  return set;
}

}  // namespace stacklens
