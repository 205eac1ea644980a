#include "governai/scanner.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "governai/context.h"
#include "governai/national_ids.h"
#include "governai/network_ids.h"
#include "governai/patterns.h"
#include "governai/payment_ids.h"
#include "governai/phone_numbers.h"

namespace stacklens::governai {

namespace {

std::atomic<std::uint64_t> next_scanner_id{1};

// One scratch space per thread, grown for each scanner the thread uses (hs_alloc_scratch
// keeps an existing scratch that is large enough).
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  std::uint64_t sized_for = 0;
  ~ThreadScratch() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
};

thread_local ThreadScratch tls_scratch;

hs_scratch_t* scratch_for(const hs_database_t* db, std::uint64_t scanner_id) {
  ThreadScratch& ts = tls_scratch;
  if (ts.sized_for != scanner_id) {
    if (hs_alloc_scratch(db, &ts.scratch) != HS_SUCCESS) throw std::bad_alloc();
    ts.sized_for = scanner_id;
  }
  return ts.scratch;
}

// Phone candidates of one start wait for their longest end ("+49 30" comes before
// "+49 30 901820 45"): only the longest and, if that fails, the one before it are validated,
// libphonenumber being by far the costliest validator.
constexpr std::size_t kMaxPhonePatterns = 4;

struct PendingPhone {
  const Pattern* pattern = nullptr;
  std::size_t from = 0;
  std::size_t to = 0;
  std::size_t shorter_to = 0;  // the previous end of the same start, 0 if none
};

struct ScanState {
  std::string_view text{};  // the text being scanned (scan_each: the current one)
  std::string_view field{};
  std::vector<Finding>* out = nullptr;
  const NameLists* names = nullptr;
  const std::vector<unsigned int>* fixed_width = nullptr;
  const std::vector<unsigned char>* phone_slot = nullptr;
  std::size_t first = 0;  // this text's first finding in *out
  int phone_budget = 0;
  PendingPhone phones[kMaxPhonePatterns]{};  // by the pattern's phone slot
  // scan_each: the texts, where each starts in the joined buffer Hyperscan scans, the current
  // text's index and the findings counted per text. Empty for scan().
  std::span<const std::string_view> parts{};
  const std::vector<std::size_t>* starts = nullptr;
  std::size_t part = 0;
  std::size_t base = 0;  // where the current text starts in what Hyperscan scans
  std::vector<std::uint32_t>* counts = nullptr;
};

int phone_budget(std::size_t length) { return 64 + static_cast<int>(length / 64); }

bool alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool joiner(char c) { return c == '.' || c == '-' || c == '/' || c == '_'; }

// A match that continues into a longer token (ORD-2024-123456789, 1.2.3.4.5, ab:cd:...:ef)
// is part of that token, not an identifier of its own.
bool glued(std::string_view text, std::size_t from, std::size_t to, bool colon_too) {
  auto joins = [&](char c) { return joiner(c) || (colon_too && c == ':'); };
  if (from >= 2 && joins(text[from - 1]) && alnum(text[from - 2])) return true;
  if (to + 1 < text.size() && joins(text[to]) && alnum(text[to + 1])) return true;
  return false;
}

// A run of digit groups longer than the match ("607 021 115 834 019 679"): a table or a list
// of numbers, not one phone number.
bool more_groups(std::string_view text, std::size_t from, std::size_t to) {
  auto sep = [](char c) { return c == ' ' || c == '.' || c == '-' || c == '/'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (from >= 2 && sep(text[from - 1]) && digit(text[from - 2])) return true;
  return to + 1 < text.size() && sep(text[to]) && digit(text[to + 1]);
}

bool word_char_before(std::string_view text, std::size_t from) {
  return from > 0 && (alnum(text[from - 1]) || text[from - 1] == '_');
}

// "v1.2.3.4", "version 10.0.0.1", "build 2.1.9.18": a version string, not an address.
bool version_before(std::string_view text, std::size_t from) {
  if (from >= 1 && (text[from - 1] == 'v' || text[from - 1] == 'V')) return true;
  const std::size_t start = from > 16 ? from - 16 : 0;
  char buf[16];
  std::size_t n = 0;
  for (std::size_t i = start; i < from; ++i)
    buf[n++] = static_cast<char>((text[i] >= 'A' && text[i] <= 'Z') ? text[i] - 'A' + 'a' : text[i]);
  const std::string_view window(buf, n);
  for (std::string_view word : {"version", "ver.", "build", "release", "firmware"})
    if (window.find(word) != std::string_view::npos) return true;
  return false;
}

bool confirm(const Pattern& p, ScanState& s, std::size_t from, std::size_t to);

// What a bare run of digits is, by its length: a type whose keyword is nearby first, then the
// types whose check alone suffices (cards, French NIRs). Returns the type and its confidence.
std::optional<std::pair<PiiType, float>> digit_run_type(ScanState& s, std::size_t from, std::size_t to) {
  const std::string_view c = s.text.substr(from, to - from);
  if (glued(s.text, from, to, false)) return std::nullopt;
  auto near = [&](PiiType t) { return has_context(s.text, from, to, t); };
  switch (c.size()) {
    case 9:
      if (valid_us_ssn(c) && near(PiiType::us_ssn)) return std::pair{PiiType::us_ssn, 0.9f};
      if (valid_nl_bsn(c) && near(PiiType::nl_bsn)) return std::pair{PiiType::nl_bsn, 0.9f};
      break;
    case 11:
      if (valid_de_tax_id(c) && near(PiiType::de_tax_id)) return std::pair{PiiType::de_tax_id, 0.9f};
      if (valid_br_cpf(c) && near(PiiType::br_cpf)) return std::pair{PiiType::br_cpf, 0.9f};
      break;
    case 12:
      if (valid_in_aadhaar(c) && near(PiiType::in_aadhaar)) return std::pair{PiiType::in_aadhaar, 0.9f};
      break;
    case 15:
      if (valid_imei(c) && near(PiiType::imei)) return std::pair{PiiType::imei, 0.92f};
      if (valid_fr_nir(c)) return std::pair{PiiType::fr_nir, 0.85f};
      break;
    default:
      break;
  }
  if (c.size() >= 12 && valid_card(c)) return std::pair{PiiType::card, 0.95f};
  // A phone number written without separators needs a keyword nearby (confirm checks it).
  static constexpr Pattern kPlainPhone{"", Check::phone_national, PiiType::phone, false, 0.8f};
  if (c.size() <= 12 && confirm(kPlainPhone, s, from, to)) return std::pair{PiiType::phone, 0.8f};
  return std::nullopt;
}

bool confirm(const Pattern& p, ScanState& s, std::size_t from, std::size_t to) {
  const std::string_view c = s.text.substr(from, to - from);
  switch (p.check) {
    case Check::email:
      return valid_email(c);
    case Check::digit_run:
      return false;  // handled by the caller
    case Check::phone_international:
    case Check::phone_national: {
      // Cheapest first: most candidates in clean text are dates, versions and amounts.
      if (glued(s.text, from, to, true) || !phone_shaped(c)) return false;
      if (p.check != Check::phone_international) {
        // The tail of an international number ("+49 30 ...") or a longer run of groups.
        if ((from > 0 && s.text[from - 1] == '+') || more_groups(s.text, from, to)) return false;
        // "Bestellung 5567-2291", "order #4821-3390": named as another kind of number.
        if (names_another_number(s.text, from)) return false;
        const bool formatted = p.check == Check::phone_national && phone_formatted(c);
        if (!formatted && !has_context(s.text, from, to, PiiType::phone)) return false;
      }
      if (s.phone_budget <= 0) return false;
      --s.phone_budget;
      return valid_phone(c, p.check == Check::phone_international ? PhoneForm::international
                                                                 : PhoneForm::national);
    }
    case Check::card:
      return !glued(s.text, from, to, false) && valid_card(c);
    case Check::iban:
      return !glued(s.text, from, to, false) && valid_iban(c);
    case Check::us_ssn:
      return !glued(s.text, from, to, false) && valid_us_ssn(c);
    case Check::uk_nino:
      return !glued(s.text, from, to, false) && valid_uk_nino(c);
    case Check::de_tax_id:
      return !glued(s.text, from, to, false) && valid_de_tax_id(c);
    case Check::fr_nir:
      return !glued(s.text, from, to, false) && valid_fr_nir(c);
    case Check::es_dni:
      return !glued(s.text, from, to, false) && valid_es_dni(c);
    case Check::it_fiscal_code:
      return valid_it_fiscal_code(c);
    case Check::nl_bsn:
      return !glued(s.text, from, to, false) && valid_nl_bsn(c);
    case Check::in_aadhaar:
      return !glued(s.text, from, to, false) && valid_in_aadhaar(c);
    case Check::br_cpf:
      return !glued(s.text, from, to, false) && valid_br_cpf(c);
    case Check::ipv4:
      return !glued(s.text, from, to, false) && !version_before(s.text, from) && valid_ipv4(c);
    case Check::ipv6:
      return !word_char_before(s.text, from) && !glued(s.text, from, to, true) &&
             (to >= s.text.size() || !(alnum(s.text[to]) || s.text[to] == ':')) && valid_ipv6(c);
    case Check::mac:
      return !glued(s.text, from, to, true) && valid_mac(c);
    case Check::imei:
      return !glued(s.text, from, to, false) && valid_imei(c);
    case Check::uuid:
      return valid_uuid(c);
    case Check::name:
      return false;  // handled by the caller
  }
  return false;
}

bool local_part_char(char c) {
  return alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || (c & 0x80) != 0;
}

// The start of an email that ends at `to`: back to its '@' (a domain is at most 253 bytes),
// then back over the local part (at most 64). npos when there is none within those bounds.
std::size_t email_start(std::string_view text, std::size_t to) {
  std::size_t at = to;
  while (at > 0 && to - at < 254 && text[at - 1] != '@') --at;
  if (at == 0 || text[at - 1] != '@') return std::string_view::npos;
  std::size_t from = at - 1;
  while (from > 0 && local_part_char(text[from - 1]) && at - 1 - from < 64) --from;
  if (from > 0 && local_part_char(text[from - 1])) return std::string_view::npos;  // longer than 64
  return from;
}

// Whether a finding of this scan already covers [from, to) (an IBAN's digits also look like a
// phone number): the costly validation is then skipped. Looks at the last few findings only.
bool covered(const ScanState& s, std::size_t from, std::size_t to) {
  const auto& out = *s.out;
  for (std::size_t i = out.size(), seen = 0; i > s.first && seen < 8; --i, ++seen)
    if (out[i - 1].begin <= from && to <= out[i - 1].end) return true;
  return false;
}

void flush_phone(ScanState& s, PendingPhone& ph) {
  if (ph.pattern == nullptr) return;
  if (covered(s, ph.from, ph.to)) {
    ph = PendingPhone{};
    return;
  }
  if (confirm(*ph.pattern, s, ph.from, ph.to)) {
    s.out->push_back({PiiType::phone, s.field, ph.from, ph.to, ph.pattern->confidence});
  } else if (ph.shorter_to != 0 && confirm(*ph.pattern, s, ph.from, ph.shorter_to)) {
    s.out->push_back({PiiType::phone, s.field, ph.from, ph.shorter_to, ph.pattern->confidence});
  }
  ph = PendingPhone{};
}

void resolve_overlaps(std::vector<Finding>& out, std::size_t first);

// The end of the current text's scan: its pending phone numbers validated, its overlaps resolved.
void finish_text(ScanState& s) {
  for (auto& pending : s.phones) flush_phone(s, pending);
  if (s.out->size() - s.first > 1) resolve_overlaps(*s.out, s.first);
  if (s.counts != nullptr) (*s.counts)[s.part] = static_cast<std::uint32_t>(s.out->size() - s.first);
}

// scan_each: moves on to the text a match ending at `to` (in the joined buffer) belongs to.
// No match spans two texts (see scan_each), and Hyperscan reports matches in order of their end.
void enter_text_of(ScanState& s, unsigned long long to) {
  while (to > (*s.starts)[s.part] + s.parts[s.part].size()) {
    finish_text(s);
    ++s.part;
    s.text = s.parts[s.part];
    s.base = (*s.starts)[s.part];
    s.first = s.out->size();
    s.phone_budget = phone_budget(s.text.size());
  }
}

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* ctx) {
  auto& s = *static_cast<ScanState*>(ctx);
  const Pattern& p = scanner_patterns()[id];
  if (s.starts != nullptr) {
    enter_text_of(s, to);
    to -= s.base;
    from = from > s.base ? from - s.base : 0;  // a match's start is untracked (0) or in its text
  }
  if (p.check == Check::phone_international || p.check == Check::phone_national) {
    PendingPhone& pending = s.phones[(*s.phone_slot)[id]];
    if (pending.pattern == &p && pending.from == from) {
      pending.shorter_to = pending.to;
      pending.to = to;
    } else {
      flush_phone(s, pending);
      pending = {&p, from, to, 0};
    }
    return 0;
  }
  if (p.check == Check::email) {
    from = email_start(s.text, to);
    if (from == std::string_view::npos) return 0;
  } else if (p.check == Check::digit_run) {
    from = to;
    while (from > 0 && s.text[from - 1] >= '0' && s.text[from - 1] <= '9') --from;
  } else if (const unsigned width = (*s.fixed_width)[id]; width != 0) {
    from = to - width;
  }
  if (p.check == Check::name) {
    if (p.start_of_match) {
      if (word_char_before(s.text, from)) return 0;
      if (to < s.text.size() && s.text[to] == '.') ++to;  // "Dr. Smith"
    }
    if (auto name = name_after(s.text, to, p.trigger, *s.names))
      s.out->push_back({p.type, s.field, name->begin, name->end, name->confidence});
    return 0;
  }
  if (p.check == Check::digit_run) {
    if (auto found = digit_run_type(s, from, to))
      s.out->push_back({found->first, s.field, from, to, found->second});
    return 0;
  }
  if (p.needs_context && !has_context(s.text, from, to, p.type)) return 0;
  if (confirm(p, s, from, to)) s.out->push_back({p.type, s.field, from, to, p.confidence});
  return 0;
}

// Sorts the findings from `first` on by begin offset and drops each that overlaps a more
// confident (or, equally confident, longer) one.
void resolve_overlaps(std::vector<Finding>& out, std::size_t first) {
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  std::sort(begin, out.end(), [](const Finding& a, const Finding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  auto better = [](const Finding& a, const Finding& b) {
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    return a.end - a.begin > b.end - b.begin;
  };
  auto kept = begin;
  for (auto it = begin + 1; it != out.end(); ++it) {
    if (it->begin < kept->end) {
      if (better(*it, *kept)) *kept = *it;
    } else {
      *++kept = *it;
    }
  }
  out.erase(kept + 1, out.end());
}

}  // namespace

Scanner::Scanner(const NameLists& names) : names_(names), id_(next_scanner_id.fetch_add(1)) {
  const auto patterns = scanner_patterns();
  std::vector<const char*> expressions;
  std::vector<unsigned int> flags;
  std::vector<unsigned int> ids;
  std::size_t phone_patterns = 0;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].regex);
    unsigned int f = 0;
    if (patterns[i].caseless) f |= HS_FLAG_CASELESS;
    unsigned int width = 0;
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* info_error = nullptr;
    if (hs_expression_info(patterns[i].regex, f, &info, &info_error) == HS_SUCCESS) {
      if (info->min_width == info->max_width) width = info->min_width;
      std::free(info);
    } else {
      hs_free_compile_error(info_error);
    }
    fixed_width_.push_back(width);
    const bool phone = patterns[i].check == Check::phone_international || patterns[i].check == Check::phone_national;
    if (phone && phone_patterns == kMaxPhonePatterns)
      throw std::runtime_error("governai: more phone patterns than kMaxPhonePatterns");
    phone_slot_.push_back(phone ? static_cast<unsigned char>(phone_patterns++) : 0);
    const bool start_known = width != 0 || patterns[i].check == Check::digit_run || !patterns[i].start_of_match;
    if (!start_known) f |= HS_FLAG_SOM_LEFTMOST;
    flags.push_back(f);
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned int>(patterns.size()),
                       HS_MODE_BLOCK, nullptr, &db_, &error) != HS_SUCCESS) {
    std::string message = "governai: Hyperscan refused pattern " +
                          std::to_string(error != nullptr ? error->expression : -1) + ": " +
                          (error != nullptr && error->message != nullptr ? error->message : "?");
    hs_free_compile_error(error);
    throw std::runtime_error(message);
  }
}

