// spans.text (storage/sqlite/text_log.h): prompt and completion text kept beside spans.db.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/sqlite/sqlite_span_store.h"
#include "storage/sqlite/text_log.h"
#include "temp_dir.h"

using namespace stacklens;
using namespace stacklens::sqlite;

namespace {

// A span with text; the "sealed" bytes are what the store keeps, whatever they hold.
SpanRecord with_text(const std::string& trace_id, const std::string& span_id, std::optional<std::string> prompt,
                     std::optional<std::string> completion) {
  SpanRecord r;
  r.span.project_id = 1;
  r.span.trace_id = trace_id;
  r.span.span_id = span_id;
  r.span.name = "chat";
  r.span.start_us = 1'000'000;
  r.span.end_us = 2'000'000;
  r.span.llm = LlmData{};
  r.span.llm->model = "gpt-4o";
  if (prompt) r.prompt = SealedText{*prompt, 3};
  if (completion) r.completion = SealedText{*completion, 4};
  return r;
}

void expect_text(SpanStore& store, const std::string& trace_id, const std::string& span_id,
                 std::optional<std::string> prompt, std::optional<std::string> completion) {
  auto trace = store.get_trace(1, trace_id);
  ASSERT_TRUE(trace) << trace.error().message;
  ASSERT_TRUE(*trace);
  for (const SpanRecord& r : (*trace)->spans) {
    if (r.span.span_id != span_id) continue;
    ASSERT_EQ(r.prompt.has_value(), prompt.has_value()) << span_id;
    ASSERT_EQ(r.completion.has_value(), completion.has_value()) << span_id;
    if (prompt) {
      EXPECT_EQ(r.prompt->bytes, *prompt);
      EXPECT_EQ(r.prompt->key_id, 3);
    }
    if (completion) {
      EXPECT_EQ(r.completion->bytes, *completion);
      EXPECT_EQ(r.completion->key_id, 4);
    }
    return;
  }
  ADD_FAILURE() << "span " << span_id << " not found";
}

// Text long enough that a request of a few spans goes to spans.text (64 KiB and more).
std::string big(const std::string& text) { return text + std::string(40000, '.'); }

}  // namespace

TEST(TextLog, AppendsReadsAndSyncs) {
  const auto dir = fresh_dir("text-log");
  auto log = TextLog::open((dir / "spans.text").string(), 0, TextLog::Appends::buffered);
  ASSERT_TRUE(log) << log.error().message;
  auto a = (*log)->append({"hello", "", " world"});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 0);
  const std::string big(100000, 'x');  // more pieces than one writev takes
  std::vector<std::string_view> pieces(3000, std::string_view(big).substr(0, 7));
  auto b = (*log)->append(pieces);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 11);
  (*log)->start_sync();
  EXPECT_TRUE((*log)->wait_synced());
  EXPECT_EQ(*(*log)->read(0, 11), "hello world");
  EXPECT_EQ(*(*log)->read(11 + 7 * 2999, 7), "xxxxxxx");
  auto past = (*log)->read(11 + 7 * 3000 - 3, 10);
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("ends before"), std::string::npos);
  // Nothing appended since: a sync has nothing to wait for.
  (*log)->start_sync();
  EXPECT_TRUE((*log)->wait_synced());
}

// Direct appends (where the file system takes them: the unit tests' temporary directory
// should) start on block boundaries, are padded to one, and read back like buffered ones,
// after a reopen too; the file is then extended from its next boundary.
TEST(TextLog, DirectAppendsStartOnBlockBoundaries) {
  const auto dir = fresh_dir("text-direct");
  const std::string path = (dir / "spans.text").string();
  const std::string big(3 << 20, 'y');  // more than the 1 MiB a direct write gathers
  int64_t first = 0, second = 0, third = 0;
  {
    auto log = TextLog::open(path, 0);
    ASSERT_TRUE(log) << log.error().message;
    if (!(*log)->direct()) GTEST_SKIP() << "the temporary directory's file system refuses O_DIRECT";
    first = *(*log)->append({"hello", "", " world"});
    second = *(*log)->append({std::string_view(big).substr(0, 7), big, "z"});
    (*log)->start_sync();
    EXPECT_TRUE((*log)->wait_synced());
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, TextLog::kDirectBlock);
    EXPECT_EQ(*(*log)->read(first, 11), "hello world");
    EXPECT_EQ(*(*log)->read(second + 7 + static_cast<int64_t>(big.size()) - 2, 3), "yyz");
  }
  std::ofstream(path, std::ios::app) << "bytes left by a crash";
  auto log = TextLog::open(path, 0);
  ASSERT_TRUE(log);
  third = *(*log)->append({"again"});
  EXPECT_EQ(third % TextLog::kDirectBlock, 0);
  EXPECT_GT(third, second + static_cast<int64_t>(big.size()));
  EXPECT_EQ(*(*log)->read(third, 5), "again");
  EXPECT_EQ(*(*log)->read(first, 11), "hello world");
}

