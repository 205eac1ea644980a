#include "app/migrate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include "app/storage_factory.h"
#include "storage/store_checksum.h"

namespace stacklens::app {
namespace {

constexpr int kMetaRowsPerInsert = 2000;

int refuse(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 2;
}

int failed(const std::string& step, const Error& e) {
  std::fprintf(stderr, "\nerror: %s: %s\nWhat was copied stays copied: run the same command again to resume.\n",
               step.c_str(), e.message.c_str());
  return 1;
}

// A percentage on stderr: rewritten in place on a terminal, a line every tenth otherwise.
class Progress {
 public:
  Progress(std::string what, int64_t total) : what_(std::move(what)), total_(total), tty_(::isatty(2) != 0) {}
  void update(int64_t done) {
    const int pct = total_ <= 0 ? 100 : static_cast<int>(std::min<int64_t>(100, done * 100 / total_));
    if (tty_) {
      std::fprintf(stderr, "\r%s %3d%% (%s of %s)", what_.c_str(), pct, grouped(done).c_str(), grouped(total_).c_str());
    } else if (pct / 10 > shown_ / 10 || shown_ < 0) {
      std::fprintf(stderr, "%s %d%% (%s of %s)\n", what_.c_str(), pct, grouped(done).c_str(), grouped(total_).c_str());
    } else {
      return;
    }
    shown_ = pct;
  }
  void finish(int64_t done) {
    total_ = done;  // the count at the start is an estimate (it includes removed spans)
    if (shown_ == 100 && !tty_) return;
    shown_ = -1;
    update(done);
    if (tty_) std::fputc('\n', stderr);
  }
  static std::string grouped(int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }

 private:
  std::string what_;
  int64_t total_;
  bool tty_;
  int shown_ = -1;
};

// DIR/migrate.state: where a migration into these stores got to, `name=value` lines, replaced
// whole (written aside, synced, renamed) after every step, so a stop anywhere resumes there.
class MigrationState {
 public:
  explicit MigrationState(std::filesystem::path path) : path_(std::move(path)) {}
  bool exists() const { return std::filesystem::exists(path_); }
  const std::filesystem::path& path() const { return path_; }
  Status load() {
    std::ifstream in(path_);
    if (!in) return make_error(ErrorCode::unavailable, fmt::format("cannot read {}", path_.string()));
    std::string line;
    while (std::getline(in, line))
      if (const auto eq = line.find('='); eq != std::string::npos) values_[line.substr(0, eq)] = line.substr(eq + 1);
    return ok_status();
  }
  std::string get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? "" : it->second;
  }
  Status set(const std::string& name, const std::string& value) { return set({{name, value}}); }
  // Several values in one rewrite of the file (one sync, not one per value).
  Status set(std::initializer_list<std::pair<std::string, std::string>> changed) {
    for (const auto& [name, value] : changed) values_[name] = value;
    const auto aside = path_.string() + ".new";
    FILE* f = std::fopen(aside.c_str(), "w");
    if (!f) return make_error(ErrorCode::unavailable, fmt::format("cannot write {}", aside));
    for (const auto& [k, v] : values_) std::fprintf(f, "%s=%s\n", k.c_str(), v.c_str());
    const bool written = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    std::error_code ec;
    if (written) std::filesystem::rename(aside, path_, ec);
    if (!written || ec) return make_error(ErrorCode::unavailable, fmt::format("cannot write {}", path_.string()));
    return ok_status();
  }

 private:
  std::filesystem::path path_;
  std::map<std::string, std::string> values_;
};

// A cursor is kept as one line: its tabs (ClickHouse cursors) escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\t' ? std::string("\\t") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  return out;
}
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 't' ? '\t' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Stores {
  std::unique_ptr<MetaStore> meta;
  std::unique_ptr<SpanStore> spans;
  std::unique_ptr<ScoreStore> scores;
};

