#pragma once
// Retention on spans.db (SpanStore::expire): a project's traces that began before a time are
// removed with everything that hangs on them (spans, their text in spans.text, scores, the
// trace's keys, its sessions' and users' entries), then its rollups that end before that time.
//
// Like a cost recompute (cost_recompute.h) it runs on the writer's connection, a few hundred
// traces per transaction under the lock that write() takes, so ingest waits at most one short
// step; while ingest writes (a write in the last second), each step is followed by a pause four
// times its length, so a pass takes at most a fifth of the writer's time (bench/retention_bench.py). A trace row may only go once its keys are in their tables rather than in memory
// (trace_keys up to ingest_state.keyed_through, id_traces up to ids_through: trace_identities.h,
// id_traces.h), so a pass first merges what memory holds, a slice per transaction; rows that
// arrive meanwhile wait for a later pass. The text of
// a step's spans is erased from spans.text (holes punched, text_log.h) once the step has
// committed; a crash in between leaves that text unreferenced on disk.
#include <atomic>
#include <mutex>

#include "storage/span_store.h"
#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/id_traces.h"
#include "storage/sqlite/rollup_state.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"
#include "storage/sqlite/trace_identities.h"

namespace stacklens::sqlite {

struct ExpiryParts {
  Db& writer;
  std::mutex& write_mu;  // held by write() for each commit
  RollupState& rollups;
  TextLog& text;
  TraceIdentities& identities;
  IdTraces& id_traces;
  const std::atomic<int64_t>& last_write_us;  // when ingest last wrote
};

Result<int64_t> expire(ExpiryParts parts, int64_t project_id, Micros before, const SpanStore::GoOn& go_on);

}  // namespace stacklens::sqlite
