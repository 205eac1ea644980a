#pragma once
// The projects' GovernAI policies, from the metadata store into memory: loaded on start, again
// right after a change made through this node, and whenever the store's policy revision moved
// (another node's change), polled every second. Ingest and the check endpoint read them on
// every request, so a read is a snapshot pointer under a short lock.
#include <array>
#include <bitset>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "core/periodic.h"
#include "governai/pii_type.h"
#include "model/governai_policy.h"
#include "storage/meta_store.h"

namespace stacklens::ingest {

// A project's action per type, in governai::PiiType order, and which of them it set itself.
struct ProjectPolicy {
  std::array<PolicyAction, governai::kPiiTypeCount> action;
  std::bitset<governai::kPiiTypeCount> own;
  PolicyAction of(governai::PiiType t) const { return action[static_cast<size_t>(t)]; }
};

// What a project that set nothing gets: every type redacted (api/openapi.yaml says why).
PolicyAction default_action(governai::PiiType type);
const ProjectPolicy& default_policy();

class GovernaiPolicies {
 public:
  explicit GovernaiPolicies(MetaStore& meta) : meta_(meta) {}
  ~GovernaiPolicies() { stop(); }
  // Reads every project's policies now.
  Status reload();
  // Polls the revision every `every` on a thread of its own, until stop().
  void start(std::chrono::milliseconds every = std::chrono::milliseconds(1000));
  void stop();
  ProjectPolicy of(int64_t project_id) const;

 private:
  using Map = std::unordered_map<int64_t, ProjectPolicy>;
  MetaStore& meta_;
  std::mutex reload_mu_;      // one reload at a time
  mutable std::mutex map_mu_;  // guards map_ and revision_
  std::shared_ptr<const Map> map_ = std::make_shared<Map>();
  int64_t revision_ = -1;
  Periodic poller_;
};

}  // namespace stacklens::ingest
