// PostgresMetaStore: experiment runs over a dataset and their results (meta_store.h,
// model/dataset_run.h).
#include <fmt/format.h>

#include <string>

#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

std::optional<std::string> opt_text(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.text(row, col);
}

DatasetRun read_run(const PgResult& r, int i) {
  DatasetRun run;
  run.id = r.i64(i, 0);
  run.dataset = r.text(i, 1);
  run.dataset_version = r.i64(i, 2);
  run.name = r.text(i, 3);
  run.description = r.text(i, 4);
  run.metadata = opt_text(r, i, 5);
  run.status = r.text(i, 6);
  run.created_by = r.text(i, 7);
  run.created_us = r.i64(i, 8);
  run.finished_us = r.opt_i64(i, 9);
  run.item_count = r.i64(i, 10);
  run.summary = opt_text(r, i, 11);
  return run;
}

struct DatasetHead {
  int64_t id = 0, version = 0;
};

Result<DatasetHead> find_dataset(PgConn& conn, int64_t project_id, const std::string& name) {
  auto r = conn.run(sql::kDatasetHead, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", name));
  return DatasetHead{r->i64(0, 0), r->i64(0, 1)};
}

// sql::kGetDatasetRun, or sql::kLockDatasetRun inside a transaction.
Result<DatasetRun> find_run(PgConn& conn, const Statement& st, int64_t project_id, const std::string& dataset,
                            int64_t id) {
  if (auto d = find_dataset(conn, project_id, dataset); !d) return d.error();
  auto r = conn.run(st, project_id, dataset, id);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no run {}", dataset, id));
  return read_run(*r, 0);
}

Error not_running(const DatasetRun& run) {
  return make_error(ErrorCode::conflict, fmt::format("run {} of dataset '{}' is {}, not running", run.id,
                                                     run.dataset, run.status));
}

}  // namespace

Result<DatasetRun> PostgresMetaStore::create_dataset_run(int64_t project_id, const DatasetRun& run,
                                                         std::optional<int64_t> version) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto d = find_dataset(conn, project_id, run.dataset);
  if (!d) return d.error();
  if (version && (*version < 0 || *version > d->version))
    return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no version {} (its latest is {})",
                                                        run.dataset, *version, d->version));
  DatasetRun out = run;
  out.dataset_version = version.value_or(d->version);
  out.status = "running";
  out.created_us = now_micros();
  out.finished_us.reset();
  out.summary.reset();
  auto count = conn.run(sql::kCountItemsAt, d->id, out.dataset_version);
  if (!count) return count.error();
  out.item_count = count->i64(0, 0);
  auto r = conn.run(sql::kCreateDatasetRun, d->id, out.dataset_version, out.name, out.description, out.metadata,
                    out.created_by, out.created_us, out.item_count);
  if (!r) return r.error();
  out.id = r->i64(0, 0);
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<DatasetRun>> PostgresMetaStore::list_dataset_runs(int64_t project_id, const std::string& dataset) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto d = find_dataset(**lease, project_id, dataset); !d) return d.error();
  auto r = (*lease)->run(sql::kListDatasetRuns, project_id, dataset);
  if (!r) return r.error();
  std::vector<DatasetRun> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_run(*r, i));
  return out;
}

Result<std::vector<ProjectDatasetRun>> PostgresMetaStore::list_running_dataset_runs() {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListRunningDatasetRuns);
  if (!r) return r.error();
  std::vector<ProjectDatasetRun> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->i64(i, 12), read_run(*r, i)});
  return out;
}

Result<std::optional<DatasetRun>> PostgresMetaStore::get_dataset_run(int64_t project_id, const std::string& dataset,
                                                                     int64_t id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto d = find_dataset(**lease, project_id, dataset); !d) return d.error();
  auto r = (*lease)->run(sql::kGetDatasetRun, project_id, dataset, id);
  if (!r) return r.error();
  if (r->empty()) return std::optional<DatasetRun>();
  return std::optional<DatasetRun>(read_run(*r, 0));
}

Status PostgresMetaStore::put_dataset_run_results(int64_t project_id, const std::string& dataset, int64_t id,
                                                  const std::vector<DatasetRunResult>& results) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  auto d = find_dataset(conn, project_id, dataset);
  if (!d) return d.error();
  auto run = find_run(conn, sql::kLockDatasetRun, project_id, dataset, id);
  if (!run) return run.error();
  if (run->status != "running") return not_running(*run);
  const Micros now = now_micros();
  for (const auto& result : results) {
    auto held = conn.run(sql::kItemHeld, d->id, result.item_id, run->dataset_version);
    if (!held) return held.error();
    if (held->empty())
      return make_error(ErrorCode::unprocessable,
                        fmt::format("dataset '{}' has no item '{}' at version {}, the version run {} is on", dataset,
                                    result.item_id, run->dataset_version, id));
    if (auto r = conn.run(sql::kPutRunResult, id, result.item_id, result.trace_id, result.output, result.error,
                          fmt::format("{}", result.latency_ms), now);
        !r)
      return r.error();
  }
  return tx.commit();
}

Result<DatasetRun> PostgresMetaStore::finish_dataset_run(int64_t project_id, const std::string& dataset, int64_t id,
                                                         const std::string& status,
                                                         const std::optional<std::string>& summary) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto run = find_run(conn, sql::kLockDatasetRun, project_id, dataset, id);
  if (!run) return run.error();
  if (run->status != "running") return not_running(*run);
  const Micros now = now_micros();
  if (auto r = conn.run(sql::kFinishDatasetRun, id, status, now, summary); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  run->status = status;
  run->finished_us = now;
  run->summary = summary;
  return *run;
}

Result<DatasetRunResultPage> PostgresMetaStore::list_dataset_run_results(int64_t project_id,
                                                                         const std::string& dataset, int64_t id,
                                                                         const DatasetRunResultQuery& query) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  if (auto run = find_run(**lease, sql::kGetDatasetRun, project_id, dataset, id); !run) return run.error();
  auto r = (*lease)->run(sql::kListRunResults, id, query.cursor.value_or(""), int64_t{query.limit} + 1);
  if (!r) return r.error();
  DatasetRunResultPage page;
  for (int i = 0; i < r->rows(); ++i)
    page.results.push_back(DatasetRunResult{r->text(i, 0), opt_text(*r, i, 1), opt_text(*r, i, 2), opt_text(*r, i, 3),
                                            std::stod(r->text(i, 4)), r->i64(i, 5)});
  if (static_cast<int64_t>(page.results.size()) > query.limit) {
    page.results.pop_back();
    page.next_cursor = page.results.back().item_id;
  }
  return page;
}

}  // namespace stacklens::postgres
