#include "storage/sqlite/cost_recompute.h"

#include <fmt/format.h>

#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/span_row.h"
#include "storage/sqlite/span_row_reader.h"

namespace stacklens::sqlite {
namespace {

constexpr int kTracesPerStep = 256;

struct Cursor {
  Micros start_us;
  int64_t trace_row;
};

// One step: the next traces after `cursor`, their spans priced again, in one transaction.
// Returns the spans looked at and changed, and moves the cursor (nullopt: no traces left).
Result<std::optional<Cursor>> step(RecomputeParts& p, int64_t project_id, Micros to, Cursor cursor,
                                   const SpanStore::Repricer& reprice, RecomputeProgress& progress) {
  std::lock_guard lock(p.write_mu);
  if (auto st = p.disk.check(); !st) return st.error();
  if (auto st = p.rollups.merge_now(p.writer); !st) return st.error();
  Transaction tx(p.writer);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto traces = p.writer.prepare(
      "SELECT id, start_us FROM traces WHERE project_id = ?1 AND (start_us, id) > (?2, ?3) AND start_us < ?4 "
      "ORDER BY start_us, id LIMIT ?5");
  auto spans = p.writer.prepare(fmt::format("SELECT {}, id FROM spans WHERE trace_row = ?1", kSpanColumns));
  auto update_span = p.writer.prepare("UPDATE spans SET packed = ?2 WHERE id = ?1");
  auto update_trace = p.writer.prepare(
      "UPDATE traces SET cost_usd = cost_usd + ?2, unpriced_spans = unpriced_spans + ?3 WHERE id = ?1");
  for (auto* st : {&traces, &spans, &update_span, &update_trace})
    if (!*st) return st->error();
  std::vector<Cursor> rows;
  {
    Stmt& s = (*traces)->reset().bind(1, project_id).bind(2, cursor.start_us).bind(3, cursor.trace_row).bind(4, to);
    s.bind(5, kTracesPerStep);
    auto found = collect<Cursor>(s, [](Stmt& r) { return Cursor{r.i64(1), r.i64(0)}; });
    if (!found) return found.error();
    rows = std::move(*found);
  }
  if (rows.empty()) return std::optional<Cursor>();
  RollupAccumulator changes;
  for (const Cursor& trace : rows) {
    double cost_change = 0;
    int64_t unpriced_change = 0;
    Stmt& s = (*spans)->reset().bind(1, trace.trace_row);
    for (;;) {
      auto more = s.step();
      if (!more) return more.error();
      if (!*more) break;
      ++progress.spans_done;
      auto row = read_span(s, project_id);
      if (!row) return row.error();
      Span& span = row->record.span;
      if (!span.llm) continue;
      const Span before = span;
      if (!reprice(span)) continue;
      auto packed = with_cost(s.view(kSpanColumnCount - 1), span.llm->cost_usd, span.llm->cost_source);
      if (!packed) return packed.error();
      const int64_t span_row = s.i64(kSpanColumnCount);
      if (auto st = (*update_span)->reset().bind(1, span_row).bind(2, std::string_view(*packed)).run(); !st)
        return st.error();
      cost_change += span.llm->cost_usd - before.llm->cost_usd;
      unpriced_change += (span.llm->cost_source == CostSource::unpriced) - (before.llm->cost_source == CostSource::unpriced);
      changes.add_cost_change(before, span);
      ++progress.spans_changed;
    }
    if (cost_change != 0 || unpriced_change != 0)
      if (auto st = (*update_trace)->reset().bind(1, trace.trace_row).bind(2, cost_change).bind(3, unpriced_change).run();
          !st)
        return st.error();
  }
  const bool changed = !changes.empty();
  if (changed)
    if (auto st = p.rollups.change_table(p.writer, changes); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  if (changed) p.rollups.committed(true, {});
  return std::optional<Cursor>(rows.back());
}

}  // namespace

Result<RecomputeProgress> recompute_costs(RecomputeParts parts, int64_t project_id, Micros from, Micros to,
                                          const SpanStore::Repricer& reprice, const SpanStore::ProgressFn& progress) {
  RecomputeProgress done;
  {
    // Counted once, beside ingest: spans of traces that start in the period while it runs are
    // priced at ingest with the same prices.
    std::lock_guard lock(parts.write_mu);
    auto total = parts.writer.prepare(
        "SELECT coalesce(sum(span_count), 0) FROM traces WHERE project_id = ?1 AND start_us >= ?2 AND start_us < ?3");
    if (!total) return total.error();
    auto n = collect<int64_t>((*total)->reset().bind(1, project_id).bind(2, from).bind(3, to),
                              [](Stmt& r) { return r.i64(0); });
    if (!n) return n.error();
    done.spans_total = n->empty() ? 0 : n->front();
  }
  if (!progress(done)) return done;
  Cursor cursor{from, 0};
  for (;;) {
    auto next = step(parts, project_id, to, cursor, reprice, done);
    if (!next) return next.error();
    if (!*next) break;
    cursor = **next;
    done.spans_total = std::max(done.spans_total, done.spans_done);
    if (!progress(done)) return done;
  }
  done.spans_total = done.spans_done;
  progress(done);
  return done;
}

}  // namespace stacklens::sqlite
