#include "storage/sqlite/span_readers.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_row_reader.h"

namespace stacklens::sqlite {

namespace {

// The row of a trace: recent traces are in memory, looked at before trace_keys (see trace_identities.h).
Result<std::optional<int64_t>> trace_row(Db& db, const TraceIdentities& identities, int64_t project_id,
                                         const std::string& trace_id) {
  const int64_t key = id_key(trace_id);
  if (auto recent = identities.find_recent(project_id, key)) return recent;
  return TraceIdentities::find_stored(db, project_id, key);
}

struct Read {
  SpanRecord record;
  int64_t id = 0;
};

// Every span of a trace row in id order, with its attributes and text: only those of `trace_id`
// when given (the others share the row's 64-bit key: a collision), all of them when not. Also
// the row's session and user.
Status read_row_spans(Db& db, const TextLog& texts, int64_t project_id, int64_t row, const std::string* trace_id,
                      std::vector<Read>& read, std::optional<std::string>* session_id = nullptr,
                      std::optional<std::string>* user_id = nullptr) {
  // Spans follow one another in the trace row's attributes in id order, so each span's are
  // found by counting those of the spans before it, skipped ones included.
  auto st = db.prepare(fmt::format(
      "SELECT {}, id FROM spans INDEXED BY span_in_trace WHERE trace_row = ?1 ORDER BY id", kSpanColumns));
  if (!st) return st.error();
  (*st)->bind(1, row);
  std::vector<std::pair<size_t, size_t>> in_trace_row;  // where each read span's attributes are
  const size_t first = read.size();
  size_t at = 0;
  for (;;) {
    auto step = (*st)->step();
    if (!step) return step.error();
    if (!*step) break;
    Stmt& s = **st;
    auto span = read_span(s, project_id);
    if (!span) return span.error();
    const auto len = static_cast<size_t>(span->place.attributes_len);
    at += len;
    if (trace_id && span->record.span.trace_id != *trace_id) continue;
    if (auto text = read_text(texts, *span); !text) return text.error();
    read.push_back(Read{std::move(span->record), s.i64(kSpanColumnCount)});
    in_trace_row.emplace_back(at - len, len);
  }
  if (read.size() == first) return ok_status();
  // Read after the spans: the trace row's attributes only ever grow at the end, so they hold
  // every span read above, at the same place.
  auto ta = db.prepare("SELECT attributes, session_id, user_id FROM traces WHERE id = ?1");
  if (!ta) return ta.error();
  Stmt& t = (*ta)->reset().bind(1, row);
  auto found = t.step();
  if (!found) return found.error();
  const std::string joined = *found ? t.text(0) : std::string();
  if (*found && session_id) *session_id = t.opt_text(1);
  if (*found && user_id) *user_id = t.opt_text(2);
  t.reset();
  for (size_t i = first; i < read.size(); ++i) {
    const auto [offset, length] = in_trace_row[i - first];
    if (auto st = attach_attributes(joined, offset, length, row, read[i].record.span); !st) return st;
  }
  return ok_status();
}

}  // namespace

Result<std::optional<TraceDetail>> read_trace_detail(Db& db, const TraceIdentities& identities, const TextLog& texts,
                                                     int64_t project_id, const std::string& trace_id) {
  auto row = trace_row(db, identities, project_id, trace_id);
  if (!row) return row.error();
  if (!*row) return std::optional<TraceDetail>{};
  std::vector<Read> read;
  std::optional<std::string> session_id, user_id;
  if (auto st = read_row_spans(db, texts, project_id, **row, &trace_id, read, &session_id, &user_id); !st)
    return st.error();
  // Shown by start time, then arrival.
  std::sort(read.begin(), read.end(), [](const Read& a, const Read& b) {
    return std::pair(a.record.span.start_us, a.id) < std::pair(b.record.span.start_us, b.id);
  });
  TraceDetail d;
  d.spans.reserve(read.size());
  for (Read& r : read) d.spans.push_back(std::move(r.record));
  if (d.spans.empty()) return std::optional<TraceDetail>{};
  TraceSummary& t = d.summary;
  t.trace_id = trace_id;
  t.session_id = std::move(session_id);
  t.user_id = std::move(user_id);
  std::set<std::string> models, providers, tags;
  bool root_seen = false;
  t.start_us = d.spans.front().span.start_us;
  t.end_us = t.start_us;
  t.status = "ok";
  t.name = d.spans.front().span.name;
  for (const auto& r : d.spans) {
    const Span& s = r.span;
    if (!s.parent_span_id && !root_seen) t.name = s.name, root_seen = true;
    t.end_us = std::max(t.end_us, s.end_us);
    if (s.is_error()) t.status = "error";
    ++t.span_count;
    if (s.llm) {
      t.input_tokens += s.llm->input_tokens;
      t.output_tokens += s.llm->output_tokens;
      t.total_tokens += s.llm->total_tokens;
      t.cost_usd += s.llm->cost_usd;
      t.unpriced_spans += s.llm->cost_source == CostSource::unpriced ? 1 : 0;
      models.insert(s.llm->model);
      providers.insert(s.llm->provider);
    }
    tags.insert(s.tags.begin(), s.tags.end());
  }
  t.models.assign(models.begin(), models.end());
  t.providers.assign(providers.begin(), providers.end());
  t.tags.assign(tags.begin(), tags.end());
  return std::optional<TraceDetail>(std::move(d));
}

// Trace rows in id order, whole: the cursor is the last row read.
Result<SpanDump> read_span_dump(Db& db, const TextLog& texts, const std::string& after, int max_spans) {
  constexpr int kRows = 256;
  int64_t after_row = after.empty() ? 0 : static_cast<int64_t>(std::stoll(after));
  SpanDump page;
  for (;;) {
    auto st = db.prepare("SELECT id, project_id FROM traces WHERE id > ?1 ORDER BY id LIMIT ?2");
    if (!st) return st.error();
    Stmt& s = (*st)->reset().bind(1, after_row).bind(2, int64_t{kRows});
    std::vector<std::pair<int64_t, int64_t>> rows;
    for (;;) {
      auto step = s.step();
      if (!step) return step.error();
      if (!*step) break;
      rows.emplace_back(s.i64(0), s.i64(1));
    }
    s.reset();
    std::vector<Read> read;
    for (const auto& [row, project] : rows) {
      if (auto r = read_row_spans(db, texts, project, row, nullptr, read); !r) return r.error();
      after_row = row;
      if (static_cast<int>(page.spans.size() + read.size()) >= max_spans) break;
    }
    for (Read& r : read) page.spans.push_back(std::move(r.record));
    if (static_cast<int>(rows.size()) < kRows && (rows.empty() || after_row == rows.back().first)) return page;
    if (static_cast<int>(page.spans.size()) >= max_spans) break;
  }
  page.cursor = std::to_string(after_row);
  return page;
}

}  // namespace stacklens::sqlite