Result<Stores> open_stores(const Settings& settings) {
  Stores s;
  SL_TRY(meta, open_meta_store(settings));
  SL_TRY(spans, open_span_store(settings));
  SL_TRY(scores, open_score_store(settings));
  s.meta = std::move(meta);
  s.spans = std::move(spans);
  s.scores = std::move(scores);
  return s;
}

// The tables both stores must have, each with the same columns.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> meta_tables(MetaRows& from, MetaRows& to) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (std::string_view table : kMetaTables) {
    SL_TRY(source, from.columns(table));
    SL_TRY(target, to.columns(table));
    if (source.empty()) return make_error(ErrorCode::internal, fmt::format("the source has no table {}", table));
    if (std::set(source.begin(), source.end()) != std::set(target.begin(), target.end()))
      return make_error(ErrorCode::bad_request,
                        fmt::format("table {} has other columns in the target ({}) than in the source ({}): is one of "
                                    "them from another StackLens version?",
                                    table, fmt::join(target, ", "), fmt::join(source, ", ")));
    out.emplace_back(std::string(table), std::move(source));
  }
  return out;
}

Status copy_metadata(MetaRows& from, MetaRows& to) {
  SL_TRY(tables, meta_tables(from, to));
  for (const auto& [table, columns] : tables) {
    std::vector<CellRow> rows;
    int64_t read = 0, inserted = 0;
    auto flush = [&, &table = table, &columns = columns]() -> Status {
      auto n = to.insert_rows(table, columns, rows);
      if (!n) return n.error();
      inserted += *n;
      rows.clear();
      return ok_status();
    };
    auto st = from.read_rows(table, columns, [&](CellRow&& row) -> Status {
      rows.push_back(std::move(row));
      ++read;
      return static_cast<int>(rows.size()) >= kMetaRowsPerInsert ? flush() : ok_status();
    });
    if (!st) return st;
    if (auto f = flush(); !f) return f;
    std::fprintf(stderr, "metadata: %s, %s rows (%s new)\n", table.c_str(), Progress::grouped(read).c_str(),
                 Progress::grouped(inserted).c_str());
  }
  return to.rows_inserted();
}

Status copy_spans(SpanStore& from, SpanStore& to, MigrationState& state, int page_spans) {
  auto total = from.count_spans();
  if (!total) return total.error();
  Progress progress("spans", *total);
  std::string cursor = unescape(state.get("spans_after"));
  int64_t done = std::stoll("0" + state.get("spans_copied"));
  if (!cursor.empty() || done > 0)
    std::fprintf(stderr, "spans: resuming after %s copied\n", Progress::grouped(done).c_str());
  // The next page is read while this one is written.
  auto read = [&from, page_spans](std::string after) { return from.dump(after, page_spans); };
  auto next = std::async(std::launch::async, read, cursor);
  for (;;) {
    auto page = next.get();
    if (!page) return page.error();
    if (!page->cursor.empty()) next = std::async(std::launch::async, read, page->cursor);
    if (!page->spans.empty()) {
      for (SpanRecord& r : page->spans) r.encoded.reset();
      if (auto st = to.prepare(page->spans); !st) return st;
      if (auto w = to.write(page->spans); !w) return w.error();
      done += static_cast<int64_t>(page->spans.size());
    }
    if (page->cursor.empty()) break;
    cursor = page->cursor;
    if (auto st = state.set({{"spans_after", escape(cursor)}, {"spans_copied", std::to_string(done)}}); !st)
      return st;
    progress.update(done);
  }
  progress.finish(done);
  return state.set({{"spans_copied", std::to_string(done)}, {"spans", "done"}});
}

