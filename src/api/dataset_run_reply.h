#pragma once
// A dataset run as the run routes answer it: the run with the aggregates of its results.
#include <boost/json.hpp>

#include "api/services.h"
#include "model/dataset_run.h"

namespace stacklens::api {

Result<boost::json::object> dataset_run_reply(Services& s, int64_t project_id, const DatasetRun& run);

}  // namespace stacklens::api
