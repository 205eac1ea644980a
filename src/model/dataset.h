#pragma once
// Datasets of evaluation items. Every change to a dataset's items makes a new dataset version;
// an item's row is valid from the version that wrote it until the version that replaced or
// removed it, so the items of any version stay readable.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace stacklens {

struct Dataset {
  std::string name;
  std::string description;
  int64_t version = 0;  // 0: no items were ever written
  int64_t item_count = 0;
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

struct DatasetItem {
  std::string id;
  std::string input;                            // JSON text
  std::optional<std::string> expected_output;   // JSON text
  std::optional<std::string> metadata;          // JSON text of an object
  std::optional<std::string> source_trace_id, source_span_id;
  Micros created_us = 0;  // when the item was first added
  int64_t version = 0;    // the dataset version that added or last changed it
};

// One change to an item within a new version. add: conflict when the id is present; replace
// and remove: not_found when it is not; upsert: adds or replaces.
enum class ItemChange { add, replace, upsert, remove };

struct DatasetItemEdit {
  ItemChange change = ItemChange::add;
  DatasetItem item;  // remove reads the id only
};

struct DatasetItemQuery {
  std::optional<int64_t> version;  // nullopt: the current version
  int limit = 100;
  std::optional<std::string> cursor;
};

struct DatasetItemPage {
  int64_t version = 0;            // the version listed
  std::vector<DatasetItem> items;  // in the order they were added
  std::optional<std::string> next_cursor;
};

}  // namespace stacklens
