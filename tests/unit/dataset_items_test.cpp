// Dataset items read from uploads: JSON Lines and CSV (quoting, line breaks inside cells, JSON
// cells, extra columns into metadata), and the errors that name the line.
#include <gtest/gtest.h>

#include "api/dataset_items.h"

using namespace stacklens;
using namespace stacklens::api;

namespace {

std::vector<DatasetItem> csv(std::string_view body) {
  auto items = items_from_csv(body);
  EXPECT_TRUE(items) << (items ? "" : items.error().message);
  return items ? *items : std::vector<DatasetItem>{};
}

std::string csv_error(std::string_view body) {
  auto items = items_from_csv(body);
  EXPECT_FALSE(items);
  return items ? "" : items.error().message;
}

std::string jsonl_error(std::string_view body) {
  auto items = items_from_json_lines(body);
  EXPECT_FALSE(items);
  return items ? "" : items.error().message;
}

}  // namespace

TEST(DatasetCsv, QuotedCellsHoldCommasQuotesAndLineBreaks) {
  auto items = csv("input,expected_output\r\n\"a, \"\"b\"\"\",\"two\nlines\"\r\nplain,x\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].input, R"("a, \"b\"")");
  EXPECT_EQ(items[0].expected_output, R"("two\nlines")");
  EXPECT_EQ(items[1].input, R"("plain")");
}

TEST(DatasetCsv, CellsThatAreJsonAreTakenAsJson) {
  auto items = csv("input,expectedOutput,metadata\n\"{\"\"q\"\": 1}\",42,\"{\"\"k\"\": true}\"\n[1],true,\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].input, R"({"q":1})");
  EXPECT_EQ(items[0].expected_output, "42");
  EXPECT_EQ(items[0].metadata, R"({"k":true})");
  EXPECT_EQ(items[1].input, "[1]");
  EXPECT_EQ(items[1].expected_output, "true");
  EXPECT_FALSE(items[1].metadata);
}

TEST(DatasetCsv, OtherColumnsGoIntoMetadataAndIdsAreKept) {
  auto items = csv("\xEF\xBB\xBFid,input,topic,level\nq1,hello,math,3\nq2,bye,,\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, "q1");
  EXPECT_EQ(items[0].metadata, R"({"topic":"math","level":3})");
  EXPECT_FALSE(items[1].metadata);  // empty cells are left out
  auto merged = csv("input,metadata,topic\nx,\"{\"\"a\"\": 1}\",t\n");
  EXPECT_EQ(merged[0].metadata, R"({"a":1,"topic":"t"})");
}

TEST(DatasetCsv, ItemsWithoutIdGetUuids) {
  auto items = csv("input\na\nb\n\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id.size(), 36u);
  EXPECT_EQ(items[0].id[14], '4');
  EXPECT_NE(items[0].id, items[1].id);
}

TEST(DatasetCsv, ErrorsNameTheLine) {
  EXPECT_EQ(csv_error("answer\nx\n"), "line 1: the header has no input column");
  EXPECT_EQ(csv_error("input,input\nx,y\n"), "line 1: column 'input' appears twice");
  EXPECT_EQ(csv_error("input,a\nx,y\n\"multi\nline\",z,extra\n"), "line 3: 3 cells, but the header names 2 columns");
  EXPECT_EQ(csv_error("input\n\"open\nstill open\n"), "line 2: a quoted cell is not closed");
  EXPECT_EQ(csv_error("input\n\"closed\"junk\n"), "line 2: a quoted cell must be followed by a comma or the line's end");
  EXPECT_EQ(csv_error("input,b\n,x\n"), "line 2: input is empty");
  EXPECT_EQ(csv_error("input\n\xff\n"), "line 2: column 'input' is not valid UTF-8");
  EXPECT_EQ(csv_error("id,input\nd,1\nd,2\n"), "line 3: id 'd' appears on an earlier line");
  EXPECT_EQ(csv_error(""), "the upload holds no items (not even a header row)");
  EXPECT_EQ(csv_error("input\r\n"), "the upload holds a header row but no items");
}

TEST(DatasetJsonLines, ReadsObjectsAndSkipsBlankLines) {
  auto items = items_from_json_lines("{\"input\": 1, \"id\": \"a\"}\r\n\n  \n{\"input\": \"x\", \"expectedOutput\": null}");
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, "a");
  EXPECT_EQ((*items)[0].input, "1");
  EXPECT_FALSE((*items)[1].expected_output);
}

TEST(DatasetJsonLines, ErrorsNameTheLine) {
  EXPECT_EQ(jsonl_error("{\"input\": 1}\n\n[1]\n"), "line 3: each line must be a JSON object");
  EXPECT_EQ(jsonl_error("{\"input\": null}\n"), "line 1: input is required");
  EXPECT_EQ(jsonl_error("{\"input\": 1, \"metadata\": 3}\n"), "line 1: metadata must be a JSON object");
  EXPECT_EQ(jsonl_error("{\"input\": 1, \"id\": \"\"}\n"), "line 1: id must be 1 to 128 characters");
  EXPECT_EQ(jsonl_error("{\"input\": 1}\n{\"input\": 2\n").rfind("line 2: ", 0), 0u);
  EXPECT_EQ(jsonl_error("\n"), "the upload holds no items");
  auto big = items_from_json_lines("{\"input\": \"" + std::string(1024 * 1024, 'x') + "\"}");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::payload_too_large);
  EXPECT_EQ(big.error().message, "line 1: input is 1048578 bytes as JSON; the limit is 1048576");
}