TEST(TextLog, ConcurrentAppendsGetTheirOwnBytes) {
  const auto dir = fresh_dir("text-concurrent");
  auto log = TextLog::open((dir / "spans.text").string(), 0);
  ASSERT_TRUE(log);
  std::vector<std::vector<int64_t>> at(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string text = fmt::format("<{}:{}>", t, i);
        auto offset = (*log)->append({text});
        at[t].push_back(offset ? *offset : -1);
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 500; ++i) {
      const std::string text = fmt::format("<{}:{}>", t, i);
      auto read = (*log)->read(at[t][i], static_cast<int64_t>(text.size()));
      ASSERT_TRUE(read);
      EXPECT_EQ(*read, text);
    }
}

// Requests with 64 KiB of text or more keep it in spans.text, smaller ones in the rows; both
// read back after a restart, and bytes left behind by a crash are skipped.
TEST(SqliteSpanStore, KeepsTextInItsOwnFile) {
  const auto dir = fresh_dir("text-store");
  const std::string path = (dir / "spans.db").string();
  const auto text_bytes = [&] { return std::filesystem::file_size(dir / "spans.text"); };
  {
    auto store = SqliteSpanStore::open(path, 0);
    ASSERT_TRUE(store) << store.error().message;
    std::vector<SpanRecord> records = {with_text("t1", "a", big("prompt-a"), big("completion-a")),
                                       with_text("t1", "b", std::nullopt, big("completion-b")),
                                       with_text("t1", "c", big("prompt-c"), std::nullopt),
                                       with_text("t1", "d", std::nullopt, std::nullopt)};
    // Prepared as the request threads do: the queued records no longer hold the text.
    ASSERT_TRUE((*store)->prepare(records));
    EXPECT_TRUE(records[0].prompt->bytes.empty());
    EXPECT_GE(text_bytes(), 4 * big("").size() + 40);  // padded to a block when appended directly
    EXPECT_LT(text_bytes(), 4 * big("").size() + 40 + TextLog::kDirectBlock);
    ASSERT_TRUE((*store)->write(records));
    // Not prepared beforehand (tools, tests): the store appends the text itself.
    ASSERT_TRUE((*store)->write({with_text("t2", "e", big("prompt-e"), big("completion-e")),
                                 with_text("t2", "f", big("prompt-f"), std::nullopt)}));
    // A small request: its text stays in the row.
    const auto before = text_bytes();
    ASSERT_TRUE((*store)->write({with_text("t3", "g", "prompt-g", "completion-g")}));
    EXPECT_EQ(text_bytes(), before);
    expect_text(**store, "t1", "a", big("prompt-a"), big("completion-a"));
    expect_text(**store, "t1", "b", std::nullopt, big("completion-b"));
    expect_text(**store, "t1", "c", big("prompt-c"), std::nullopt);
    expect_text(**store, "t1", "d", std::nullopt, std::nullopt);
    expect_text(**store, "t3", "g", "prompt-g", "completion-g");
  }
  // A crash after text was appended for a commit that never happened.
  std::ofstream(dir / "spans.text", std::ios::app) << "text of a commit that never happened";
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_TRUE(store) << store.error().message;
  expect_text(**store, "t1", "a", big("prompt-a"), big("completion-a"));
  expect_text(**store, "t2", "e", big("prompt-e"), big("completion-e"));
  expect_text(**store, "t2", "f", big("prompt-f"), std::nullopt);
  expect_text(**store, "t3", "g", "prompt-g", "completion-g");
  ASSERT_TRUE((*store)->write({with_text("t4", "h", big("prompt-h"), big("completion-h"))}));
  expect_text(**store, "t4", "h", big("prompt-h"), big("completion-h"));
  expect_text(**store, "t1", "a", big("prompt-a"), big("completion-a"));
}

// A spans.text shorter than its rows point at was lost or replaced: the store says so.
TEST(SqliteSpanStore, RefusesATruncatedTextFile) {
  const auto dir = fresh_dir("text-truncated");
  const std::string path = (dir / "spans.db").string();
  {
    auto store = SqliteSpanStore::open(path, 0);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->write({with_text("t1", "a", big("prompt-a"), big("completion-a"))}));
  }
  std::filesystem::resize_file(dir / "spans.text", 5);
  auto store = SqliteSpanStore::open(path, 0);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("spans.text holds 5 bytes"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("restore it together with the spans.db"), std::string::npos);
}
