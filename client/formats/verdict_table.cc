#include "client/formats/verdict_table.h"

#include <locale.h>
#include <wctype.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/formats/utf8_append.h"

namespace claimd::client {

// verdicts_data.cc, generated from verdicts.tsv at configure time.
extern const char kShippedVerdictsTsv[];

namespace {

namespace v1 = ::claims::v1;

// glibc's C.UTF-8 locale knows every Unicode case pair; it is created once and
// used through towlower_l, so the process's global locale is never touched.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

uint32_t Lower(uint32_t c) {
  if (c < 0x80) return absl::ascii_tolower(static_cast<unsigned char>(c));
  // Turkish: I, ı, İ and i are one letter for matching ("YANLIŞ" = "yanlış").
  if (c == 0x130 || c == 0x131) return 'i';
  if (locale_t locale = Utf8Locale(); locale != nullptr) {
    return static_cast<uint32_t>(towlower_l(static_cast<wint_t>(c), locale));
  }
  // Without the locale: Latin-1 capitals, enough for the shipped languages'
  // accented letters that have one.
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  return c;
}

// Punctuation, symbols and spaces: read as a word break.
bool IsBreak(uint32_t c) {
  if (c < 0x80) return !absl::ascii_isalnum(static_cast<unsigned char>(c));
  if (c <= 0xBF) return c != 0xAA && c != 0xB5 && c != 0xBA;
  if (c == 0xD7 || c == 0xF7) return true;
  if (c >= 0x2000 && c <= 0x2BFF) return true;  // general punctuation, symbols
  if (c >= 0x3000 && c <= 0x303F) return true;  // CJK punctuation
  if (c >= 0xFE30 && c <= 0xFE4F) return true;  // CJK compatibility forms
  if ((c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
      (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65)) {
    return true;  // full-width punctuation
  }
  if (c == 0x060C || c == 0x061B || c == 0x061F || c == 0x06D4 ||
      (c >= 0x066A && c <= 0x066D)) {
    return true;  // Arabic punctuation
  }
  if (c == 0x0964 || c == 0x0965) return true;    // Devanagari danda
  if (c >= 0x1F000 && c <= 0x1FAFF) return true;  // emoji
  return false;
}

// Dropped without a break: invisible joiners, soft hyphens, Arabic vowel
// marks and tatweel, the Devanagari nukta, variation selectors.
bool IsDropped(uint32_t c) {
  return (c >= 0x200B && c <= 0x200F) || c == 0xFEFF || c == 0xAD ||
         (c >= 0x064B && c <= 0x0652) || c == 0x0670 || c == 0x0640 ||
         c == 0x093C || (c >= 0xFE00 && c <= 0xFE0F);
}

// One spelling for letters written two ways.
uint32_t Unify(uint32_t c) {
  switch (c) {
    case 0x0622:      // آ
    case 0x0623:      // أ
    case 0x0625:      // إ
      return 0x0627;  // ا
    case 0x0649:      // ى
      return 0x064A;  // ي
    default:
      break;
  }
  // Devanagari letters with a nukta, precomposed: the letter without it.
  static constexpr uint32_t kNuktaBase[] = {0x0915, 0x0916, 0x0917, 0x091C,
                                            0x0921, 0x0922, 0x092B, 0x092F};
  if (c >= 0x0958 && c <= 0x095F) return kNuktaBase[c - 0x0958];
  return c;
}

// Decodes the code point at text[*i] and advances; invalid bytes decode as a
// break (U+FFFD would not match any row anyway).
uint32_t NextCodePoint(absl::string_view text, size_t* i) {
  const unsigned char lead = static_cast<unsigned char>(text[*i]);
  size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (lead >= 0x80 && lead < 0xC2) length = 0;
  if (length == 0 || *i + length > text.size()) {
    ++*i;
    return ' ';
  }
  uint32_t c = length == 1   ? lead
               : length == 2 ? lead & 0x1F
               : length == 3 ? lead & 0x0F
                             : lead & 0x07;
  for (size_t k = 1; k < length; ++k) {
    const unsigned char next = static_cast<unsigned char>(text[*i + k]);
    if ((next & 0xC0) != 0x80) {
      ++*i;
      return ' ';
    }
    c = (c << 6) | (next & 0x3F);
  }
  *i += length;
  return c;
}

size_t CountWords(absl::string_view normalized) {
  if (normalized.empty()) return 0;
  size_t words = 1;
  for (char c : normalized) words += c == ' ';
  return words;
}

absl::StatusOr<v1::VerificationStatus> ParseVerdict(absl::string_view text) {
  if (text == "CONFIRMED") return v1::VERIFICATION_STATUS_CONFIRMED;
  if (text == "DENIED") return v1::VERIFICATION_STATUS_DENIED;
  if (text == "REPORTED") return v1::VERIFICATION_STATUS_REPORTED;
  return absl::InvalidArgumentError(absl::StrCat(
      "expected CONFIRMED, DENIED or REPORTED in the first column, found \"",
      text, "\""));
}

// The byte offset in `text` just after its first `words` words, as
// NormalizeWording reads words; npos when it has fewer.
size_t EndOfWords(absl::string_view text, size_t words) {
  size_t done = 0;
  bool in_word = false;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const uint32_t c = NextCodePoint(text, &i);
    if (IsDropped(c)) continue;
    if (!IsBreak(c)) {
      in_word = true;
      continue;
    }
    if (in_word && ++done == words) return start;
    in_word = false;
  }
  return in_word && done + 1 == words ? text.size() : absl::string_view::npos;
}

// True when the first `words` words of `wording` end a sentence of their
// own: a sentence end ('.', '!', ':', ';', a dash or the CJK full stop)
// follows, and then more text. "False. The true number is 40" is a verdict
// and its explanation, not two verdicts.
bool IsLeadingSentence(absl::string_view wording, size_t words) {
  const size_t end = EndOfWords(wording, words);
  if (end == absl::string_view::npos) return false;
  absl::string_view rest =
      absl::StripLeadingAsciiWhitespace(wording.substr(end));
  bool ended = false;
  for (absl::string_view mark :
       {".", "!", ":", ";", "-", "\u2013", "\u2014", "\u3002"}) {
    if (absl::ConsumePrefix(&rest, mark)) {
      ended = true;
      break;
    }
  }
  return ended && !NormalizeWording(rest).empty();
}

// Words that, written right after a verdict, take it back or make it lead
// into something else, so the verdict is no longer certain. Negations that
// follow the word they negate: Hindi नहीं and नही ("सच नहीं": not true), Urdu
// نہیں, Bengali নয় (both spellings of য়) and না, Turkish değil ("Yanlış
// değil": not false), Japanese ではない, ではありません, じゃない, Korean 아니다, 아님,
// 아닙니다. The other languages negate before the word ("not true", "no es
// cierto", "tidak benar", "bukan", "غير صحيح", "不實"), which rows spell out or
// which leaves no row at the start. And German "ist"/"sind": "Richtig ist:
// ..." and "Falsch ist, dass ..." introduce the correction, whichever way the
// claim went. Rows that include such a word ("doğru değil", "stimmt nicht")
// are matched whole first.
bool TurnsAround(absl::string_view normalized, size_t row_end) {
  static const auto* const kWords = [] {
    auto* words = new absl::flat_hash_set<std::string>();
    for (absl::string_view word :
         {"नहीं", "नही", "نہیں", "\u09A8\u09AF\u09BC", "\u09A8\u09DF", "না",
          "değil", "değildir", "degil", "ではない", "ではありません",
          "じゃない", "아니다", "아님", "아닙니다", "ist", "sind"}) {
      words->insert(NormalizeWording(word));
    }
    return words;
  }();
  if (row_end >= normalized.size()) return false;
  const absl::string_view rest = normalized.substr(row_end + 1);
  return kWords->contains(rest.substr(0, rest.find(' ')));
}

}  // namespace

std::string NormalizeWording(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_break = false;
  size_t i = 0;
  while (i < text.size()) {
    uint32_t c = NextCodePoint(text, &i);
    if (IsDropped(c)) continue;
    if (IsBreak(c)) {
      pending_break = !out.empty();
      continue;
    }
    c = Unify(Lower(c));
    if (pending_break) out.push_back(' ');
    pending_break = false;
    AppendUtf8(c, &out);
  }
  return out;
}

absl::StatusOr<VerdictTable> VerdictTable::Default() {
  return Parse(kShippedVerdictsTsv, "verdicts.tsv");
}

absl::StatusOr<VerdictTable> VerdictTable::Parse(absl::string_view tsv,
                                                 absl::string_view source) {
  VerdictTable table;
  absl::flat_hash_map<std::string, int64_t> first_line;
  int64_t number = 0;
  for (absl::string_view line : absl::StrSplit(tsv, '\n')) {
    ++number;
    absl::ConsumeSuffix(&line, "\r");
    if (number == 1) absl::ConsumePrefix(&line, "\xEF\xBB\xBF");
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const auto where = [&] { return absl::StrCat(source, ":", number, ": "); };
    std::vector<absl::string_view> columns = absl::StrSplit(line, '\t');
    if (columns.size() < 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), "expected VERDICT<TAB>LANGUAGE<TAB>WORDING, found ",
          columns.size(), columns.size() == 1 ? " column" : " columns"));
    }
    absl::StatusOr<v1::VerificationStatus> status =
        ParseVerdict(absl::StripAsciiWhitespace(columns[0]));
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), status.status().message()));
    }
    std::string wording = NormalizeWording(columns[2]);
    if (wording.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "expected wording in the third column"));
    }
    auto [it, inserted] =
        table.rows_.try_emplace(wording, Row{*status, CountWords(wording)});
    if (!inserted && it->second.status != *status) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), "\"", columns[2], "\" is ",
          absl::StripAsciiWhitespace(columns[0]), " here but line ",
          first_line[wording], " gives the same wording another verdict"));
    }
    first_line.try_emplace(wording, number);
    table.max_words_ = std::max(table.max_words_, it->second.words);
  }
  return table;
}

