#pragma once

#include <string_view>

namespace stacklens::governai {

// A payment card number: 12 to 19 digits, a length its issuer's range allows, Luhn.
bool valid_card(std::string_view candidate);
// An IBAN: a country whose IBAN length matches, then ISO 13616 mod 97 == 1.
bool valid_iban(std::string_view candidate);

}  // namespace stacklens::governai
