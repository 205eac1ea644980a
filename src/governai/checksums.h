#pragma once

#include <string_view>

namespace stacklens::governai {

// Check-digit algorithms over strings of ASCII digits (or, for mod97, digits and capital
// letters). Each returns false for an empty string or a character outside its alphabet.

bool luhn_valid(std::string_view digits);      // cards, IMEIs
bool verhoeff_valid(std::string_view digits);  // Aadhaar
// The remainder mod 97 of the number the string spells, letters as 10..35 (ISO 13616, IBAN);
// -1 on a character outside [0-9A-Z].
int mod97(std::string_view alnum);
// ISO 7064 MOD 11,10: true when the last digit is the check digit of the ones before it
// (German tax identification number).
bool iso7064_mod11_10_valid(std::string_view digits);

}  // namespace stacklens::governai
