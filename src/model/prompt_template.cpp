#include "model/prompt_template.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace stacklens {
namespace {

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Calls `each(begin, end, name)` for every variable, [begin, end) spanning its braces.
void scan(std::string_view s, const std::function<void(size_t, size_t, std::string_view)>& each) {
  size_t at = 0;
  while ((at = s.find("{{", at)) != std::string_view::npos) {
    size_t i = at + 2;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const size_t name_at = i;
    if (i < s.size() && name_start(s[i])) {
      while (i < s.size() && name_char(s[i])) ++i;
      const size_t name_end = i;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (s.substr(i, 2) == "}}") {
        each(at, i + 2, s.substr(name_at, name_end - name_at));
        at = i + 2;
        continue;
      }
    }
    at += 1;
  }
}

}  // namespace

std::vector<std::string> template_variables(std::string_view content) {
  std::vector<std::string> out;
  scan(content, [&out](size_t, size_t, std::string_view name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
  });
  return out;
}

Result<std::string> compile_template(std::string_view content, const std::map<std::string, std::string>& values) {
  std::vector<std::string> missing;
  for (const auto& v : template_variables(content))
    if (!values.count(v)) missing.push_back(v);
  if (!missing.empty())
    return make_error(ErrorCode::bad_request, fmt::format("the template's variables {} have no value",
                                                          fmt::join(missing, ", ")));
  std::string out;
  size_t copied = 0;
  scan(content, [&](size_t begin, size_t end, std::string_view name) {
    out.append(content.substr(copied, begin - copied));
    out += values.at(std::string(name));
    copied = end;
  });
  out.append(content.substr(copied));
  return out;
}

}  // namespace stacklens
