#pragma once
// Pricing stored spans again (SpanStore::recompute_costs) on the writer's connection, a few
// hundred traces per transaction, each under the lock that write() takes: ingest waits at most
// one short step. Before each step the pending rollups are merged, so the rollups table counts
// every span the step may change, and the step's changes go into that table.
#include <mutex>

#include "storage/span_store.h"
#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/rollup_state.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

struct RecomputeParts {
  Db& writer;
  std::mutex& write_mu;  // held by write() for each commit
  RollupState& rollups;
  const DiskGuard& disk;
};

Result<RecomputeProgress> recompute_costs(RecomputeParts parts, int64_t project_id, Micros from, Micros to,
                                          const SpanStore::Repricer& reprice, const SpanStore::ProgressFn& progress);

}  // namespace stacklens::sqlite