void VerdictTable::Override(const VerdictTable& other) {
  for (const auto& [wording, row] : other.rows_) rows_[wording] = row;
  max_words_ = std::max(max_words_, other.max_words_);
}

const std::pair<const std::string, VerdictTable::Row>* VerdictTable::LongestAt(
    absl::string_view normalized, size_t start) const {
  // The ends of the next max_words_ words, longest first.
  std::vector<size_t> ends;
  size_t pos = start;
  while (ends.size() < max_words_ && pos <= normalized.size()) {
    const size_t space = normalized.find(' ', pos);
    const size_t end =
        space == absl::string_view::npos ? normalized.size() : space;
    ends.push_back(end);
    if (space == absl::string_view::npos) break;
    pos = space + 1;
  }
  for (auto end = ends.rbegin(); end != ends.rend(); ++end) {
    auto it = rows_.find(normalized.substr(start, *end - start));
    if (it != rows_.end()) return &*it;
  }
  return nullptr;
}

WordingVerdict VerdictTable::Classify(absl::string_view wording) const {
  WordingVerdict verdict;
  const std::string normalized = NormalizeWording(wording);
  if (normalized.empty()) return verdict;
  const auto* first = LongestAt(normalized, 0);
  if (first == nullptr) {
    verdict.basis = WordingVerdict::Basis::kUnknown;
    return verdict;
  }
  verdict.basis = WordingVerdict::Basis::kWord;
  verdict.status = first->second.status;
  verdict.row = first->first;
  if (IsLeadingSentence(wording, first->second.words)) return verdict;
  if (TurnsAround(normalized, first->first.size())) {
    verdict.basis = WordingVerdict::Basis::kUnknown;
    verdict.status = v1::VERIFICATION_STATUS_UNSPECIFIED;
    verdict.row.clear();
    return verdict;
  }
  // The rest of the sentence, phrase by phrase (longest rows first, so "no es
  // cierto" is read whole and not as "cierto"): another verdict makes it
  // mixed.
  size_t pos = first->first.size();
  while (pos < normalized.size()) {
    ++pos;  // the space
    if (const auto* row = LongestAt(normalized, pos); row != nullptr) {
      if (row->second.status != verdict.status ||
          TurnsAround(normalized, pos + row->first.size())) {
        verdict.basis = WordingVerdict::Basis::kMixed;
        verdict.status = v1::VERIFICATION_STATUS_REPORTED;
        return verdict;
      }
      pos += row->first.size();
      continue;
    }
    const size_t space = normalized.find(' ', pos);
    pos = space == std::string::npos ? normalized.size() : space;
  }
  return verdict;
}

}  // namespace claimd::client
