// SqliteMetaStore: budgets, their alerts, notification channels and deliveries (meta_store.h).
#include <fmt/format.h>

#include "storage/meta_hex.h"
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kBudgetColumns =
    "id, project_id, name, period, scope, scope_value, soft_limit_usd, hard_limit_usd, created_by, created_us, "
    "updated_us FROM budgets";

Budget budget_row(Stmt& r) {
  Budget b;
  b.id = r.i64(0);
  b.project_id = r.i64(1);
  b.name = r.text(2);
  b.period = r.text(3);
  b.scope = r.text(4);
  b.scope_value = r.text(5);
  b.soft_limit_usd = r.opt_f64(6);
  b.hard_limit_usd = r.f64(7);
  b.created_by = r.text(8);
  b.created_us = r.i64(9);
  b.updated_us = r.i64(10);
  return b;
}

constexpr const char* kChannelColumns =
    "id, project_id, name, kind, url, sealed_secret, sealed_secret_id, created_by, created_us "
    "FROM notification_channels";

NotificationChannel channel_row(Stmt& r) {
  NotificationChannel c;
  c.id = r.i64(0);
  c.project_id = r.i64(1);
  c.name = r.text(2);
  c.kind = r.text(3);
  c.url = r.text(4);
  c.sealed_secret = SealedText{from_hex(r.text(5)), static_cast<int>(r.i64(6))};
  c.created_by = r.text(7);
  c.created_us = r.i64(8);
  return c;
}

Error budget_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("budget '{}' does not exist in this project", name));
}

Error channel_missing(const std::string& name) {
  return make_error(ErrorCode::not_found,
                    fmt::format("notification channel '{}' does not exist in this project", name));
}

}  // namespace

Result<Budget> SqliteMetaStore::create_budget(const Budget& b) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO budgets(project_id, name, period, scope, scope_value, soft_limit_usd, hard_limit_usd, created_by, "
      "created_us, updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
  if (!s) return s.error();
  Budget out = b;
  out.created_us = out.updated_us = now_micros();
  if (auto r = (*s)->reset().bind(1, b.project_id).bind(2, b.name).bind(3, b.period).bind(4, b.scope)
                   .bind(5, b.scope_value).bind(6, b.soft_limit_usd).bind(7, b.hard_limit_usd).bind(8, b.created_by)
                   .bind(9, out.created_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("budget '{}' already exists", b.name));
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  return out;
}

Result<Budget> SqliteMetaStore::update_budget(const Budget& b) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE budgets SET period = ?3, scope = ?4, scope_value = ?5, soft_limit_usd = ?6, hard_limit_usd = ?7, "
      "updated_us = ?8 WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, b.project_id).bind(2, b.name).bind(3, b.period).bind(4, b.scope)
                   .bind(5, b.scope_value).bind(6, b.soft_limit_usd).bind(7, b.hard_limit_usd)
                   .bind(8, now_micros()).run();
      !r)
    return r.error();
  if (db_->changes() == 0) return budget_missing(b.name);
  auto get = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kBudgetColumns));
  if (!get) return get.error();
  auto rows = collect<Budget>((*get)->reset().bind(1, b.project_id).bind(2, b.name), budget_row);
  if (!rows) return rows.error();
  return rows->front();
}

Status SqliteMetaStore::delete_budget(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto alerts = db_->prepare(
      "DELETE FROM budget_alerts WHERE budget_id IN (SELECT id FROM budgets WHERE project_id = ?1 AND name = ?2)");
  if (!alerts) return alerts.error();
  if (auto r = (*alerts)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  auto s = db_->prepare("DELETE FROM budgets WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  if (db_->changes() == 0) return budget_missing(name);
  return tx.commit();
}

Result<std::vector<Budget>> SqliteMetaStore::list_budgets(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      fmt::format("SELECT {} WHERE ?1 IS NULL OR project_id = ?1 ORDER BY project_id, name", kBudgetColumns));
  if (!s) return s.error();
  return collect<Budget>((*s)->reset().bind(1, project_id), budget_row);
}

Result<std::optional<Budget>> SqliteMetaStore::get_budget(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kBudgetColumns));
  if (!s) return s.error();
  auto rows = collect<Budget>((*s)->reset().bind(1, project_id).bind(2, name), budget_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Budget>();
  return std::optional<Budget>(rows->front());
}

