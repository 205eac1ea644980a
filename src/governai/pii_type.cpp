#include "governai/pii_type.h"

namespace stacklens::governai {

const std::array<PiiTypeInfo, kPiiTypeCount>& pii_types() {
  static constexpr std::array<PiiTypeInfo, kPiiTypeCount> kTypes{{
      {PiiType::email, "email", "[EMAIL]"},
      {PiiType::phone, "phone", "[PHONE]"},
      {PiiType::card, "card", "[CARD]"},
      {PiiType::iban, "iban", "[IBAN]"},
      {PiiType::us_ssn, "us_ssn", "[US_SSN]"},
      {PiiType::uk_nino, "uk_nino", "[UK_NINO]"},
      {PiiType::de_tax_id, "de_tax_id", "[DE_TAX_ID]"},
      {PiiType::fr_nir, "fr_nir", "[FR_NIR]"},
      {PiiType::es_dni, "es_dni", "[ES_DNI]"},
      {PiiType::it_fiscal_code, "it_fiscal_code", "[IT_FISCAL_CODE]"},
      {PiiType::nl_bsn, "nl_bsn", "[NL_BSN]"},
      {PiiType::in_aadhaar, "in_aadhaar", "[IN_AADHAAR]"},
      {PiiType::br_cpf, "br_cpf", "[BR_CPF]"},
      {PiiType::ipv4, "ipv4", "[IPV4]"},
      {PiiType::ipv6, "ipv6", "[IPV6]"},
      {PiiType::mac, "mac", "[MAC]"},
      {PiiType::imei, "imei", "[IMEI]"},
      {PiiType::ad_id, "ad_id", "[AD_ID]"},
      {PiiType::person_name, "person_name", "[NAME]"},
  }};
  return kTypes;
}

std::string_view type_name(PiiType type) { return pii_types()[static_cast<std::size_t>(type)].name; }

std::string_view placeholder(PiiType type) {
  return pii_types()[static_cast<std::size_t>(type)].placeholder;
}

std::optional<PiiType> type_from_name(std::string_view name) {
  for (const auto& info : pii_types())
    if (info.name == name) return info.type;
  return std::nullopt;
}

}  // namespace stacklens::governai
