// PostgresMetaStore: monitors and their transitions (meta_store.h).
#include <fmt/format.h>

#include <cstdlib>

#include "storage/monitor_rows.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace sql {

#define SL_MONITOR_FIELDS                                                                                          \
  "id, project_id, name, metric, filter, window_s, comparison, threshold, channel_ids, paused, state, last_value, " \
  "last_evaluated_us, created_by, created_us, updated_us "
inline constexpr Statement kCreateMonitor{
    "create_monitor",
    "INSERT INTO monitors(project_id, name, metric, filter, window_s, comparison, threshold, channel_ids, paused, "
    "state, last_value, last_evaluated_us, created_by, created_us, updated_us) "
    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ok', NULL, 0, $10, $11, $11) RETURNING id"};
inline constexpr Statement kUpdateMonitor{
    "update_monitor",
    "UPDATE monitors SET name = $3, metric = $4, filter = $5, window_s = $6, comparison = $7, threshold = $8, "
    "channel_ids = $9, paused = $10, updated_us = $11 WHERE project_id = $1 AND id = $2 RETURNING " SL_MONITOR_FIELDS};
inline constexpr Statement kDeleteMonitorTransitions{
    "delete_monitor_transitions",
    "DELETE FROM monitor_transitions WHERE monitor_id IN (SELECT id FROM monitors WHERE project_id = $1 AND id = $2)"};
inline constexpr Statement kDeleteMonitor{"delete_monitor",
                                          "DELETE FROM monitors WHERE project_id = $1 AND id = $2 RETURNING id"};
inline constexpr Statement kListMonitors{
    "list_monitors", "SELECT " SL_MONITOR_FIELDS
                     R"(FROM monitors WHERE $1::bigint IS NULL OR project_id = $1 ORDER BY project_id, name COLLATE "C")"};
inline constexpr Statement kGetMonitor{"get_monitor",
                                       "SELECT " SL_MONITOR_FIELDS "FROM monitors WHERE project_id = $1 AND id = $2"};
inline constexpr Statement kRecordMonitorValue{
    "record_monitor_value", "UPDATE monitors SET last_value = $2, last_evaluated_us = $3 WHERE id = $1"};
inline constexpr Statement kTransitionMonitor{
    "transition_monitor", "UPDATE monitors SET state = $3 WHERE id = $1 AND state = $2 RETURNING id"};
inline constexpr Statement kAddMonitorTransition{
    "add_monitor_transition",
    "INSERT INTO monitor_transitions(monitor_id, state, value, threshold, created_us) VALUES($1, $2, $3, $4, $5)"};
inline constexpr Statement kListMonitorTransitions{
    "list_monitor_transitions",
    "SELECT id, monitor_id, state, value, threshold, created_us FROM monitor_transitions WHERE monitor_id = $1 "
    "ORDER BY id DESC LIMIT $2"};
#undef SL_MONITOR_FIELDS

}  // namespace sql

namespace {

double number(const PgResult& r, int i, int col) { return std::strtod(r.text(i, col).c_str(), nullptr); }
// Doubles travel as text, in the shortest form that reads back as the same double.
Param real(double v) { return fmt::format("{}", v); }

Monitor read_monitor(const PgResult& r, int i) {
  Monitor m;
  m.id = r.i64(i, 0);
  m.project_id = r.i64(i, 1);
  m.name = r.text(i, 2);
  m.metric = r.text(i, 3);
  m.filter = filter_of_text(r.text(i, 4));
  m.window_seconds = r.i64(i, 5);
  m.comparison = r.text(i, 6);
  m.threshold = number(r, i, 7);
  m.channel_ids = channel_ids_of_text(r.text(i, 8));
  m.paused = r.i64(i, 9) != 0;
  m.state = r.text(i, 10);
  if (!r.is_null(i, 11)) m.last_value = number(r, i, 11);
  m.last_evaluated_us = r.i64(i, 12);
  m.created_by = r.text(i, 13);
  m.created_us = r.i64(i, 14);
  m.updated_us = r.i64(i, 15);
  return m;
}

}  // namespace

Result<Monitor> PostgresMetaStore::create_monitor(const Monitor& m) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  Monitor out = m;
  out.state = "ok";
  out.last_value.reset();
  out.last_evaluated_us = 0;
  out.created_us = out.updated_us = now_micros();
  auto r = (*lease)->run(sql::kCreateMonitor, m.project_id, m.name, m.metric, filter_text(m.filter), m.window_seconds,
                         m.comparison, real(m.threshold), channel_ids_text(m.channel_ids), int64_t{m.paused},
                         m.created_by, out.created_us);
  if (!r) {
    if (r.error().code == ErrorCode::conflict) return monitor_taken(m.name);
    return r.error();
  }
  out.id = r->i64(0, 0);
  return out;
}

Result<Monitor> PostgresMetaStore::update_monitor(const Monitor& m) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kUpdateMonitor, m.project_id, m.id, m.name, m.metric, filter_text(m.filter),
                         m.window_seconds, m.comparison, real(m.threshold), channel_ids_text(m.channel_ids),
                         int64_t{m.paused}, now_micros());
  if (!r) {
    if (r.error().code == ErrorCode::conflict) return monitor_taken(m.name);
    return r.error();
  }
  if (r->empty()) return monitor_missing(m.id);
  return read_monitor(*r, 0);
}

Status PostgresMetaStore::delete_monitor(int64_t project_id, int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto r = conn.run(sql::kDeleteMonitorTransitions, project_id, id); !r) return r.error();
  auto r = conn.run(sql::kDeleteMonitor, project_id, id);
  if (!r) return r.error();
  if (r->empty()) return monitor_missing(id);
  return tx.commit();
}

Result<std::vector<Monitor>> PostgresMetaStore::list_monitors(std::optional<int64_t> project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListMonitors, project_id);
  if (!r) return r.error();
  std::vector<Monitor> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_monitor(*r, i));
  return out;
}

Result<std::optional<Monitor>> PostgresMetaStore::get_monitor(int64_t project_id, int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetMonitor, project_id, id);
  if (!r) return r.error();
  if (r->empty()) return std::optional<Monitor>();
  return std::optional<Monitor>(read_monitor(*r, 0));
}

Status PostgresMetaStore::record_monitor_value(int64_t id, double value, Micros at_us) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto r = (*lease)->run(sql::kRecordMonitorValue, id, real(value), at_us); !r) return r.error();
  return ok_status();
}

Result<bool> PostgresMetaStore::transition_monitor(int64_t id, const std::string& from, const MonitorTransition& t) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto r = conn.run(sql::kTransitionMonitor, id, from, t.state);
  if (!r) return r.error();
  if (r->empty()) return false;
  if (auto add = conn.run(sql::kAddMonitorTransition, id, t.state, real(t.value), real(t.threshold),
                          t.created_us ? t.created_us : now_micros());
      !add)
    return add.error();
  if (auto st = tx.commit(); !st) return st.error();
  return true;
}

Result<std::vector<MonitorTransition>> PostgresMetaStore::list_monitor_transitions(int64_t monitor_id, int limit) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListMonitorTransitions, monitor_id, limit);
  if (!r) return r.error();
  std::vector<MonitorTransition> out;
  for (int i = 0; i < r->rows(); ++i) {
    MonitorTransition t;
    t.id = r->i64(i, 0);
    t.monitor_id = r->i64(i, 1);
    t.state = r->text(i, 2);
    t.value = number(*r, i, 3);
    t.threshold = number(*r, i, 4);
    t.created_us = r->i64(i, 5);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace stacklens::postgres
