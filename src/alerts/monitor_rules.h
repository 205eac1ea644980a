#pragma once
// The pure parts of a monitor: the window it reads, whether a value breaks its threshold, and
// the state it moves to. ok -> firing when the value breaks the threshold; firing -> resolved when
// it no longer does; resolved -> firing when it does again (resolved is kept until then, so the
// state says whether the monitor ever fired). Each change is one transition in the history.
#include <optional>
#include <string_view>

#include "core/error.h"
#include "model/monitor.h"

namespace stacklens::alerts {

// A window is 5 minutes to 30 days, in whole minutes (the rollups' smallest step).
Status check_window(int64_t seconds);

struct MonitorWindow {
  Micros from_us = 0, to_us = 0;  // [from, to)
};
// The window ending at `now_us`.
MonitorWindow window_at(int64_t window_seconds, Micros now_us);

// above: value > threshold; below: value < threshold.
bool breaks(std::string_view comparison, double value, double threshold);

// The state after an evaluation that found the threshold broken (or not); nullopt: unchanged.
std::optional<std::string_view> next_state(std::string_view state, bool broken);

}  // namespace stacklens::alerts
