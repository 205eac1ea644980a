// SqliteMetaStore: experiment runs over a dataset and their results (meta_store.h,
// model/dataset_run.h).
#include <fmt/format.h>

#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

// The columns run_row reads, then the run's project.
#define SL_RUN_COLUMNS                                                                                          \
  "r.id, d.name, r.dataset_version, r.name, r.description, r.metadata, r.status, r.created_by, r.created_us, "  \
  "r.finished_us, r.item_count, r.summary, d.project_id FROM dataset_runs r JOIN datasets d ON d.id = r.dataset_id "
constexpr const char* kRunColumns = SL_RUN_COLUMNS "WHERE d.project_id = ?1 AND d.name = ?2";
constexpr const char* kRunningRuns =
    "SELECT " SL_RUN_COLUMNS "WHERE r.status = 'running' ORDER BY d.project_id, r.id";
#undef SL_RUN_COLUMNS

DatasetRun run_row(Stmt& r) {
  DatasetRun run;
  run.id = r.i64(0);
  run.dataset = r.text(1);
  run.dataset_version = r.i64(2);
  run.name = r.text(3);
  run.description = r.text(4);
  run.metadata = r.opt_text(5);
  run.status = r.text(6);
  run.created_by = r.text(7);
  run.created_us = r.i64(8);
  run.finished_us = r.opt_i64(9);
  run.item_count = r.i64(10);
  run.summary = r.opt_text(11);
  return run;
}

struct DatasetHead {
  int64_t id = 0, version = 0;
};

Result<DatasetHead> find_dataset(Db& db, int64_t project_id, const std::string& name) {
  auto s = db.prepare("SELECT id, version FROM datasets WHERE project_id = ?1 AND name = ?2");
  if (!s) return s.error();
  auto rows = collect<DatasetHead>((*s)->reset().bind(1, project_id).bind(2, name),
                                   [](Stmt& r) { return DatasetHead{r.i64(0), r.i64(1)}; });
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", name));
  return rows->front();
}

Result<DatasetRun> find_run(Db& db, int64_t project_id, const std::string& dataset, int64_t id) {
  if (auto d = find_dataset(db, project_id, dataset); !d) return d.error();
  auto s = db.prepare(fmt::format("SELECT {} AND r.id = ?3", kRunColumns));
  if (!s) return s.error();
  auto rows = collect<DatasetRun>((*s)->reset().bind(1, project_id).bind(2, dataset).bind(3, id), run_row);
  if (!rows) return rows.error();
  if (rows->empty())
    return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no run {}", dataset, id));
  return rows->front();
}

Error not_running(const DatasetRun& run) {
  return make_error(ErrorCode::conflict, fmt::format("run {} of dataset '{}' is {}, not running", run.id,
                                                     run.dataset, run.status));
}

}  // namespace

Result<DatasetRun> SqliteMetaStore::create_dataset_run(int64_t project_id, const DatasetRun& run,
                                                       std::optional<int64_t> version) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto d = find_dataset(*db_, project_id, run.dataset);
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
  auto count = db_->prepare(
      "SELECT count(*) FROM dataset_items WHERE dataset_id = ?1 AND valid_from <= ?2 "
      "AND (valid_to IS NULL OR valid_to > ?2)");
  if (!count) return count.error();
  auto counted = collect<int64_t>((*count)->reset().bind(1, d->id).bind(2, out.dataset_version),
                                  [](Stmt& r) { return r.i64(0); });
  if (!counted) return counted.error();
  out.item_count = counted->empty() ? 0 : counted->front();
  auto s = db_->prepare(
      "INSERT INTO dataset_runs(dataset_id, dataset_version, name, description, metadata, status, created_by, "
      "created_us, item_count) VALUES(?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8)");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, d->id).bind(2, out.dataset_version).bind(3, out.name).bind(4, out.description)
                   .bind(5, out.metadata).bind(6, out.created_by).bind(7, out.created_us).bind(8, out.item_count)
                   .run();
      !r)
    return r.error();
  out.id = db_->last_insert_rowid();
  if (auto c = tx.commit(); !c) return c.error();
  return out;
}

Result<std::vector<DatasetRun>> SqliteMetaStore::list_dataset_runs(int64_t project_id, const std::string& dataset) {
  std::lock_guard lock(mu_);
  if (auto d = find_dataset(*db_, project_id, dataset); !d) return d.error();
  auto s = db_->prepare(fmt::format("SELECT {} ORDER BY r.id DESC", kRunColumns));
  if (!s) return s.error();
  return collect<DatasetRun>((*s)->reset().bind(1, project_id).bind(2, dataset), run_row);
}

