#pragma once
// A span row of spans.db as read: its columns and its packed rest (span_row.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/span.h"
#include "storage/sqlite/span_row.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"

namespace stacklens::sqlite {

// The columns read_span reads, to select first; a query's own columns follow at kSpanColumnCount.
inline constexpr std::string_view kSpanColumns = "trace_id, span_id, name, model, provider, tags, packed";
inline constexpr int kSpanColumnCount = 7;

// A span row as read: the span without its attributes and sealed text kept in spans.text,
// and where those are.
struct SpanRow {
  SpanRecord record;
  // Where its text is (text_at set: in spans.text, see read_text) and its attributes' length in
  // the trace row (read_trace_detail finds them there).
  PackedPlace place;
};

// The row `s` stands on (selected with kSpanColumns first).
Result<SpanRow> read_span(Stmt& s, int64_t project_id);

// A span's attributes from its trace row's (`joined`: the row's spans' attributes one after the
// other in id order, a span's found by counting those of the spans before it), parsed into the
// span; an error names the row when its attributes end before `offset + length`.
Status attach_attributes(std::string_view joined, size_t offset, size_t length, int64_t trace_row, Span& span);

// The row's sealed text kept in spans.text: the prompt, then the completion right after it,
// in one read.
Status read_text(const TextLog& texts, SpanRow& row);

}  // namespace stacklens::sqlite
