#include "api/dataset_items.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/json.h"
#include "crypto/secrets.h"

namespace stacklens::api {
namespace bj = boost::json;
namespace {

std::string at(std::string_view where, std::string_view message) {
  return where.empty() ? std::string(message) : fmt::format("{}: {}", where, message);
}

Error bad(std::string_view where, std::string_view message) {
  return make_error(ErrorCode::bad_request, at(where, message));
}

// A value as stored: compact JSON text, held to the size limit.
Result<std::string> stored(const bj::value& v, std::string_view field, std::string_view where) {
  std::string text = json::serialize(v);
  if (text.size() > kMaxItemValueBytes)
    return make_error(ErrorCode::payload_too_large,
                      at(where, fmt::format("{} is {} bytes as JSON; the limit is {}", field, text.size(),
                                            kMaxItemValueBytes)));
  return text;
}

std::string_view without_bom(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  return body;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 0 : c >= 0xC2 && c < 0xE0 ? 1 : c >= 0xE0 && c < 0xF0 ? 2 : c >= 0xF0 && c < 0xF5 ? 3 : 4;
    if (n == 4 || i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    const auto c1 = n > 0 ? static_cast<unsigned char>(s[i + 1]) : 0x80;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))
      return false;
    i += n + 1;
  }
  return true;
}

struct CsvRecord {
  size_t line = 0;  // where the record starts
  std::vector<std::string> cells;
};

