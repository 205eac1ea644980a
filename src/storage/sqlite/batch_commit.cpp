#include "storage/sqlite/batch_commit.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "storage/sqlite/batch_prepare.h"
#include "storage/sqlite/trace_groups.h"

namespace stacklens::sqlite {

namespace {

constexpr std::string_view kAddTrace =
    "INSERT INTO traces(project_id, trace_key, trace_id, name, has_root, start_us, end_us, errors, span_count, "
    "input_tokens, output_tokens, total_tokens, cost_usd, attributes, tags, session_id, user_id, unpriced_spans) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)";

// A trace row's sums grow by a commit's new spans; the name follows the rules of TraceSum::add,
// session and user stay the first ones a span gave.
constexpr std::string_view kMergeTrace =
    "UPDATE traces SET "
    "name = CASE WHEN ?3 > has_root THEN ?2 WHEN ?3 = has_root AND ?4 < start_us THEN ?2 ELSE name END, "
    "has_root = max(has_root, ?3), start_us = min(start_us, ?4), end_us = max(end_us, ?5), errors = errors + ?6, "
    "span_count = span_count + ?7, input_tokens = input_tokens + ?8, output_tokens = output_tokens + ?9, "
    "total_tokens = total_tokens + ?10, cost_usd = cost_usd + ?11, attributes = attributes || ?12, "
    "tags = tags || ?13, session_id = coalesce(session_id, ?14), user_id = coalesce(user_id, ?15), "
    "unpriced_spans = unpriced_spans + ?16 WHERE id = ?1";
// The same, for spans that carry a session or user: the ids the trace keeps (id_traces.h).
const std::string kMergeTraceWithIds = std::string(kMergeTrace) + " RETURNING session_id, user_id";

// A span row as inserted: the columns SQL reads, and the rest packed (span_row.h). Values are
// bound at parameters base+1 .. base+kSpanParams; the records outlive the run, so nothing is
// copied into SQLite's memory.
constexpr std::string_view kSpanInsertColumns =
    "project_id, span_key, trace_row, trace_id, span_id, name, model, provider, tags, packed";
constexpr std::string_view kSpanInsertRow = "(?,?,?,?,?,?,?,?,?,?)";
constexpr int kSpanParams = 10;
void bind_span(Stmt& st, int base, const SpanRecord& r, int64_t trace_row) {
  const Span& s = r.span;
  const SpanRecord::Encoded& e = *r.encoded;
  st.bind(base + 1, s.project_id).bind(base + 2, e.span_key).bind(base + 3, trace_row);
  st.bind_ref(base + 4, s.trace_id).bind_ref(base + 5, s.span_id).bind_ref(base + 6, s.name);
  if (s.llm) st.bind_ref(base + 7, s.llm->model).bind_ref(base + 8, s.llm->provider);
  st.bind_ref(base + 9, e.tags).bind_blob_ref(base + 10, e.packed);
}

// A session or user id: NULL when none (the partial indexes leave such traces out).
void bind_id(Stmt& st, int at, std::string_view id) {
  if (id.empty()) st.bind_null(at);
  else st.bind_view(at, id);
}

// INSERT INTO spans of `rows` spans in one statement.
std::string span_insert_sql(int rows, std::string_view tail) {
  std::string sql = fmt::format("INSERT INTO spans({}) VALUES {}", kSpanInsertColumns, kSpanInsertRow);
  for (int i = 1; i < rows; ++i) sql += fmt::format(",{}", kSpanInsertRow);
  return sql + std::string(tail);
}

// Spans of new traces cannot conflict, so they go in this many rows per statement.
constexpr int kRowsPerInsert = 16;

// One run of commit_batch(): run() calls the steps below in order.
class BatchCommit {
 public:
  BatchCommit(const WriterParts& parts, const std::vector<const SpanRecord*>& records)
      : p_(parts), records_(records) {}
  Result<WriteOutcome> run();

 private:
  Status prepare_the_rest();
  Status prepare_statements();
  Status add_to_stored_trace(const TraceGroup& g, int64_t trace_row);
  Status add_new_trace(const TraceGroup& g);
  Status insert_new_traces_spans();
  Status mark_text_end();

