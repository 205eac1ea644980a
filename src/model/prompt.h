#pragma once
// FlowOps: prompts, their immutable numbered versions, and which version each environment serves.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace stacklens {

inline constexpr std::array<std::string_view, 3> kEnvironments = {"dev", "staging", "production"};
inline bool is_environment(std::string_view env) {
  for (auto e : kEnvironments)
    if (e == env) return true;
  return false;
}

struct PromptVersion {
  int64_t version = 0;
  std::string content;
  std::string message;
  std::string created_by;
  Micros created_us = 0;
};

struct EnvironmentState {
  std::string env;
  int64_t version = 0;
  std::string updated_by;
  Micros updated_us = 0;
};

struct Prompt {
  int64_t id = 0;
  std::string name;
  std::string description;
  int64_t latest_version = 0;
  std::string created_by;
  Micros created_us = 0;
  std::vector<EnvironmentState> environments;  // only environments that serve a version
};

struct Promotion {
  std::string env;
  int64_t version = 0;
  std::string by;
  Micros at_us = 0;
  std::optional<Micros> rolled_back_us;
  std::string rolled_back_by;
  std::optional<int64_t> request_id;  // the approved request it carried out
  std::string approved_by;            // empty unless approved
};

// Approval gates: an environment a project protects takes promotions as requests that a member
// with prompts:approve, other than the requester, approves or rejects.
struct EnvironmentProtection {
  std::string env;
  bool is_protected = false;
  std::string updated_by;  // empty: never set
  Micros updated_us = 0;
};

inline constexpr std::array<std::string_view, 4> kRequestStatuses = {"pending", "approved", "rejected", "cancelled"};
enum class Decision { approve, reject, cancel };

struct PromotionRequest {
  int64_t id = 0;
  std::string prompt;
  std::string env;
  int64_t version = 0;
  std::string status = "pending";  // one of kRequestStatuses
  std::string requested_by;
  Micros requested_us = 0;
  std::optional<std::string> comment;
  std::optional<std::string> decided_by;
  std::optional<Micros> decided_us;
  std::optional<std::string> decision_comment;
};

// Experiments split one environment's fetches between versions by weight (model/experiment_choice.h).
struct ExperimentVariant {
  std::string label;  // "a", "b", ... in order
  int64_t version = 0;
  int64_t weight = 0;
  std::string content;  // filled only where the variant is served
};

struct Experiment {
  int64_t id = 0;
  std::string prompt;
  std::string env;
  std::string name;
  std::string status = "running";  // or "ended"
  std::vector<ExperimentVariant> variants;
  std::string started_by;
  Micros started_us = 0;
  std::optional<std::string> ended_by;
  std::optional<Micros> ended_us;
  std::optional<int64_t> chosen_version;
};

}  // namespace stacklens
