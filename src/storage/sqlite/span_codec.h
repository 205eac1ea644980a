#pragma once
// How a span's list-valued fields are kept in spans.db columns (compact JSON
// text), and the 64-bit keys that identify traces and spans in the indexes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace stacklens::sqlite {

// SipHash-2-4 of the id under a fixed key: stable across versions and machines.
int64_t id_key(std::string_view id);

std::string attributes_json(const Attributes& attrs);
std::string tags_json(const std::vector<std::string>& tags);
std::string events_json(const std::vector<SpanEvent>& events);
void parse_attributes(std::string_view json_text, Attributes& out);
void parse_tags(std::string_view json_text, std::vector<std::string>& out);
void parse_events(std::string_view json_text, std::vector<SpanEvent>& out);

// Substrings that occur in the stored JSON exactly when the attribute or tag is
// present, so filters can test a row without decoding it.
std::string attribute_needle(const std::string& key, const std::string& value);
std::string tag_needle(const std::string& tag);

}  // namespace stacklens::sqlite
