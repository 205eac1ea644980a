#!/usr/bin/env python3
"""Writes GovernAI's labelled corpus: tests/governai/corpus/{positives,negatives}.jsonl.

Each line is {"lang": ..., "text": ..., "findings": [{"type", "begin", "end"}]}, offsets in UTF-8
bytes. Positives put values with valid check digits (computed here, independently of the
scanner) into hand-written sentences in English, German, French, Spanish, Italian, Dutch and
Portuguese; negatives are look-alikes that are not personal data (order numbers, UUIDs, trace
ids, timestamps, versions, prices, code, digit strings that fail the checksum). Phone numbers
come from the `phonenumbers` package's metadata (pip install phonenumbers). The output is
deterministic; tests/unit/governai_corpus_test.cpp measures the scanner on it.
Usage: python3 tests/governai/make_corpus.py
"""
import json
import pathlib
import random
import string

import phonenumbers

OUT = pathlib.Path(__file__).resolve().parent / "corpus"
rng = random.Random(20261206)

# --- check digits ---------------------------------------------------------------------------


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        s = body + d
        total = 0
        for i, ch in enumerate(reversed(s)):
            v = int(ch)
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            total += v
        if total % 10 == 0:
            return s
    raise AssertionError


def luhn_ok(s: str) -> bool:
    return luhn_complete(s[:-1]) == s


