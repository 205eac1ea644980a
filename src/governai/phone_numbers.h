#pragma once

#include <string_view>

namespace stacklens::governai {

// How a phone candidate was written, which decides how much evidence it needs.
enum class PhoneForm {
  international,  // +49 30 1234567, 0049 30 1234567: valid for the country it names
  national,       // 030 1234567, (212) 555-0187: valid in one of the regions below
};

// Cheap shape checks before libphonenumber sees a candidate: 7 to 15 digits, balanced
// parentheses, and not a date, a dotted quad or a decimal number.
bool phone_shaped(std::string_view candidate);

// Whether the grouping alone says "phone" (a parenthesised area code, a leading trunk 0 with
// two or more groups, or the North American 3-3-4): national numbers without it need a
// keyword nearby.
bool phone_formatted(std::string_view candidate);

// libphonenumber's verdict (Debian's libphonenumber): international numbers for the country
// they name; national ones for any of US, GB, DE, FR, ES, IT, NL, PT, BR, IN.
bool valid_phone(std::string_view candidate, PhoneForm form);

}  // namespace stacklens::governai
