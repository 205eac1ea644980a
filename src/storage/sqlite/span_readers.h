#pragma once
// The reads behind SpanStore's queries: the list of traces, one trace's spans, and metrics.
// Each runs on a reader connection (reader_pool.h), concurrently with the writer.
//
// Queries name the index they need (INDEXED BY): without statistics SQLite may otherwise pick
// a worse one and read far more rows than a trace has.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "model/query.h"
#include "storage/span_store.h"
#include "storage/sqlite/id_traces.h"
#include "storage/sqlite/rollup_state.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"
#include "storage/sqlite/trace_identities.h"

namespace stacklens::sqlite {

// trace_list_reader.cpp: a page of traces, newest first, with their models, providers and tags
// (a session's or a user's traces found through id_traces).
Result<TracePage> read_trace_page(Db& db, const IdTraces& ids, int64_t project_id, const TraceFilter& filter);
// The SQL of that page and its values, bound in order after ?1 (the project): the SQL only ever
// holds placeholders (a test checks its query plans). Sorted by a score, pages go by offset.
struct TraceListSql {
  std::string sql;
  std::vector<std::variant<int64_t, double, std::string>> binds;
  int64_t offset = 0;
};
Result<TraceListSql> trace_list_sql(const IdTraces& ids, int64_t project_id, const TraceFilter& filter);
// The same page without models, providers and tags, and the traces' rows.
struct TraceRows {
  TracePage page;
  std::vector<int64_t> ids;  // each trace's row
};
Result<TraceRows> read_trace_rows(Db& db, const IdTraces& ids, int64_t project_id, const TraceFilter& filter);

// trace_spans_reader.cpp: the spans of a page of the trace list, each trace's by start time
// (SpanStore::list_trace_spans).
Result<TraceSpansPage> read_trace_spans(Db& db, const IdTraces& ids, const TextLog& texts, int64_t project_id,
                                        const TraceFilter& filter, bool with_text);

// trace_detail_reader.cpp: a trace's spans with their attributes and text (nullopt: no such trace).
Result<std::optional<TraceDetail>> read_trace_detail(Db& db, const TraceIdentities& identities, const TextLog& texts,
                                                     int64_t project_id, const std::string& trace_id);

// trace_detail_reader.cpp: every span, whole trace rows at a time in row order (SpanStore::dump;
// the cursor is the last trace row read).
Result<SpanDump> read_span_dump(Db& db, const TextLog& texts, const std::string& after, int max_spans);

// session_list_reader.cpp: a page of the sessions or the users whose traces started in the
// period, with their sums; and the SQL of each (a test checks its query plans): `all` sums the
// period's sessions (users) and sorts them, `latest` walks the period's ids newest first (the
// default order), `one` sums one session (user) of the period from id_traces and the rows of
// its traces in memory (id_traces.h).
Result<PeriodPage<SessionSummary>> read_session_page(Db& db, const IdTraces& ids, int64_t project_id,
                                                     const PeriodListQuery& q);
Result<PeriodPage<UserSummary>> read_user_page(Db& db, const IdTraces& ids, int64_t project_id,
                                               const PeriodListQuery& q);
struct PeriodListSql {
  std::string all, latest, one;
  IdTraces::Kind kind = IdTraces::session;
};
PeriodListSql session_list_sql(const PeriodListQuery& q);
PeriodListSql user_list_sql(const PeriodListQuery& q);

// metrics_reader.cpp: the rollups table and the pending sums, in the query's buckets.
Result<std::vector<MetricsSeries>> read_metrics(Db& db, const RollupState& rollups, int64_t project_id,
                                                const MetricsQuery& q);

}  // namespace stacklens::sqlite