VD = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
      [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
      [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
VP = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
      [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
      [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]


def verhoeff_ok(s: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(s)):
        c = VD[c][VP[i % 8][int(ch)]]
    return c == 0


def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def iban_check(country: str, bban: str) -> str:
    s = bban + country + "00"
    n = int("".join(str(int(ch, 36)) for ch in s))
    return f"{country}{98 - n % 97:02d}{bban}"


def iban_ok(iban: str) -> bool:
    s = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1


# --- values ---------------------------------------------------------------------------------

CARD_PREFIXES = [("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15),
                 ("37", 15), ("6011", 16), ("65", 16), ("3530", 16), ("36", 14), ("62", 16), ("4", 19)]


def card() -> str:
    prefix, n = rng.choice(CARD_PREFIXES)
    raw = luhn_complete(prefix + digits(n - len(prefix) - 1))
    style = rng.choice(["plain", "space", "dash"])
    if style == "plain":
        return raw
    sep = " " if style == "space" else "-"
    if n == 15:
        return sep.join([raw[:4], raw[4:10], raw[10:]])
    if n == 14:
        return sep.join([raw[:4], raw[4:10], raw[10:]])
    return sep.join(raw[i:i + 4] for i in range(0, n, 4))


IBAN_FORMATS = {"DE": "n8n10", "FR": "n5n5a11n2", "ES": "n4n4n2n10", "IT": "a1n5n5a12", "NL": "A4n10",
                "PT": "n4n4n11n2", "GB": "A4n6n8", "BE": "n3n7n2", "AT": "n5n11", "CH": "n5a12"}


def bban(spec: str) -> str:
    out = ""
    i = 0
    while i < len(spec):
        kind = spec[i]
        j = i + 1
        while j < len(spec) and spec[j].isdigit():
            j += 1
        n = int(spec[i + 1:j])
        alphabet = {"n": string.digits, "A": string.ascii_uppercase,
                    "a": string.digits + string.ascii_uppercase}[kind]
        out += "".join(rng.choice(alphabet) for _ in range(n))
        i = j
    return out


def iban(country=None) -> str:
    country = country or rng.choice(list(IBAN_FORMATS))
    raw = iban_check(country, bban(IBAN_FORMATS[country]))
    if rng.random() < 0.5:
        return raw
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def us_ssn(style=None) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    raw = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    style = style or rng.choice(["-", " ", ""])
    return raw if style == "" else style.join([raw[:3], raw[3:5], raw[5:]])


def uk_nino() -> str:
    first = rng.choice([c for c in string.ascii_uppercase if c not in "DFIQUV"])
    while True:
        second = rng.choice([c for c in string.ascii_uppercase if c not in "DFIOQUV"])
        if first + second not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    d = digits(6)
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second}{d}{suffix}"
    return f"{first}{second} {d[:2]} {d[2:4]} {d[4:]} {suffix}"


def de_tax_body() -> str:
    while True:
        d = [rng.choice("123456789")] + [rng.choice(string.digits) for _ in range(9)]
        counts = [d.count(c) for c in set(d)]
        if sorted(counts, reverse=True)[0] in (2, 3) and sum(1 for c in counts if c >= 2) == 1:
            s = "".join(d)
            if not any(s[i] == s[i + 1] == s[i + 2] for i in range(8)):
                return s


def de_tax_id() -> str:
    body = de_tax_body()
    product = 10
    for ch in body:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    raw = body + str(check)
    return raw if rng.random() < 0.6 else f"{raw[:2]} {raw[2:5]} {raw[5:8]} {raw[8:]}"


def fr_nir() -> str:
    sex = rng.choice("12")
    yy = f"{rng.randint(0, 99):02d}"
    mm = f"{rng.randint(1, 12):02d}"
    dept = rng.choice(["75", "69", "13", "33", "59", "2A", "2B", "06", "31", "44"])
    commune = f"{rng.randint(1, 999):03d}"
    order = f"{rng.randint(1, 999):03d}"
    body = sex + yy + mm + dept + commune + order
    n = int(body.replace("2A", "19").replace("2B", "18"))
    key = f"{97 - n % 97:02d}"
    if rng.random() < 0.5:
        return body + key
    return " ".join([sex, yy, mm, dept, commune, order, key])


def es_dni() -> str:
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    if rng.random() < 0.6:
        n = digits(8)
        sep = rng.choice(["", "", "-"])
        return f"{n}{sep}{letters[int(n) % 23]}"
    lead = rng.choice("XYZ")
    n = digits(7)
    return f"{lead}{n}{letters[int(str('XYZ'.index(lead)) + n) % 23]}"


CF_ODD = {**dict(zip("0123456789", [1, 0, 5, 7, 9, 13, 15, 17, 19, 21])),
          **dict(zip(string.ascii_uppercase, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                                              12, 14, 16, 10, 22, 25, 24, 23]))}


def it_fiscal_code() -> str:
    consonants = "BCDFGHJKLMNPQRSTVWXYZ"
    s = "".join(rng.choice(consonants) for _ in range(6))
    s += f"{rng.randint(40, 99):02d}" + rng.choice("ABCDEHLMPRST")
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    s += f"{day:02d}" + rng.choice("ABCDEFGHILMZ") + f"{rng.randint(1, 999):03d}"
    total = sum(CF_ODD[c] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65) for i, c in enumerate(s))
    return s + chr(65 + total % 26)


def nl_bsn() -> str:
    while True:
        d = [rng.randint(0, 9) for _ in range(8)]
        total = sum((9 - i) * v for i, v in enumerate(d))
        last = total % 11
        if last < 10 and d[0] != 0:
            raw = "".join(map(str, d)) + str(last)
            return raw if rng.random() < 0.7 else f"{raw[:4]}.{raw[4:6]}.{raw[6:]}"


def in_aadhaar() -> str:
    while True:
        body = rng.choice("23456789") + digits(10)
        for d in "0123456789":
            if verhoeff_ok(body + d):
                raw = body + d
                style = rng.choice([" ", " ", "", "-"])
                return raw if style == "" else style.join([raw[:4], raw[4:8], raw[8:]])


def cpf_complete(body: str) -> str:
    for n in (9, 10):
        total = sum(int(body[i]) * (n + 1 - i) for i in range(n))
        body += str((total * 10) % 11 % 10)
    return body


def br_cpf(formatted=None) -> str:
    raw = cpf_complete(digits(9))
    formatted = rng.random() < 0.6 if formatted is None else formatted
    return f"{raw[:3]}.{raw[3:6]}.{raw[6:9]}-{raw[9:]}" if formatted else raw


def ipv4() -> str:
    first = rng.choice([rng.randint(1, 223), 10, 172, 192])
    return ".".join(str(x) for x in [first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)])


