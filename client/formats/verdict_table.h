// Fact-checkers' verdict words as data: which published rating ("False",
// "Engañoso", "não é bem assim", "錯誤", "Yanlış") means CONFIRMED, DENIED or
// REPORTED.
//
// The shipped table is client/formats/verdicts.tsv, compiled into claimctl
// (VerdictTable::Default) and installed beside it; `claimctl import
// --verdicts FILE` adds rows of the same form, and a row of FILE replaces a
// shipped row with the same wording. A row is
//
//   VERDICT <TAB> LANGUAGE <TAB> WORDING [<TAB> comment]
//
// VERDICT is CONFIRMED, DENIED or REPORTED; lines that are blank or start
// with '#' are ignored.
//
// Wording is compared after NormalizeWording: case folded (Unicode, with
// Turkish dotted and dotless i folded together), punctuation and symbols read
// as spaces, runs of spaces collapsed, Arabic vowel marks and tatweel dropped
// and alef forms unified, the Devanagari nukta dropped. A rating matches a
// row when it is the row's wording, or when it BEGINS with it followed by a
// word break ("Falsch. Das Video zeigt ..." matches "falsch"); the longest
// such row wins. A rating that begins with one verdict and names a different
// one later ("True, but misleading") is mixed: REPORTED; unless the leading
// verdict ends a sentence of its own, followed by '.', '!', ':', ';', a dash
// or '。' and more text ("False. The true number is 40", "Falsch. Richtig ist
// ..."): then the leading verdict decides and the rest is its explanation.
// A leading verdict followed by a negation written after the word (Hindi
// "सच नहीं", Turkish "Yanlış değil", Urdu, Bengali, Japanese, Korean) or by
// German "ist" ("Richtig ist: ...", which leads into the correction) is not
// that verdict: unknown, unless a longer row spells the phrase ("doğru
// değil", "सच नहीं"); a later verdict so followed makes the rating mixed.
//
//   absl::StatusOr<VerdictTable> table = VerdictTable::Default();
//   WordingVerdict v = table->Classify("Engañoso");  // kWord, DENIED
//
// Thread-safety: a VerdictTable is immutable after loading; const methods
// may be called from any thread.
#ifndef CLAIMD_CLIENT_FORMATS_VERDICT_TABLE_H_
#define CLAIMD_CLIENT_FORMATS_VERDICT_TABLE_H_

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "claims/v1/claims.pb.h"

namespace claimd::client {

// The comparable form of a rating (see above); "" when nothing but
// punctuation is left.
std::string NormalizeWording(absl::string_view text);

// What a rating's wording says.
struct WordingVerdict {
  enum class Basis {
    kEmpty,    // no wording
    kWord,     // the wording is, or begins with, a row's wording
    kMixed,    // it begins with one verdict and names another (not after a
               // sentence end)
    kUnknown,  // no row matches
  };
  Basis basis = Basis::kEmpty;
  // kWord: the row's verdict; kMixed: REPORTED; else UNSPECIFIED.
  claims::v1::VerificationStatus status =
      claims::v1::VERIFICATION_STATUS_UNSPECIFIED;
  // kWord, kMixed: the normalised wording of the (first) row matched.
  std::string row;
};

class VerdictTable {
 public:
  // The table shipped in client/formats/verdicts.tsv. Internal when it does
  // not parse (a unit test loads it, so a broken file fails the build's
  // tests).
  static absl::StatusOr<VerdictTable> Default();

  // Rows of `tsv` (the format above). INVALID_ARGUMENT naming
  // `source:LINE` when a row has fewer than three columns, an unknown
  // verdict, empty wording, or wording that an earlier row of the same text
  // gives another verdict.
  static absl::StatusOr<VerdictTable> Parse(absl::string_view tsv,
                                            absl::string_view source);

  // Adds every row of `other`; a row of `other` replaces a row here with the
  // same normalised wording.
  void Override(const VerdictTable& other);

  // The verdict `wording` (a rating as published) names.
  WordingVerdict Classify(absl::string_view wording) const;

  size_t size() const { return rows_.size(); }

 private:
  struct Row {
    claims::v1::VerificationStatus status;
    size_t words;  // in the normalised wording
  };
  // The row matching the words of `normalized` from byte `start` on (at a
  // word start): the longest, or null.
  const std::pair<const std::string, Row>* LongestAt(
      absl::string_view normalized, size_t start) const;

  absl::flat_hash_map<std::string, Row> rows_;
  size_t max_words_ = 0;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_VERDICT_TABLE_H_
