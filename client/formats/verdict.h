// A review's verdict from what its rating says: the publisher's wording and,
// when given, a number with its scale. Used by ClaimReview (reviewRating) and
// the Fact Check Tools API (textualRating, wording only).
//
// The rules, in order (README "Verdicts" has them for users):
//   1. The wording decides when the verdict table (verdict_table.h) knows it,
//      whatever the number says: publishers such as Lupa use ratingValue as
//      an index into their own label list, not as a truth scale.
//   2. Wording that begins with one verdict and names another is mixed:
//      REPORTED; but a leading verdict followed by a sentence end ('.', '!',
//      ':', ';', a dash) and more text decides ("Incorrect. The correct
//      figure is ...": DENIED).
//   3. Wording the table does not know: REPORTED, with a warning; the wording
//      is kept in the evidence for a person to judge. Never a guess from the
//      number, which may be such an index.
//   4. No wording: ratingValue decides only on an explicit truth scale (both
//      bestRating and worstRating given): p = (value - worst) / (best -
//      worst); p >= 2/3 CONFIRMED, p <= 1/3 DENIED, else REPORTED.
//   5. Otherwise the review fails: no wording, and no number on an explicit
//      scale (a value outside it, best == worst, a value that is not a
//      number).
// An empty-string number is absent; a number that does not parse is ignored
// when the wording decides.
//
//   Rating rating{.wording = "Falso", .value = "4", .best = "6"};
//   absl::StatusOr<Verdict> verdict = DecideVerdict(table, rating);
//   // DENIED, basis kWord
//
// Thread-safety: pure function.
#ifndef CLAIMD_CLIENT_FORMATS_VERDICT_H_
#define CLAIMD_CLIENT_FORMATS_VERDICT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/formats/verdict_table.h"

namespace claimd::client {

// A rating as published; numbers as their JSON text (a number or a string),
// nullopt when the property is absent or null.
struct Rating {
  std::string wording;
  std::optional<std::string> value;
  std::optional<std::string> best;
  std::optional<std::string> worst;
};

struct Verdict {
  enum class Basis { kWord, kMixed, kUnknownWord, kNumber };
  claims::v1::VerificationStatus status =
      claims::v1::VERIFICATION_STATUS_REPORTED;
  Basis basis = Basis::kWord;
  // For the user on stderr (kMixed, kUnknownWord), one clause without a
  // trailing period; else "".
  std::string warning;
  // For the evidence's note: why a number that disagreed was not used; else
  // "".
  std::string note;
};

// INVALID_ARGUMENT (rule 5), naming the property with `path` before it
// ("reviewRating.").
absl::StatusOr<Verdict> DecideVerdict(const VerdictTable& table,
                                      const Rating& rating,
                                      absl::string_view path);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_VERDICT_H_
