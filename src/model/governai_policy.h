#pragma once
// What GovernAI does with one type of personal data found in a project's spans.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace stacklens {

// allow: stored as sent (the finding is counted); redact: replaced by the type's placeholder
// before the text is sealed; block: the span is refused. Ordered by strictness.
enum class PolicyAction : uint8_t { allow, redact, block };
inline constexpr std::string_view kPolicyActions[] = {"allow", "redact", "block"};
inline std::string_view action_name(PolicyAction a) { return kPolicyActions[static_cast<size_t>(a)]; }
inline std::optional<PolicyAction> parse_action(std::string_view s) {
  for (size_t i = 0; i < std::size(kPolicyActions); ++i)
    if (kPolicyActions[i] == s) return static_cast<PolicyAction>(i);
  return std::nullopt;
}

// A project's own setting for one type (governai's type name); types without one take the default.
struct GovernaiPolicy {
  int64_t project_id = 0;
  std::string data_type;
  PolicyAction action = PolicyAction::redact;
  std::string updated_by;  // "user:<email>" or "key:<prefix>"
  Micros updated_us = 0;
};

}  // namespace stacklens
