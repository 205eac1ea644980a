#pragma once
// A span as a TabSeparated row of the spans table (ch_statements.h's kSpanColumns), both ways.
// The row is encoded on the request thread (SpanStore::prepare) into SpanRecord::encoded.packed,
// all but its last column, version, which the writer appends: 2^63 minus the span's arrival
// order, by which a trace's first session and user id are chosen and the first copy of a span
// is kept (ch_statements.h).
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/span.h"

namespace stacklens::clickhouse {

// Fills r.encoded (attribute, tag and event JSON, session and user ids, `packed`: the row up to
// version, ending in a tab) and frees what it copied.
void encode_span_row(SpanRecord& r);

// The fields of a row selected with kSpanColumns, into a record (sealed text still sealed).
Result<SpanRecord> decode_span_row(const std::vector<std::string>& fields);

}  // namespace stacklens::clickhouse
