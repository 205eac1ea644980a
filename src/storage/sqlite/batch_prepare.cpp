#include "storage/sqlite/batch_prepare.h"

#include <iterator>
#include <string>
#include <string_view>

#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_row.h"

namespace stacklens::sqlite {

namespace {

// A request's sealed text goes to spans.text (text_log.h) from this many bytes on; below, it
// stays in the rows. spans.text is written once instead of twice (WAL, then database), but it
// costs a commit a second fsync, which grows the file and so also commits the file system's
// journal: for batches that is far less than the bytes saved (batched ingest, 60 s, back to
// back: 76.4k -> 85.2k spans/s), for single-span requests it was more (25.3k -> 23.4k req/s).
constexpr size_t kTextLogFromBytes = 64 * 1024;

// The attribute names that give a span's session and user, by precedence: the SDK reference's,
// then OpenTelemetry's (gen_ai.conversation.id: a GenAI conversation is a session).
constexpr std::string_view kSessionKeys[] = {"session_id", "session.id", "gen_ai.conversation.id"};
constexpr std::string_view kUserKeys[] = {"user_id", "user.id"};

// Where `key` stands in `keys` (N: not there).
template <size_t N>
size_t rank(std::string_view key, const std::string_view (&keys)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (key == keys[i]) return i;
  return N;
}

}  // namespace

// The span's session and user ids: one pass over its attributes, most of which a first letter
// rules out; a value is copied only when found.
void take_ids(const Attributes& attributes, SpanRecord::Encoded& e) {
  size_t session = std::size(kSessionKeys), user = std::size(kUserKeys);
  for (const auto& [k, v] : attributes) {
    if (k.empty() || v.empty() || (k[0] != 's' && k[0] != 'u' && k[0] != 'g')) continue;
    if (const size_t r = rank(k, kSessionKeys); r < session) session = r, e.session_id.assign(v);
    else if (const size_t u = rank(k, kUserKeys); u < user) user = u, e.user_id.assign(v);
  }
}

Status prepare_batch(std::vector<SpanRecord>& records, TextLog& text_log, const DiskGuard& disk) {
  std::vector<SpanRecord*> with_text;
  std::vector<std::string_view> pieces;
  size_t text_bytes = 0;
  for (SpanRecord& r : records) {
    if (r.encoded) continue;
    Span& s = r.span;
    r.encoded = SpanRecord::Encoded{attributes_json(s.attributes, s.typed_attributes), tags_json(s.tags), events_json(s.events),
                                    id_key(s.trace_id), id_key(s.span_id), std::nullopt, 0, 0, {}, {}, {}};
    take_ids(s.attributes, *r.encoded);
    // Freed here, on the request thread, rather than by the writer.
    s.attributes = {};
    s.typed_attributes = {};
    s.tags = {};
    s.events = {};
    if (!r.prompt && !r.completion) continue;
    with_text.push_back(&r);
    for (const auto* sealed : {&r.prompt, &r.completion})
      if (*sealed) pieces.push_back((*sealed)->bytes), text_bytes += (*sealed)->bytes.size();
  }
  if (text_bytes >= kTextLogFromBytes) {  // else kept in the rows
    // The text goes to spans.text now, in one write, made durable by the commit that stores the rows.
    if (auto st = disk.check(); !st) return st;
    auto at = text_log.append(pieces);
    if (!at) return at.error();
    int64_t next = *at;
    for (SpanRecord* r : with_text) {
      SpanRecord::Encoded& e = *r->encoded;
      e.text_at = next;
      if (r->prompt) e.prompt_len = static_cast<int64_t>(r->prompt->bytes.size());
      if (r->completion) e.completion_len = static_cast<int64_t>(r->completion->bytes.size());
      next += e.prompt_len + e.completion_len;
    }
  }
  for (SpanRecord& r : records) {
    if (!r.encoded || !r.encoded->packed.empty()) continue;
    r.encoded->packed = pack_span(r);
    for (auto* sealed : {&r.prompt, &r.completion})
      if (*sealed) std::string().swap((*sealed)->bytes);  // stored or packed: the queue no longer holds it
  }
  return ok_status();
}

}  // namespace stacklens::sqlite
