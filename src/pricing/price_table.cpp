#include "pricing/price_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/json.h"

namespace stacklens::pricing {
namespace {

namespace bj = boost::json;

// Longer model names are not compared with the patterns (std::regex recurses per character).
constexpr size_t kMaxPatternInput = 256;
// Distinct (model, provider) pairs a thread remembers before it starts over.
constexpr size_t kMaxCached = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string group_key(std::string_view provider, std::string_view model) {
  std::string k;
  k.reserve(provider.size() + 1 + model.size());
  k.append(provider).append(1, '\n').append(model);
  return k;
}

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

Error bad(std::string_view where, std::string_view what) {
  return make_error(ErrorCode::bad_request, fmt::format("{} {}", where, what));
}

Result<std::optional<double>> price_of(const bj::object& o, std::string_view key, const std::string& where) {
  const bj::value* v = o.if_contains(key);
  if (!v) return std::optional<double>();
  auto d = json::to_number(*v, where + "." + std::string(key));
  if (!d || !(*d >= 0)) return bad(where + "." + std::string(key), "must be a non-negative number");
  return std::optional<double>(*d);
}

Result<Prices> prices_of(const bj::value* v, const std::string& where, bool need_input_output) {
  if (!v || !v->is_object()) return bad(where, "must be an object");
  const bj::object& o = v->get_object();
  Prices p;
  std::pair<const char*, std::optional<double>*> fields[] = {{"input", &p.input},
                                                             {"output", &p.output},
                                                             {"cache_read", &p.cache_read},
                                                             {"cache_write", &p.cache_write},
                                                             {"reasoning", &p.reasoning}};
  for (auto& [key, field] : fields) {
    SL_TRY(price, price_of(o, key, where));
    *field = price;
  }
  if (need_input_output && (!p.input || !p.output)) return bad(where, "must have input and output");
  return p;
}

Result<std::string> text_of(const bj::object& o, std::string_view key, const std::string& where) {
  const bj::value* v = o.if_contains(key);
  if (!v || !v->is_string() || v->get_string().empty()) return bad(where + "." + std::string(key), "must be a non-empty string");
  return std::string(v->get_string());
}

}  // namespace

double cost_of(const PriceEntry& entry, const Usage& u) {
  Prices p = entry.prices;
  for (auto it = entry.tiers.rbegin(); it != entry.tiers.rend(); ++it) {
    if (u.input <= it->above_input_tokens) continue;
    const Prices& t = it->prices;
    for (auto [to, from] : {std::pair(&p.input, &t.input), std::pair(&p.output, &t.output),
                            std::pair(&p.cache_read, &t.cache_read), std::pair(&p.cache_write, &t.cache_write),
                            std::pair(&p.reasoning, &t.reasoning)})
      if (*from) *to = *from;
    break;
  }
  const double input = p.input.value_or(0), output = p.output.value_or(0);
  // Input includes the cached tokens and output the reasoning ones: each is priced once.
  const int64_t cache_read = std::clamp<int64_t>(u.cache_read, 0, std::max<int64_t>(u.input, 0));
  const int64_t cache_write = std::clamp<int64_t>(u.cache_write, 0, std::max<int64_t>(u.input - cache_read, 0));
  const int64_t plain_input = std::max<int64_t>(u.input - cache_read - cache_write, 0);
  const int64_t reasoning = std::clamp<int64_t>(u.reasoning, 0, std::max<int64_t>(u.output, 0));
  const int64_t plain_output = std::max<int64_t>(u.output - reasoning, 0);
  const double micro_usd = static_cast<double>(plain_input) * input +
                           static_cast<double>(cache_read) * p.cache_read.value_or(input) +
                           static_cast<double>(cache_write) * p.cache_write.value_or(input) +
                           static_cast<double>(plain_output) * output +
                           static_cast<double>(reasoning) * p.reasoning.value_or(output);
  return micro_usd / 1e6;
}

namespace {

// The literal start of an anchored pattern, lowercase: a name that does not start with it cannot
// match, so most patterns are ruled out without running the regex. A character followed by a
// quantifier may be absent, so it is not part of the prefix.
std::string literal_prefix(std::string_view pattern) {
  std::string out;
  if (!pattern.starts_with('^')) return out;
  int depth = 0;  // an alternative outside parentheses has a start of its own: no prefix then
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') ++i;
    else if (pattern[i] == '(') ++depth;
    else if (pattern[i] == ')') --depth;
    else if (pattern[i] == '|' && depth == 0) return out;
  }
  for (size_t i = 1; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (std::string_view(".()[]{}?*+|\\$^").find(c) != std::string_view::npos) {
      if ((c == '?' || c == '*' || c == '{') && !out.empty()) out.pop_back();
      break;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

struct PriceTable::Data {
  std::vector<PriceEntry> entries;
  // One group per provider and model (lowercase): its entries' indexes by effective_from.
  std::vector<std::vector<uint32_t>> groups;
  std::unordered_map<std::string, uint32_t> exact;  // group_key(provider, model) -> group
  struct Pattern {
    std::regex re;
    std::string prefix;  // lowercase literal every name the pattern matches starts with
    uint32_t group;
  };
  std::unordered_map<std::string, std::vector<Pattern>> patterns;  // by provider
  std::unordered_map<std::string, std::string> aliases;

  // The group of a (model, provider) pair as a span gives them, or -1.
  // Entries of the span's provider first, then entries for any provider (a project's own
  // prices may leave the provider out).
  int64_t resolve(std::string_view model, std::string_view provider) const {
    std::string p = lower(provider);
    if (auto a = aliases.find(p); a != aliases.end()) p = a->second;
    const std::string m = lower(model);
    for (const std::string& at : {p, std::string()}) {
      if (auto e = exact.find(group_key(at, m)); e != exact.end()) return e->second;
      auto ps = patterns.find(at);
      if (ps == patterns.end() || m.size() > kMaxPatternInput) continue;
      for (const Pattern& pat : ps->second)
        if (m.starts_with(pat.prefix) && std::regex_match(m, pat.re)) return pat.group;
    }
    return -1;
  }
};

namespace {
std::atomic<uint64_t> next_table_id{1};
}

PriceTable::PriceTable() : data_(std::make_unique<Data>()), id_(next_table_id++) {}
PriceTable::PriceTable(PriceTable&&) noexcept = default;
PriceTable& PriceTable::operator=(PriceTable&&) noexcept = default;
PriceTable::~PriceTable() = default;

size_t PriceTable::size() const { return data_->entries.size(); }

Result<PriceDefinition> parse_definition(const bj::value& v, const std::string& where, bool need_pattern) {
  if (!v.is_object()) return bad(where, "must be an object");
  const bj::object& o = v.get_object();
  PriceDefinition d;
  PriceEntry& e = d.entry;
  SL_TRY(model, text_of(o, "model", where));
  e.model = std::move(model);
  for (auto [key, to] : {std::pair("provider", &e.provider), std::pair("pattern", &d.pattern)}) {
    const bj::value* f = o.if_contains(key);
    if (need_pattern || (f && !f->is_null())) {
      SL_TRY(text, text_of(o, key, where));
      *to = std::move(text);
    }
  }
  e.provider = lower(e.provider);
  if (!d.pattern.empty()) {
    try {
      std::regex(d.pattern, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
      return bad(where + ".pattern", "is not a valid regular expression");
    }
  }
  SL_TRY(from, text_of(o, "effective_from", where));
  const auto at = parse_iso8601(from.size() == 10 ? from + "T00:00:00Z" : from);
  if (!at) return bad(where + ".effective_from", "must be a date (YYYY-MM-DD) or an ISO-8601 time");
  e.effective_from = *at;
  SL_TRY(prices, prices_of(o.if_contains("prices"), where + ".prices", true));
  e.prices = prices;
  if (const bj::value* ts = o.if_contains("tiers"); ts && !ts->is_null()) {
    if (!ts->is_array()) return bad(where + ".tiers", "must be an array");
    for (size_t k = 0; k < ts->get_array().size(); ++k) {
      const std::string tw = fmt::format("{}.tiers[{}]", where, k);
      const bj::value& tv = ts->get_array()[k];
      const bj::value* above = tv.is_object() ? tv.get_object().if_contains("above_input_tokens") : nullptr;
      if (!above || !above->is_int64() || above->get_int64() < 0)
        return bad(tw + ".above_input_tokens", "must be a non-negative integer");
      SL_TRY(tp, prices_of(tv.get_object().if_contains("prices"), tw + ".prices", false));
      e.tiers.push_back(Tier{above->get_int64(), tp});
    }
    std::sort(e.tiers.begin(), e.tiers.end(),
              [](const Tier& a, const Tier& b) { return a.above_input_tokens < b.above_input_tokens; });
  }
  return d;
}

bj::object definition_json(const PriceDefinition& d) {
  const auto prices = [](const Prices& p) {
    bj::object o;
    for (auto [key, v] : {std::pair("input", &p.input), std::pair("output", &p.output),
                          std::pair("cache_read", &p.cache_read), std::pair("cache_write", &p.cache_write),
                          std::pair("reasoning", &p.reasoning)})
      if (*v) o[key] = **v;
    return o;
  };
  bj::array tiers;
  for (const Tier& t : d.entry.tiers)
    tiers.push_back(bj::object{{"above_input_tokens", t.above_input_tokens}, {"prices", prices(t.prices)}});
  bj::object o{{"model", d.entry.model},
               {"provider", d.entry.provider.empty() ? bj::value(nullptr) : bj::value(d.entry.provider)},
               {"pattern", d.pattern.empty() ? bj::value(nullptr) : bj::value(d.pattern)},
               {"effective_from", format_iso8601(d.entry.effective_from)},
               {"prices", prices(d.entry.prices)},
               {"tiers", std::move(tiers)}};
  return o;
}

Result<PriceTable> PriceTable::parse(std::string_view text) {
  SL_TRY(doc, json::parse(text));
  if (!doc.is_object()) return bad("the price table", "must be a JSON object");
  const bj::object& root = doc.get_object();
  std::unordered_map<std::string, std::string> aliases;
  if (const bj::value* a = root.if_contains("provider_aliases")) {
    if (!a->is_object()) return bad("provider_aliases", "must be an object");
    for (const auto& [k, v] : a->get_object()) {
      if (!v.is_string()) return bad(fmt::format("provider_aliases.{}", std::string_view(k)), "must be a string");
      aliases[lower(std::string_view(k))] = lower(std::string_view(v.get_string()));
    }
  }
  const bj::value* es = root.if_contains("entries");
  if (!es || !es->is_array()) return bad("entries", "must be an array");
  std::vector<PriceDefinition> definitions;
  definitions.reserve(es->get_array().size());
  for (size_t i = 0; i < es->get_array().size(); ++i) {
    SL_TRY(d, parse_definition(es->get_array()[i], fmt::format("entries[{}]", i), true));
    definitions.push_back(std::move(d));
  }
  return build(std::move(definitions), std::move(aliases));
}

Result<PriceTable> PriceTable::build(std::vector<PriceDefinition> definitions,
                                     std::unordered_map<std::string, std::string> provider_aliases) {
  PriceTable table;
  Data& d = *table.data_;
  d.aliases = std::move(provider_aliases);
  d.entries.reserve(definitions.size());
  for (PriceDefinition& def : definitions) {
    PriceEntry& e = def.entry;
    e.provider = lower(e.provider);
    const std::string key = group_key(e.provider, lower(e.model));
    auto [g, added] = d.exact.try_emplace(key, static_cast<uint32_t>(d.groups.size()));
    if (added) {
      d.groups.emplace_back();
      if (!def.pattern.empty()) {
        std::regex re;
        try {
          re = std::regex(def.pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
        } catch (const std::regex_error&) {
          return bad(fmt::format("{} at {}: pattern", e.model, e.provider), "is not a valid regular expression");
        }
        d.patterns[e.provider].push_back(Data::Pattern{std::move(re), literal_prefix(def.pattern), g->second});
      }
    }
    d.groups[g->second].push_back(static_cast<uint32_t>(d.entries.size()));
    d.entries.push_back(std::move(e));
  }
  for (auto& group : d.groups) {
    std::sort(group.begin(), group.end(),
              [&](uint32_t a, uint32_t b) { return d.entries[a].effective_from < d.entries[b].effective_from; });
    for (size_t k = 1; k < group.size(); ++k)
      if (d.entries[group[k]].effective_from == d.entries[group[k - 1]].effective_from)
        return bad(fmt::format("entries: {} at {}", d.entries[group[k]].model,
                               d.entries[group[k]].provider.empty() ? "any provider" : d.entries[group[k]].provider),
                   "has two entries effective from the same date");
  }
  return table;
}

Result<PriceTable> PriceTable::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::bad_request, fmt::format("cannot read the price table {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  auto table = parse(text.str());
  if (!table)
    return make_error(ErrorCode::bad_request, fmt::format("price table {}: {}", file.string(), table.error().message));
  return table;
}

const PriceEntry* PriceTable::find(std::string_view model, std::string_view provider, Micros at,
                                   bool or_earliest) const {
  // Per thread, the resolved groups of the few tables in use (the shipped one and the projects'
  // own); a table met when the cache holds kMaxTables others starts it over.
  using Groups = std::unordered_map<std::string, int64_t, TransparentHash, std::equal_to<>>;
  struct Cache {
    std::vector<std::pair<uint64_t, Groups>> tables;
    std::string key;
  };
  constexpr size_t kMaxTables = 64;
  thread_local Cache cache;
  Groups* groups = nullptr;
  for (auto& [owner, g] : cache.tables)
    if (owner == id_) groups = &g;
  if (!groups) {
    if (cache.tables.size() >= kMaxTables) cache.tables.clear();
    groups = &cache.tables.emplace_back(id_, Groups{}).second;
  }
  cache.key.assign(provider).append(1, '\n').append(model);
  int64_t group;
  if (auto it = groups->find(std::string_view(cache.key)); it != groups->end()) {
    group = it->second;
  } else {
    group = data_->resolve(model, provider);
    // Full: the names seen first stay cached (a stream of new names must not evict the few
    // every span uses); a name past the cap is resolved each time.
    if (groups->size() < kMaxCached) groups->emplace(cache.key, group);
  }
  if (group < 0) return nullptr;
  const auto& entries = data_->groups[static_cast<size_t>(group)];
  const PriceEntry* found = or_earliest ? &data_->entries[entries.front()] : nullptr;
  for (uint32_t i : entries)
    if (data_->entries[i].effective_from <= at) found = &data_->entries[i];
  return found;
}

std::optional<double> PriceTable::cost(std::string_view model, std::string_view provider, Micros at,
                                       const Usage& usage) const {
  const PriceEntry* e = find(model, provider, at);
  if (!e) return std::nullopt;
  return cost_of(*e, usage);
}

}  // namespace stacklens::pricing
