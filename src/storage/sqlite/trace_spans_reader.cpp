#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_readers.h"
#include "storage/sqlite/span_row_reader.h"

namespace stacklens::sqlite {

namespace {

// The page's statements read one snapshot, so that each trace row's attributes hold every span
// read. The transaction lasts one page: WAL checkpoints wait for no more than that.
class ReadTransaction {
 public:
  explicit ReadTransaction(Db& db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) (void)db_.exec("ROLLBACK");
  }
  Status begin() {
    auto st = db_.exec("BEGIN");
    open_ = static_cast<bool>(st);
    return st;
  }

 private:
  Db& db_;
  bool open_ = false;
};

struct Read {
  SpanRow row;
  int64_t id = 0;
};

}  // namespace

// Three statements a page, whatever its size: the list's page of trace rows, every span of those
// rows, and the rows' attributes (a span's are found by counting those of the spans before it in
// its row, in id order, skipped ones included).
Result<TraceSpansPage> read_trace_spans(Db& db, const IdTraces& ids, const TextLog& texts, int64_t project_id,
                                        const TraceFilter& filter, bool with_text) {
  ReadTransaction transaction(db);
  if (auto st = transaction.begin(); !st) return st.error();
  auto rows = read_trace_rows(db, ids, project_id, filter);
  if (!rows) return rows.error();
  TraceSpansPage out;
  out.next_cursor = std::move(rows->page.next_cursor);
  if (rows->ids.empty()) return out;

  std::unordered_map<int64_t, size_t> at;  // trace row -> its place in the page
  std::string row_list = "[";
  for (size_t i = 0; i < rows->ids.size(); ++i) {
    at.emplace(rows->ids[i], i);
    if (i) row_list += ',';
    row_list += std::to_string(rows->ids[i]);
  }
  row_list += ']';

  std::vector<std::vector<Read>> read(rows->ids.size());
  auto spans = db.prepare(fmt::format(
      "SELECT {}, s.id, s.trace_row FROM spans s INDEXED BY span_in_trace "
      "WHERE s.trace_row IN (SELECT value FROM json_each(?1))",
      kSpanColumns));
  if (!spans) return spans.error();
  Stmt& s = (*spans)->reset().bind(1, std::string_view(row_list));
  for (;;) {
    auto step = s.step();
    if (!step) return step.error();
    if (!*step) break;
    auto span = read_span(s, project_id);
    if (!span) return span.error();
    const auto place = at.find(s.i64(kSpanColumnCount + 1));
    if (place == at.end()) continue;
    read[place->second].push_back(Read{std::move(*span), s.i64(kSpanColumnCount)});
  }
  s.reset();

  auto attrs = db.prepare("SELECT id, attributes FROM traces WHERE id IN (SELECT value FROM json_each(?1))");
  if (!attrs) return attrs.error();
  Stmt& a = (*attrs)->reset().bind(1, std::string_view(row_list));
  std::vector<std::string> joined(rows->ids.size());
  for (;;) {
    auto step = a.step();
    if (!step) return step.error();
    if (!*step) break;
    if (const auto place = at.find(a.i64(0)); place != at.end()) joined[place->second] = a.text(1);
  }
  a.reset();

  if (with_text) {
    // The page's text, asked of the disk at once where it lies together (spans written about
    // the same time): read span by span, newest first, it would come a few kilobytes at a time.
    constexpr int64_t kAheadBytes = 64 << 20;
    int64_t from = INT64_MAX, to = 0;
    for (const auto& trace : read)
      for (const Read& r : trace)
        if (const auto& at = r.row.place.text_at) {
          from = std::min(from, *at);
          to = std::max(to, *at + r.row.place.prompt_len + r.row.place.completion_len);
        }
    if (to > from && to - from <= kAheadBytes) texts.will_read(from, to);
  }

  out.traces.reserve(read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    auto& trace = read[i];
    const std::string& trace_id = rows->page.traces[i].trace_id;
    std::sort(trace.begin(), trace.end(), [](const Read& x, const Read& y) { return x.id < y.id; });
    const std::string_view attributes(joined[i]);
    size_t offset = 0;
    auto& spans_out = out.traces.emplace_back();
    spans_out.reserve(trace.size());
    for (Read& r : trace) {
      const auto len = static_cast<size_t>(r.row.place.attributes_len);
      offset += len;
      // Another trace whose id has the same 64-bit key shares the row.
      if (r.row.record.span.trace_id != trace_id) continue;
      if (auto st = attach_attributes(attributes, offset - len, len, rows->ids[i], r.row.record.span); !st)
        return st.error();
      if (!with_text) r.row.record.prompt.reset(), r.row.record.completion.reset();
      else if (auto text = read_text(texts, r.row); !text) return text.error();
      spans_out.push_back(std::move(r.row.record));
    }
    // By start time, then arrival (the ids are in arrival order, and sorted above).
    std::stable_sort(spans_out.begin(), spans_out.end(),
                     [](const SpanRecord& x, const SpanRecord& y) { return x.span.start_us < y.span.start_us; });
  }
  return out;
}

}  // namespace stacklens::sqlite
