#pragma once
// A monitor's metric over its window, read through the stores' own queries (so the same on
// SQLite and ClickHouse, and nothing added to ingest):
//   no filter, or only an operation or only a model: the metrics (the rollups on SQLite), one
//   bucket over the window, of the spans (of that name or model);
//   any other filter: the trace list with that filter, a page at a time, summed over the matching
//   traces (requests: their spans; error_rate: failed traces over traces; latency_p95: of the
//   traces' durations);
//   findings: GovernAI's audit log counted over the window (no filter).
// The rollups count whole minutes (whole hours for a window of whole hours): the window's start
// is rounded down to one.
#include "core/error.h"
#include "model/monitor.h"
#include "storage/meta_store.h"
#include "storage/span_store.h"

namespace stacklens::alerts {

// Whether the metric can be read from the rollups with this filter.
bool reads_rollups(const MonitorFilter& f);

Result<double> monitor_value(SpanStore& spans, MetaStore& meta, const Monitor& m, Micros now_us);

}  // namespace stacklens::alerts
