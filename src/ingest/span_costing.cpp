#include "ingest/span_costing.h"

#include <algorithm>

namespace stacklens::ingest {

void assign_cost(Span& span, const pricing::PriceTable& prices) {
  if (!span.llm) return;
  LlmData& l = *span.llm;
  if (l.cost_usd > 0) {
    l.cost_source = CostSource::caller;
    return;
  }
  if (std::max(l.total_tokens, l.input_tokens + l.output_tokens) <= 0) {
    l.cost_source = CostSource::none;
    return;
  }
  const pricing::Usage usage{l.input_tokens, l.output_tokens, l.cache_read_tokens, l.cache_write_tokens,
                             l.reasoning_tokens};
  // Tokens given only as a total cannot be priced by usage type.
  const pricing::PriceEntry* entry =
      l.input_tokens + l.output_tokens > 0 ? prices.find(l.model, l.provider, span.start_us) : nullptr;
  l.cost_usd = entry ? pricing::cost_of(*entry, usage) : 0.0;
  l.cost_source = entry ? CostSource::table : CostSource::unpriced;
}

}  // namespace stacklens::ingest