Result<bool> SqliteMetaStore::claim_budget_alert(int64_t budget_id, Micros period_start_us, const std::string& level,
                                                 double spent_usd) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO budget_alerts(budget_id, period_start_us, level, spent_usd, created_us) VALUES(?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT DO NOTHING");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, budget_id).bind(2, period_start_us).bind(3, level).bind(4, spent_usd)
                   .bind(5, now_micros()).run();
      !r)
    return r.error();
  return db_->changes() == 1;
}

Result<NotificationChannel> SqliteMetaStore::create_channel(const NotificationChannel& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO notification_channels(project_id, name, kind, url, sealed_secret, sealed_secret_id, created_by, "
      "created_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s) return s.error();
  NotificationChannel out = c;
  out.created_us = now_micros();
  if (auto r = (*s)->reset().bind(1, c.project_id).bind(2, c.name).bind(3, c.kind).bind(4, c.url)
                   .bind(5, to_hex(c.sealed_secret.bytes)).bind(6, int64_t{c.sealed_secret.key_id})
                   .bind(7, c.created_by).bind(8, out.created_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("notification channel '{}' already exists", c.name));
    return r.error();
  }
  out.id = db_->last_insert_rowid();
  return out;
}

Result<NotificationChannel> SqliteMetaStore::update_channel(const std::string& name, const NotificationChannel& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "UPDATE notification_channels SET name = ?3, url = ?4, sealed_secret = ?5, sealed_secret_id = ?6 "
      "WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, c.project_id).bind(2, name).bind(3, c.name).bind(4, c.url)
                   .bind(5, to_hex(c.sealed_secret.bytes)).bind(6, int64_t{c.sealed_secret.key_id}).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("notification channel '{}' already exists", c.name));
    return r.error();
  }
  if (db_->changes() == 0) return channel_missing(name);
  auto get = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kChannelColumns));
  if (!get) return get.error();
  auto rows = collect<NotificationChannel>((*get)->reset().bind(1, c.project_id).bind(2, c.name), channel_row);
  if (!rows) return rows.error();
  return rows->front();
}

Status SqliteMetaStore::delete_channel(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto queued = db_->prepare(
      "DELETE FROM notification_queue WHERE channel_id IN "
      "(SELECT id FROM notification_channels WHERE project_id = ?1 AND name = ?2)");
  if (!queued) return queued.error();
  if (auto r = (*queued)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  auto deliveries = db_->prepare(
      "DELETE FROM notification_deliveries WHERE channel_id IN "
      "(SELECT id FROM notification_channels WHERE project_id = ?1 AND name = ?2)");
  if (!deliveries) return deliveries.error();
  if (auto r = (*deliveries)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  auto s = db_->prepare("DELETE FROM notification_channels WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, name).run(); !r) return r;
  if (db_->changes() == 0) return channel_missing(name);
  return tx.commit();
}

Result<std::vector<NotificationChannel>> SqliteMetaStore::list_channels(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 ORDER BY name", kChannelColumns));
  if (!s) return s.error();
  return collect<NotificationChannel>((*s)->reset().bind(1, project_id), channel_row);
}

Result<std::optional<NotificationChannel>> SqliteMetaStore::get_channel(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 AND name = ?2", kChannelColumns));
  if (!s) return s.error();
  auto rows = collect<NotificationChannel>((*s)->reset().bind(1, project_id).bind(2, name), channel_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<NotificationChannel>();
  return std::optional<NotificationChannel>(rows->front());
}

Status SqliteMetaStore::add_delivery(const NotificationDelivery& d) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO notification_deliveries(channel_id, event, status, attempt, status_code, error, created_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!s) return s.error();
  return (*s)->reset().bind(1, d.channel_id).bind(2, d.event).bind(3, d.status).bind(4, d.attempt)
      .bind(5, d.status_code).bind(6, d.error).bind(7, d.created_us ? d.created_us : now_micros()).run();
}

Result<std::vector<NotificationDelivery>> SqliteMetaStore::list_deliveries(int64_t channel_id, int limit) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT id, channel_id, event, status, attempt, status_code, error, created_us FROM notification_deliveries "
      "WHERE channel_id = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s) return s.error();
  return collect<NotificationDelivery>((*s)->reset().bind(1, channel_id).bind(2, int64_t{limit}), [](Stmt& r) {
    NotificationDelivery d;
    d.id = r.i64(0);
    d.channel_id = r.i64(1);
    d.event = r.text(2);
    d.status = r.text(3);
    d.attempt = r.i64(4);
    d.status_code = r.opt_i64(5);
    d.error = r.opt_text(6);
    d.created_us = r.i64(7);
    return d;
  });
}

Result<int64_t> SqliteMetaStore::queue_notification(int64_t channel_id, const std::string& event,
                                                    const std::string& body) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO notification_queue(channel_id, event, body, state, attempts, next_attempt_us, claimed_until_us, "
      "created_us) VALUES(?1, ?2, ?3, 'pending', 0, ?4, 0, ?4)");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, channel_id).bind(2, event).bind(3, body).bind(4, now_micros()).run(); !r)
    return r.error();
  return db_->last_insert_rowid();
}

