#include "storage/sqlite/expiry.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/span_row_reader.h"

namespace stacklens::sqlite {
namespace {

constexpr int kTracesPerStep = 64;
// While ingest writes, a step is followed by a pause this many times its length.
constexpr int kPauseFactor = 4;
constexpr Micros kIngestActiveUs = 1000000;
// Rollup buckets removed per transaction: six hours of minute buckets (per dimension).
constexpr int64_t kRollupSecondsPerStep = 6 * 3600;

struct ExpiredTrace {
  int64_t row = 0, key = 0;
  std::optional<std::string> session_id, user_id;
};

struct StepResult {
  bool more = false;
  int64_t spans = 0;
};

// One step: the next traces of the project that began before `before`, removed in one
// transaction; their text erased after it committed.
Result<StepResult> step(ExpiryParts& p, int64_t project_id, Micros before) {
  std::vector<std::pair<int64_t, int64_t>> text;
  StepResult result;
  {
    std::lock_guard lock(p.write_mu);
    Transaction tx(p.writer);
    if (!tx.begin_status()) return tx.begin_status().error();
    auto traces = p.writer.prepare(
        "SELECT id, trace_key, session_id, user_id FROM traces WHERE project_id = ?1 AND start_us < ?2 "
        "AND id <= (SELECT keyed_through FROM ingest_state) AND (id <= (SELECT ids_through FROM ingest_state) "
        "OR (session_id IS NULL AND user_id IS NULL)) ORDER BY start_us, id LIMIT ?3");
    auto spans = p.writer.prepare(fmt::format("SELECT {} FROM spans WHERE trace_row = ?1", kSpanColumns));
    auto drop_spans = p.writer.prepare("DELETE FROM spans WHERE trace_row = ?1");
    auto drop_trace = p.writer.prepare("DELETE FROM traces WHERE id = ?1");
    auto drop_key = p.writer.prepare("DELETE FROM trace_keys WHERE project_id = ?1 AND trace_key = ?2 AND trace_row = ?3");
    auto drop_ids = p.writer.prepare(
        "DELETE FROM id_traces WHERE project_id = ?1 AND kind = ?2 AND id_key = sl_id_key(?3) AND trace_row = ?4");
    auto drop_scores = p.writer.prepare(
        "DELETE FROM scores WHERE project_id = ?1 AND trace_id = (SELECT trace_id FROM traces WHERE id = ?2)");
    for (auto* st : {&traces, &spans, &drop_spans, &drop_trace, &drop_key, &drop_ids, &drop_scores})
      if (!*st) return st->error();
    auto found = collect<ExpiredTrace>((*traces)->reset().bind(1, project_id).bind(2, before).bind(3, kTracesPerStep),
                                       [](Stmt& r) {
                                         return ExpiredTrace{r.i64(0), r.i64(1), r.opt_text(2), r.opt_text(3)};
                                       });
    if (!found) return found.error();
    for (const ExpiredTrace& t : *found) {
      Stmt& s = (*spans)->reset().bind(1, t.row);
      for (;;) {
        auto more = s.step();
        if (!more) return more.error();
        if (!*more) break;
        auto row = read_span(s, project_id);
        if (!row) return row.error();
        if (row->place.text_at) text.emplace_back(*row->place.text_at, row->place.prompt_len + row->place.completion_len);
        ++result.spans;
      }
      if (auto st = (*drop_scores)->reset().bind(1, project_id).bind(2, t.row).run(); !st) return st.error();
      if (auto st = (*drop_spans)->reset().bind(1, t.row).run(); !st) return st.error();
      if (auto st = (*drop_key)->reset().bind(1, project_id).bind(2, t.key).bind(3, t.row).run(); !st) return st.error();
      const std::pair<int, const std::optional<std::string>*> ids[] = {{0, &t.session_id}, {1, &t.user_id}};
      for (const auto& [kind, id] : ids)
        if (*id)
          if (auto st = (*drop_ids)->reset().bind(1, project_id).bind(2, int64_t{kind}).bind(3, **id).bind(4, t.row).run();
              !st)
            return st.error();
      if (auto st = (*drop_trace)->reset().bind(1, t.row).run(); !st) return st.error();
    }
    if (auto st = tx.commit(); !st) return st.error();
    result.more = static_cast<int>(found->size()) == kTracesPerStep;
  }
  if (auto st = p.text.erase(text); !st) return st.error();
  return result;
}

// The project's rollup buckets that end before `before`, a few hours of them per transaction
// (after the pending sums were merged, so none of them comes back from memory).
Status expire_rollups(ExpiryParts& p, int64_t project_id, Micros before) {
  const int64_t before_s = before / 1000000;
  std::optional<int64_t> from;
  {
    std::lock_guard lock(p.write_mu);
    if (auto st = p.rollups.merge_now(p.writer); !st) return st;
    auto first = p.writer.prepare("SELECT min(bucket) FROM rollups WHERE project_id = ?1");
    if (!first) return first.error();
    auto min = collect<std::optional<int64_t>>((*first)->reset().bind(1, project_id),
                                               [](Stmt& r) { return r.opt_i64(0); });
    if (!min) return min.error();
    if (!min->empty()) from = min->front();
  }
  if (!from) return ok_status();
  for (int64_t lo = *from; lo < before_s; lo += kRollupSecondsPerStep) {
    std::lock_guard lock(p.write_mu);
    auto drop = p.writer.prepare(
        "DELETE FROM rollups WHERE project_id = ?1 AND level = ?2 AND dim = ?3 AND bucket >= ?4 AND bucket < ?5 "
        "AND bucket + level <= ?6");
    if (!drop) return drop.error();
    Transaction tx(p.writer);
    if (!tx.begin_status()) return tx.begin_status();
    for (int64_t level : {60, 3600})
      for (int64_t dim : {dim_all, dim_model, dim_provider, dim_name})
        if (auto st = (*drop)->reset().bind(1, project_id).bind(2, level).bind(3, dim).bind(4, lo)
                          .bind(5, lo + kRollupSecondsPerStep).bind(6, before_s).run();
            !st)
          return st;
    if (auto st = tx.commit(); !st) return st;
  }
  return ok_status();
}

// Merges the trace keys and the session and user entries held in memory into their tables, a
// slice per transaction, so that the traces a pass removes are known only to the tables: a
// snapshot of what memory holds now (or the one already being merged), to its end. Entries that
// arrive meanwhile stay in memory, their traces for a later pass.
Status merge_memory(ExpiryParts& p) {
  for (bool first = true;; first = false) {
    std::lock_guard lock(p.write_mu);
    if (first ? p.identities.all_merged() && p.id_traces.all_merged()
              : !p.identities.merging() && !p.id_traces.merging())
      return ok_status();
    Transaction tx(p.writer);
    if (!tx.begin_status()) return tx.begin_status();
    auto keys_to = p.identities.merge_step(p.writer, first);
    if (!keys_to) return keys_to.error();
    auto ids_to = p.id_traces.merge_step(p.writer, {}, first);
    if (!ids_to) return ids_to.error();
    if (auto st = tx.commit(); !st) return st;
    p.identities.committed({}, *keys_to);
    p.id_traces.committed({}, *ids_to);
  }
}

}  // namespace

Result<int64_t> expire(ExpiryParts parts, int64_t project_id, Micros before, const SpanStore::GoOn& go_on) {
  // Twice: the first may only finish a snapshot that ingest had begun; the second then takes
  // what was recent besides.
  for (int i = 0; i < 2; ++i)
    if (auto st = merge_memory(parts); !st) return st.error();
  int64_t removed = 0;
  for (;;) {
    const Micros started = now_micros();
    auto done = step(parts, project_id, before);
    if (!done) return done.error();
    removed += done->spans;
    if (!done->more) break;
    if (!go_on()) return removed;
    const Micros now = now_micros();
    if (now - parts.last_write_us.load(std::memory_order_relaxed) < kIngestActiveUs)
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<Micros>(kPauseFactor * (now - started), 1000000)));
  }
  if (auto st = expire_rollups(parts, project_id, before); !st) return st.error();
  return removed;
}

}  // namespace stacklens::sqlite
