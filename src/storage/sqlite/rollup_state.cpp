#include "storage/sqlite/rollup_state.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/sqlite/span_row_reader.h"

namespace stacklens::sqlite {

namespace {

constexpr auto kMergeEvery = std::chrono::milliseconds(1000);
constexpr size_t kMaxPending = 10000;  // sums pending that start a merge sooner
constexpr int64_t kCatchUpChunk = 50000;  // spans summed per transaction by catch_up()

}  // namespace

Status RollupState::catch_up(Db& writer) {
  auto state = writer.prepare("SELECT through_id, generation FROM rollup_state");
  if (!state) return state.error();
  auto row = (*state)->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::internal, "spans.db has no rollup_state row");
  int64_t after = (*state)->i64(0);
  generation_ = (*state)->i64(1);
  (*state)->reset();
  auto scan = writer.prepare(fmt::format(
      "SELECT {}, project_id, id FROM spans WHERE id > ?1 ORDER BY id LIMIT {}", kSpanColumns, kCatchUpChunk));
  if (!scan) return scan.error();
  for (;;) {
    RollupAccumulator acc;
    Stmt& s = (*scan)->reset().bind(1, after);
    int64_t rows = 0;
    for (;;) {
      auto r = s.step();
      if (!r) return r.error();
      if (!*r) break;
      auto row = read_span(s, s.i64(kSpanColumnCount));  // rollups need no attributes or text
      if (!row) return row.error();
      acc.add(row->record.span);
      after = s.i64(kSpanColumnCount + 1);
      ++rows;
    }
    if (rows == 0) return ok_status();
    spdlog::info("summed {} stored spans into the metrics rollups", rows);
    Transaction tx(writer);
    if (!tx.begin_status()) return tx.begin_status();
    if (auto st = acc.flush(writer); !st) return st;
    auto mark = writer.prepare("UPDATE rollup_state SET through_id = ?1, generation = generation + 1");
    if (!mark) return mark.error();
    if (auto st = (*mark)->reset().bind(1, after).run(); !st) return st;
    if (auto st = tx.commit(); !st) return st;
    ++generation_;
  }
}

Result<bool> RollupState::merge_if_due(Db& writer, const std::vector<const Span*>& inserted) {
  if (std::chrono::steady_clock::now() - last_merge_ < kMergeEvery && pending_.size() <= kMaxPending) return false;
  RollupAccumulator rollups;
  for (const Span* s : inserted) rollups.add(*s);
  if (auto st = merge(writer, rollups); !st) return st.error();
  return true;
}

void RollupState::committed(bool merged_now, const std::vector<const Span*>& inserted) {
  if (merged_now) return merged();
  std::lock_guard lock(mu_);
  for (const Span* s : inserted) pending_.add(*s);
}

Status RollupState::merge_now(Db& writer) {
  if (pending_.empty()) return ok_status();
  Transaction tx(writer);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto st = merge(writer, RollupAccumulator{}); !st) return st;
  if (auto st = tx.commit(); !st) return st;
  merged();
  return ok_status();
}

Status RollupState::change_table(Db& writer, const RollupAccumulator& changes) {
  if (auto st = changes.flush(writer); !st) return st;
  return writer.exec("UPDATE rollup_state SET generation = generation + 1");
}

// Inside the writer's transaction: the pending sums, plus `more` (spans of this transaction),
// go into the rollups table, which then counts every span stored so far.
Status RollupState::merge(Db& writer, const RollupAccumulator& more) {
  if (auto st = pending_.flush(writer); !st) return st;
  if (auto st = more.flush(writer); !st) return st;
  return writer.exec(
      "UPDATE rollup_state SET through_id = (SELECT coalesce(max(id), 0) FROM spans), generation = generation + 1");
}

// After the transaction of merge() committed.
void RollupState::merged() {
  std::lock_guard lock(mu_);
  pending_.clear();
  ++generation_;
  last_merge_ = std::chrono::steady_clock::now();
}

}  // namespace stacklens::sqlite
