#include "governai/patterns.h"

namespace stacklens::governai {

namespace {

// Regexes in Hyperscan's dialect. \b is ASCII (so triggers that may end in a non-ASCII letter,
// "olá", "ich heiße", end on a blank instead); matches are validated in scanner.cpp, so a
// pattern may be loose where its validator is strict.
const Pattern kPatterns[] = {
    {R"([A-Za-z0-9._%+\-\x80-\xff]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}\b)", Check::email,
     PiiType::email, false, 0.95f, false, NameTrigger::honorific, false},

    // A bare run of digits: its length and the words around it say what it may be (scanner.cpp).
    {R"(\b\d{7,19}\b)", Check::digit_run, PiiType::card, false, 0.0f},

    {R"(\+\d[\d \-.()/]{5,20}\d\b)", Check::phone_international, PiiType::phone, false, 0.9f},
    {R"(\b00[1-9][\d \-.()/]{5,20}\d\b)", Check::phone_international, PiiType::phone, false, 0.85f},
    {R"((?:\(\d{2,5}\) ?|\b\d{2,5}[ \-./])\d{2,8}(?:[ \-./]\d{2,8}){0,3}\b)", Check::phone_national,
     PiiType::phone, false, 0.8f},

    {R"(\b\d{4}(?: \d{4}){2,3}(?: \d{1,3})?\b)", Check::card, PiiType::card, false, 0.95f},
    {R"(\b\d{4}(?:-\d{4}){2,3}(?:-\d{1,3})?\b)", Check::card, PiiType::card, false, 0.95f},
    {R"(\b\d{4}[ \-]\d{6}[ \-]\d{4,5}\b)", Check::card, PiiType::card, false, 0.95f},

    {R"(\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b)", Check::iban,
     PiiType::iban, false, 0.98f},

    {R"(\b\d{3}-\d{2}-\d{4}\b)", Check::us_ssn, PiiType::us_ssn, false, 0.85f},
    {R"(\b\d{3} \d{2} \d{4}\b)", Check::us_ssn, PiiType::us_ssn, true, 0.9f},

    {R"(\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)", Check::uk_nino, PiiType::uk_nino, false, 0.9f},

    {R"(\b\d{2} \d{3} \d{3} \d{3}\b)", Check::de_tax_id, PiiType::de_tax_id, true, 0.9f},

    {R"(\b[1-478]\d{4}2[AB]\d{8}\b)", Check::fr_nir, PiiType::fr_nir, false, 0.85f},  // Corsica
    {R"(\b[1-478] \d{2} \d{2} (?:\d{2}|2[AB]) \d{3} \d{3} \d{2}\b)", Check::fr_nir, PiiType::fr_nir, false,
     0.92f},

    {R"(\b\d{8}[ \-]?[A-Z]\b)", Check::es_dni, PiiType::es_dni, false, 0.9f},
    {R"(\b[XYZ][ \-]?\d{7}[ \-]?[A-Z]\b)", Check::es_dni, PiiType::es_dni, false, 0.9f},

    {R"(\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b)",
     Check::it_fiscal_code, PiiType::it_fiscal_code, false, 0.95f},

    {R"(\b\d{4}\.\d{2}\.\d{3}\b)", Check::nl_bsn, PiiType::nl_bsn, true, 0.9f},

    {R"(\b[2-9]\d{3}[ \-]?\d{4}[ \-]?\d{4}\b)", Check::in_aadhaar, PiiType::in_aadhaar, true, 0.9f},

    {R"(\b\d{3}\.\d{3}\.\d{3}-\d{2}\b)", Check::br_cpf, PiiType::br_cpf, false, 0.95f},

    {R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)", Check::ipv4, PiiType::ipv4, false, 0.9f},
    // Ends on a hex digit: "fe80::" is rare in text, and a run of colons then matches nowhere.
    {R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,6}:[0-9A-Fa-f]{1,4}\b)", Check::ipv6, PiiType::ipv6, false, 0.9f},
    {R"(\b[0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5}\b)", Check::mac, PiiType::mac, false, 0.85f},
    {R"(\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b)", Check::mac, PiiType::mac, false, 0.85f},

