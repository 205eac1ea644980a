// SqliteMetaStore: monitors and their transitions (meta_store.h).
#include <fmt/format.h>

#include "storage/monitor_rows.h"
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kMonitorColumns =
    "id, project_id, name, metric, filter, window_s, comparison, threshold, channel_ids, paused, state, last_value, "
    "last_evaluated_us, created_by, created_us, updated_us FROM monitors";

Monitor monitor_row(Stmt& r) {
  Monitor m;
  m.id = r.i64(0);
  m.project_id = r.i64(1);
  m.name = r.text(2);
  m.metric = r.text(3);
  m.filter = filter_of_text(r.text(4));
  m.window_seconds = r.i64(5);
  m.comparison = r.text(6);
  m.threshold = r.f64(7);
  m.channel_ids = channel_ids_of_text(r.text(8));
  m.paused = r.i64(9) != 0;
  m.state = r.text(10);
  m.last_value = r.opt_f64(11);
  m.last_evaluated_us = r.i64(12);
  m.created_by = r.text(13);
  m.created_us = r.i64(14);
  m.updated_us = r.i64(15);
  return m;
}

}  // namespace

Result<Monitor> SqliteMetaStore::create_monitor(const Monitor& m) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO monitors(project_id, name, metric, filter, window_s, comparison, threshold, channel_ids, paused, "
      "state, last_value, last_evaluated_us, created_by, created_us, updated_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'ok', NULL, 0, ?10, ?11, ?11)");
  if (!s) return s.error();
  Monitor out = m;
  out.state = "ok";
  out.last_value.reset();
  out.last_evaluated_us = 0;
  out.created_us = out.updated_us = now_micros();
  if (auto r = (*s)->reset().bind(1, m.project_id).bind(2, m.name).bind(3, m.metric).bind(4, filter_text(m.filter))
                   .bind(5, m.window_seconds).bind(6, m.comparison).bind(7, m.threshold)
                   .bind(8, channel_ids_text(m.channel_ids)).bind(9, int64_t{m.paused}).bind(10, m.created_by)
                   .bind(11, out.created_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict) return monitor_taken(m.name);
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  return out;
}

Result<Monitor> SqliteMetaStore::update_monitor(const Monitor& m) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE monitors SET name = ?3, metric = ?4, filter = ?5, window_s = ?6, comparison = ?7, threshold = ?8, "
      "channel_ids = ?9, paused = ?10, updated_us = ?11 WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, m.project_id).bind(2, m.id).bind(3, m.name).bind(4, m.metric)
                   .bind(5, filter_text(m.filter)).bind(6, m.window_seconds).bind(7, m.comparison).bind(8, m.threshold)
                   .bind(9, channel_ids_text(m.channel_ids)).bind(10, int64_t{m.paused}).bind(11, now_micros()).run();
      !r) {
    if (r.error().code == ErrorCode::conflict) return monitor_taken(m.name);
    return r.error();
  }
  if (db_->changes() == 0) return monitor_missing(m.id);
  auto get = db_->prepare(fmt::format("SELECT {} WHERE id = ?1", kMonitorColumns));
  if (!get) return get.error();
  auto rows = collect<Monitor>((*get)->reset().bind(1, m.id), monitor_row);
  if (!rows) return rows.error();
  return rows->front();
}

Status SqliteMetaStore::delete_monitor(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto transitions = db_->prepare(
      "DELETE FROM monitor_transitions WHERE monitor_id IN (SELECT id FROM monitors WHERE project_id = ?1 AND id = ?2)");
  if (!transitions) return transitions.error();
  if (auto r = (*transitions)->reset().bind(1, project_id).bind(2, id).run(); !r) return r;
  auto s = db_->prepare("DELETE FROM monitors WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, id).run(); !r) return r;
  if (db_->changes() == 0) return monitor_missing(id);
  return tx.commit();
}

Result<std::vector<Monitor>> SqliteMetaStore::list_monitors(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      fmt::format("SELECT {} WHERE ?1 IS NULL OR project_id = ?1 ORDER BY project_id, name", kMonitorColumns));
  if (!s) return s.error();
  return collect<Monitor>((*s)->reset().bind(1, project_id), monitor_row);
}

Result<std::optional<Monitor>> SqliteMetaStore::get_monitor(int64_t project_id, int64_t id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND id = ?2", kMonitorColumns));
  if (!s) return s.error();
  auto rows = collect<Monitor>((*s)->reset().bind(1, project_id).bind(2, id), monitor_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Monitor>();
  return std::optional<Monitor>(rows->front());
}

Status SqliteMetaStore::record_monitor_value(int64_t id, double value, Micros at_us) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("UPDATE monitors SET last_value = ?2, last_evaluated_us = ?3 WHERE id = ?1");
  if (!s) return s.error();
  return (*s)->reset().bind(1, id).bind(2, value).bind(3, at_us).run();
}

Result<bool> SqliteMetaStore::transition_monitor(int64_t id, const std::string& from, const MonitorTransition& t) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto s = db_->prepare("UPDATE monitors SET state = ?3 WHERE id = ?1 AND state = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, id).bind(2, from).bind(3, t.state).run(); !r) return r.error();
  if (db_->changes() == 0) return false;
  auto add = db_->prepare(
      "INSERT INTO monitor_transitions(monitor_id, state, value, threshold, created_us) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!add) return add.error();
  if (auto r = (*add)->reset().bind(1, id).bind(2, t.state).bind(3, t.value).bind(4, t.threshold)
                   .bind(5, t.created_us ? t.created_us : now_micros()).run();
      !r)
    return r.error();
  if (auto st = tx.commit(); !st) return st.error();
  return true;
}

Result<std::vector<MonitorTransition>> SqliteMetaStore::list_monitor_transitions(int64_t monitor_id, int limit) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT id, monitor_id, state, value, threshold, created_us FROM monitor_transitions WHERE monitor_id = ?1 "
      "ORDER BY id DESC LIMIT ?2");
  if (!s) return s.error();
  return collect<MonitorTransition>((*s)->reset().bind(1, monitor_id).bind(2, int64_t{limit}), [](Stmt& r) {
    MonitorTransition t;
    t.id = r.i64(0);
    t.monitor_id = r.i64(1);
    t.state = r.text(2);
    t.value = r.f64(3);
    t.threshold = r.f64(4);
    t.created_us = r.i64(5);
    return t;
  });
}

}  // namespace stacklens::sqlite
