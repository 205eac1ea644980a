#include "governai/person_names.h"

#include <algorithm>

namespace stacklens::governai {

namespace {

constexpr std::size_t kMaxWord = 40;
constexpr int kMaxWords = 4;

bool ascii_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool ascii_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

// UTF-8 Latin-1 letters are 0xC3 followed by 0x80..0xBF (0xC3 0x97 and 0xB7 are × and ÷).
bool latin1_upper(std::string_view t, std::size_t i) {
  return i + 1 < t.size() && static_cast<unsigned char>(t[i]) == 0xC3 &&
         static_cast<unsigned char>(t[i + 1]) >= 0x80 && static_cast<unsigned char>(t[i + 1]) <= 0x9E &&
         static_cast<unsigned char>(t[i + 1]) != 0x97;
}
bool latin1_letter(std::string_view t, std::size_t i) {
  return i + 1 < t.size() && static_cast<unsigned char>(t[i]) == 0xC3 &&
         static_cast<unsigned char>(t[i + 1]) >= 0x80 && static_cast<unsigned char>(t[i + 1]) != 0x97 &&
         static_cast<unsigned char>(t[i + 1]) != 0xB7;
}

// The end of the word starting at i (letters, inner apostrophes and hyphens), or i.
std::size_t word_end(std::string_view t, std::size_t i) {
  std::size_t j = i;
  while (j < t.size() && j - i < kMaxWord) {
    const unsigned char c = t[j];
    if (ascii_upper(c) || ascii_lower(c)) {
      ++j;
    } else if (latin1_letter(t, j)) {
      j += 2;
    } else if ((c == '\'' || c == '-') && j > i && j + 1 < t.size() &&
               (ascii_upper(t[j + 1]) || ascii_lower(t[j + 1]) || latin1_letter(t, j + 1))) {
      ++j;
    } else {
      break;
    }
  }
  return j;
}

bool capitalised(std::string_view t, std::size_t i) {
  return i < t.size() && (ascii_upper(t[i]) || latin1_upper(t, i));
}

bool one_of(std::string_view folded, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), folded) != words.end();
}

bool particle(std::string_view folded) {
  return one_of(folded, {"van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "dos", "das",
                         "le", "la", "ter", "ten", "zu", "y"});
}

bool honorific(std::string_view folded) {
  return one_of(folded, {"mr", "mrs", "ms", "mx", "miss", "dr", "prof", "herr", "frau", "m", "mme", "mlle",
                         "monsieur", "madame", "sr", "sra", "srta", "senor", "senora", "sig", "signor",
                         "signora", "dott", "dhr", "mevr", "mevrouw", "meneer"});
}

// Capitalised words that follow greetings and sign-offs without being anyone's name.
bool not_a_name(std::string_view folded) {
  return one_of(folded,
                {"the", "sir", "madam", "sirs", "all", "everyone", "everybody", "team", "there", "world",
                 "customer", "customers", "client", "clients", "friend", "friends", "colleague", "colleagues",
                 "support", "user", "users", "admin", "guest", "valued", "member", "members", "folks", "guys",
                 "ladies", "gentlemen", "hiring", "manager", "editor", "reader", "applicant", "candidate",
                 "sales", "hr", "it", "ai", "bot", "assistant", "model", "sender", "recipient", "again",
                 "kunde", "kundin", "kollegen", "zusammen", "leute", "damen", "herren", "equipo", "cliente", "amigo", "amigos",
                 "todos", "tutti", "colleghi", "collega", "klant", "iedereen", "equipe", "tous", "ami",
                 "amis", "good", "morning", "afternoon", "evening", "thanks", "thank", "please", "hope",
                 "i", "we", "you", "my", "our", "your", "this", "that", "it's", "im", "is", "am", "are",
                 "and", "or", "for", "with", "from", "to", "in", "on", "at", "as", "by", "of", "a", "an",
                 "yes", "no", "ok", "okay", "guten", "tag", "bonjour", "buenos", "buongiorno", "goedemorgen",
                 "bom", "dia", "herzlich", "mit", "freundlichen", "grussen", "regards", "best", "kind"});
}

}  // namespace