    {R"(\b\d{2}[ \-]\d{6}[ \-]\d{6}[ \-]\d\b)", Check::imei, PiiType::imei, false, 0.9f},

    {R"(\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)", Check::uuid,
     PiiType::ad_id, true, 0.9f},

    // Names: the trigger's end is where the name may begin.
    // The honorifics' leading \b is checked by the scanner from the match's start: written here,
    // it makes Hyperscan scan all text at a third of its speed. A '.' after one is skipped there.
    {R"((?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta|Señor|Señora|Sig|Sig\.ra|Signor|Signora|Dott|Dott\.ssa|Dhr|Mevr|Mevrouw|Meneer)\b)",
     Check::name, PiiType::person_name, false, 0.0f, false, NameTrigger::honorific, true},
    // "M. Dupont"; also the end of "P.M.", so a known name must follow.
    {R"(\bM\.)", Check::name, PiiType::person_name, false, 0.0f, false, NameTrigger::greeting, false},
    {R"(\b(?:my name is|my name's|je m'appelle|je m’appelle|mon nom est|ich heiße|ich heisse|mein name ist|me llamo|mi nombre es|mi chiamo|il mio nome è|mijn naam is|ik heet|meu nome é|o meu nome é|me chamo|signed by|written by|on behalf of)[ \t])",
     Check::name, PiiType::person_name, false, 0.0f, true, NameTrigger::introduction, false},
    {R"(\b(?:full name|first name|last name|customer name|contact name|patient name|name|patient|customer|employee|applicant|nom|prénom|nom complet|vorname|nachname|nombre|apellidos?|nome|cognome|nome completo|naam|voornaam|achternaam|sobrenome)[ \t]*[:=])",
     Check::name, PiiType::person_name, false, 0.0f, true, NameTrigger::field, false},
    {R"(\b(?:dear|hi|hello|hey|hallo|liebe|lieber|sehr geehrte|sehr geehrter|cher|chère|bonjour|salut|querido|querida|estimado|estimada|hola|caro|cara|gentile|gentili|ciao|salve|beste|geachte|hoi|prezado|prezada|olá|oi)[ \t,])",
     Check::name, PiiType::person_name, false, 0.0f, true, NameTrigger::greeting, false},
    // Cues that often but not always precede a name: "I'm Grace", "Thanks Michael!", "— Anna".
    {R"(\b(?:i'm|i am|ich bin|hier ist|je suis|c'est|soy|sono|ik ben|eu sou|sou|thanks|thank you|danke|merci|gracias|grazie|bedankt|obrigad[oa]|signed,?)[ \t])",
     Check::name, PiiType::person_name, false, 0.0f, true, NameTrigger::greeting, false},
    {R"((?:^|\n)[ \t]*(?:—|--)[ \t]*)", Check::name, PiiType::person_name, false, 0.0f, false,
     NameTrigger::signature, false},
    {R"(\b(?:regards|best regards|kind regards|warm regards|sincerely|yours truly|best wishes|thanks|thank you|cheers|best|mit freundlichen grüßen|mit freundlichen gruessen|viele grüße|beste grüße|liebe grüße|grüße|gruß|cordialement|bien cordialement|bien à vous|amitiés|atentamente|saludos|un saludo|saludos cordiales|cordiali saluti|distinti saluti|saluti|un saluto|met vriendelijke groet|vriendelijke groet|groeten|groet|atenciosamente|abraços|cumprimentos|obrigado|obrigada)[ \t]*[,.!]?[ \t]*\r?\n)",
     Check::name, PiiType::person_name, false, 0.0f, true, NameTrigger::signature, false},
};

}  // namespace

std::span<const Pattern> scanner_patterns() { return kPatterns; }

}  // namespace stacklens::governai
