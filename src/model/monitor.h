#pragma once
// Monitors: a project's metric over a sliding window compared with a threshold, evaluated in the
// background (alerts/monitor_watch.h), with the history of their state changes
// (api/openapi.yaml, "Monitors"). Plain data; the checks and the evaluation live in alerts/.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace stacklens {

// cost (USD), tokens, requests (spans), error_rate (0..1), latency_p95 (ms), unpriced_spans,
// findings (GovernAI's personal-data findings in the audit log).
inline constexpr std::array<std::string_view, 7> kMonitorMetrics = {
    "cost", "tokens", "requests", "error_rate", "latency_p95", "unpriced_spans", "findings"};
inline constexpr std::array<std::string_view, 2> kMonitorComparisons = {"above", "below"};
// ok: never fired; firing: over (or under) its threshold at the last evaluation; resolved: fired
// before, within its threshold since. resolved stays until the monitor fires again.
inline constexpr std::array<std::string_view, 3> kMonitorStates = {"ok", "firing", "resolved"};
inline constexpr int64_t kMonitorMinWindowSeconds = 5 * 60;
inline constexpr int64_t kMonitorMaxWindowSeconds = 30 * 86400;

// Which spans a monitor counts; empty: all of the project's.
struct MonitorFilter {
  std::string operation;  // the span's name
  std::string model;
  std::string user_id;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> attributes;
  bool empty() const {
    return operation.empty() && model.empty() && user_id.empty() && tags.empty() && attributes.empty();
  }
};

struct Monitor {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string metric;
  MonitorFilter filter;
  int64_t window_seconds = 3600;
  std::string comparison = "above";
  double threshold = 0;
  std::vector<int64_t> channel_ids;  // empty: every channel of the project
  bool paused = false;
  std::string state = "ok";
  std::optional<double> last_value;
  Micros last_evaluated_us = 0;  // 0: never
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

// A change of a monitor's state: the value and threshold that caused it.
struct MonitorTransition {
  int64_t id = 0;
  int64_t monitor_id = 0;
  std::string state;  // firing, resolved
  double value = 0, threshold = 0;
  Micros created_us = 0;
};

}  // namespace stacklens
