#pragma once

#include <string_view>

namespace stacklens::governai {

// Validators of national identifiers, each on a candidate as written (spaces, '-', '.' and
// '/' between its characters are ignored): structure, ranges and check digit where the
// identifier has one. Whether a valid number is reported also depends on context
// (scanner.cpp): a bare 9-digit number passes the Dutch 11-test one time in eleven.

bool valid_us_ssn(std::string_view candidate);           // area, group and serial ranges
bool valid_uk_nino(std::string_view candidate);          // prefix letters and suffix rules
bool valid_de_tax_id(std::string_view candidate);        // digit repetition rule, ISO 7064 check digit
bool valid_fr_nir(std::string_view candidate);           // sex, month, department, key mod 97
bool valid_es_dni(std::string_view candidate);           // DNI and NIE, control letter mod 23
bool valid_it_fiscal_code(std::string_view candidate);   // layout, month letter, day, check character
bool valid_nl_bsn(std::string_view candidate);           // 11-test
bool valid_in_aadhaar(std::string_view candidate);       // first digit 2-9, Verhoeff
bool valid_br_cpf(std::string_view candidate);           // two mod-11 check digits

}  // namespace stacklens::governai
