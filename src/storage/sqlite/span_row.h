#pragma once
// The packed part of a span row (spans.packed).
//
// A span row keeps in columns only what SQL reads: the keys of its index (trace_row,
// span_key), the list filters' name, model and provider, tags (the list's facets), and its
// ids (so the store can still be checked with plain SQL: the fault benchmark and tests count
// spans by id). Everything else is one blob, encoded by the request thread that parsed the
// span. Why: the writer is the narrow stage of batched ingest, and SQLite's cost per
// inserted row grows with its columns (binding each value, checking it, building the
// record). A stand-alone test of 16-row inserts: 2.24-2.37 µs per row with 33 bound
// columns, 1.57-1.62 with 8; binding the two ids as well made no measurable difference
// (docs/benchmarks.md).
//
// Layout: a version byte (2), a varint of flags, then the fields in the order of pack_span.
// Integers are zigzag LEB128 varints, doubles 8 bytes little-endian, strings a varint length
// and their bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/span.h"

namespace stacklens::sqlite {

// What a packed row says beyond the span: where its text and attributes are.
struct PackedPlace {
  std::optional<int64_t> text_at;  // the prompt in spans.text at this offset, the completion after it
  int64_t prompt_len = 0, completion_len = 0;
  int64_t attributes_len = 0;  // length of its attributes JSON in the trace row
};

// `r` must be prepared (r.encoded set): its events, text place and attributes length come from
// there; sealed text not in spans.text is packed with the row.
std::string pack_span(const SpanRecord& r);

// The same packed row with the span's cost and cost source replaced (a cost recompute). A row of
// version 1 comes back as version 2.
Result<std::string> with_cost(std::string_view packed, double cost_usd, CostSource source);

// Fills what pack_span packed into `r` (its span's ids, name, model, provider and tags are
// columns, read by the caller). Sealed text kept in spans.text is left for the caller (see `place`).
Status unpack_span(std::string_view packed, SpanRecord& r, PackedPlace& place);

}  // namespace stacklens::sqlite
