#pragma once
// How both metadata backends keep a monitor's filter and channels in columns of text, and the
// errors they answer (model/monitor.h).
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/monitor.h"

namespace stacklens {

// The filter as a JSON object (the API's own shape: operation, model, userId, tags, attributes).
std::string filter_text(const MonitorFilter& f);
MonitorFilter filter_of_text(std::string_view stored);
// The channel ids as a JSON array.
std::string channel_ids_text(const std::vector<int64_t>& ids);
std::vector<int64_t> channel_ids_of_text(std::string_view stored);

Error monitor_missing(int64_t id);
Error monitor_taken(const std::string& name);

}  // namespace stacklens
