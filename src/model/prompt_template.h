#pragma once
// FlowOps prompt templates: `{{name}}` (white space allowed inside the braces; a name is a letter or
// '_' then letters, digits or '_'), filled as the SDK's Prompt.compile() fills them
// (sdk/python/src/stacklens/_prompt.py).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace stacklens {

// The variables the template names, in order of first appearance.
std::vector<std::string> template_variables(std::string_view content);
// The content with every variable replaced; bad_request naming every variable it lacks.
Result<std::string> compile_template(std::string_view content, const std::map<std::string, std::string>& values);

}  // namespace stacklens
