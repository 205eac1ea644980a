#include "ingest/span_costing.h"

#include <algorithm>

namespace stacklens::ingest {
namespace {

void price_from_tables(Span& span, const pricing::PriceSnapshot& prices) {
  LlmData& l = *span.llm;
  if (std::max(l.total_tokens, l.input_tokens + l.output_tokens) <= 0) {
    l.cost_usd = 0;
    l.cost_source = CostSource::none;
    return;
  }
  const pricing::Usage usage{l.input_tokens, l.output_tokens, l.cache_read_tokens, l.cache_write_tokens,
                             l.reasoning_tokens};
  // Tokens given only as a total cannot be priced by usage type.
  const auto found = l.input_tokens + l.output_tokens > 0
                         ? prices.find(span.project_id, l.model, l.provider, span.start_us)
                         : pricing::PriceSnapshot::Found{};
  l.cost_usd = found.entry ? pricing::cost_of(*found.entry, usage) : 0.0;
  l.cost_source = found.entry ? found.source : CostSource::unpriced;
}

}  // namespace

void assign_cost(Span& span, const pricing::PriceSnapshot& prices) {
  if (!span.llm) return;
  if (span.llm->cost_usd > 0) {
    span.llm->cost_source = CostSource::caller;
    return;
  }
  price_from_tables(span, prices);
}

bool reprice(Span& span, const pricing::PriceSnapshot& prices) {
  if (!span.llm || span.llm->cost_source == CostSource::caller) return false;
  const double cost = span.llm->cost_usd;
  const CostSource source = span.llm->cost_source;
  price_from_tables(span, prices);
  return span.llm->cost_usd != cost || span.llm->cost_source != source;
}

}  // namespace stacklens::ingest
