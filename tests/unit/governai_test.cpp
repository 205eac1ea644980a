#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_inputs.h"
#include "governai/checksums.h"
#include "governai/national_ids.h"
#include "governai/network_ids.h"
#include "governai/payment_ids.h"
#include "governai/person_names.h"
#include "governai/phone_numbers.h"
#include "governai/pii_type.h"
#include "governai/scanner.h"

// Counts this thread's allocations while a test asks it to (the scanner's clean-text path
// must not allocate). The replacement serves the whole test binary with malloc and free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
thread_local bool counting = false;
thread_local int allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace stacklens::governai {
namespace {

const Scanner& scanner() {
  static const Scanner s;
  return s;
}

std::vector<Finding> scan(std::string_view text, std::string_view field = "prompt") {
  std::vector<Finding> out;
  scanner().scan(text, field, out);
  return out;
}

std::vector<std::string> values(std::string_view text, PiiType type) {
  std::vector<std::string> out;
  for (const auto& f : scan(text))
    if (f.type == type) out.emplace_back(text.substr(f.begin, f.end - f.begin));
  return out;
}

using Strings = std::vector<std::string>;

TEST(GovernaiChecksums, Algorithms) {
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("7992739871a"));
  EXPECT_TRUE(verhoeff_valid("2363"));
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_EQ(mod97("370400440532013000DE89"), 1);
  EXPECT_EQ(mod97("12a"), -1);
  EXPECT_TRUE(iso7064_mod11_10_valid("86095742719"));
  EXPECT_FALSE(iso7064_mod11_10_valid("86095742718"));
}

TEST(GovernaiValidators, PaymentCards) {
  EXPECT_TRUE(valid_card("4111111111111111"));
  EXPECT_TRUE(valid_card("4111 1111 1111 1111"));
  EXPECT_TRUE(valid_card("5555-5555-5555-4444"));
  EXPECT_TRUE(valid_card("3782 822463 10005"));  // Amex, 15 digits
  EXPECT_TRUE(valid_card("6011111111111117"));
  EXPECT_FALSE(valid_card("4111111111111112"));   // check digit
  EXPECT_FALSE(valid_card("1234567812345670"));   // Luhn-valid, no issuer
  EXPECT_FALSE(valid_card("3782822463100050"));  // Amex is 15 digits, not 16
  EXPECT_FALSE(valid_card("41111111111"));        // too short
  EXPECT_FALSE(valid_card("41111111111111111111"));  // too long
}

TEST(GovernaiValidators, Iban) {
  EXPECT_TRUE(valid_iban("DE89370400440532013000"));
  EXPECT_TRUE(valid_iban("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(valid_iban("GB82 WEST 1234 5698 7654 32"));
  EXPECT_FALSE(valid_iban("DE89370400440532013001"));  // mod 97
  EXPECT_FALSE(valid_iban("DE8937040044053201300"));   // Germany is 22 characters
  EXPECT_FALSE(valid_iban("QQ89370400440532013000"));  // no such country
}

TEST(GovernaiValidators, NationalIdentifiers) {
  EXPECT_TRUE(valid_us_ssn("123-45-6789"));
  EXPECT_FALSE(valid_us_ssn("000-45-6789"));
  EXPECT_FALSE(valid_us_ssn("666-45-6789"));
  EXPECT_FALSE(valid_us_ssn("900-45-6789"));
  EXPECT_FALSE(valid_us_ssn("123-00-6789"));
  EXPECT_FALSE(valid_us_ssn("123-45-0000"));

  EXPECT_TRUE(valid_uk_nino("AB123456C"));
  EXPECT_TRUE(valid_uk_nino("AB 12 34 56 C"));
  EXPECT_FALSE(valid_uk_nino("QB123456C"));  // Q never first
  EXPECT_FALSE(valid_uk_nino("AO123456C"));  // O never second
  EXPECT_FALSE(valid_uk_nino("GB123456C"));  // banned prefix
  EXPECT_FALSE(valid_uk_nino("AB123456E"));  // suffix A-D

  EXPECT_TRUE(valid_de_tax_id("86095742719"));
  EXPECT_TRUE(valid_de_tax_id("86 095 742 719"));
  EXPECT_FALSE(valid_de_tax_id("86095742718"));  // check digit
  EXPECT_FALSE(valid_de_tax_id("06095742719"));  // leading zero
  EXPECT_FALSE(valid_de_tax_id("12345678903"));  // every digit once: no repetition

  EXPECT_TRUE(valid_fr_nir("1 85 05 78 006 084 91"));
  EXPECT_TRUE(valid_fr_nir("185057800608491"));
  EXPECT_TRUE(valid_fr_nir("269022A12345640"));  // Corsica counts as 19
  EXPECT_FALSE(valid_fr_nir("185057800608492"));  // key
  EXPECT_FALSE(valid_fr_nir("585057800608491"));  // sex digit
  EXPECT_FALSE(valid_fr_nir("185137800608491"));  // month 13

  EXPECT_TRUE(valid_es_dni("12345678Z"));
  EXPECT_TRUE(valid_es_dni("12345678-Z"));
  EXPECT_TRUE(valid_es_dni("X1234567L"));
  EXPECT_TRUE(valid_es_dni("Y1234567X"));
  EXPECT_FALSE(valid_es_dni("12345678A"));
  EXPECT_FALSE(valid_es_dni("X1234567A"));

  EXPECT_TRUE(valid_it_fiscal_code("RSSMRA85T10A562S"));
  EXPECT_TRUE(valid_it_fiscal_code("RSSMRA85T10A56NH"));  // omocodia: 2 written as N
  EXPECT_FALSE(valid_it_fiscal_code("RSSMRA85T10A562T"));  // check character
  EXPECT_FALSE(valid_it_fiscal_code("RSSMRA85Z10A562S"));  // Z is no month
  EXPECT_FALSE(valid_it_fiscal_code("RSSMRA85T35A562S"));  // day 35

  EXPECT_TRUE(valid_nl_bsn("123456782"));
  EXPECT_TRUE(valid_nl_bsn("1234.56.782"));
  EXPECT_FALSE(valid_nl_bsn("123456789"));
  EXPECT_FALSE(valid_nl_bsn("000000000"));

  EXPECT_TRUE(valid_in_aadhaar("2345 6789 0124"));
  EXPECT_FALSE(valid_in_aadhaar("2345 6789 0125"));  // Verhoeff
  EXPECT_FALSE(valid_in_aadhaar("1345 6789 0124"));  // never starts with 0 or 1

  EXPECT_TRUE(valid_br_cpf("123.456.789-09"));
  EXPECT_TRUE(valid_br_cpf("12345678909"));
  EXPECT_FALSE(valid_br_cpf("123.456.789-00"));
  EXPECT_FALSE(valid_br_cpf("111.111.111-11"));  // passes the digits, never issued
}

TEST(GovernaiValidators, AddressesAndDevices) {
  EXPECT_TRUE(valid_email("anna.schmidt@example.de"));
  EXPECT_TRUE(valid_email("a+tag@mail.example.co.uk"));
  EXPECT_FALSE(valid_email(".anna@example.de"));
  EXPECT_FALSE(valid_email("anna@localhost"));
  EXPECT_FALSE(valid_email("anna@ex-.com"));
  EXPECT_FALSE(valid_email("anna@example.c0m"));

  EXPECT_TRUE(valid_ipv4("192.168.1.1"));
  EXPECT_TRUE(valid_ipv4("0.0.0.0"));
  EXPECT_FALSE(valid_ipv4("256.1.1.1"));
  EXPECT_FALSE(valid_ipv4("01.2.3.4"));
  EXPECT_FALSE(valid_ipv4("1.2.3"));

  EXPECT_TRUE(valid_ipv6("2001:db8::1"));
  EXPECT_TRUE(valid_ipv6("fe80::1ff:fe23:4567:890a"));
  EXPECT_TRUE(valid_ipv6("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  EXPECT_FALSE(valid_ipv6("2001:db8:::1"));
  EXPECT_FALSE(valid_ipv6("12:30:45"));  // a time
  EXPECT_FALSE(valid_ipv6("::"));

  EXPECT_TRUE(valid_mac("00:1A:2B:3C:4D:5E"));
  EXPECT_TRUE(valid_mac("00-1a-2b-3c-4d-5e"));
  EXPECT_TRUE(valid_mac("001a.2b3c.4d5e"));
  EXPECT_FALSE(valid_mac("00:1A-2B:3C:4D:5E"));  // mixed separators
  EXPECT_FALSE(valid_mac("10-20-30-40-50-60"));  // decimal groups: a range, not an address
  EXPECT_FALSE(valid_mac("00:1A:2B:3C:4D"));

  EXPECT_TRUE(valid_imei("490154203237518"));
  EXPECT_TRUE(valid_imei("49-015420-323751-8"));
  EXPECT_FALSE(valid_imei("490154203237519"));
  EXPECT_FALSE(valid_imei("49015420323751"));

  EXPECT_TRUE(valid_uuid("6D92078A-8246-4BA4-AE5B-76104861E7DC"));
  EXPECT_FALSE(valid_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(valid_uuid("6D92078A-8246-4BA4-AE5B-76104861E7D"));
}

TEST(GovernaiValidators, PhoneNumbers) {
  EXPECT_TRUE(valid_phone("+33 1 23 45 67 89", PhoneForm::international));
  EXPECT_TRUE(valid_phone("0033 1 23 45 67 89", PhoneForm::international));
  EXPECT_FALSE(valid_phone("+33 1 23", PhoneForm::international));
  EXPECT_TRUE(valid_phone("030 123456", PhoneForm::national));       // Germany
  EXPECT_TRUE(valid_phone("(201) 555-0123", PhoneForm::national));   // United States
  EXPECT_FALSE(valid_phone("000 000000", PhoneForm::national));
  EXPECT_TRUE(phone_shaped("030 1234567"));
  EXPECT_FALSE(phone_shaped("2024-01-15"));
  EXPECT_FALSE(phone_shaped("15.01.2024"));
  EXPECT_FALSE(phone_shaped("192.168.100.200"));
  EXPECT_FALSE(phone_shaped("12 34"));  // too few digits
  EXPECT_TRUE(phone_formatted("(201) 555-0123"));
  EXPECT_TRUE(phone_formatted("030 1234567"));
  EXPECT_TRUE(phone_formatted("201-555-0123"));
  EXPECT_FALSE(phone_formatted("612 345 678"));  // needs a keyword nearby
}

TEST(GovernaiNames, FoldingAndLookup) {
  char buf[32];
  const auto fold = [&](std::string_view w) { return std::string(buf, fold_name(w, buf, sizeof buf)); };
  EXPECT_EQ(fold("Müller"), "muller");
  EXPECT_EQ(fold("Groß"), "gross");
  EXPECT_EQ(fold("O'Brien"), "obrien");
  EXPECT_EQ(fold("Łukasz"), "");  // outside Latin-1: not folded, not looked up
  const auto& lists = builtin_name_lists();
  EXPECT_TRUE(lists.is_first_name("anna"));
  EXPECT_TRUE(lists.is_surname("schmidt"));
  EXPECT_FALSE(lists.is_first_name("kubernetes"));
}

TEST(GovernaiScanner, ReportsTypeFieldAndByteRange) {
  const std::string text = "Mail anna@example.com or call +33 1 23 45 67 89.";
  const auto found = scan(text, "completion");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].type, PiiType::email);
  EXPECT_EQ(found[0].field, "completion");
  EXPECT_EQ(found[0].begin, 5u);
  EXPECT_EQ(found[0].end, 21u);
  EXPECT_EQ(found[1].type, PiiType::phone);
  EXPECT_EQ(text.substr(found[1].begin, found[1].end - found[1].begin), "+33 1 23 45 67 89");
  EXPECT_GT(found[1].confidence, 0.5f);
  EXPECT_LE(found[1].confidence, 1.0f);
}

TEST(GovernaiScanner, AppendsAfterEarlierFindings) {
  std::vector<Finding> out;
  scanner().scan("a@example.com", "prompt", out);
  scanner().scan("x b@example.org", "attributes.user", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].field, "prompt");
  EXPECT_EQ(out[1].field, "attributes.user");
  EXPECT_EQ(out[1].begin, 2u);
}

TEST(GovernaiScanner, OffsetsCountBytesOfUtf8) {
  const std::string text = "Grüße, schreiben Sie an jürgen@example.de";
  const auto found = values(text, PiiType::email);
  EXPECT_EQ(found, Strings{"jürgen@example.de"});
}

TEST(GovernaiScanner, ContextDecidesAmbiguousNumbers) {
  EXPECT_TRUE(values("Reference 123456782 attached", PiiType::nl_bsn).empty());
  EXPECT_EQ(values("Mijn BSN is 123456782.", PiiType::nl_bsn), Strings{"123456782"});
  EXPECT_TRUE(values("job 12345678909 done", PiiType::br_cpf).empty());
  EXPECT_EQ(values("CPF 12345678909", PiiType::br_cpf), Strings{"12345678909"});
  EXPECT_TRUE(values("request 6D92078A-8246-4BA4-AE5B-76104861E7DC failed", PiiType::ad_id).empty());
  EXPECT_EQ(values("IDFA 6D92078A-8246-4BA4-AE5B-76104861E7DC", PiiType::ad_id),
            Strings{"6D92078A-8246-4BA4-AE5B-76104861E7DC"});
  EXPECT_TRUE(values("Bestellung 030 1234567", PiiType::phone).empty());
  EXPECT_EQ(values("Telefon 030 1234567", PiiType::phone), Strings{"030 1234567"});
}

TEST(GovernaiScanner, LookAlikesAreNotReported) {
  for (const char* text : {
           "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
           "order ORD-2024-4111111111111111-X shipped",
           "version 1.2.3.4 and build 10.0.0.12",
           "at 2024-11-05T14:32:10Z, 05.11.2024 10:30",
           "Total $1,234.56 or EUR 1.234,56",
           "std::vector<int> v; auto x = a::b::c;",
           "Fingerprint 12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0:12:34:56:78",
           "Invoice 4111111111111112 and IBAN-like DE89370400440532013001",
           "Dear customer,\nthanks.",
       })
    EXPECT_TRUE(scan(text).empty()) << text << ": " << type_name(scan(text)[0].type);
}

TEST(GovernaiScanner, NamesInContext) {
  EXPECT_EQ(values("Dear Dr. Weber, thank you.", PiiType::person_name), Strings{"Weber"});
  EXPECT_EQ(values("Hi, my name is Anna Schmidt.", PiiType::person_name), Strings{"Anna Schmidt"});
  EXPECT_EQ(values("Best regards,\nJan van der Berg\nACME", PiiType::person_name), Strings{"Jan van der Berg"});
  EXPECT_EQ(values("Mit freundlichen Grüßen\nJürgen Müller", PiiType::person_name), Strings{"Jürgen Müller"});
  EXPECT_EQ(values("name: Giulia Bianchi", PiiType::person_name), Strings{"Giulia Bianchi"});
  EXPECT_TRUE(values("Hello World", PiiType::person_name).empty());
  EXPECT_TRUE(values("name: gpt-4o-mini", PiiType::person_name).empty());
}

TEST(GovernaiScanner, OverlapsKeepTheMoreConfident) {
  // The card's digits also look like a national phone number and an Aadhaar fragment.
  const auto found = scan("card 4111 1111 1111 1111 please");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].type, PiiType::card);
}

TEST(GovernaiScanner, PathologicalInputsEndWithSaneResults) {
  EXPECT_TRUE(scan(std::string(1 << 20, '7')).empty());
  EXPECT_TRUE(scan(std::string(1 << 20, ':')).empty());
  std::string hex_groups;
  for (int i = 0; i < 100000; ++i) hex_groups += "ab:";
  EXPECT_TRUE(scan(hex_groups).empty());
  std::string separators;
  for (int i = 0; i < 200000; ++i) separators += "1-";
  EXPECT_TRUE(scan(separators).empty());
  std::string pluses;
  for (int i = 0; i < 100000; ++i) pluses += "+4 9";
  for (const auto& f : scan(pluses)) EXPECT_LE(f.end, pluses.size());
  std::string emails;
  for (int i = 0; i < 10000; ++i) emails += "x@example.com ";
  EXPECT_EQ(values(emails, PiiType::email).size(), 10000u);
  std::string invalid_utf8;
  for (int i = 0; i < 100000; ++i) invalid_utf8 += "\xC3\x28\xA0\xA1\xE2\x28\xF0\x28\x8C\xBC";
  EXPECT_TRUE(scan(invalid_utf8).empty());
  EXPECT_TRUE(scan("").empty());
}

TEST(GovernaiScanner, CleanTextAllocatesNothing) {
  const std::string text =
      "Summarise the ticket in three bullet points. Order ORD-2024-118273, 3 items, EUR 149.90, "
      "opened 2024-11-04 17:02 UTC, trace 4bf92f3577b34da6a3ce929d0e0e4736.";
  std::vector<Finding> out;
  out.reserve(16);
  scanner().scan(text, "prompt", out);  // the thread's scratch is allocated on its first scan
  counting = true;
  allocations = 0;
  for (int i = 0; i < 100; ++i) scanner().scan(text, "prompt", out);
  counting = false;
  EXPECT_EQ(allocations, 0);
  EXPECT_TRUE(out.empty());
}

TEST(GovernaiScanner, ThreadsShareOneScanner) {
  const std::string text = "anna@example.com, +33 1 23 45 67 89, DE89 3704 0044 0532 0130 00, Dear Mr. Smith";
  const auto expected = scan(text);
  ASSERT_EQ(expected.size(), 4u);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const auto got = scan(text);
        if (got.size() != expected.size() || got[3].begin != expected[3].begin) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(GovernaiTypes, NamesAndPlaceholdersAreStable) {
  EXPECT_EQ(type_name(PiiType::email), "email");
  EXPECT_EQ(type_name(PiiType::card), "card");
  EXPECT_EQ(type_name(PiiType::us_ssn), "us_ssn");
  EXPECT_EQ(type_name(PiiType::person_name), "person_name");
  EXPECT_EQ(placeholder(PiiType::card), "[CARD]");
  EXPECT_EQ(placeholder(PiiType::person_name), "[NAME]");
  for (const auto& info : pii_types()) {
    EXPECT_EQ(type_from_name(info.name), info.type);
    EXPECT_EQ(info.placeholder.front(), '[');
  }
  EXPECT_FALSE(type_from_name("ssn").has_value());
}

// Every saved input of the governai fuzz target, through the scanner's invariants.
TEST(GovernaiScanner, ReplaysFuzzInputs) {
  const auto inputs = fuzz_inputs("governai");
  ASSERT_FALSE(inputs.empty());
  for (const auto& input : inputs) {
    std::size_t last_end = 0;
    for (const auto& f : scan(input)) {
      EXPECT_LT(f.begin, f.end);
      EXPECT_LE(f.end, input.size());
      EXPECT_GE(f.begin, last_end);
      last_end = f.end;
    }
  }
}

}  // namespace
}  // namespace stacklens::governai