// Scores go in as given (ids, times); an edited one is edited again, so it keeps when it was.
Status copy_scores(ScoreStore& from, ScoreStore& to, MigrationState& state) {
  std::string cursor = unescape(state.get("scores_after"));
  int64_t done = 0;
  for (;;) {
    auto page = from.dump(cursor, 1000);
    if (!page) return page.error();
    std::map<int64_t, std::vector<Score>> by_project;
    for (auto& [project, score] : page->scores) by_project[project].push_back(score);
    for (const auto& [project, scores] : by_project) {
      if (auto r = to.create_all(project, scores); !r) return r.error();
      for (const Score& s : scores)
        if (s.updated_us != s.created_us)
          if (auto r = to.update(project, s); !r) return r.error();
    }
    done += static_cast<int64_t>(page->scores.size());
    if (page->cursor.empty()) break;
    cursor = page->cursor;
    if (auto st = state.set("scores_after", escape(cursor)); !st) return st;
  }
  std::fprintf(stderr, "scores: %s copied\n", Progress::grouped(done).c_str());
  return state.set("scores", "done");
}

// Per project: the tally of every span, and of every score.
Result<std::map<int64_t, Tally>> span_tallies(SpanStore& store, int page_spans, const std::string& what) {
  std::map<int64_t, Tally> out;
  auto total = store.count_spans();
  if (!total) return total.error();
  Progress progress(what, *total);
  std::string cursor;
  int64_t done = 0;
  do {
    auto page = store.dump(cursor, page_spans);
    if (!page) return page.error();
    for (const SpanRecord& r : page->spans) out[r.span.project_id].add(canonical_span(r));
    done += static_cast<int64_t>(page->spans.size());
    progress.update(done);
    cursor = page->cursor;
  } while (!cursor.empty());
  progress.finish(done);
  return out;
}

Result<std::map<int64_t, Tally>> score_tallies(ScoreStore& store) {
  std::map<int64_t, Tally> out;
  std::string cursor;
  do {
    auto page = store.dump(cursor, 1000);
    if (!page) return page.error();
    for (const auto& [project, s] : page->scores) out[project].add(canonical_score(project, s));
    cursor = page->cursor;
  } while (!cursor.empty());
  return out;
}

Result<Tally> table_tally(MetaRows& store, const std::string& table, const std::vector<std::string>& columns) {
  Tally t;
  auto st = store.read_rows(table, columns, [&](CellRow&& row) {
    t.add(canonical_row(row));
    return ok_status();
  });
  if (!st) return st.error();
  return t;
}

// Prints one line per table and project; true when every pair matched.
struct Report {
  bool all_match = true;
  void line(const std::string& what, const Tally& source, const Tally& copy) {
    const bool match = source == copy;
    all_match = all_match && match;
    std::printf("%-36s %14s %14s  %s\n", what.c_str(), Progress::grouped(source.count).c_str(),
                Progress::grouped(copy.count).c_str(),
                match ? ("match " + source.checksum()).c_str() : "DIFFERENT");
  }
  void lines(const std::string& what, const std::map<int64_t, Tally>& source, const std::map<int64_t, Tally>& copy) {
    std::set<int64_t> projects;
    for (const auto& [p, t] : source) projects.insert(p);
    for (const auto& [p, t] : copy) projects.insert(p);
    for (int64_t p : projects) {
      auto in = [p](const std::map<int64_t, Tally>& m) { return m.count(p) ? m.at(p) : Tally{}; };
      line(fmt::format("{} of project {}", what, p), in(source), in(copy));
    }
  }
};

Result<bool> verify(Stores& source, Stores& target, int page_spans) {
  std::fprintf(stderr, "comparing the source with the copy\n");
  Report report;
  std::printf("%-36s %14s %14s  %s\n", "what", "source", "copy", "checksum");
  SL_TRY(tables, meta_tables(source.meta->table_rows(), target.meta->table_rows()));
  for (const auto& [table, columns] : tables) {
    SL_TRY(a, table_tally(source.meta->table_rows(), table, columns));
    SL_TRY(b, table_tally(target.meta->table_rows(), table, columns));
    report.line("table " + table, a, b);
  }
  // Both sides read at once.
  auto copy_side = std::async(std::launch::async, [&] {
    return span_tallies(*target.spans, page_spans, "reading the copy's spans");
  });
  auto spans_a = span_tallies(*source.spans, page_spans, "reading the source's spans");
  auto spans_b = copy_side.get();
  if (!spans_a) return spans_a.error();
  if (!spans_b) return spans_b.error();
  report.lines("spans", *spans_a, *spans_b);
  SL_TRY(scores_a, score_tallies(*source.scores));
  SL_TRY(scores_b, score_tallies(*target.scores));
  report.lines("scores", scores_a, scores_b);
  return report.all_match;
}

}  // namespace

