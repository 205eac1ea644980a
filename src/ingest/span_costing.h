#pragma once
// Gives a span with tokens its cost at ingest, on the request thread (SpanWriter::submit).
#include "model/span.h"
#include "pricing/price_table.h"

namespace stacklens::ingest {

// A cost above 0 from the caller wins (CostSource::caller). Otherwise a span with tokens gets
// the price table's cost at its start time (table), or cost 0 and CostSource::unpriced when
// the table has no price for its model; a cost of 0 with tokens counts as not given (the SDK
// and the hosted client always send a cost, 0 by default). A span without tokens: none.
void assign_cost(Span& span, const pricing::PriceTable& prices);

}  // namespace stacklens::ingest
