#pragma once

#include <string_view>

namespace stacklens::governai {

// Validators of addresses and device identifiers, each on a candidate as the scanner's pattern
// matched it.

bool valid_email(std::string_view candidate);  // local part and domain labels, a letter TLD
bool valid_ipv4(std::string_view candidate);   // four decimal octets, no leading zeros
bool valid_ipv6(std::string_view candidate);   // RFC 4291 text forms (inet_pton)
bool valid_mac(std::string_view candidate);    // 6 octets: aa:bb:.., aa-bb-.., aabb.ccdd.eeff
bool valid_imei(std::string_view candidate);   // 15 digits, Luhn
bool valid_uuid(std::string_view candidate);   // 8-4-4-4-12 hex, not all zeros

}  // namespace stacklens::governai
