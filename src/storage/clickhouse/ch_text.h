#pragma once
// Values in ClickHouse's text forms: string literals inside statements (ClickHouse 18.16 has no
// query parameters, so every value is quoted here), and the TabSeparated format both ways (rows
// sent to INSERT, results read back). Sealed text is binary; TabSeparated carries it as it is,
// escaping only what the format reserves.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace stacklens::clickhouse {

// 'text' with \\ and \' escaped (and control bytes), for a statement.
std::string quote(std::string_view s);

// TabSeparated field escaping: \\ \t \n \r \0 (and \b \f) escaped, other bytes as they are.
void append_tsv(std::string& out, std::string_view s);

// One result row split into its fields, unescaped. `rest` advances past the row's newline.
// False when no row is left.
bool next_tsv_row(std::string_view& rest, std::vector<std::string>& fields);

// An Array(String) field as TabSeparated shows it after unescaping: ['a','b\'c'].
std::vector<std::string> parse_string_array(std::string_view text);

int64_t to_i64(const std::string& field);
double to_f64(const std::string& field);

}  // namespace stacklens::clickhouse
