#pragma once
// The commit of one batch of spans (SpanStore::write), on the writer thread: find or add each
// trace's row, insert the new spans, grow the trace rows' sums, and in the same transaction
// the due rollup merge and the trace-key and session/user merge slices; commit once spans.text
// is synced.
#include <vector>

#include "core/error.h"
#include "model/span.h"
#include "storage/span_store.h"
#include "storage/sqlite/checkpointer.h"
#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/id_traces.h"
#include "storage/sqlite/rollup_state.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"
#include "storage/sqlite/trace_identities.h"

namespace stacklens::sqlite {

// What a commit uses, owned by SqliteSpanStore.
struct WriterParts {
  Db& db;  // the writer's connection
  TextLog& text_log;
  TraceIdentities& identities;
  IdTraces& id_traces;
  RollupState& rollups;
  Checkpointer& checkpointer;
  const DiskGuard& disk;
};

// Stores `records` in one durable transaction, or none of them. Records that did not come
// through prepare_batch() (tests, tools) are prepared here. Writer thread only.
Result<WriteOutcome> commit_batch(const WriterParts& parts, const std::vector<const SpanRecord*>& records);

}  // namespace stacklens::sqlite
