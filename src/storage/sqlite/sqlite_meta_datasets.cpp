// SqliteMetaStore: datasets and their versioned items (meta_store.h, model/dataset.h).
#include <fmt/format.h>

#include <charconv>
#include <set>

#include "storage/sqlite/sqlite_meta_store.h"

namespace stacklens::sqlite {
namespace {

constexpr const char* kDatasetColumns =
    "name, description, version, item_count, created_by, created_us, updated_us FROM datasets";

Dataset dataset_row(Stmt& r) {
  return Dataset{r.text(0), r.text(1), r.i64(2), r.i64(3), r.text(4), r.i64(5), r.i64(6)};
}

// Rows valid at version ?2 of dataset ?1.
constexpr const char* kItemColumns =
    "item_id, input, expected_output, metadata, source_trace_id, source_span_id, created_us, valid_from, position "
    "FROM dataset_items WHERE dataset_id = ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to > ?2)";

DatasetItem item_row(Stmt& r) {
  return DatasetItem{r.text(0),     r.text(1),     r.opt_text(2), r.opt_text(3),
                     r.opt_text(4), r.opt_text(5), r.i64(6),      r.i64(7)};
}

Error dataset_missing(const std::string& name) {
  return make_error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", name));
}

struct DatasetRef {
  int64_t id = 0;
  Dataset dataset;
  int64_t next_position = 0;
};

Result<DatasetRef> find_dataset(Db& db, int64_t project_id, const std::string& name) {
  auto s = db.prepare(fmt::format("SELECT id, next_position, {} WHERE project_id = ?1 AND name = ?2", kDatasetColumns));
  if (!s) return s.error();
  auto row = (*s)->reset().bind(1, project_id).bind(2, name).step();
  if (!row) return row.error();
  if (!*row) {
    (*s)->reset();
    return dataset_missing(name);
  }
  Stmt& r = **s;
  DatasetRef out{r.i64(0), Dataset{r.text(2), r.text(3), r.i64(4), r.i64(5), r.text(6), r.i64(7), r.i64(8)},
                 r.i64(1)};
  (*s)->reset();
  return out;
}

// The version asked for (nullopt: the current one); not_found for one the dataset never had.
Result<int64_t> version_of(const DatasetRef& d, std::optional<int64_t> version) {
  if (!version) return d.dataset.version;
  if (*version < 0 || *version > d.dataset.version)
    return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no version {} (its latest is {})",
                                                        d.dataset.name, *version, d.dataset.version));
  return *version;
}

}  // namespace

Result<Dataset> SqliteMetaStore::create_dataset(int64_t project_id, const Dataset& dataset) {
  std::lock_guard lock(mu_);
  Dataset out = dataset;
  out.version = 0;
  out.item_count = 0;
  out.created_us = out.updated_us = now_micros();
  auto s = db_->prepare(
      "INSERT INTO datasets(project_id, name, description, version, item_count, next_position, created_by, created_us, "
      "updated_us) VALUES(?1, ?2, ?3, 0, 0, 1, ?4, ?5, ?5)");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, out.name).bind(3, out.description).bind(4, out.created_by)
                   .bind(5, out.created_us).run();
      !r) {
    if (r.error().code == ErrorCode::conflict)
      return make_error(ErrorCode::conflict, fmt::format("dataset '{}' already exists", out.name));
    return r.error();
  }
  return out;
}

Result<std::vector<Dataset>> SqliteMetaStore::list_datasets(int64_t project_id) {
  std::lock_guard lock(mu_);
  auto s = db_->prepare(fmt::format("SELECT {} WHERE project_id = ?1 ORDER BY name", kDatasetColumns));
  if (!s) return s.error();
  return collect<Dataset>((*s)->reset().bind(1, project_id), dataset_row);
}

Result<std::optional<Dataset>> SqliteMetaStore::get_dataset(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto d = find_dataset(*db_, project_id, name);
  if (!d) {
    if (d.error().code == ErrorCode::not_found) return std::optional<Dataset>();
    return d.error();
  }
  return std::optional<Dataset>(d->dataset);
}

Result<Dataset> SqliteMetaStore::update_dataset(int64_t project_id, const std::string& name,
                                                const std::string& description) {
  std::lock_guard lock(mu_);
  auto d = find_dataset(*db_, project_id, name);
  if (!d) return d.error();
  auto s = db_->prepare("UPDATE datasets SET description = ?2, updated_us = ?3 WHERE id = ?1");
  if (!s) return s.error();
  const Micros now = now_micros();
  if (auto r = (*s)->reset().bind(1, d->id).bind(2, description).bind(3, now).run(); !r) return r.error();
  d->dataset.description = description;
  d->dataset.updated_us = now;
  return d->dataset;
}

Status SqliteMetaStore::delete_dataset(int64_t project_id, const std::string& name) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status();
  auto d = find_dataset(*db_, project_id, name);
  if (!d) return d.error();
  for (const char* sql : {"DELETE FROM dataset_run_results WHERE run_id IN (SELECT id FROM dataset_runs WHERE "
                          "dataset_id = ?1)",
                          "DELETE FROM dataset_runs WHERE dataset_id = ?1", "DELETE FROM dataset_items WHERE dataset_id = ?1",
                          "DELETE FROM datasets WHERE id = ?1"}) {
    auto s = db_->prepare(sql);
    if (!s) return s.error();
    if (auto r = (*s)->reset().bind(1, d->id).run(); !r) return r;
  }
  return tx.commit();
}

