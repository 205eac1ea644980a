#pragma once
// A span row of spans.db as read: packed rows (span_row.h) and the wide rows stored before
// schema migration 10 alike.
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
inline constexpr std::string_view kSpanColumns =
    "trace_id, span_id, parent_span_id, name, kind, status, start_us, end_us, model, provider, input_tokens, "
    "output_tokens, total_tokens, cost_usd, temperature, max_tokens, is_streaming, finish_reason, prompt, prompt_key, "
    "completion, completion_key, attributes, tags, events, text_at, prompt_len, completion_len, attributes_len, "
    "packed";
inline constexpr int kSpanColumnCount = 30;

// A span row as read: the span without its attributes and sealed text kept in spans.text,
// and where those are.
struct SpanRow {
  SpanRecord record;
  // Where its text is (text_at set: in spans.text, see read_text) and its attributes' length in
  // the trace row (get_trace finds them there), as packed rows say it and wide rows' columns.
  PackedPlace place;
  // Rows stored before attributes_len (migration 9) hold their attributes themselves.
  std::optional<std::string> own_attributes;
};

// The row `s` stands on (selected with kSpanColumns first).
Result<SpanRow> read_span(Stmt& s, int64_t project_id);

// The row's sealed text kept in spans.text: the prompt, then the completion right after it,
// in one read.
Status read_text(const TextLog& texts, SpanRow& row);

}  // namespace stacklens::sqlite