// One process writes meta.db, and this one under its lock: the select and the updates are the claim.
Result<std::vector<QueuedNotification>> SqliteMetaStore::claim_notifications(Micros now_us, Micros until_us,
                                                                             int limit) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto due = db_->prepare(
      "SELECT q.id, q.event, q.body, q.state, q.attempts, q.next_attempt_us, q.created_us, c.id, c.project_id, "
      "c.name, c.kind, c.url, c.sealed_secret, c.sealed_secret_id, c.created_by, c.created_us "
      "FROM notification_queue q JOIN notification_channels c ON c.id = q.channel_id "
      "WHERE q.state = 'pending' AND q.next_attempt_us <= ?1 AND q.claimed_until_us <= ?1 "
      "ORDER BY q.next_attempt_us, q.id LIMIT ?2");
  if (!due) return due.error();
  auto rows = collect<QueuedNotification>((*due)->reset().bind(1, now_us).bind(2, int64_t{limit}), [](Stmt& r) {
    QueuedNotification q;
    q.id = r.i64(0);
    q.event = r.text(1);
    q.body = r.text(2);
    q.state = r.text(3);
    q.attempts = r.i64(4);
    q.next_attempt_us = r.i64(5);
    q.created_us = r.i64(6);
    q.channel.id = r.i64(7);
    q.channel.project_id = r.i64(8);
    q.channel.name = r.text(9);
    q.channel.kind = r.text(10);
    q.channel.url = r.text(11);
    q.channel.sealed_secret = SealedText{from_hex(r.text(12)), static_cast<int>(r.i64(13))};
    q.channel.created_by = r.text(14);
    q.channel.created_us = r.i64(15);
    return q;
  });
  if (!rows) return rows.error();
  auto claim = db_->prepare("UPDATE notification_queue SET claimed_until_us = ?2 WHERE id = ?1");
  if (!claim) return claim.error();
  for (const auto& q : *rows)
    if (auto r = (*claim)->reset().bind(1, q.id).bind(2, until_us).run(); !r) return r.error();
  if (auto st = tx.commit(); !st) return st.error();
  return rows;
}

Status SqliteMetaStore::record_notification_attempt(const QueuedNotification& q, const NotificationDelivery& d) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  // Pending: due again later. Sent or given up: it leaves the queue, its deliveries its history.
  if (q.state == "pending") {
    auto s = db_->prepare(
        "UPDATE notification_queue SET state = ?2, attempts = ?3, next_attempt_us = ?4, claimed_until_us = 0 "
        "WHERE id = ?1");
    if (!s) return s.error();
    if (auto r = (*s)->reset().bind(1, q.id).bind(2, q.state).bind(3, q.attempts).bind(4, q.next_attempt_us).run(); !r)
      return r;
  } else {
    auto s = db_->prepare("DELETE FROM notification_queue WHERE id = ?1");
    if (!s) return s.error();
    if (auto r = (*s)->reset().bind(1, q.id).run(); !r) return r;
  }
  if (db_->changes() == 0)
    return make_error(ErrorCode::not_found, fmt::format("queued notification {} does not exist", q.id));
  auto add = db_->prepare(
      "INSERT INTO notification_deliveries(channel_id, event, status, attempt, status_code, error, created_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!add) return add.error();
  if (auto r = (*add)->reset().bind(1, d.channel_id).bind(2, d.event).bind(3, d.status).bind(4, d.attempt)
                   .bind(5, d.status_code).bind(6, d.error).bind(7, d.created_us ? d.created_us : now_micros()).run();
      !r)
    return r;
  return tx.commit();
}

}  // namespace stacklens::sqlite
