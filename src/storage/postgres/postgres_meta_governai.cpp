// PostgresMetaStore: the projects' GovernAI policies (meta_store.h).
#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {

Result<std::vector<GovernaiPolicy>> PostgresMetaStore::list_governai_policies(std::optional<int64_t> project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListGovernaiPolicies, param(project_id));
  if (!r) return r.error();
  std::vector<GovernaiPolicy> out;
  for (int i = 0; i < r->rows(); ++i)
    out.push_back(GovernaiPolicy{r->i64(i, 0), r->text(i, 1), parse_action(r->text(i, 2)).value_or(PolicyAction::redact),
                                 r->text(i, 3), r->i64(i, 4)});
  return out;
}

Status PostgresMetaStore::set_governai_policies(int64_t project_id, const std::vector<GovernaiPolicy>& set,
                                                const std::vector<std::string>& reset) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  const Micros now = now_micros();
  for (const GovernaiPolicy& p : set)
    if (auto r = conn.run(sql::kPutGovernaiPolicy, project_id, p.data_type, action_name(p.action), p.updated_by, now);
        !r)
      return r.error();
  for (const std::string& type : reset)
    if (auto r = conn.run(sql::kDropGovernaiPolicy, project_id, type); !r) return r.error();
  if (auto r = conn.run(sql::kBumpGovernaiRevision); !r) return r.error();
  return tx.commit();
}

Result<int64_t> PostgresMetaStore::governai_policy_revision() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGovernaiRevision);
  if (!r) return r.error();
  return r->i64(0, 0);
}

}  // namespace stacklens::postgres
