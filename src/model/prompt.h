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
};

}  // namespace stacklens