// RFC 4180 records: cells split by commas, quoted cells may hold commas, doubled quotes and line
// breaks; lines end in LF or CRLF. Blank lines are skipped.
Result<std::vector<CsvRecord>> csv_records(std::string_view body) {
  std::vector<CsvRecord> out;
  size_t line = 1, i = 0;
  while (i < body.size()) {
    CsvRecord rec{line, {}};
    std::string cell;
    bool at_end = false;
    while (!at_end) {
      if (i < body.size() && body[i] == '"') {
        const size_t opened = line;
        ++i;
        for (;;) {
          if (i >= body.size()) return bad(fmt::format("line {}", opened), "a quoted cell is not closed");
          if (body[i] == '"') {
            if (i + 1 < body.size() && body[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (body[i] == '\n') ++line;
          cell += body[i++];
        }
        if (i < body.size() && body[i] != ',' && body[i] != '\n' && !(body[i] == '\r' && i + 1 < body.size() &&
                                                                       body[i + 1] == '\n'))
          return bad(fmt::format("line {}", line), "a quoted cell must be followed by a comma or the line's end");
      } else {
        while (i < body.size() && body[i] != ',' && body[i] != '\n' &&
               !(body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n'))
          cell += body[i++];
      }
      rec.cells.push_back(std::move(cell));
      cell.clear();
      if (i >= body.size()) {
        at_end = true;
      } else if (body[i] == ',') {
        ++i;
      } else {
        i += body[i] == '\r' ? 2 : 1;
        ++line;
        at_end = true;
      }
    }
    if (rec.cells.size() == 1 && rec.cells[0].empty()) continue;
    out.push_back(std::move(rec));
  }
  return out;
}

// A CSV cell: the JSON it holds, else the text as a string.
Result<bj::value> cell_value(const std::string& cell, std::string_view where, std::string_view column) {
  if (auto v = json::parse(cell)) return std::move(*v);
  if (!valid_utf8(cell)) return bad(where, fmt::format("column '{}' is not valid UTF-8", column));
  return bj::value(bj::string(cell));
}

}  // namespace


Result<DatasetItem> item_from_json(const bj::object& o, std::string_view where) {
  static constexpr std::string_view known[] = {"input", "expectedOutput", "metadata", "id"};
  for (const auto& kv : o)
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      return bad(where, fmt::format("unknown field '{}' (an item has input, expectedOutput, metadata and id)",
                                    std::string_view(kv.key()).substr(0, 64)));
  DatasetItem item;
  const auto input = o.find("input");
  if (input == o.end() || input->value().is_null()) return bad(where, "input is required");
  SL_TRY(in, stored(input->value(), "input", where));
  item.input = std::move(in);
  if (const auto e = o.find("expectedOutput"); e != o.end() && !e->value().is_null()) {
    SL_TRY(expected, stored(e->value(), "expectedOutput", where));
    item.expected_output = std::move(expected);
  }
  if (const auto m = o.find("metadata"); m != o.end() && !m->value().is_null()) {
    if (!m->value().is_object()) return bad(where, "metadata must be a JSON object");
    SL_TRY(metadata, stored(m->value(), "metadata", where));
    item.metadata = std::move(metadata);
  }
  if (const auto id = o.find("id"); id != o.end() && !id->value().is_null()) {
    if (!id->value().is_string()) return bad(where, "id must be a string");
    const auto& s = id->value().get_string();
    if (s.empty() || s.size() > kMaxItemId)
      return bad(where, fmt::format("id must be 1 to {} characters", kMaxItemId));
    item.id = std::string(s);
  } else {
    item.id = secrets::random_uuid();
  }
  return item;
}

Result<std::vector<DatasetItem>> items_from_json_lines(std::string_view body) {
  body = without_bom(body);
  std::vector<DatasetItem> out;
  std::set<std::string> ids;
  size_t line = 0;
  while (!body.empty()) {
    ++line;
    const size_t end = std::min(body.find('\n'), body.size());
    std::string_view text = body.substr(0, end);
    body.remove_prefix(std::min(end + 1, body.size()));
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = fmt::format("line {}", line);
    auto v = json::parse(text);
    if (!v) return bad(where, v.error().message);
    if (!v->is_object()) return bad(where, "each line must be a JSON object");
    SL_TRY(item, item_from_json(v->get_object(), where));
    if (!ids.insert(item.id).second) return bad(where, fmt::format("id '{}' appears on an earlier line", item.id));
    out.push_back(std::move(item));
  }
  if (out.empty()) return make_error(ErrorCode::bad_request, "the upload holds no items");
  return out;
}

Result<std::vector<DatasetItem>> items_from_csv(std::string_view body) {
  SL_TRY(records, csv_records(without_bom(body)));
  if (records.empty()) return make_error(ErrorCode::bad_request, "the upload holds no items (not even a header row)");
  const CsvRecord& header = records.front();
  const std::string head_where = fmt::format("line {}", header.line);
  std::vector<std::string> columns;
  int input = -1, expected = -1, metadata = -1, id = -1;
  for (size_t c = 0; c < header.cells.size(); ++c) {
    std::string name = header.cells[c];
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    if (name.empty()) return bad(head_where, fmt::format("column {} has no name", c + 1));
    if (std::find(columns.begin(), columns.end(), name) != columns.end())
      return bad(head_where, fmt::format("column '{}' appears twice", name));
    const int col = static_cast<int>(c);
    int* slot = name == "input"                                             ? &input
                : name == "expected_output" || name == "expectedOutput" ? &expected
                : name == "metadata"                                        ? &metadata
                : name == "id"                                              ? &id
                                                                            : nullptr;
    if (slot) {
      if (*slot >= 0) return bad(head_where, "expected_output and expectedOutput are the same column: give one");
      *slot = col;
    }
    columns.push_back(std::move(name));
  }
  if (input < 0) return bad(head_where, "the header has no input column");
  std::vector<DatasetItem> out;
  std::set<std::string> ids;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    const std::string where = fmt::format("line {}", rec.line);
    if (rec.cells.size() != columns.size())
      return bad(where, fmt::format("{} cells, but the header names {} columns", rec.cells.size(), columns.size()));
    bj::object o;
    bj::object extra;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = rec.cells[c];
      const int col = static_cast<int>(c);
      if (col == input && cell.empty()) return bad(where, "input is empty");
      if (cell.empty()) continue;
      if (col == id) {
        o["id"] = cell;
        continue;
      }
      SL_TRY(value, cell_value(cell, where, columns[c]));
      if (col == input)
        o["input"] = std::move(value);
      else if (col == expected)
        o["expectedOutput"] = std::move(value);
      else if (col == metadata)
        o["metadata"] = std::move(value);
      else
        extra[columns[c]] = std::move(value);
    }
    if (!extra.empty()) {
      auto m = o.find("metadata");
      if (m == o.end()) {
        o["metadata"] = std::move(extra);
      } else if (m->value().is_object()) {
        for (auto& kv : extra) m->value().get_object()[kv.key()] = std::move(kv.value());
      }
    }
    SL_TRY(item, item_from_json(o, where));
    if (!ids.insert(item.id).second) return bad(where, fmt::format("id '{}' appears on an earlier line", item.id));
    out.push_back(std::move(item));
  }
  if (out.empty()) return make_error(ErrorCode::bad_request, "the upload holds a header row but no items");
  return out;
}

}  // namespace stacklens::api
