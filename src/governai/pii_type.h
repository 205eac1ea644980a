#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace stacklens::governai {

// The kinds of personal data the scanner finds. The names are stable (policies, the audit log
// and the API use them); new types are appended.
enum class PiiType : std::uint8_t {
  email,
  phone,
  card,
  iban,
  us_ssn,
  uk_nino,
  de_tax_id,
  fr_nir,
  es_dni,
  it_fiscal_code,
  nl_bsn,
  in_aadhaar,
  br_cpf,
  ipv4,
  ipv6,
  mac,
  imei,
  ad_id,
  person_name,
};

inline constexpr std::size_t kPiiTypeCount = 19;

struct PiiTypeInfo {
  PiiType type;
  std::string_view name;         // `email`, `card`, ...
  std::string_view placeholder;  // what a redacted value becomes: `[EMAIL]`, `[CARD]`, ...
};

// Every type, in enum order.
const std::array<PiiTypeInfo, kPiiTypeCount>& pii_types();

std::string_view type_name(PiiType type);
std::string_view placeholder(PiiType type);
std::optional<PiiType> type_from_name(std::string_view name);

}  // namespace stacklens::governai