def ipv6() -> str:
    groups = [f"{rng.randint(0, 0xffff):x}" for _ in range(8)]
    groups[0] = rng.choice(["2001", "2a02", "fe80", "2600", "2a01"])
    style = rng.random()
    if style < 0.4:
        return ":".join(groups)
    if style < 0.8:
        return ":".join(groups[:3]) + "::" + ":".join(groups[6:])
    return groups[0] + "::" + groups[7]


def mac() -> str:
    octets = [rng.randint(0, 255) for _ in range(6)]
    style = rng.choice([":", "-", ":", "."])
    upper = rng.random() < 0.5
    h = "".join(f"{o:02X}" if upper else f"{o:02x}" for o in octets)
    if style == ".":
        return f"{h[:4]}.{h[4:8]}.{h[8:]}"
    return style.join(h[i:i + 2] for i in range(0, 12, 2))


def imei() -> str:
    raw = luhn_complete(rng.choice(["35", "86", "01", "49", "99"]) + digits(12))
    if rng.random() < 0.6:
        return raw
    return f"{raw[:2]}-{raw[2:8]}-{raw[8:14]}-{raw[14]}"


def ad_id() -> str:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    u = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"
    return u.upper() if rng.random() < 0.5 else u


PHONE_REGIONS = {"en": ["US", "GB"], "de": ["DE"], "fr": ["FR"], "es": ["ES"], "it": ["IT"], "nl": ["NL"],
                 "pt": ["PT", "BR"]}


def phone(lang: str, international: bool) -> str:
    region = rng.choice(PHONE_REGIONS[lang])
    kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind)
    national = str(example.national_number)
    for _ in range(200):
        candidate = national[:-3] + digits(3)
        n = phonenumbers.parse("+" + str(example.country_code) + candidate)
        if phonenumbers.is_valid_number(n):
            break
    else:
        n = example
    fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL if international else phonenumbers.PhoneNumberFormat.NATIONAL
    if international and rng.random() < 0.25:
        fmt = phonenumbers.PhoneNumberFormat.E164
    return phonenumbers.format_number(n, fmt)


# Names: a hand-picked list of the seven languages' names, chosen without looking at
# data/governai/ (some are not in it: the scanner must do with context).
FIRST = {"en": ["James", "Emily", "Oliver", "Sarah", "Michael", "Charlotte", "Daniel", "Grace", "Siobhan", "Liam"],
         "de": ["Jürgen", "Anna", "Lukas", "Sabine", "Matthias", "Katrin", "Felix", "Ursula", "Jonas", "Heike"],
         "fr": ["François", "Camille", "Julien", "Amélie", "Thomas", "Céline", "Antoine", "Léa", "Mathieu", "Chloé"],
         "es": ["José", "Lucía", "Javier", "Carmen", "Alejandro", "Sofía", "Pablo", "Marta", "Diego", "Elena"],
         "it": ["Giuseppe", "Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Matteo", "Sara", "Luca", "Paola"],
         "nl": ["Jan", "Sanne", "Pieter", "Femke", "Daan", "Lotte", "Bram", "Anouk", "Sem", "Ingrid"],
         "pt": ["João", "Ana", "Pedro", "Beatriz", "Tiago", "Mariana", "Rafael", "Inês", "Gonçalo", "Larissa"]}
LAST = {"en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Walsh", "Clarke", "Harris", "Hughes", "Murphy"],
        "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch", "Wagner"],
        "fr": ["Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Rousseau", "Fontaine", "Mercier", "Bonnet", "Dupont"],
        "es": ["García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz", "Morales"],
        "it": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"],
        "nl": ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"],
        "pt": ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Almeida", "Carvalho", "Gomes"]}


def full_name(lang: str) -> str:
    last = rng.choice(LAST[lang])
    return f"{rng.choice(FIRST[lang])} {last[0].upper() + last[1:] if lang != 'nl' else last}"


# --- sentences ------------------------------------------------------------------------------
# {v} is the value. Each type has sentences in several languages.