std::size_t fold_name(std::string_view word, char* out, std::size_t cap) {
  // Folded forms of 0xC3 0x80..0xBF (À..ÿ); '\0' where no letter folds.
  static constexpr const char* kFold[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  // À-Ï
      "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // Ð-ß
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",  // à-ï
      "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};  // ð-ÿ
  std::size_t n = 0;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const unsigned char c = word[i];
    const char* piece;
    char single[2] = {0, 0};
    if (ascii_upper(c)) {
      single[0] = static_cast<char>(c - 'A' + 'a');
      piece = single;
    } else if (ascii_lower(c)) {
      single[0] = static_cast<char>(c);
      piece = single;
    } else if (c == 0xC3 && i + 1 < word.size() && static_cast<unsigned char>(word[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(word[i + 1]) <= 0xBF) {
      piece = kFold[static_cast<unsigned char>(word[++i]) - 0x80];
      if (*piece == '\0') return 0;
    } else if (c == '\'' || c == '-') {
      continue;  // O'Brien -> obrien, as the tables spell it
    } else {
      return 0;
    }
    for (; *piece != '\0'; ++piece) {
      if (n == cap) return 0;
      out[n++] = *piece;
    }
  }
  return n;
}

std::optional<NameSpan> name_after(std::string_view text, std::size_t at, NameTrigger trigger,
                                   const NameLists& lists) {
  std::size_t i = at;
  auto skip_blanks = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skip_blanks();
  struct Word {
    std::size_t begin, end;
    bool first, surname;
  };
  Word words[kMaxWords];
  int count = 0;
  int pending_particles = 0;
  // Particles joined to the surname, as the census spells "de Vries": "devries".
  char joined[kMaxWord * 3];
  std::size_t joined_size = 0;
  char folded[kMaxWord * 2];
  bool after_honorific = trigger == NameTrigger::honorific;
  bool lowered = false;  // a lower-case word was taken as a name
  while (i < text.size() && count < kMaxWords) {
    const std::size_t end = word_end(text, i);
    if (end == i) break;
    const std::size_t n = fold_name(text.substr(i, end - i), folded, sizeof folded);
    if (n == 0) break;
    const std::string_view f(folded, n);
    if (!capitalised(text, i)) {
      // "my name is daniel murphy": after an introduction, known names count in lower case too.
      if (trigger == NameTrigger::introduction && pending_particles == 0 &&
          (count == 0 ? lists.is_first_name(f) : lists.is_surname(f)) && !not_a_name(f)) {
        const bool first_word = count == 0;
        words[count++] = {i, end, first_word, !first_word};
        lowered = true;
        i = end;
        skip_blanks();
        continue;
      }
      // Lower-case particles may join two capitalised words: "Jan van der Berg".
      if (count == 0 || !particle(f) || ++pending_particles > 2) break;
      std::copy(f.begin(), f.end(), joined + joined_size);
      joined_size += f.size();
      i = end;
      skip_blanks();
      continue;
    }
    if (count == 0 && honorific(f)) {
      // "Dear Dr. Weber", "Sehr geehrte Frau Müller": the honorific is not part of the name.
      after_honorific = true;
      i = end;
      if (i < text.size() && text[i] == '.') ++i;
      skip_blanks();
      continue;
    }
    if (not_a_name(f)) break;
    bool surname = lists.is_surname(f);
    if (!surname && joined_size > 0 && joined_size + n <= sizeof joined) {
      std::copy(f.begin(), f.end(), joined + joined_size);
      surname = lists.is_surname(std::string_view(joined, joined_size + n));
    }
    words[count++] = {i, end, lists.is_first_name(f), surname};
    pending_particles = 0;
    joined_size = 0;
    i = end;
    skip_blanks();
  }
  if (count == 0) return std::nullopt;
  int known = 0;
  for (int k = 0; k < count; ++k) known += words[k].first || words[k].surname;
  const bool strong = after_honorific || trigger == NameTrigger::introduction || trigger == NameTrigger::field;
  float confidence;
  if (lowered) {
    confidence = 0.7f;
  } else if (words[0].first && (count == 1 || words[count - 1].surname)) {
    confidence = 0.9f;
  } else if (known > 0 && (strong || count >= 2)) {
    confidence = 0.8f;
  } else if (after_honorific || (trigger == NameTrigger::introduction && count >= 2)) {
    confidence = 0.7f;
  } else {
    return std::nullopt;
  }
  return NameSpan{words[0].begin, words[count - 1].end, confidence};
}

}  // namespace stacklens::governai
