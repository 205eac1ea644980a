// PostgresMetaStore: datasets and their versioned items (meta_store.h, model/dataset.h).
#include <fmt/format.h>

#include <charconv>
#include <set>

#include "storage/postgres/meta_statements.h"
#include "storage/postgres/postgres_meta_store.h"

namespace stacklens::postgres {
namespace {

std::optional<std::string> opt_text(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.text(row, col);
}

struct DatasetRef {
  int64_t id = 0;
  Dataset dataset;
  int64_t next_position = 0;
};

DatasetRef read_dataset(const PgResult& r, int i) {
  return DatasetRef{r.i64(i, 0),
                    Dataset{r.text(i, 2), r.text(i, 3), r.i64(i, 4), r.i64(i, 5), r.text(i, 6), r.i64(i, 7),
                            r.i64(i, 8)},
                    r.i64(i, 1)};
}

DatasetItem read_item(const PgResult& r, int i) {
  return DatasetItem{r.text(i, 0),      r.text(i, 1),      opt_text(r, i, 2), opt_text(r, i, 3),
                     opt_text(r, i, 4), opt_text(r, i, 5), r.i64(i, 6),       r.i64(i, 7)};
}

// sql::kGetDataset, or sql::kLockDataset inside a transaction; not_found when absent.
Result<DatasetRef> find_dataset(PgConn& conn, const Statement& st, int64_t project_id, const std::string& name) {
  auto r = conn.run(st, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", name));
  return read_dataset(*r, 0);
}

Result<int64_t> version_of(const DatasetRef& d, std::optional<int64_t> version) {
  if (!version) return d.dataset.version;
  if (*version < 0 || *version > d.dataset.version)
    return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no version {} (its latest is {})",
                                                        d.dataset.name, *version, d.dataset.version));
  return *version;
}

}  // namespace

Result<Dataset> PostgresMetaStore::create_dataset(int64_t project_id, const Dataset& dataset) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  Dataset out = dataset;
  out.version = 0;
  out.item_count = 0;
  out.created_us = out.updated_us = now_micros();
  if (auto r = (*lease)->run(sql::kCreateDataset, project_id, out.name, out.description, out.created_by, out.created_us);
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("dataset '{}' already exists", out.name));
    return r.error();
  }
  return out;
}

Result<std::vector<Dataset>> PostgresMetaStore::list_datasets(int64_t project_id) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kListDatasets, project_id);
  if (!r) return r.error();
  std::vector<Dataset> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_dataset(*r, i).dataset);
  return out;
}

Result<std::optional<Dataset>> PostgresMetaStore::get_dataset(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->run(sql::kGetDataset, project_id, name);
  if (!r) return r.error();
  if (r->empty()) return std::optional<Dataset>();
  return std::optional<Dataset>(read_dataset(*r, 0).dataset);
}

Result<Dataset> PostgresMetaStore::update_dataset(int64_t project_id, const std::string& name,
                                                  const std::string& description) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto d = find_dataset(**lease, sql::kGetDataset, project_id, name);
  if (!d) return d.error();
  const Micros now = now_micros();
  if (auto r = (*lease)->run(sql::kDescribeDataset, d->id, description, now); !r) return r.error();
  d->dataset.description = description;
  d->dataset.updated_us = now;
  return d->dataset;
}

Status PostgresMetaStore::delete_dataset(int64_t project_id, const std::string& name) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status();
  auto d = find_dataset(conn, sql::kLockDataset, project_id, name);
  if (!d) return d.error();
  if (auto r = conn.run(sql::kDeleteDatasetRunResults, d->id); !r) return r.error();
  if (auto r = conn.run(sql::kDeleteDatasetRuns, d->id); !r) return r.error();
  if (auto r = conn.run(sql::kDeleteDatasetItems, d->id); !r) return r.error();
  if (auto r = conn.run(sql::kDeleteDataset, d->id); !r) return r.error();
  return tx.commit();
}

