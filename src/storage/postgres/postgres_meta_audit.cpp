// PostgresMetaStore: GovernAI's audit chain, its checkpoints and the Article 13 statements
// (meta_store.h). An append locks audit_head's one row for its transaction, so nodes
// appending at once wait for each other and extend one chain.
#include "storage/audit_chain.h"
#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

AuditEntry read_audit(const PgResult& r, int i) {
  return AuditEntry{r.i64(i, 0),  r.i64(i, 1),  r.i64(i, 2),  r.text(i, 3),  r.text(i, 4),  r.text(i, 5),
                    r.text(i, 6), r.text(i, 7), r.text(i, 8), r.text(i, 9), r.text(i, 10), r.text(i, 11)};
}

std::vector<AuditEntry> audit_rows(const PgResult& r) {
  std::vector<AuditEntry> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_audit(r, i));
  return out;
}

}  // namespace

Status PostgresMetaStore::append_audit(std::vector<AuditEntry> entries) {
  if (entries.empty()) return ok_status();
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  auto head = conn.run(sql::kLockAuditHead);
  if (!head) return head.error();
  int64_t id = head->i64(0, 0);
  std::string prev = head->text(0, 1);
  const Micros now = now_micros();
  for (AuditEntry& e : entries) {
    e.id = ++id;
    if (e.time_us == 0) e.time_us = now;
    e.prev_hash = std::move(prev);
    e.hash = audit_entry_hash(e);
    prev = e.hash;
    if (auto r = conn.run(sql::kAppendAudit, e.id, e.time_us, e.project_id, e.data_type, e.policy, e.field, e.model,
                          e.provider, e.trace_id, e.span_id, e.prev_hash, e.hash);
        !r)
      return r.error();
  }
  if (auto r = conn.run(sql::kSetAuditHead, id, prev); !r) return r.error();
  return tx.commit();
}

Result<std::vector<AuditEntry>> PostgresMetaStore::list_audit(const AuditFilter& f) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListAudit, f.project_id, param(f.data_type), param(f.policy), param(f.model),
                         param(f.from_us), param(f.to_us), f.before_id, f.limit);
  if (!r) return r.error();
  return audit_rows(*r);
}

Result<std::vector<AuditEntry>> PostgresMetaStore::audit_chain(int64_t after_id, int limit) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kAuditChain, after_id, limit);
  if (!r) return r.error();
  return audit_rows(*r);
}

Result<std::optional<AuditEntry>> PostgresMetaStore::last_audit_entry() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kLastAudit);
  if (!r) return r.error();
  if (r->empty()) return std::optional<AuditEntry>();
  return std::optional<AuditEntry>(read_audit(*r, 0));
}

Result<std::vector<AuditCount>> PostgresMetaStore::audit_counts(int64_t project_id, Micros from_us, Micros to_us,
                                                                Micros bucket_us) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kAuditCounts, project_id, from_us, to_us, bucket_us);
  if (!r) return r.error();
  std::vector<AuditCount> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->i64(i, 0), r->text(i, 1), r->text(i, 2), r->i64(i, 3)});
  return out;
}

Status PostgresMetaStore::add_audit_checkpoint(const AuditCheckpoint& c) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto r = (*lease)->run(sql::kAddAuditCheckpoint, c.entry_id, c.hash, c.signature, c.time_us); !r)
    return r.error();
  return ok_status();
}

Result<std::vector<AuditCheckpoint>> PostgresMetaStore::list_audit_checkpoints() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListAuditCheckpoints);
  if (!r) return r.error();
  std::vector<AuditCheckpoint> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->i64(i, 0), r->text(i, 1), r->text(i, 2), r->i64(i, 3)});
  return out;
}

Result<TransparencyInfo> PostgresMetaStore::get_transparency(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetTransparency, project_id);
  if (!r) return r.error();
  if (r->empty()) {
    TransparencyInfo none;
    none.project_id = project_id;
    return none;
  }
  return TransparencyInfo{project_id,     r->text(0, 0), r->text(0, 1), r->text(0, 2),
                          r->text(0, 3), r->text(0, 4), r->i64(0, 5)};
}

Result<TransparencyInfo> PostgresMetaStore::put_transparency(const TransparencyInfo& info) {
  TransparencyInfo out = info;
  out.updated_us = now_micros();
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto r = (*lease)->run(sql::kPutTransparency, out.project_id, out.intended_purpose, out.provider_contact,
                             out.human_oversight, out.known_limitations, out.updated_by, out.updated_us);
      !r)
    return r.error();
  return out;
}

}  // namespace stacklens::postgres
