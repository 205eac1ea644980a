// PostgresMetaStore: budgets, their alerts, notification channels and deliveries (meta_store.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "storage/meta_hex.h"
#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

double number(const PgResult& r, int i, int col) { return std::strtod(r.text(i, col).c_str(), nullptr); }

// Doubles travel as text, in the shortest form that reads back as the same double.
Param dollars(double v) { return fmt::format("{}", v); }
Param dollars(const std::optional<double>& v) { return v ? dollars(*v) : Param(); }
Param text_or_null(const std::optional<std::string>& v) { return v ? Param(*v) : Param(); }

Budget read_budget(const PgResult& r, int i) {
  Budget b;
  b.id = r.i64(i, 0);
  b.project_id = r.i64(i, 1);
  b.name = r.text(i, 2);
  b.period = r.text(i, 3);
  b.scope = r.text(i, 4);
  b.scope_value = r.text(i, 5);
  if (!r.is_null(i, 6)) b.soft_limit_usd = number(r, i, 6);
  b.hard_limit_usd = number(r, i, 7);
  b.created_by = r.text(i, 8);
  b.created_us = r.i64(i, 9);
  b.updated_us = r.i64(i, 10);
  return b;
}

NotificationChannel read_channel(const PgResult& r, int i) {
  NotificationChannel c;
  c.id = r.i64(i, 0);
  c.project_id = r.i64(i, 1);
  c.name = r.text(i, 2);
  c.kind = r.text(i, 3);
  c.url = r.text(i, 4);
  c.sealed_secret = SealedText{from_hex(r.text(i, 5)), static_cast<int>(r.i64(i, 6))};
  c.created_by = r.text(i, 7);
  c.created_us = r.i64(i, 8);
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

Result<Budget> PostgresMetaStore::create_budget(const Budget& b) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  Budget out = b;
  out.created_us = out.updated_us = now_micros();
  auto r = (*lease)->run(sql::kCreateBudget, b.project_id, b.name, b.period, b.scope, b.scope_value,
                         dollars(b.soft_limit_usd), dollars(b.hard_limit_usd), b.created_by, out.created_us);
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("budget '{}' already exists", b.name));
    return r.error();
  }
  out.id = r->i64(0, 0);
  return out;
}

Result<Budget> PostgresMetaStore::update_budget(const Budget& b) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kUpdateBudget, b.project_id, b.name, b.period, b.scope, b.scope_value,
                         dollars(b.soft_limit_usd), dollars(b.hard_limit_usd), now_micros());
  if (!r) return r.error();
  if (r->empty()) return budget_missing(b.name);
  return read_budget(*r, 0);
}

Status PostgresMetaStore::delete_budget(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto r = conn.run(sql::kDeleteBudgetAlerts, project_id, name); !r) return r.error();
  auto r = conn.run(sql::kDeleteBudget, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return budget_missing(name);
  return tx.commit();
}

Result<std::vector<Budget>> PostgresMetaStore::list_budgets(std::optional<int64_t> project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListBudgets, project_id);
  if (!r) return r.error();
  std::vector<Budget> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_budget(*r, i));
  return out;
}

Result<std::optional<Budget>> PostgresMetaStore::get_budget(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetBudget, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<Budget>();
  return std::optional<Budget>(read_budget(*r, 0));
}

Result<bool> PostgresMetaStore::claim_budget_alert(int64_t budget_id, Micros period_start_us, const std::string& level,
                                                   double spent_usd) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kClaimBudgetAlert, budget_id, period_start_us, level, dollars(spent_usd), now_micros());
  if (!r) return r.error();
  return !r->empty();
}

Result<NotificationChannel> PostgresMetaStore::create_channel(const NotificationChannel& c) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  NotificationChannel out = c;
  out.created_us = now_micros();
  auto r = (*lease)->run(sql::kCreateChannel, c.project_id, c.name, c.kind, c.url, to_hex(c.sealed_secret.bytes),
                         c.sealed_secret.key_id, c.created_by, out.created_us);
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("notification channel '{}' already exists", c.name));
    return r.error();
  }
  out.id = r->i64(0, 0);
  return out;
}

Result<NotificationChannel> PostgresMetaStore::update_channel(const std::string& name, const NotificationChannel& c) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kUpdateChannel, c.project_id, name, c.name, c.url, to_hex(c.sealed_secret.bytes),
                         c.sealed_secret.key_id);
  if (!r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("notification channel '{}' already exists", c.name));
    return r.error();
  }
  if (r->empty()) return channel_missing(name);
  return read_channel(*r, 0);
}

