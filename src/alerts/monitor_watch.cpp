#include "alerts/monitor_watch.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "alerts/monitor_rules.h"
#include "alerts/monitor_value.h"

namespace stacklens::alerts {

void MonitorWatch::start() {
  const auto tick = std::min<std::chrono::milliseconds>(every_, std::chrono::seconds(5));
  periodic_.start("sl-monitors", tick, [this] {
    if (auto st = check_all(); !st) spdlog::warn("monitors: not evaluated: {}", st.error().message);
  });
}

Status MonitorWatch::check_all() {
  SL_TRY(monitors, meta_.list_monitors(std::nullopt));
  const Micros now = now_micros();
  // A tick's own lateness does not skip a monitor until the next tick.
  const Micros due_before = now + 500'000 - std::chrono::duration_cast<std::chrono::microseconds>(every_).count();
  std::erase_if(not_before_, [&](const auto& held) { return held.second <= now; });
  for (const auto& m : monitors) {
    if (m.paused || m.last_evaluated_us > due_before) continue;
    if (not_before_.contains(m.id)) continue;
    const Micros started = now_micros();
    if (auto r = evaluate(m); !r) spdlog::warn("monitors: '{}' not evaluated: {}", m.name, r.error().message);
    not_before_[m.id] = started + (now_micros() - started) * 50;
  }
  return ok_status();
}

Result<MonitorEvaluation> MonitorWatch::evaluate(const Monitor& m) {
  const Micros now = now_micros();
  SL_TRY(value, monitor_value(spans_, meta_, m, now));
  if (auto st = meta_.record_monitor_value(m.id, value, now); !st) return st.error();
  MonitorEvaluation out{m, value, false};
  out.monitor.last_value = value;
  out.monitor.last_evaluated_us = now;
  const auto next = next_state(m.state, breaks(m.comparison, value, m.threshold));
  if (!next) return out;
  const MonitorTransition t{0, m.id, std::string(*next), value, m.threshold, now};
  SL_TRY(changed, meta_.transition_monitor(m.id, m.state, t));
  if (!changed) {  // another node (or call) changed it first
    SL_TRY(stored, meta_.get_monitor(m.project_id, m.id));
    if (stored) out.monitor.state = stored->state;
    return out;
  }
  out.monitor.state = t.state;
  out.changed = true;
  if (auto st = notify(m, t); !st) spdlog::warn("monitors: '{}' not notified: {}", m.name, st.error().message);
  return out;
}

Status MonitorWatch::notify(const Monitor& m, const MonitorTransition& t) {
  SL_TRY(projects, meta_.list_projects());
  std::string project;
  for (const auto& p : projects)
    if (p.id == m.project_id) project = p.name;
  const std::string window = m.window_seconds % 86400 == 0  ? fmt::format("{}d", m.window_seconds / 86400)
                             : m.window_seconds % 3600 == 0 ? fmt::format("{}h", m.window_seconds / 3600)
                                                            : fmt::format("{}m", m.window_seconds / 60);
  Notification n;
  n.event = "monitor." + t.state;
  n.text = t.state == "firing"
               ? fmt::format("StackLens monitor '{}' ({}) is firing: {} over {} is {:.6g}, {} {:.6g}", m.name, project,
                             m.metric, window, t.value, m.comparison, t.threshold)
               : fmt::format("StackLens monitor '{}' ({}) is resolved: {} over {} is {:.6g}, no longer {} {:.6g}",
                             m.name, project, m.metric, window, t.value, m.comparison, t.threshold);
  n.data = boost::json::object{{"monitorId", m.id},
                               {"monitor", m.name},
                               {"project", project},
                               {"state", t.state},
                               {"metric", m.metric},
                               {"windowSeconds", m.window_seconds},
                               {"comparison", m.comparison},
                               {"threshold", t.threshold},
                               {"value", t.value},
                               {"at", format_iso8601(t.created_us)}};
  if (m.channel_ids.empty()) return notifier_.notify(m.project_id, n);
  SL_TRY(channels, meta_.list_channels(m.project_id));
  for (const auto& c : channels)
    if (std::find(m.channel_ids.begin(), m.channel_ids.end(), c.id) != m.channel_ids.end())
      if (auto st = notifier_.send(c, n); !st) return st;
  return ok_status();
}

}  // namespace stacklens::alerts