Result<std::vector<ProjectDatasetRun>> SqliteMetaStore::list_running_dataset_runs() {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(kRunningRuns);
  if (!s) return s.error();
  return collect<ProjectDatasetRun>((*s)->reset(),
                                    [](Stmt& r) { return ProjectDatasetRun{r.i64(12), run_row(r)}; });
}

Result<std::optional<DatasetRun>> SqliteMetaStore::get_dataset_run(int64_t project_id, const std::string& dataset,
                                                                   int64_t id) {
  std::lock_guard lock(mu_);
  auto run = find_run(*db_, project_id, dataset, id);
  if (!run) {
    if (run.error().code == ErrorCode::not_found && find_dataset(*db_, project_id, dataset))
      return std::optional<DatasetRun>();
    return run.error();
  }
  return std::optional<DatasetRun>(std::move(*run));
}

Status SqliteMetaStore::put_dataset_run_results(int64_t project_id, const std::string& dataset, int64_t id,
                                                const std::vector<DatasetRunResult>& results) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto run = find_run(*db_, project_id, dataset, id);
  if (!run) return run.error();
  if (run->status != "running") return not_running(*run);
  auto held = db_->prepare(
      "SELECT 1 FROM dataset_items i JOIN datasets d ON d.id = i.dataset_id WHERE d.project_id = ?1 AND d.name = ?2 "
      "AND i.item_id = ?3 AND i.valid_from <= ?4 AND (i.valid_to IS NULL OR i.valid_to > ?4)");
  auto put = db_->prepare(
      "INSERT INTO dataset_run_results(run_id, item_id, trace_id, output, error, latency_ms, created_us) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(run_id, item_id) DO UPDATE SET trace_id = excluded.trace_id, "
      "output = excluded.output, error = excluded.error, latency_ms = excluded.latency_ms, "
      "created_us = excluded.created_us");
  if (!held) return held.error();
  if (!put) return put.error();
  const Micros now = now_micros();
  for (const auto& result : results) {
    auto row = (*held)->reset().bind(1, project_id).bind(2, dataset).bind(3, result.item_id)
                   .bind(4, run->dataset_version).step();
    if (!row) return row.error();
    (*held)->reset();
    if (!*row)
      return make_error(ErrorCode::unprocessable,
                        fmt::format("dataset '{}' has no item '{}' at version {}, the version run {} is on", dataset,
                                    result.item_id, run->dataset_version, id));
    if (auto r = (*put)->reset().bind(1, id).bind(2, result.item_id).bind(3, result.trace_id).bind(4, result.output)
                     .bind(5, result.error).bind(6, result.latency_ms).bind(7, now).run();
        !r)
      return r;
  }
  return tx.commit();
}

Result<DatasetRun> SqliteMetaStore::finish_dataset_run(int64_t project_id, const std::string& dataset, int64_t id,
                                                       const std::string& status,
                                                       const std::optional<std::string>& summary) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto run = find_run(*db_, project_id, dataset, id);
  if (!run) return run.error();
  if (run->status != "running") return not_running(*run);
  auto s = db_->prepare("UPDATE dataset_runs SET status = ?2, finished_us = ?3, summary = ?4 WHERE id = ?1");
  if (!s) return s.error();
  const Micros now = now_micros();
  if (auto r = (*s)->reset().bind(1, id).bind(2, status).bind(3, now).bind(4, summary).run(); !r) return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  run->status = status;
  run->finished_us = now;
  run->summary = summary;
  return *run;
}

Result<DatasetRunResultPage> SqliteMetaStore::list_dataset_run_results(int64_t project_id, const std::string& dataset,
                                                                       int64_t id, const DatasetRunResultQuery& query) {
  std::lock_guard lock(mu_);
  if (auto run = find_run(*db_, project_id, dataset, id); !run) return run.error();
  auto s = db_->prepare(
      "SELECT item_id, trace_id, output, error, latency_ms, created_us FROM dataset_run_results "
      "WHERE run_id = ?1 AND item_id > ?2 ORDER BY item_id LIMIT ?3");
  if (!s) return s.error();
  auto rows = collect<DatasetRunResult>(
      (*s)->reset().bind(1, id).bind(2, query.cursor.value_or("")).bind(3, int64_t{query.limit} + 1), [](Stmt& r) {
        return DatasetRunResult{r.text(0), r.opt_text(1), r.opt_text(2), r.opt_text(3), r.f64(4), r.i64(5)};
      });
  if (!rows) return rows.error();
  DatasetRunResultPage page;
  page.results = std::move(*rows);
  if (static_cast<int64_t>(page.results.size()) > query.limit) {
    page.results.pop_back();
    page.next_cursor = page.results.back().item_id;
  }
  return page;
}

}  // namespace stacklens::sqlite
