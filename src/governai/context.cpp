#include "governai/context.h"

#include <algorithm>
#include <initializer_list>

namespace stacklens::governai {

namespace {

constexpr std::size_t kBefore = 48;
constexpr std::size_t kAfter = 24;

struct TypeKeywords {
  PiiType type;
  std::initializer_list<std::string_view> words;  // lower case; matched at the start of a word
};

// Words that name the identifier or the act of calling, in English, German, French, Spanish,
// Italian, Dutch and Portuguese.
const TypeKeywords kKeywords[] = {
    {PiiType::phone,
     {"phone", "tel:", "tel.", "tel ", "telephone", "call", "mobile", "cell", "fax", "whatsapp", "sms",
      "text me", "reach me", "telefon", "handy", "mobil", "rufnummer", "anrufen", "ruf ", "téléphone",
      "portable", "appelez", "appeler", "joindre", "teléfono", "telefono", "móvil", "movil", "llame",
      "llamar", "cellulare", "chiama", "telefoon", "bel ", "bellen", "celular", "telemóvel", "ligue",
      "ligar", "contato", "contact", "hotline", "helpline", "switchboard", "zentrale", "standard",
      "centralino", "centralita"}},
    {PiiType::us_ssn, {"ssn", "social security", "social-security", "ss#", "ss #", "ss no"}},
    {PiiType::de_tax_id,
     {"steuer", "idnr", "id-nr", "identifikationsnummer", "tax id", "tax identification", "tin ",
      "tin:", "tax number", "taxpayer"}},
    {PiiType::fr_nir,
     {"sécurité sociale", "securite sociale", "sécu", "secu", "nir", "insee", "social security"}},
    {PiiType::nl_bsn, {"bsn", "burgerservicenummer", "burgerservice", "sofinummer", "citizen service"}},
    {PiiType::in_aadhaar, {"aadhaar", "aadhar", "uidai", "uid"}},
    {PiiType::br_cpf, {"cpf", "cadastro de pessoas"}},
    {PiiType::imei, {"imei"}},
    {PiiType::mac, {"mac", "hwaddr", "hw addr", "hardware address", "ether", "bssid", "wlan", "wifi", "wi-fi"}},
    {PiiType::ad_id,
     {"idfa", "gaid", "aaid", "adid", "ad id", "ad-id", "ad_id", "advertising id", "advertising_id",
      "advertising identifier", "advertisingid", "advertisingidentifier", "identifierforadvertising",
      "google ad id", "werbe-id", "identifiant publicitaire", "id de publicidad", "id pubblicitario"}},
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Whether one of `words` starts a word of `window` (or, for "#", stands anywhere).
template <typename Words>
bool window_has_any(std::string_view window, const Words& words) {
  for (std::size_t i = 0; i < window.size(); ++i) {
    if (i > 0 && alpha(window[i - 1]) && alpha(window[i])) continue;
    const std::string_view rest = window.substr(i);
    for (std::string_view word : words)
      if (word.front() == rest.front() && rest.starts_with(word)) return true;
  }
  return false;
}

// Words for numbers that are not personal data, in the same seven languages.
constexpr std::string_view kOtherNumbers[] = {
    "order", "invoice", "ticket", "sku", "part", "ref", "serial", "tracking", "isbn", "item", "case",
    "bestell", "rechnung", "artikel", "auftrag", "vorgang", "commande", "facture", "dossier", "pedido",
    "factura", "ordine", "fattura", "pratica", "bestelling", "factuur", "fatura", "encomenda", "#"};

}  // namespace

bool names_another_number(std::string_view text, std::size_t begin) {
  constexpr std::size_t kWindow = 16;
  char buf[kWindow];
  const std::size_t from = begin > kWindow ? begin - kWindow : 0;
  std::size_t n = 0;
  for (std::size_t i = from; i < begin; ++i) buf[n++] = lower(text[i]);
  return window_has_any(std::string_view(buf, n), kOtherNumbers);
}

bool has_context(std::string_view text, std::size_t begin, std::size_t end, PiiType type) {
  const TypeKeywords* keywords = nullptr;
  for (const auto& k : kKeywords)
    if (k.type == type) keywords = &k;
  if (keywords == nullptr) return false;
  char buf[kBefore + kAfter + 1];
  const std::size_t from = begin > kBefore ? begin - kBefore : 0;
  std::size_t n = 0;
  for (std::size_t i = from; i < begin; ++i) buf[n++] = lower(text[i]);
  buf[n++] = ' ';
  const std::size_t to = std::min(text.size(), end + kAfter);
  for (std::size_t i = end; i < to; ++i) buf[n++] = lower(text[i]);
  return window_has_any(std::string_view(buf, n), keywords->words);
}

}  // namespace stacklens::governai