int migrate(const Settings& target_settings, const MigrateOptions& options) {
  if (target_settings.metadata_url.empty() || target_settings.span_store_url.empty())
    return refuse("migrate copies into a cluster's stores: give both --metadata-url and --span-store-url");
  if (options.page_spans < 1 || options.page_spans > 100000)
    return refuse("--page-spans must be between 1 and 100000");
  const auto& dir = options.from;
  for (const char* file : {"meta.db", "spans.db"})
    if (!std::filesystem::exists(dir / file))
      return refuse(fmt::format("{} is not a StackLens data directory: it has no {}", dir.string(), file));
  auto lock = DataDirLock::take(dir);
  if (!lock) return refuse(lock.error().message);

  Settings source_settings = target_settings;
  source_settings.data_dir = dir;
  source_settings.metadata_url.clear();
  source_settings.span_store_url.clear();
  source_settings.disk_reserve_mb = 0;
  auto source = open_stores(source_settings);
  if (!source) return refuse(fmt::format("cannot open the store in {}: {}", dir.string(), source.error().message));
  auto target = open_stores(target_settings);
  if (!target) return refuse(target.error().message);

  MigrationState state(dir / "migrate.state");
  const std::string into = describe_stores(target_settings);
  if (!options.verify_only) {
    if (state.exists()) {
      if (auto st = state.load(); !st) return refuse(st.error().message);
      if (state.get("into") != into)
        return refuse(fmt::format("{} is a migration into {}, not into {}: finish that one, or remove the file to "
                                  "start another",
                                  state.path().string(), state.get("into"), into));
    } else {
      auto empty = target->meta->is_empty();
      if (!empty) return refuse(empty.error().message);
      auto spans = target->spans->count_spans();
      if (!spans) return refuse(spans.error().message);
      if (!*empty || *spans > 0)
        return refuse(fmt::format("the target already holds {}: migrate into empty databases, before any node "
                                  "starts on them",
                                  !*empty ? "projects" : fmt::format("{} spans", *spans)));
      if (auto st = state.set("into", into); !st) return refuse(st.error().message);
    }
    if (state.get("metadata") != "done") {
      if (auto st = copy_metadata(source->meta->table_rows(), target->meta->table_rows()); !st)
        return failed("copying the metadata", st.error());
      if (auto st = state.set("metadata", "done"); !st) return failed("copying the metadata", st.error());
    }
    if (state.get("spans") != "done")
      if (auto st = copy_spans(*source->spans, *target->spans, state, options.page_spans); !st)
        return failed("copying the spans", st.error());
    if (state.get("scores") != "done")
      if (auto st = copy_scores(*source->scores, *target->scores, state); !st)
        return failed("copying the scores", st.error());
  }
  auto matched = verify(*source, *target, options.page_spans);
  if (!matched) return failed("comparing the source with the copy", matched.error());
  if (!*matched) {
    std::printf("The copy differs from the source (DIFFERENT above).\n");
    return 1;
  }
  std::printf("Every table, span and score of %s is in the copy.\n", dir.string().c_str());
  std::printf("Give every node a copy of %s and %s (mode 600) in its --data-dir before it starts: the copied text "
              "is sealed with those keys and the audit log signed with them.\n",
              (dir / "encryption.keys").string().c_str(), (dir / "audit-signing.key").string().c_str());
  return 0;
}

}  // namespace stacklens::app
