// SqliteMetaStore: the projects' GovernAI policies (meta_store.h).
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

GovernaiPolicy policy_row(Stmt& r) {
  GovernaiPolicy p;
  p.project_id = r.i64(0);
  p.data_type = r.text(1);
  p.action = parse_action(r.view(2)).value_or(PolicyAction::redact);
  p.updated_by = r.text(3);
  p.updated_us = r.i64(4);
  return p;
}

}  // namespace

Result<std::vector<GovernaiPolicy>> SqliteMetaStore::list_governai_policies(std::optional<int64_t> project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT project_id, data_type, action, updated_by, updated_us FROM governai_policies "
      "WHERE ?1 IS NULL OR project_id = ?1 ORDER BY project_id, data_type");
  if (!s) return s.error();
  return collect<GovernaiPolicy>((*s)->reset().bind(1, project_id), policy_row);
}

Status SqliteMetaStore::set_governai_policies(int64_t project_id, const std::vector<GovernaiPolicy>& set,
                                              const std::vector<std::string>& reset) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto put = db_->prepare(
      "INSERT INTO governai_policies(project_id, data_type, action, updated_by, updated_us) VALUES(?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(project_id, data_type) DO UPDATE SET action = excluded.action, updated_by = excluded.updated_by, "
      "updated_us = excluded.updated_us");
  if (!put) return put.error();
  const Micros now = now_micros();
  for (const GovernaiPolicy& p : set)
    if (auto r = (*put)->reset().bind(1, project_id).bind(2, p.data_type).bind(3, action_name(p.action))
                     .bind(4, p.updated_by).bind(5, now).run();
        !r)
      return r;
  auto drop = db_->prepare("DELETE FROM governai_policies WHERE project_id = ?1 AND data_type = ?2");
  if (!drop) return drop.error();
  for (const std::string& type : reset)
    if (auto r = (*drop)->reset().bind(1, project_id).bind(2, type).run(); !r) return r;
  if (auto st = db_->exec("UPDATE governai_revision SET revision = revision + 1"); !st) return st;
  return tx.commit();
}

Result<int64_t> SqliteMetaStore::governai_policy_revision() {
  std::lock_guard lock(mu_);
  return db_->query_int("SELECT revision FROM governai_revision");
}

}  // namespace stacklens::sqlite
