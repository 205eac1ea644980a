#pragma once

#include <span>

#include "governai/person_names.h"
#include "governai/pii_type.h"

namespace stacklens::governai {

// How a pattern's matches are confirmed.
enum class Check {
  email,
  phone_international,
  phone_national,  // separated groups: valid and either formatted like a phone or near a keyword
  digit_run,       // 7 to 19 digits alone: every type of that length, context first
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
  uuid,
  name,  // a trigger: the name is read after the match (person_names.h)
};

// One pattern of the scanner's single Hyperscan database. Structured patterns are bounded on
// both sides, so each end offset has one start; a trigger reports where a name may begin.
struct Pattern {
  const char* regex;
  Check check;
  PiiType type;
  bool needs_context;    // a keyword of the type must be nearby (context.h)
  float confidence;      // of a confirmed match; context-confirmed matches add nothing
  bool caseless = false;
  NameTrigger trigger = NameTrigger::honorific;  // for Check::name
  // Whether Hyperscan tracks where a match starts. Tracking the start of an unbounded repeat
  // (an email's local part) costs more than the rest of the scan, so email and most name
  // triggers do without: the scanner finds an email's start from its '@'. A name trigger that
  // tracks its start must follow a word boundary (the scanner checks it).
  bool start_of_match = true;
};

std::span<const Pattern> scanner_patterns();

}  // namespace stacklens::governai