T = {
    "email": {
        "en": ["Please reply to {v} before Friday.", "My email is {v}, thanks!", "Contact: {v}"],
        "de": ["Bitte schreiben Sie an {v}.", "Meine E-Mail-Adresse lautet {v}."],
        "fr": ["Écrivez-moi à {v} s'il vous plaît.", "Mon adresse e-mail : {v}"],
        "es": ["Mi correo es {v}, escríbeme.", "Envíe la factura a {v}."],
        "it": ["La mia email è {v}.", "Scrivete a {v} per informazioni."],
        "nl": ["Mijn e-mailadres is {v}.", "Stuur het naar {v} aub."],
        "pt": ["O meu email é {v}.", "Envie para {v}, por favor."]},
    "phone_intl": {
        "en": ["You can reach me at {v} after 5pm.", "Customer number: {v}", "WhatsApp {v}"],
        "de": ["Erreichbar unter {v}.", "Rückruf bitte an {v}."],
        "fr": ["Joignable au {v} en journée.", "Numéro : {v}"],
        "es": ["Mi número es {v}.", "Llámame al {v} mañana."],
        "it": ["Il mio numero è {v}.", "Chiamami al {v} dopo le 18."],
        "nl": ["Bel me op {v}.", "Mijn nummer is {v}."],
        "pt": ["Meu número é {v}.", "Ligue para {v} amanhã."]},
    "phone_nat": {
        "en": ["Call me on {v} tomorrow.", "Phone: {v}", "My cell is {v}."],
        "de": ["Telefon: {v}", "Bitte rufen Sie mich unter {v} an (Handy)."],
        "fr": ["Téléphone : {v}", "Appelez-moi au {v}, portable."],
        "es": ["Teléfono: {v}", "Mi móvil es el {v}."],
        "it": ["Telefono: {v}", "Il mio cellulare è {v}."],
        "nl": ["Telefoon: {v}", "Bel mij op {v}."],
        "pt": ["Telefone: {v}", "Meu celular é {v}."]},
    "card": {
        "en": ["Charge my card {v} for the renewal.", "The card ending in the digits {v} was declined."],
        "de": ["Meine Kreditkarte: {v}, gültig bis 08/27.", "Bitte belasten Sie {v}."],
        "fr": ["Ma carte bancaire est {v}.", "Paiement refusé pour la carte {v}."],
        "es": ["Mi tarjeta es {v}, caduca en 2027.", "Cobren a la tarjeta {v}."],
        "it": ["Numero della carta: {v}.", "Ho pagato con la carta {v}."],
        "nl": ["Mijn creditcard: {v}.", "Betaling met kaart {v} mislukt."],
        "pt": ["Meu cartão é {v}.", "Cobrar no cartão {v}, por favor."]},
    "iban": {
        "en": ["Refund to IBAN {v} please.", "Pay into {v} by Monday."],
        "de": ["Meine IBAN lautet {v}.", "Überweisung an {v}, Verwendungszweck Miete."],
        "fr": ["Mon IBAN : {v}", "Virement sur {v} svp."],
        "es": ["Mi IBAN es {v}.", "Transferencia a la cuenta {v}."],
        "it": ["IBAN: {v}", "Bonifico sul conto {v}."],
        "nl": ["Mijn IBAN is {v}.", "Maak het over naar {v}."],
        "pt": ["O meu IBAN é {v}.", "Transferência para {v}."]},
    "us_ssn": {
        "en": ["My SSN is {v}.", "Social Security number: {v}", "SSN {v} on the W-2 form is wrong."],
        "es": ["Mi número de seguro social (SSN) es {v}."]},
    "uk_nino": {
        "en": ["My National Insurance number is {v}.", "NI number {v}, please update my record.", "NINO: {v}"]},
    "de_tax_id": {
        "de": ["Meine Steuer-ID ist {v}.", "Steueridentifikationsnummer: {v}", "IdNr. {v} laut Bescheid."],
        "en": ["My German tax ID is {v}."]},
    "fr_nir": {
        "fr": ["Mon numéro de sécurité sociale est {v}.", "N° de sécu : {v}", "NIR {v} (carte Vitale)."],
        "en": ["French social security number {v}."]},
    "es_dni": {
        "es": ["Mi DNI es {v}.", "NIE: {v}", "Documento {v} adjunto."],
        "en": ["Spanish ID {v} attached."]},
    "it_fiscal_code": {
        "it": ["Il mio codice fiscale è {v}.", "CF: {v}", "Codice fiscale del paziente {v}."],
        "en": ["Italian tax code {v}."]},
    "nl_bsn": {
        "nl": ["Mijn BSN is {v}.", "Burgerservicenummer: {v}", "BSN {v} staat op mijn paspoort."],
        "en": ["Dutch BSN {v} for the payroll."]},
    "in_aadhaar": {
        "en": ["My Aadhaar number is {v}.", "Aadhaar: {v}", "UID {v} linked to the bank account."]},
    "br_cpf": {
        "pt": ["Meu CPF é {v}.", "CPF: {v}", "Nota fiscal com CPF {v}."],
        "en": ["Brazilian CPF {v} on the invoice."]},
    "ipv4": {
        "en": ["The login came from {v} at midnight.", "Client IP {v} was blocked."],
        "de": ["Zugriff von {v} verweigert."], "fr": ["Connexion depuis {v}."], "es": ["Acceso desde {v}."],
        "it": ["Accesso da {v}."], "nl": ["Inlog vanaf {v}."], "pt": ["Acesso a partir de {v}."]},
    "ipv6": {
        "en": ["Request from {v} was rate limited.", "My IPv6 address is {v}."],
        "de": ["Anfrage von {v}."], "fr": ["Adresse IPv6 : {v}"]},
    "mac": {
        "en": ["Device MAC {v} joined the network.", "Whitelist the MAC address {v} please."],
        "de": ["MAC-Adresse {v} gesperrt."], "nl": ["Het MAC-adres is {v}."]},
    "imei": {
        "en": ["My phone's IMEI is {v}.", "IMEI: {v} reported stolen."],
        "de": ["IMEI {v} gesperrt."], "es": ["El IMEI es {v}."], "pt": ["IMEI do aparelho: {v}"]},
    "ad_id": {
        "en": ["IDFA {v} opted out of tracking.", "advertising_id={v}", "GAID: {v}"],
        "de": ["Werbe-ID (IDFA) {v}."], "fr": ["Identifiant publicitaire : {v}"]},
}