Result<Dataset> PostgresMetaStore::edit_dataset_items(int64_t project_id, const std::string& name,
                                                      const std::vector<DatasetItemEdit>& edits) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  PgConn& conn = **lease;
  PgTransaction tx(conn);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto d = find_dataset(conn, sql::kLockDataset, project_id, name);
  if (!d) return d.error();
  const int64_t version = d->dataset.version + 1;
  const Micros now = now_micros();
  std::set<std::string> seen;
  for (const auto& edit : edits) {
    const DatasetItem& item = edit.item;
    if (!seen.insert(item.id).second)
      return make_error(ErrorCode::bad_request, fmt::format("item '{}' is changed twice in one request", item.id));
    auto cur = conn.run(sql::kCurrentItem, d->id, item.id);
    if (!cur) return cur.error();
    const bool exists = !cur->empty();
    const int64_t position = exists ? cur->i64(0, 0) : d->next_position;
    const Micros created = exists ? cur->i64(0, 1) : now;
    if (exists && edit.change == ItemChange::add)
      return make_error(ErrorCode::conflict, fmt::format("dataset '{}' already has an item '{}'", name, item.id));
    if (!exists && (edit.change == ItemChange::replace || edit.change == ItemChange::remove))
      return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no item '{}'", name, item.id));
    if (exists) {
      if (auto r = conn.run(sql::kCloseItem, d->id, item.id, version); !r) return r.error();
      --d->dataset.item_count;
    }
    if (edit.change == ItemChange::remove) continue;
    if (!exists) ++d->next_position;
    if (auto r = conn.run(sql::kInsertItem, d->id, item.id, version, position, item.input, param(item.expected_output),
                          param(item.metadata), param(item.source_trace_id), param(item.source_span_id), created);
        !r)
      return r.error();
    ++d->dataset.item_count;
  }
  if (auto r = conn.run(sql::kSetDatasetVersion, d->id, version, d->dataset.item_count, d->next_position, now); !r)
    return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  d->dataset.version = version;
  d->dataset.updated_us = now;
  return d->dataset;
}

Result<DatasetItemPage> PostgresMetaStore::list_dataset_items(int64_t project_id, const std::string& name,
                                                              const DatasetItemQuery& query) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto d = find_dataset(**lease, sql::kGetDataset, project_id, name);
  if (!d) return d.error();
  auto version = version_of(*d, query.version);
  if (!version) return version.error();
  int64_t after = 0;
  if (query.cursor) {
    auto [p, ec] = std::from_chars(query.cursor->data(), query.cursor->data() + query.cursor->size(), after);
    if (ec != std::errc() || p != query.cursor->data() + query.cursor->size())
      return make_error(ErrorCode::bad_request, "cursor is not one this list gave");
  }
  auto r = (*lease)->run(sql::kListItems, d->id, *version, after, int64_t{query.limit} + 1);
  if (!r) return r.error();
  DatasetItemPage page;
  page.version = *version;
  for (int i = 0; i < r->rows(); ++i) {
    if (static_cast<int64_t>(page.items.size()) == query.limit) {
      page.next_cursor = r->text(i - 1, 8);
      break;
    }
    page.items.push_back(read_item(*r, i));
  }
  return page;
}

Result<std::optional<DatasetItem>> PostgresMetaStore::get_dataset_item(int64_t project_id, const std::string& name,
                                                                       const std::string& id,
                                                                       std::optional<int64_t> version) {
  auto lease = pool_->acquire();
  if (!lease) return lease.error();
  auto d = find_dataset(**lease, sql::kGetDataset, project_id, name);
  if (!d) return d.error();
  auto v = version_of(*d, version);
  if (!v) return v.error();
  auto r = (*lease)->run(sql::kGetItem, d->id, *v, id);
  if (!r) return r.error();
  if (r->empty()) return std::optional<DatasetItem>();
  return std::optional<DatasetItem>(read_item(*r, 0));
}

}  // namespace stacklens::postgres
