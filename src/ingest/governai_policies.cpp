#include "ingest/governai_policies.h"

#include <spdlog/spdlog.h>

namespace stacklens::ingest {

PolicyAction default_action(governai::PiiType) { return PolicyAction::redact; }

const ProjectPolicy& default_policy() {
  static const ProjectPolicy p = [] {
    ProjectPolicy out;
    for (const auto& info : governai::pii_types()) out.action[static_cast<size_t>(info.type)] = default_action(info.type);
    return out;
  }();
  return p;
}

Status GovernaiPolicies::reload() {
  std::lock_guard lock(reload_mu_);
  // The revision first: a change committed while the policies are read raises it again, and
  // the next poll reads once more.
  SL_TRY(revision, meta_.governai_policy_revision());
  SL_TRY(stored, meta_.list_governai_policies(std::nullopt));
  auto map = std::make_shared<Map>();
  for (const GovernaiPolicy& p : stored) {
    const auto type = governai::type_from_name(p.data_type);
    if (!type) {
      spdlog::warn("project {}: GovernAI policy for unknown type '{}' ignored", p.project_id, p.data_type);
      continue;
    }
    auto [it, fresh] = map->try_emplace(p.project_id, default_policy());
    it->second.action[static_cast<size_t>(*type)] = p.action;
    it->second.own.set(static_cast<size_t>(*type));
  }
  std::lock_guard map_lock(map_mu_);
  map_ = std::move(map);
  revision_ = revision;
  return ok_status();
}

ProjectPolicy GovernaiPolicies::of(int64_t project_id) const {
  std::shared_ptr<const Map> map;
  {
    std::lock_guard lock(map_mu_);
    map = map_;
  }
  const auto it = map->find(project_id);
  return it == map->end() ? default_policy() : it->second;
}

void GovernaiPolicies::start(std::chrono::milliseconds every) {
  poller_.start("sl-policies", every, [this] {
    auto revision = meta_.governai_policy_revision();
    int64_t known;
    {
      std::lock_guard map_lock(map_mu_);
      known = revision_;
    }
    if (!revision) {
      spdlog::warn("GovernAI policies: cannot read their revision: {}", revision.error().message);
    } else if (*revision != known) {
      if (auto st = reload(); !st) spdlog::warn("GovernAI policies: reload failed: {}", st.error().message);
    }
  });
}

void GovernaiPolicies::stop() { poller_.stop(); }

}  // namespace stacklens::ingest