Result<Dataset> SqliteMetaStore::edit_dataset_items(int64_t project_id, const std::string& name,
                                                    const std::vector<DatasetItemEdit>& edits) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto d = find_dataset(*db_, project_id, name);
  if (!d) return d.error();
  const int64_t version = d->dataset.version + 1;
  const Micros now = now_micros();
  auto current = db_->prepare(
      "SELECT position, created_us FROM dataset_items WHERE dataset_id = ?1 AND item_id = ?2 AND valid_to IS NULL");
  auto close = db_->prepare("UPDATE dataset_items SET valid_to = ?3 WHERE dataset_id = ?1 AND item_id = ?2 "
                            "AND valid_to IS NULL");
  auto insert = db_->prepare(
      "INSERT INTO dataset_items(dataset_id, item_id, valid_from, position, input, expected_output, metadata, "
      "source_trace_id, source_span_id, created_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!current) return current.error();
  if (!close) return close.error();
  if (!insert) return insert.error();
  std::set<std::string> seen;
  for (const auto& edit : edits) {
    const DatasetItem& item = edit.item;
    if (!seen.insert(item.id).second)
      return make_error(ErrorCode::bad_request, fmt::format("item '{}' is changed twice in one request", item.id));
    auto row = (*current)->reset().bind(1, d->id).bind(2, item.id).step();
    if (!row) return row.error();
    const bool exists = *row;
    const int64_t position = exists ? (*current)->i64(0) : d->next_position;
    const Micros created = exists ? (*current)->i64(1) : now;
    (*current)->reset();
    if (exists && edit.change == ItemChange::add)
      return make_error(ErrorCode::conflict, fmt::format("dataset '{}' already has an item '{}'", name, item.id));
    if (!exists && (edit.change == ItemChange::replace || edit.change == ItemChange::remove))
      return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no item '{}'", name, item.id));
    if (exists) {
      if (auto r = (*close)->reset().bind(1, d->id).bind(2, item.id).bind(3, version).run(); !r) return r.error();
      --d->dataset.item_count;
    }
    if (edit.change == ItemChange::remove) continue;
    if (!exists) ++d->next_position;
    if (auto r = (*insert)->reset().bind(1, d->id).bind(2, item.id).bind(3, version).bind(4, position)
                     .bind(5, item.input).bind(6, item.expected_output).bind(7, item.metadata)
                     .bind(8, item.source_trace_id).bind(9, item.source_span_id).bind(10, created).run();
        !r)
      return r.error();
    ++d->dataset.item_count;
  }
  auto s = db_->prepare(
      "UPDATE datasets SET version = ?2, item_count = ?3, next_position = ?4, updated_us = ?5 WHERE id = ?1");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, d->id).bind(2, version).bind(3, d->dataset.item_count).bind(4, d->next_position)
                   .bind(5, now).run();
      !r)
    return r.error();
  if (auto c = tx.commit(); !c) return c.error();
  d->dataset.version = version;
  d->dataset.updated_us = now;
  return d->dataset;
}

Result<DatasetItemPage> SqliteMetaStore::list_dataset_items(int64_t project_id, const std::string& name,
                                                            const DatasetItemQuery& query) {
  std::lock_guard lock(mu_);
  auto d = find_dataset(*db_, project_id, name);
  if (!d) return d.error();
  auto version = version_of(*d, query.version);
  if (!version) return version.error();
  int64_t after = 0;
  if (query.cursor) {
    auto [p, ec] = std::from_chars(query.cursor->data(), query.cursor->data() + query.cursor->size(), after);
    if (ec != std::errc() || p != query.cursor->data() + query.cursor->size())
      return make_error(ErrorCode::bad_request, "cursor is not one this list gave");
  }
  auto s = db_->prepare(fmt::format("SELECT {} AND position > ?3 ORDER BY position LIMIT ?4", kItemColumns));
  if (!s) return s.error();
  DatasetItemPage page;
  page.version = *version;
  int64_t last = 0;
  auto& st = (*s)->reset().bind(1, d->id).bind(2, *version).bind(3, after).bind(4, int64_t{query.limit} + 1);
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) break;
    if (static_cast<int64_t>(page.items.size()) == query.limit) {
      page.next_cursor = std::to_string(last);
      st.reset();
      break;
    }
    page.items.push_back(item_row(st));
    last = st.i64(8);
  }
  return page;
}

Result<std::optional<DatasetItem>> SqliteMetaStore::get_dataset_item(int64_t project_id, const std::string& name,
                                                                     const std::string& id,
                                                                     std::optional<int64_t> version) {
  std::lock_guard lock(mu_);
  auto d = find_dataset(*db_, project_id, name);
  if (!d) return d.error();
  auto v = version_of(*d, version);
  if (!v) return v.error();
  auto s = db_->prepare(fmt::format("SELECT {} AND item_id = ?3", kItemColumns));
  if (!s) return s.error();
  auto rows = collect<DatasetItem>((*s)->reset().bind(1, d->id).bind(2, *v).bind(3, id), item_row);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<DatasetItem>();
  return std::optional<DatasetItem>(rows->front());
}

}  // namespace stacklens::sqlite
