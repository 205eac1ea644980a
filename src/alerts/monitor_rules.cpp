#include "alerts/monitor_rules.h"

#include <fmt/format.h>

namespace stacklens::alerts {

Status check_window(int64_t seconds) {
  if (seconds < kMonitorMinWindowSeconds || seconds > kMonitorMaxWindowSeconds || seconds % 60 != 0)
    return make_error(ErrorCode::bad_request,
                      fmt::format("windowSeconds must be whole minutes from {} (5 minutes) to {} (30 days)",
                                  kMonitorMinWindowSeconds, kMonitorMaxWindowSeconds));
  return ok_status();
}

MonitorWindow window_at(int64_t window_seconds, Micros now_us) {
  return MonitorWindow{now_us - window_seconds * 1'000'000, now_us};
}

bool breaks(std::string_view comparison, double value, double threshold) {
  return comparison == "below" ? value < threshold : value > threshold;
}

std::optional<std::string_view> next_state(std::string_view state, bool broken) {
  if (broken) return state == "firing" ? std::nullopt : std::optional<std::string_view>("firing");
  return state == "firing" ? std::optional<std::string_view>("resolved") : std::nullopt;
}

}  // namespace stacklens::alerts
