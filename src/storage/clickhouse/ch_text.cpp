#include "storage/clickhouse/ch_text.h"

#include <charconv>
#include <cstdlib>

namespace stacklens::clickhouse {

namespace {

// The byte a backslash escape stands for (ClickHouse's escapes; any other byte stands for itself).
char unescaped(char c) {
  switch (c) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'r': return '\r';
    case 'n': return '\n';
    case 't': return '\t';
    case '0': return '\0';
    case 'a': return '\a';
    case 'v': return '\v';
    default: return c;
  }
}

}  // namespace

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '\'';
  return out;
}

void append_tsv(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: out += c;
    }
  }
}

bool next_tsv_row(std::string_view& rest, std::vector<std::string>& fields) {
  fields.clear();
  if (rest.empty()) return false;
  std::string field;
  size_t i = 0, start = 0;
  // NULL is \N, kept as those two bytes (an escaped "\N" text is three).
  const auto finish = [&] {
    if (i - start == 2 && rest.substr(start, 2) == "\\N") field = "\\N";
    fields.push_back(std::move(field));
    field.clear();
  };
  for (; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '\\' && i + 1 < rest.size()) {
      field += unescaped(rest[++i]);
    } else if (c == '\t') {
      finish();
      start = i + 1;
    } else if (c == '\n') {
      break;
    } else {
      field += c;
    }
  }
  finish();
  rest.remove_prefix(std::min(rest.size(), i + 1));
  return true;
}

std::vector<std::string> parse_string_array(std::string_view text) {
  std::vector<std::string> out;
  bool in = false;
  std::string item;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in) {
      if (c == '\'') in = true, item.clear();
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) item += unescaped(text[++i]);
    else if (c == '\'') in = false, out.push_back(item);
    else item += c;
  }
  return out;
}

int64_t to_i64(const std::string& field) {
  int64_t v = 0;
  std::from_chars(field.data(), field.data() + field.size(), v);
  return v;
}

double to_f64(const std::string& field) { return std::strtod(field.c_str(), nullptr); }

}  // namespace stacklens::clickhouse
