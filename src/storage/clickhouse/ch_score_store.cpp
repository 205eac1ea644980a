#include "storage/clickhouse/ch_score_store.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "core/time.h"
#include "storage/clickhouse/ch_text.h"

namespace stacklens::clickhouse {

namespace {

Error score_missing(const std::string& id) {
  return make_error(ErrorCode::not_found, fmt::format("score '{}' does not exist in this project", id));
}

Error conflict(const std::string& id) {
  return make_error(ErrorCode::conflict,
                    fmt::format("score '{}' already exists with other content: give a new id, or edit it", id));
}

bool is_null(const std::string& f) { return f == "\\N"; }
std::optional<std::string> nullable(const std::string& f) {
  if (is_null(f)) return std::nullopt;
  return f;
}

void field(std::string& out, std::string_view s) {
  append_tsv(out, s);
  out += '\t';
}
void nullable_field(std::string& out, const std::optional<std::string>& s) {
  if (s) field(out, *s);
  else out += "\\N\t";
}

}  // namespace

std::string score_row(int64_t project_id, const Score& s, bool deleted, uint64_t version) {
  std::string row;
  field(row, s.id);
  field(row, s.trace_id);
  nullable_field(row, s.span_id);
  field(row, s.name);
  field(row, score_type_name(s.type));
  // As on SQLite: categorical values in category, the others (booleans as 0/1) in number.
  if (s.type == ScoreType::categorical) row += "\\N\t", field(row, s.category);
  else fmt::format_to(std::back_inserter(row), "{}\t\\N\t", s.number);
  nullable_field(row, s.comment);
  field(row, s.source);
  nullable_field(row, s.author);
  fmt::format_to(std::back_inserter(row), "{}\t{}\t{}\t{}\t{}\n", s.created_us, s.updated_us, project_id,
                 deleted ? 1 : 0, version);
  return row;
}

ClickHouseScoreStore::ClickHouseScoreStore(Endpoint endpoint)
    : client_(endpoint, ChClient::Options{}), target_{endpoint.database, endpoint.cluster} {}

Result<std::unique_ptr<ClickHouseScoreStore>> ClickHouseScoreStore::open(const std::string& url) {
  auto endpoint = parse_endpoint(url);
  if (!endpoint) return endpoint.error();
  return std::unique_ptr<ClickHouseScoreStore>(new ClickHouseScoreStore(*endpoint));
}

namespace {

// A row of kScoreColumns (and maybe more after them).
Score decode_score(const std::vector<std::string>& f) {
  Score s;
  s.id = f[0];
  s.trace_id = f[1];
  s.span_id = nullable(f[2]);
  s.name = f[3];
  s.type = parse_score_type(f[4]).value_or(ScoreType::numeric);
  s.number = is_null(f[5]) ? 0 : to_f64(f[5]);
  s.category = nullable(f[6]).value_or("");
  s.comment = nullable(f[7]);
  s.source = f[8];
  s.author = nullable(f[9]);
  s.created_us = to_i64(f[10]);
  s.updated_us = to_i64(f[11]);
  return s;
}

Error malformed() { return make_error(ErrorCode::internal, "a score row from ClickHouse is malformed"); }

}  // namespace

Result<std::vector<Score>> ClickHouseScoreStore::read(const std::string& statement) {
  auto out = client_.query(statement);
  if (!out) return out.error();
  std::vector<Score> scores;
  std::string_view rest(*out);
  std::vector<std::string> f;
  while (next_tsv_row(rest, f)) {
    if (f.size() != static_cast<size_t>(sql::kScoreColumnCount)) return malformed();
    scores.push_back(decode_score(f));
  }
  return scores;
}

// The cursor: the last score's project and id, a tab between.
Result<ScoreDump> ClickHouseScoreStore::dump(const std::string& after, int max) {
  std::pair<int64_t, std::string> from{0, ""};
  if (const auto tab = after.find('\t'); tab != std::string::npos)
    from = {to_i64(after.substr(0, tab)), after.substr(tab + 1)};
  auto out = client_.query(sql::score_dump_page(target_, from, max));
  if (!out) return out.error();
  ScoreDump page;
  std::string_view rest(*out);
  std::vector<std::string> f;
  while (next_tsv_row(rest, f)) {
    if (f.size() != static_cast<size_t>(sql::kScoreColumnCount) + 1) return malformed();
    page.scores.emplace_back(to_i64(f.back()), decode_score(f));
  }
  if (static_cast<int>(page.scores.size()) == max)
    page.cursor = fmt::format("{}\t{}", page.scores.back().first, page.scores.back().second.id);
  return page;
}

Status ClickHouseScoreStore::put(int64_t project_id, const std::vector<const Score*>& scores, bool deleted) {
  std::string body;
  uint64_t version = std::max(last_version_ + 1, static_cast<uint64_t>(now_micros()) << 10);
  for (const Score* s : scores) body += score_row(project_id, *s, deleted, version++);
  last_version_ = version;
  if (auto r = client_.insert(sql::insert_scores(target_), body, insert_settings(client_.endpoint())); !r)
    return r.error();
  return ok_status();
}

Result<ScorePut> ClickHouseScoreStore::create(int64_t project_id, const Score& score) {
  auto all = create_all(project_id, {score});
  if (!all) return all.error();
  return all->front();
}

Result<std::vector<ScorePut>> ClickHouseScoreStore::create_all(int64_t project_id, const std::vector<Score>& scores) {
  std::lock_guard lock(mu_);
  std::vector<ScorePut> out;
  std::vector<const Score*> fresh;
  std::map<std::string, const Score*> in_batch;
  for (const Score& s : scores) {
    auto existing = read(sql::score_by_id(target_, project_id, s.id));
    if (!existing) return existing.error();
    const Score* stored = !existing->empty() ? &existing->front() : nullptr;
    if (!stored && in_batch.count(s.id)) stored = in_batch[s.id];
    if (stored) {
      if (!same_content(*stored, s)) return conflict(s.id);
      out.push_back(ScorePut::unchanged);
      continue;
    }
    in_batch[s.id] = &s;
    fresh.push_back(&s);
    out.push_back(ScorePut::created);
  }
  if (!fresh.empty())
    if (auto st = put(project_id, fresh, false); !st) return st.error();
  return out;
}

Result<std::optional<Score>> ClickHouseScoreStore::get(int64_t project_id, const std::string& id) {
  auto found = read(sql::score_by_id(target_, project_id, id));
  if (!found) return found.error();
  if (found->empty()) return std::optional<Score>{};
  return std::optional<Score>(std::move(found->front()));
}

Result<Score> ClickHouseScoreStore::update(int64_t project_id, const Score& score) {
  std::lock_guard lock(mu_);
  auto found = read(sql::score_by_id(target_, project_id, score.id));
  if (!found) return found.error();
  if (found->empty()) return score_missing(score.id);
  Score s = found->front();
  s.type = score.type;
  s.number = score.number;
  s.category = score.category;
  s.comment = score.comment;
  s.source = score.source;
  s.author = score.author;
  s.updated_us = score.updated_us;
  if (s.type != ScoreType::categorical) s.category.clear();
  if (auto st = put(project_id, {&s}, false); !st) return st.error();
  return s;
}

Status ClickHouseScoreStore::remove(int64_t project_id, const std::string& id) {
  std::lock_guard lock(mu_);
  auto found = read(sql::score_by_id(target_, project_id, id));
  if (!found) return found.error();
  if (found->empty()) return score_missing(id);
  return put(project_id, {&found->front()}, true);
}

Result<ScorePage> ClickHouseScoreStore::list(int64_t project_id, const ScoreFilter& f) {
  std::optional<std::pair<int64_t, std::string>> after;
  if (f.cursor) {
    // "created_us:id" of the last score of the previous page.
    const auto& c = *f.cursor;
    const auto colon = c.find(':');
    int64_t at = 0;
    if (colon == std::string::npos || colon + 1 == c.size() ||
        std::from_chars(c.data(), c.data() + colon, at).ptr != c.data() + colon)
      return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
    after = std::make_pair(at, c.substr(colon + 1));
  }
  auto found = read(sql::score_page(target_, project_id, f, after));
  if (!found) return found.error();
  ScorePage page;
  for (auto& s : *found) {
    if (static_cast<int>(page.scores.size()) == f.limit) {
      page.next_cursor = fmt::format("{}:{}", page.scores.back().created_us, page.scores.back().id);
      break;
    }
    page.scores.push_back(std::move(s));
  }
  return page;
}

Result<std::vector<Score>> ClickHouseScoreStore::of_trace(int64_t project_id, const std::string& trace_id) {
  return read(sql::scores_of_trace(target_, project_id, trace_id));
}

Result<std::vector<ScoreBucket>> ClickHouseScoreStore::summary(int64_t project_id, const ScoreSummaryQuery& q) {
  auto out = client_.query(sql::score_summary(target_, project_id, q));
  if (!out) return out.error();
  std::map<int64_t, ScoreBucket> buckets;
  std::map<int64_t, std::pair<double, int64_t>> sums;  // numeric values: sum, count
  std::string_view rest(*out);
  std::vector<std::string> f;
  while (next_tsv_row(rest, f)) {
    if (f.size() != 5) return make_error(ErrorCode::internal, "a score summary row from ClickHouse is malformed");
    const int64_t k = to_i64(f[0]);
    ScoreBucket& b = buckets[k];
    b.bucket_us = q.from_us + k * q.interval_us;
    const int64_t n = to_i64(f[1]);
    b.count += n;
    if (f[3] == "0") b.categories.emplace_back(f[4], n);
    else if (!is_null(f[2])) sums[k].first += to_f64(f[2]) * static_cast<double>(n), sums[k].second += n;
  }
  std::vector<ScoreBucket> result;
  for (auto& [k, b] : buckets) {
    if (sums[k].second > 0) b.average = sums[k].first / static_cast<double>(sums[k].second);
    result.push_back(std::move(b));
  }
  return result;
}

}  // namespace stacklens::clickhouse
