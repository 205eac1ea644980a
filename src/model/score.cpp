#include "model/score.h"

namespace stacklens {

std::string_view score_type_name(ScoreType t) {
  switch (t) {
    case ScoreType::numeric: return "numeric";
    case ScoreType::categorical: return "categorical";
    case ScoreType::boolean: return "boolean";
  }
  return "numeric";
}

std::optional<ScoreType> parse_score_type(std::string_view s) {
  if (s == "numeric") return ScoreType::numeric;
  if (s == "categorical") return ScoreType::categorical;
  if (s == "boolean") return ScoreType::boolean;
  return std::nullopt;
}

bool same_content(const Score& a, const Score& b) {
  return a.id == b.id && a.trace_id == b.trace_id && a.span_id == b.span_id && a.name == b.name &&
         a.type == b.type && a.number == b.number && a.category == b.category && a.comment == b.comment &&
         a.source == b.source && a.author == b.author;
}

std::string join_categories(const std::vector<std::string>& categories) {
  std::string out;
  for (const auto& c : categories) out += (out.empty() ? "" : "\n") + c;
  return out;
}

std::vector<std::string> split_categories(std::string_view stored) {
  std::vector<std::string> out;
  while (!stored.empty()) {
    const auto nl = stored.find('\n');
    out.emplace_back(stored.substr(0, nl));
    if (nl == std::string_view::npos) break;
    stored.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace stacklens