  const WriterParts& p_;
  const std::vector<const SpanRecord*>& records_;
  std::vector<SpanRecord> unprepared_;  // copies of the records that came unprepared
  std::vector<const SpanRecord*> all_;  // the records, prepared
  Stmt *add_trace_ = nullptr, *merge_trace_ = nullptr, *merge_trace_ids_ = nullptr;
  Stmt *insert_one_ = nullptr, *insert_new_ = nullptr, *insert_many_ = nullptr;
  WriteOutcome out_;
  std::vector<const Span*> inserted_;  // this commit's new spans, for the rollups
  std::unordered_set<int64_t> seen_;  // span keys of a new trace's group
  std::vector<std::pair<const SpanRecord*, int64_t>> fresh_;  // spans of new traces, with their trace row
  std::vector<TraceIdentities::Entry> added_;  // this commit's new traces
  std::vector<IdTraces::Entry> added_ids_;     // their sessions and users (and stored traces')
};

Result<WriteOutcome> BatchCommit::run() {
  if (auto st = p_.disk.check(); !st) return st.error();
  if (auto st = prepare_the_rest(); !st) return st.error();
  // The rows' text was appended to spans.text before they were queued: it is made durable
  // while the rows are inserted, and the commit waits for it.
  p_.text_log.start_sync();
  std::vector<const SpanRecord*> grouped;
  const std::vector<TraceGroup> groups = group_by_trace(all_, grouped);
  Transaction tx(p_.db);
  if (!tx.begin_status()) return tx.begin_status().error();
  if (auto st = prepare_statements(); !st) return st.error();
  inserted_.reserve(all_.size());
  for (const TraceGroup& g : groups) {
    auto found = p_.identities.find(p_.db, g.project_id, g.trace_key);
    if (!found) return found.error();
    auto st = found->has_value() ? add_to_stored_trace(g, **found) : add_new_trace(g);
    if (!st) return st.error();
  }
  if (auto st = insert_new_traces_spans(); !st) return st.error();
  // Rollups: merged into their table about once a second, with the spans they count; until
  // then pending in memory (rollup_state.h).
  auto rollups_merged = p_.rollups.merge_if_due(p_.db, inserted_);
  if (!rollups_merged) return rollups_merged.error();
  auto keys_merged_to = p_.identities.merge_step(p_.db);
  if (!keys_merged_to) return keys_merged_to.error();
  auto ids_merged_to = p_.id_traces.merge_step(p_.db, added_ids_);
  if (!ids_merged_to) return ids_merged_to.error();
  if (auto st = mark_text_end(); !st) return st.error();
  if (auto st = p_.text_log.wait_synced(); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  p_.identities.committed(added_, *keys_merged_to);
  p_.id_traces.committed(added_ids_, *ids_merged_to);
  p_.rollups.committed(*rollups_merged, inserted_);
  p_.checkpointer.committed();
  return out_;
}

// Records that did not come through prepare_batch() are prepared here, as copies. (Reserved to
// their count: pointers into unprepared_ must stay valid.)
Status BatchCommit::prepare_the_rest() {
  unprepared_.reserve(static_cast<size_t>(
      std::count_if(records_.begin(), records_.end(), [](const SpanRecord* r) { return !r->encoded; })));
  all_.reserve(records_.size());
  for (const SpanRecord* r : records_) {
    if (r->encoded) {
      all_.push_back(r);
      continue;
    }
    unprepared_.push_back(*r);
  }
  if (auto st = prepare_batch(unprepared_, p_.text_log, p_.disk); !st) return st;
  for (const auto& r : unprepared_) all_.push_back(&r);
  return ok_status();
}

// The commit's statements, cached by the connection.
Status BatchCommit::prepare_statements() {
  static const std::string kInsertOne = span_insert_sql(1, " ON CONFLICT(trace_row, span_key) DO NOTHING");
  static const std::string kInsertNew = span_insert_sql(1, "");
  static const std::string kInsertMany = span_insert_sql(kRowsPerInsert, "");
  const std::pair<Stmt**, std::string_view> wanted[] = {{&add_trace_, kAddTrace},
                                                        {&merge_trace_, kMergeTrace},
                                                        {&merge_trace_ids_, kMergeTraceWithIds},
                                                        {&insert_one_, kInsertOne},
                                                        {&insert_new_, kInsertNew},
                                                        {&insert_many_, kInsertMany}};
  for (const auto& [stmt, sql] : wanted) {
    auto prepared = p_.db.prepare(sql);
    if (!prepared) return prepared.error();
    *stmt = *prepared;
  }
  return ok_status();
}

// A trace stored before: each span may be a retry of one stored already.
Status BatchCommit::add_to_stored_trace(const TraceGroup& g, int64_t trace_row) {
  TraceSum sum;
  for (const SpanRecord* r : g.spans) {
    Stmt& st = insert_one_->reset();
    bind_span(st, 0, *r, trace_row);
    if (auto rs = st.run(); !rs) return rs;
    if (p_.db.changes() != 1) {
      out_.duplicates++;
      continue;
    }
    out_.inserted++;
    sum.add(r->span, *r->encoded);
    inserted_.push_back(&r->span);
  }
  if (sum.spans == 0) return ok_status();
  // Spans with ids may give the trace its first ones: the ids it keeps are read back for
  // id_traces.
  const bool ids = !sum.session_id.empty() || !sum.user_id.empty();
  Stmt& m = (ids ? merge_trace_ids_ : merge_trace_)->reset();
  m.bind(1, trace_row).bind_view(2, sum.name).bind(3, static_cast<int64_t>(sum.has_root)).bind(4, sum.start_us);
  m.bind(5, sum.end_us).bind(6, sum.errors).bind(7, sum.spans).bind(8, sum.input_tokens);
  m.bind(9, sum.output_tokens).bind(10, sum.total_tokens).bind(11, sum.cost_usd).bind_view(12, sum.attributes);
  m.bind_view(13, sum.tags);
  bind_id(m, 14, sum.session_id);
  bind_id(m, 15, sum.user_id);
  m.bind(16, sum.unpriced_spans);
  if (!ids) return m.run();
  auto row = m.step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::internal, fmt::format("trace row {} vanished during a commit", trace_row));
  const std::string session_id = m.is_null(0) ? std::string() : m.text(0);
  const std::string user_id = m.is_null(1) ? std::string() : m.text(1);
  if (auto rs = m.run(); !rs) return rs;  // the statement's end
  return p_.id_traces.note(p_.db, g.project_id, trace_row, session_id, user_id, added_ids_);
}

// A new trace: every distinct span of the group is new, so its sums are known up front. Its row
// is added here; its spans wait for insert_new_traces_spans().
Status BatchCommit::add_new_trace(const TraceGroup& g) {
  TraceSum sum;
  seen_.clear();
  const size_t first = fresh_.size();
  for (const SpanRecord* r : g.spans) {
    if (!seen_.insert(r->encoded->span_key).second) {
      out_.duplicates++;  // the same span twice in one commit
      continue;
    }
    sum.add(r->span, *r->encoded);
    fresh_.emplace_back(r, 0);
  }
  Stmt& a = add_trace_->reset();
  a.bind(1, g.project_id).bind(2, g.trace_key).bind_view(3, sum.trace_id).bind_view(4, sum.name);
  a.bind(5, static_cast<int64_t>(sum.has_root)).bind(6, sum.start_us).bind(7, sum.end_us).bind(8, sum.errors);
  a.bind(9, sum.spans).bind(10, sum.input_tokens).bind(11, sum.output_tokens).bind(12, sum.total_tokens);
  a.bind(13, sum.cost_usd).bind_view(14, sum.attributes).bind_view(15, sum.tags);
  bind_id(a, 16, sum.session_id);
  bind_id(a, 17, sum.user_id);
  a.bind(18, sum.unpriced_spans);
  if (auto rs = a.run(); !rs) return rs;
  const int64_t trace_row = p_.db.last_insert_rowid();
  added_.push_back(TraceIdentities::Entry{g.project_id, g.trace_key, trace_row});
  if (!sum.session_id.empty() || !sum.user_id.empty())
    if (auto st = p_.id_traces.note(p_.db, g.project_id, trace_row, sum.session_id, sum.user_id, added_ids_); !st)
      return st;
  for (size_t i = first; i < fresh_.size(); ++i) fresh_[i].second = trace_row;
  return ok_status();
}

// Spans of new traces, many per statement: none can be stored already, so no conflict is
// possible (one would fail the commit).
Status BatchCommit::insert_new_traces_spans() {
  size_t next = 0;
  for (; next + kRowsPerInsert <= fresh_.size(); next += kRowsPerInsert) {
    Stmt& st = insert_many_->reset();
    for (int j = 0; j < kRowsPerInsert; ++j) bind_span(st, j * kSpanParams, *fresh_[next + j].first, fresh_[next + j].second);
    if (auto rs = st.run(); !rs) return rs;
  }
  for (; next < fresh_.size(); ++next) {
    Stmt& st = insert_new_->reset();
    bind_span(st, 0, *fresh_[next].first, fresh_[next].second);
    if (auto rs = st.run(); !rs) return rs;
  }
  for (const auto& [r, row] : fresh_) inserted_.push_back(&r->span);
  out_.inserted += static_cast<int64_t>(fresh_.size());
  return ok_status();
}

// ingest_state.text_end: the end of the text this commit's rows point at in spans.text (a
// shorter spans.text found on open was lost).
Status BatchCommit::mark_text_end() {
  int64_t text_end = 0;
  for (const SpanRecord* r : all_)
    if (r->encoded->text_at)
      text_end = std::max(text_end, *r->encoded->text_at + r->encoded->prompt_len + r->encoded->completion_len);
  if (text_end == 0) return ok_status();
  auto mark = p_.db.prepare("UPDATE ingest_state SET text_end = max(text_end, ?1)");
  if (!mark) return mark.error();
  return (*mark)->reset().bind(1, text_end).run();
}

}  // namespace

Result<WriteOutcome> commit_batch(const WriterParts& parts, const std::vector<const SpanRecord*>& records) {
  return BatchCommit(parts, records).run();
}

}  // namespace stacklens::sqlite
