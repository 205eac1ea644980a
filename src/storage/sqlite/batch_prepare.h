#pragma once
// A batch of spans made ready for the writer, on the request thread that parsed them
// (SpanStore::prepare): each record's row is encoded (SpanRecord::encoded: attribute, tag and
// event JSON, id keys, the packed row), and a batch with enough sealed text appends it to
// spans.text, which the commit that stores the rows then makes durable.
#include <vector>

#include "core/error.h"
#include "model/span.h"
#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/text_log.h"

namespace stacklens::sqlite {

// Records encoded already are left as they are. After an error (a full disk) the records are
// refused.
Status prepare_batch(std::vector<SpanRecord>& records, TextLog& text_log, const DiskGuard& disk);

}  // namespace stacklens::sqlite