NAME_T = {
    "en": ["Hi, my name is {v} and I need help with my order.", "Dear {v},\nthank you for your patience.",
           "Please forward this to Mr. {last}.", "Best regards,\n{v}", "Name: {v}\nOrder: 55123",
           "I spoke with Dr. {last} yesterday.", "Kind regards,\n{v}\nAccounts team"],
    "de": ["Hallo, mein Name ist {v}.", "Sehr geehrte Frau {last},\nvielen Dank.", "Mit freundlichen Grüßen\n{v}",
           "Herr {last} ruft zurück.", "Name: {v}"],
    "fr": ["Bonjour, je m'appelle {v}.", "Cher {first},\nmerci pour votre message.", "Cordialement,\n{v}",
           "Mme {last} a appelé.", "Nom : {v}"],
    "es": ["Hola, me llamo {v}.", "Estimado {v}:\ngracias por escribir.", "Saludos,\n{v}",
           "El Sr. {last} llamará mañana.", "Nombre: {v}"],
    "it": ["Ciao, mi chiamo {v}.", "Gentile {v},\ngrazie per averci contattato.", "Cordiali saluti,\n{v}",
           "Il Dott. {last} è in ferie.", "Nome: {v}"],
    "nl": ["Hoi, mijn naam is {v}.", "Beste {v},\nbedankt voor je bericht.", "Met vriendelijke groet,\n{v}",
           "Mevrouw {last} belt terug.", "Naam: {v}"],
    "pt": ["Olá, meu nome é {v}.", "Prezado {v},\nobrigado pelo contato.", "Atenciosamente,\n{v}",
           "O Sr. {last} ligou.", "Nome: {v}"],
}

GEN = {"email": None, "card": card, "iban": iban, "us_ssn": us_ssn, "uk_nino": uk_nino, "de_tax_id": de_tax_id,
       "fr_nir": fr_nir, "es_dni": es_dni, "it_fiscal_code": it_fiscal_code, "nl_bsn": nl_bsn,
       "in_aadhaar": in_aadhaar, "br_cpf": br_cpf, "ipv4": ipv4, "ipv6": ipv6, "mac": mac, "imei": imei,
       "ad_id": ad_id}