Status PostgresMetaStore::delete_channel(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto r = conn.run(sql::kDeleteChannelQueue, project_id, name); !r) return r.error();
  if (auto r = conn.run(sql::kDeleteChannelDeliveries, project_id, name); !r) return r.error();
  auto r = conn.run(sql::kDeleteChannel, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return channel_missing(name);
  return tx.commit();
}

Result<std::vector<NotificationChannel>> PostgresMetaStore::list_channels(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListChannels, project_id);
  if (!r) return r.error();
  std::vector<NotificationChannel> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_channel(*r, i));
  return out;
}

Result<std::optional<NotificationChannel>> PostgresMetaStore::get_channel(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetChannel, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<NotificationChannel>();
  return std::optional<NotificationChannel>(read_channel(*r, 0));
}

Status PostgresMetaStore::add_delivery(const NotificationDelivery& d) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kAddDelivery, d.channel_id, d.event, d.status, d.attempt, d.status_code,
                         text_or_null(d.error), d.created_us ? d.created_us : now_micros());
  if (!r) return r.error();
  return ok_status();
}

Result<std::vector<NotificationDelivery>> PostgresMetaStore::list_deliveries(int64_t channel_id, int limit) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListDeliveries, channel_id, limit);
  if (!r) return r.error();
  std::vector<NotificationDelivery> out;
  for (int i = 0; i < r->rows(); ++i) {
    NotificationDelivery d;
    d.id = r->i64(i, 0);
    d.channel_id = r->i64(i, 1);
    d.event = r->text(i, 2);
    d.status = r->text(i, 3);
    d.attempt = r->i64(i, 4);
    d.status_code = r->opt_i64(i, 5);
    if (!r->is_null(i, 6)) d.error = r->text(i, 6);
    d.created_us = r->i64(i, 7);
    out.push_back(std::move(d));
  }
  return out;
}

Result<int64_t> PostgresMetaStore::queue_notification(int64_t channel_id, const std::string& event,
                                                      const std::string& body) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kQueueNotification, channel_id, event, body, now_micros());
  if (!r) return r.error();
  return r->i64(0, 0);
}

Result<std::vector<QueuedNotification>> PostgresMetaStore::claim_notifications(Micros now_us, Micros until_us,
                                                                               int limit) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kClaimNotifications, now_us, until_us, limit);
  if (!r) return r.error();
  std::vector<QueuedNotification> out;
  for (int i = 0; i < r->rows(); ++i) {
    QueuedNotification q;
    q.id = r->i64(i, 0);
    q.event = r->text(i, 1);
    q.body = r->text(i, 2);
    q.state = r->text(i, 3);
    q.attempts = r->i64(i, 4);
    q.next_attempt_us = r->i64(i, 5);
    q.created_us = r->i64(i, 6);
    q.channel.id = r->i64(i, 7);
    q.channel.project_id = r->i64(i, 8);
    q.channel.name = r->text(i, 9);
    q.channel.kind = r->text(i, 10);
    q.channel.url = r->text(i, 11);
    q.channel.sealed_secret = SealedText{from_hex(r->text(i, 12)), static_cast<int>(r->i64(i, 13))};
    q.channel.created_by = r->text(i, 14);
    q.channel.created_us = r->i64(i, 15);
    out.push_back(std::move(q));
  }
  // RETURNING follows no order: soonest due first, as claimed.
  std::sort(out.begin(), out.end(), [](const QueuedNotification& a, const QueuedNotification& b) {
    return std::tie(a.next_attempt_us, a.id) < std::tie(b.next_attempt_us, b.id);
  });
  return out;
}

Status PostgresMetaStore::record_notification_attempt(const QueuedNotification& q, const NotificationDelivery& d) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  // Pending: due again later. Sent or given up: it leaves the queue, its deliveries its history.
  auto r = q.state == "pending" ? conn.run(sql::kFinishNotificationAttempt, q.id, q.state, q.attempts, q.next_attempt_us)
                                : conn.run(sql::kDropQueuedNotification, q.id);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("queued notification {} does not exist", q.id));
  if (auto added = conn.run(sql::kAddDelivery, d.channel_id, d.event, d.status, d.attempt, d.status_code,
                            text_or_null(d.error), d.created_us ? d.created_us : now_micros());
      !added)
    return added.error();
  return tx.commit();
}

}  // namespace stacklens::postgres