Scanner::~Scanner() { hs_free_database(db_); }

void Scanner::scan(std::string_view text, std::string_view field, std::vector<Finding>& out) const {
  if (text.empty()) return;
  const auto length = static_cast<unsigned int>(std::min<std::size_t>(text.size(), UINT_MAX));
  ScanState state{.text = text.substr(0, length), .field = field, .out = &out, .names = &names_,
                  .fixed_width = &fixed_width_, .phone_slot = &phone_slot_, .first = out.size(),
                  .phone_budget = phone_budget(length)};
  hs_scan(db_, text.data(), length, 0, scratch_for(db_, id_), on_match, &state);
  finish_text(state);
}

void Scanner::scan_each(std::span<const std::string_view> texts, std::vector<Finding>& out,
                        std::vector<std::uint32_t>& counts) const {
  counts.assign(texts.size(), 0);
  if (texts.empty()) return;
  // The texts joined by "\0\n": no pattern's character classes hold '\0', so no match crosses it,
  // and each text reads as if alone: \b sees a non-word byte, (?:^|\n) starts a line, and a
  // pattern that ends in \n cannot end on the separator's.
  thread_local std::string joined;
  thread_local std::vector<std::size_t> starts;
  joined.clear();
  starts.clear();
  for (std::string_view text : texts) {
    starts.push_back(joined.size());
    joined.append(text);
    joined.append("\0\n", 2);
  }
  if (joined.size() > UINT_MAX) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::size_t before = out.size();
      scan(texts[i], {}, out);
      counts[i] = static_cast<std::uint32_t>(out.size() - before);
    }
    return;
  }
  ScanState state{.text = texts[0], .out = &out, .names = &names_, .fixed_width = &fixed_width_,
                  .phone_slot = &phone_slot_, .first = out.size(), .phone_budget = phone_budget(texts[0].size()),
                  .parts = texts, .starts = &starts, .counts = &counts};  hs_scan(db_, joined.data(), static_cast<unsigned int>(joined.size()), 0, scratch_for(db_, id_), on_match, &state);
  finish_text(state);
}

}  // namespace stacklens::governai