DOMAINS = ["example.com", "mail.example.de", "beispiel.de", "exemple.fr", "correo.es", "posta.it", "voorbeeld.nl",
           "exemplo.com.br", "company.co.uk"]


def email(lang: str) -> str:
    first = rng.choice(FIRST[lang]).lower()
    last = rng.choice(LAST[lang]).lower().replace(" ", "")
    for a, b in zip("äöüéèçñíóúàâêôãõ", "aoueecniouaaeoao"):
        first, last = first.replace(a, b), last.replace(a, b)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}",
                        f"{first}+news", last])
    return f"{local}@{rng.choice(DOMAINS)}"


def line(lang: str, template: str, values: list[tuple[str, str]]) -> dict:
    """Fills {v}/{first}/{last} in order and records each value's byte span."""
    text = ""
    findings = []
    rest = template
    vi = 0
    while True:
        idx = [(rest.find(k), k) for k in ("{v}", "{first}", "{last}") if rest.find(k) >= 0]
        if not idx:
            text += rest
            break
        pos, key = min(idx)
        text += rest[:pos]
        ptype, value = values[vi]
        vi += 1
        begin = len(text.encode())
        text += value
        findings.append({"type": ptype, "begin": begin, "end": len(text.encode())})
        rest = rest[pos + len(key):]
    return {"lang": lang, "text": text, "findings": findings}


def positives() -> list[dict]:
    out = []
    per_type = 90
    for ptype in GEN:
        sentences = [(lang, t) for lang, ts in T[ptype].items() for t in ts]
        for i in range(per_type):
            lang, t = sentences[i % len(sentences)]
            value = email(lang) if ptype == "email" else GEN[ptype]()
            out.append(line(lang, t, [(ptype, value)]))
    for kind, international in (("phone_intl", True), ("phone_nat", False)):
        sentences = [(lang, t) for lang, ts in T[kind].items() for t in ts]
        for i in range(60):
            lang, t = sentences[i % len(sentences)]
            out.append(line(lang, t, [("phone", phone(lang, international))]))
    for lang, ts in NAME_T.items():
        for i in range(16):
            t = ts[i % len(ts)]
            full = full_name(lang)
            first, last = full.split(" ", 1)
            if "{first}" in t:
                out.append(line(lang, t, [("person_name", first)]))
            elif "{last}" in t:
                out.append(line(lang, t, [("person_name", last[0].upper() + last[1:])]))
            else:
                out.append(line(lang, t, [("person_name", full)]))
    # Several kinds in one message, as prompts carry them.
    for i in range(60):
        lang = rng.choice(list(FIRST))
        name = full_name(lang)
        mixed = rng.choice([
            ("My name is {v}, email {v}, phone {v}.", [("person_name", name), ("email", email(lang)),
                                                       ("phone", phone(lang, True))]),
            ("Refund {v} to IBAN {v}; card {v} was charged twice.", [("email", email(lang)), ("iban", iban()),
                                                                     ("card", card())]),
            ("User {v} logged in from {v} (device {v}).", [("email", email(lang)), ("ipv4", ipv4()),
                                                           ("mac", mac())]),
        ])
        out.append(line(lang, mixed[0], mixed[1]))
    return out


