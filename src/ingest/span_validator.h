#pragma once
// The checks every span passes before it is stored, whatever wire format it
// came in (the hosted client's JSON, OTLP): ids, names, times, kind, LLM
// fields, attributes, tags and events against the Limits. Each rejection
// names the field.
#include "config/settings.h"
#include "core/error.h"
#include "model/span.h"

namespace stacklens::ingest {

Status validate_span(const Span& span, const Limits& limits);

}  // namespace stacklens::ingest
