#pragma once
// A span as one row of an export: the same columns, in the same order, in JSON Lines (one object
// per line, typed values) and in CSV (RFC 4180: a header row, CRLF line ends, fields quoted when
// they hold a comma, a quote or a line break; null as an empty field; lists and objects as their
// compact JSON text). api/openapi.yaml documents each column (SpanExportRow).
#include <optional>
#include <string>
#include <string_view>

#include "model/span.h"

namespace stacklens::api {

enum class ExportFormat { jsonl, csv };
std::optional<ExportFormat> parse_export_format(std::string_view name);
std::string_view export_extension(ExportFormat f);
std::string_view export_content_type(ExportFormat f);

// What comes before the rows: CSV's header row, nothing for JSON Lines. `with_text`: the
// prompt and completion columns too.
void append_export_header(std::string& out, ExportFormat f, bool with_text);
void append_export_row(std::string& out, const Span& s, ExportFormat f, bool with_text);

}  // namespace stacklens::api