def negatives() -> list[dict]:
    def neg(text, lang="en"):
        return {"lang": lang, "text": text, "findings": []}

    out = []
    for _ in range(40):
        out.append(neg(f"Order ORD-{rng.randint(2019, 2026)}-{digits(6)} shipped on "
                       f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}."))
        out.append(neg(f"trace_id={''.join(rng.choice('0123456789abcdef') for _ in range(32))} "
                       f"span_id={''.join(rng.choice('0123456789abcdef') for _ in range(16))}"))
        u = ad_id().lower()
        out.append(neg(f"request {u} failed with status {rng.choice([500, 502, 429])}"))
        out.append(neg(f"Released v{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)} "
                       f"(build {rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 999)})"))
        out.append(neg(f"Total: ${rng.randint(1, 99)},{rng.randint(100, 999)}.{rng.randint(10, 99)} "
                       f"incl. {rng.randint(5, 25)}% VAT; EUR {rng.randint(1, 999)}.{rng.randint(10, 99)}"))
        out.append(neg(f"Timestamp {rng.randint(1600000000, 1800000000)}{digits(3)} ms, "
                       f"at {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"))
        # Digit strings of identifier lengths whose check digits fail.
        c = card().replace(" ", "").replace("-", "")
        bad = c[:-1] + str((int(c[-1]) + rng.randint(1, 9)) % 10)
        out.append(neg(f"Invoice number {bad} is attached."))
        ib = iban().replace(" ", "")
        bad_iban = ib[:4] + ib[4:-1] + str((int(ib[-1], 36) + 1) % 10)
        if not iban_ok(bad_iban):
            out.append(neg(f"Reference {bad_iban} on the statement."))
        b = nl_bsn().replace(".", "")
        bad_bsn = b[:-1] + str((int(b[-1]) + rng.randint(1, 9)) % 10)
        out.append(neg(f"BSN-nummer {bad_bsn} klopt niet", "nl"))
        cpf = cpf_complete(digits(9))
        bad_cpf = cpf[:-1] + str((int(cpf[-1]) + rng.randint(1, 9)) % 10)
        out.append(neg(f"CPF {bad_cpf[:3]}.{bad_cpf[3:6]}.{bad_cpf[6:9]}-{bad_cpf[9:]} inválido", "pt"))
        imei_raw = imei().replace("-", "")
        out.append(neg(f"IMEI {imei_raw[:-1]}{(int(imei_raw[-1]) + 5) % 10} is not valid"))
        out.append(neg(f"Build number {digits(11)} finished in {rng.randint(1, 59)} s"))
        out.append(neg(f"Ticket #{rng.randint(1000, 99999)}-{rng.randint(100, 9999)}, room {rng.randint(100, 999)}, "
                       f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2026)}", "de"))
    code = [
        "for (std::size_t i = 0; i < v.size(); ++i) total += v[i] * 1000000007ULL;",
        "int main() { return std::accumulate(a.begin(), a.end(), 0); }",
        "SELECT id FROM orders WHERE id = 4532015112830367 AND status = 'paid';",
        "ptr = 0x7fff5fbff8c8; mask = 0xffffffff00000000;",
        "git checkout 3f2a9c1b7e4d8f60a1b2c3d4e5f60718293a4b5c",
        "docker pull registry/app@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
        "ISBN 978-3-16-148410-0 and DOI 10.1000/182",
        "std::map<std::string, int> counts; counts[\"a\"] += 1;",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "Fingerprint 12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0:12:34:56:78",
        "time=2024-11-05T14:32:10.123456Z level=info msg=\"done\" duration=12.5ms",
        "python 3.11.4, node 18.19.0, openssl 3.0.11, kernel 6.1.0-26-amd64",
        "The meeting moved to 10:30; call notes in docs/2024/11/05/notes.md",
        "Coordinates 52.5200, 13.4050; altitude 34 m",
        "Dear customer,\nyour parcel is on its way.",
        "Hi team, the release is out.",
        "Hello World",
        "Dear Sir or Madam,\nplease find attached.",
        "Best regards,\nThe Support Team",
        "Kind regards,\nAccounts",
        "name: gpt-4o-mini, provider: openai, temperature: 0.2",
        "Name: Quarterly report, owner: finance",
        "Mit freundlichen Grüßen\nIhr Kundenservice",
        "Cordialement,\nL'équipe support",
        "The model's name is Mistral Large and it runs on 8 GPUs.",
        "Sehr geehrte Damen und Herren,\nvielen Dank.",
        "Lot 2024-11 / batch 0042 / serial SN-99812-AB",
        "Population 83,200,000 (2023), area 357,588 km²",
        "uuid.uuid4() returned 3b241101-e2bb-4255-8caf-4136c566a962 for the job",
        "ranges: 10-20-30-40-50-60 and 1.2.3.4.5.6",
    ]
    out += [neg(t) for t in code]
    return out


def harder() -> list[dict]:
    """Forms the sentences above do not use: values in markup, URLs, logs and JSON, names after
    less usual cues, and look-alikes in the places real prompts put them."""
    out = []
    for i in range(12):
        lang = rng.choice(list(FIRST))
        e = email(lang)
        out.append(line(lang, rng.choice(["From: {first} <{v}>", "mailto:{v}", '{"user": "{v}", "plan": "pro"}',
                                          "<a href=\"mailto:{v}\">write</a>", "cc={v}&lang=de"]).replace("{first}", "Support"),
                        [("email", e)]))
        ip = ipv4()
        out.append(line("en", rng.choice(["GET /api/v1/items 200 from {v}:443", "upstream={v}:8080 timeout",
                                          "X-Forwarded-For: {v}"]), [("ipv4", ip)]))
        v6 = ipv6()
        out.append(line("en", rng.choice(["connect [{v}]:443 refused", "peer {v} closed the stream"]),
                        [("ipv6", v6)]))
        c = card()
        out.append(line("en", rng.choice(['{"card_number": "{v}", "exp": "04/28"}', "card={v}&cvv=***",
                                          "Kartennr. {v}"]), [("card", c)]))
        out.append(line("en", rng.choice(["Zentrale: {v}", "Fax {v}", "Hotline {v} (Mo-Fr)",
                                          "Reach our desk at {v}."]), [("phone", phone(rng.choice(list(PHONE_REGIONS)), False))]))
        out.append(line("en", "Sent from my phone. {v}", [("phone", phone("en", True))]))
    # Name cues the scanner may not know: counted against its recall.
    for i in range(3):
        for lang, forms in (("en", ["I'm {v}, the new account manager.", "— {v}", "Signed, {v}",
                                    "my name is {lower}", "Thanks {first}!"]),
                            ("de", ["Ich bin {v} aus Berlin."]), ("fr", ["Merci {first} !"])):
            for form in forms:
                full = full_name(lang)
                first = full.split(" ")[0]
                if "{lower}" in form:
                    out.append(line(lang, form.replace("{lower}", "{v}"), [("person_name", full.lower())]))
                elif "{first}" in form:
                    out.append(line(lang, form, [("person_name", first)]))
                else:
                    out.append(line(lang, form, [("person_name", full)]))

    def neg(text, lang="en"):
        return {"lang": lang, "text": text, "findings": []}

    for i in range(15):
        out.append(neg(f"Part no. {digits(3)}-{digits(3)}-{digits(4)}, qty {rng.randint(1, 9)}"))
        out.append(neg(f"Your confirmation code is {digits(10)}."))
        out.append(neg(f"SKU {digits(3)}.{digits(3)}.{digits(4)} back in stock"))
        out.append(neg(f"Bestellnummer {digits(4)} {digits(4)} {digits(4)}", "de"))
        out.append(neg(f"n° de commande {digits(2)} {digits(2)} {digits(2)} {digits(2)} {digits(2)}", "fr"))
        out.append(neg(f"Amount {rng.randint(1, 9)}.{digits(3)}.{digits(3)},{digits(2)} EUR", "de"))
        out.append(neg(f"checksum {''.join(rng.choice('0123456789abcdef') for _ in range(40))}"))
        out.append(neg(f"Meeting {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2020, 2026)} "
                       f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"))
        out.append(neg(f"Matrix row: {' '.join(digits(3) for _ in range(6))}"))
        out.append(neg(f"pid {rng.randint(100, 99999)} uid {rng.randint(0, 65535)} gid {rng.randint(0, 65535)}"))
    for text in ["Dear valued customer,\nyour invoice is ready.", "Hi all, quick update.", "Hello again!",
                 "Thanks,\nMarketing", "Best,\nthe team", "Regards,\nIT Service Desk",
                 "Dear Hiring Manager,", "Bonjour à tous,", "Hola equipo,", "Ciao a tutti,", "Hallo zusammen,",
                 "Beste klant,", "Prezado cliente,", "Name: Production cluster", "Nom : Rapport mensuel"]:
        out.append(neg(text))
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in (("positives", positives()), ("negatives", negatives()), ("harder", harder())):
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} lines")


if __name__ == "__main__":
    main()
