#pragma once
// Gives a span with tokens its cost: at ingest, on the request thread (SpanWriter::submit), and
// again when a project's stored costs are recomputed after a price change.
#include "model/span.h"
#include "pricing/price_book.h"

namespace stacklens::ingest {

// A cost above 0 from the caller wins (CostSource::caller). Otherwise a span with tokens gets
// the cost at its start time from the project's own price (custom) or the shipped table
// (table), or cost 0 and CostSource::unpriced when neither prices its model; a cost of 0 with
// tokens counts as not given (the SDK and the hosted client always send a cost, 0 by default).
// A span without tokens: none.
void assign_cost(Span& span, const pricing::PriceSnapshot& prices);

// For a stored span: the same, except that a caller's cost is kept. Says whether the cost or
// its source changed.
bool reprice(Span& span, const pricing::PriceSnapshot& prices);

}  // namespace stacklens::ingest
