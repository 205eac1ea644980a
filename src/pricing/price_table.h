#pragma once
// The model price table (data/prices/README.md): which entry prices a span's model and
// provider at the span's time, and what its tokens cost.
//
// Token convention (the one OpenAI reports and GenAI semantic conventions ask for): input
// tokens include the cache read and cache write tokens, output tokens include the reasoning
// tokens. Each token is priced once, at its usage type's price.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "core/error.h"
#include "core/time.h"

namespace stacklens::pricing {

// USD per million tokens; a usage type without a price is priced as input (cache_read,
// cache_write) or output (reasoning).
struct Prices {
  std::optional<double> input, output, cache_read, cache_write, reasoning;
};

struct Tier {
  int64_t above_input_tokens = 0;
  Prices prices;  // replaces the entry's for the usage types it lists
};

struct PriceEntry {
  std::string model, provider;
  Micros effective_from = 0;
  Prices prices;
  std::vector<Tier> tiers;  // by above_input_tokens, ascending
};

struct Usage {
  int64_t input = 0, output = 0, cache_read = 0, cache_write = 0, reasoning = 0;
};

// What `usage` costs at `entry`'s prices, in USD.
double cost_of(const PriceEntry& entry, const Usage& usage);

// One entry as written: the shipped table's (data/prices/README.md) or a project's own price.
// `pattern` (a regular expression, anchored, case-insensitive) also matches other names of the
// model; empty: the model name only, case-insensitive. A project's price may leave the provider
// empty: any provider then.
struct PriceDefinition {
  PriceEntry entry;
  std::string pattern;
};
// `v` checked field by field; errors name the field under `where`. With `need_pattern` (the
// shipped table), provider and pattern are required.
Result<PriceDefinition> parse_definition(const boost::json::value& v, const std::string& where, bool need_pattern);
boost::json::object definition_json(const PriceDefinition& d);

class PriceTable {
 public:
  PriceTable();  // prices nothing
  PriceTable(PriceTable&&) noexcept;
  PriceTable& operator=(PriceTable&&) noexcept;
  ~PriceTable();

  // The whole file is refused, with what is wrong where, when any entry is malformed.
  static Result<PriceTable> parse(std::string_view json);
  static Result<PriceTable> load(const std::filesystem::path& file);
  // A table of these entries; two entries of one model and provider effective from the same
  // time are refused. Provider aliases map a span's provider name to the table's.
  static Result<PriceTable> build(std::vector<PriceDefinition> definitions,
                                  std::unordered_map<std::string, std::string> provider_aliases = {});

  size_t size() const;
  // The entry that prices `model` at `provider` at time `at`: of that model's entries, the
  // latest effective at `at`; when `at` is before all of them, the earliest (`or_earliest`: the
  // shipped table knows no earlier price) or nullptr (a project's own price starts a new
  // period). Entries of the span's provider come before entries for any provider. nullptr:
  // unpriced. The answer per distinct (model, provider) is cached per thread, so a repeated pair
  // costs a hash lookup.
  const PriceEntry* find(std::string_view model, std::string_view provider, Micros at, bool or_earliest = true) const;
  std::optional<double> cost(std::string_view model, std::string_view provider, Micros at, const Usage& usage) const;

  struct Data;

 private:
  std::unique_ptr<Data> data_;
  uint64_t id_ = 0;  // tells this table's per-thread cache from another's
};

}  // namespace stacklens::pricing
