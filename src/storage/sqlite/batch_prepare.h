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

// The span's session and user ids from its attributes (session_id, session.id,
// gen_ai.conversation.id; user_id, user.id: the first of these names wins) into e.session_id and
// e.user_id. The ClickHouse store takes them the same way.
void take_ids(const Attributes& attributes, SpanRecord::Encoded& e);

}  // namespace stacklens::sqlite
