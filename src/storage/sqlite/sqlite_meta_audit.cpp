// SqliteMetaStore: GovernAI's audit chain, its checkpoints and the Article 13 statements
// (meta_store.h). BEGIN IMMEDIATE takes meta.db's write lock before the chain's last entry is
// read, so appends from the server and any other process extend one chain.
#include <fmt/format.h>

#include "storage/audit_chain.h"
#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr std::string_view kAuditColumns =
    "id, time_us, project_id, data_type, policy, field, model, provider, trace_id, span_id, prev_hash, hash";

AuditEntry audit_row(Stmt& r) {
  return AuditEntry{r.i64(0),  r.i64(1),  r.i64(2),  r.text(3),  r.text(4),  r.text(5),
                    r.text(6), r.text(7), r.text(8), r.text(9), r.text(10), r.text(11)};
}

}  // namespace

Status SqliteMetaStore::append_audit(std::vector<AuditEntry> entries) {
  if (entries.empty()) return ok_status();
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto last = db_->prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (!last) return last.error();
  (*last)->reset();
  auto row = (*last)->step();
  if (!row) return row.error();
  int64_t id = *row ? (*last)->i64(0) : 0;
  std::string prev = *row ? (*last)->text(1) : kAuditGenesis;
  (*last)->reset();
  auto ins = db_->prepare(fmt::format("INSERT INTO audit_log({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                      "?11, ?12)",
                                      kAuditColumns));
  if (!ins) return ins.error();
  const Micros now = now_micros();
  for (AuditEntry& e : entries) {
    e.id = ++id;
    if (e.time_us == 0) e.time_us = now;
    e.prev_hash = std::move(prev);
    e.hash = audit_entry_hash(e);
    prev = e.hash;
    (*ins)->reset().bind(1, e.id).bind(2, e.time_us).bind(3, e.project_id).bind(4, e.data_type).bind(5, e.policy);
    (*ins)->bind(6, e.field).bind(7, e.model).bind(8, e.provider).bind(9, e.trace_id).bind(10, e.span_id);
    (*ins)->bind(11, e.prev_hash).bind(12, e.hash);
    if (auto r = (*ins)->run(); !r) return r;
  }
  return tx.commit();
}

Result<std::vector<AuditEntry>> SqliteMetaStore::list_audit(const AuditFilter& f) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format(
      "SELECT {} FROM audit_log WHERE project_id = ?1 AND (?2 IS NULL OR data_type = ?2) AND (?3 IS NULL OR policy = "
      "?3) AND (?4 IS NULL OR model = ?4) AND (?5 IS NULL OR time_us >= ?5) AND (?6 IS NULL OR time_us < ?6) AND "
      "(?7 = 0 OR id < ?7) ORDER BY id DESC LIMIT ?8",
      kAuditColumns));
  if (!s) return s.error();
  (*s)->reset().bind(1, f.project_id).bind(2, f.data_type).bind(3, f.policy).bind(4, f.model).bind(5, f.from_us);
  (*s)->bind(6, f.to_us).bind(7, f.before_id).bind(8, f.limit);
  return collect<AuditEntry>(**s, audit_row);
}

Result<std::vector<AuditEntry>> SqliteMetaStore::audit_chain(int64_t after_id, int limit) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2", kAuditColumns));
  if (!s) return s.error();
  (*s)->reset().bind(1, after_id).bind(2, limit);
  return collect<AuditEntry>(**s, audit_row);
}

Result<std::optional<AuditEntry>> SqliteMetaStore::last_audit_entry() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} FROM audit_log ORDER BY id DESC LIMIT 1", kAuditColumns));
  if (!s) return s.error();
  auto rows = collect<AuditEntry>((*s)->reset(), audit_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<AuditEntry>();
  return std::optional<AuditEntry>(std::move(rows->front()));
}

Result<std::vector<AuditCount>> SqliteMetaStore::audit_counts(int64_t project_id, Micros from_us, Micros to_us,
                                                              Micros bucket_us) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT ?2 + (time_us - ?2) / ?4 * ?4 AS bucket, data_type, policy, count(*) FROM audit_log INDEXED BY "
      "audit_project_time WHERE project_id = ?1 AND time_us >= ?2 AND time_us < ?3 GROUP BY bucket, data_type, policy "
      "ORDER BY bucket, data_type, policy");
  if (!s) return s.error();
  (*s)->reset().bind(1, project_id).bind(2, from_us).bind(3, to_us).bind(4, bucket_us);
  return collect<AuditCount>(**s, [](Stmt& r) { return AuditCount{r.i64(0), r.text(1), r.text(2), r.i64(3)}; });
}

Status SqliteMetaStore::add_audit_checkpoint(const AuditCheckpoint& c) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "INSERT INTO audit_checkpoints(entry_id, hash, signature, time_us) VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO "
      "NOTHING");
  if (!s) return s.error();
  return (*s)->reset().bind(1, c.entry_id).bind(2, c.hash).bind(3, c.signature).bind(4, c.time_us).run();
}

Result<std::vector<AuditCheckpoint>> SqliteMetaStore::list_audit_checkpoints() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare("SELECT entry_id, hash, signature, time_us FROM audit_checkpoints ORDER BY entry_id");
  if (!s) return s.error();
  return collect<AuditCheckpoint>((*s)->reset(),
                                  [](Stmt& r) { return AuditCheckpoint{r.i64(0), r.text(1), r.text(2), r.i64(3)}; });
}

Result<TransparencyInfo> SqliteMetaStore::get_transparency(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(
      "SELECT intended_purpose, provider_contact, human_oversight, known_limitations, updated_by, updated_us FROM "
      "transparency WHERE project_id = ?1");
  if (!s) return s.error();
  auto rows = collect<TransparencyInfo>((*s)->reset().bind(1, project_id), [&](Stmt& r) {
    return TransparencyInfo{project_id, r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.i64(5)};
  });
  if (!rows) return rows.error();
  if (rows->empty()) {
    TransparencyInfo none;
    none.project_id = project_id;
    return none;
  }
  return rows->front();
}

Result<TransparencyInfo> SqliteMetaStore::put_transparency(const TransparencyInfo& info) {
  std::lock_guard lock(mu_);
  TransparencyInfo out = info;
  out.updated_us = now_micros();
  auto s = db_->prepare(
      "INSERT INTO transparency(project_id, intended_purpose, provider_contact, human_oversight, known_limitations, "
      "updated_by, updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(project_id) DO UPDATE SET "
      "intended_purpose = excluded.intended_purpose, provider_contact = excluded.provider_contact, human_oversight = "
      "excluded.human_oversight, known_limitations = excluded.known_limitations, updated_by = excluded.updated_by, "
      "updated_us = excluded.updated_us");
  if (!s) return s.error();
  (*s)->reset().bind(1, out.project_id).bind(2, out.intended_purpose).bind(3, out.provider_contact);
  (*s)->bind(4, out.human_oversight).bind(5, out.known_limitations).bind(6, out.updated_by).bind(7, out.updated_us);
  if (auto r = (*s)->run(); !r) return r.error();
  return out;
}

}  // namespace stacklens::sqlite
