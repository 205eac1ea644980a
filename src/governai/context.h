#pragma once

#include <cstddef>
#include <string_view>

#include "governai/pii_type.h"

namespace stacklens::governai {

// Whether the text around [begin, end) names `type` ("SSN", "Steuer-ID", "BSN", "IMEI",
// "tel." ...): a keyword of that type in the 48 bytes before or the 24 after, case-insensitive,
// starting a word. Decides the numbers whose form alone says too little (a bare 9-digit number
// passes the Dutch 11-test one time in eleven). Bounded work: a fixed window, a fixed list.
bool has_context(std::string_view text, std::size_t begin, std::size_t end, PiiType type);

// Whether the 16 bytes before `begin` say the number is something else: an order, invoice,
// ticket, part or reference number ("Bestellnummer", "n° de commande", "#"), in the same
// languages. A national-format phone number so introduced is not reported, keyword or not.
bool names_another_number(std::string_view text, std::size_t begin);

}  // namespace stacklens::governai
