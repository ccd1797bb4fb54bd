#include "client/formats/verdict.h"

#include <cmath>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

struct Number {
  bool present = false;  // given and not empty
  bool valid = false;
  double value = 0;
};

Number ReadNumber(const std::optional<std::string>& text) {
  Number number;
  if (!text.has_value()) return number;
  const absl::string_view trimmed = absl::StripAsciiWhitespace(*text);
  if (trimmed.empty()) return number;
  number.present = true;
  number.valid =
      absl::SimpleAtod(trimmed, &number.value) && std::isfinite(number.value);
  return number;
}

// The verdict a number gives on an explicit scale; nullopt when it gives none.
absl::StatusOr<v1::VerificationStatus> FromScale(const Rating& rating,
                                                 absl::string_view path) {
  const Number value = ReadNumber(rating.value);
  const Number best = ReadNumber(rating.best);
  const Number worst = ReadNumber(rating.worst);
  if (!value.present) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        "alternateName: expected the publisher's rating (e.g. \"False\"), or "
        "ratingValue with bestRating and worstRating; found neither"));
  }
  for (const auto& [name, number, text] :
       {std::tuple{"ratingValue", value, rating.value},
        std::tuple{"bestRating", best, rating.best},
        std::tuple{"worstRating", worst, rating.worst}}) {
    if (number.present && !number.valid) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, name, ": expected a number, found \"", *text, "\""));
    }
  }
  if (!best.present || !worst.present) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, "ratingValue: ", value.value,
        " is not on an explicit truth scale (bestRating and worstRating "
        "are not both given) and there is no alternateName to say what it "
        "means"));
  }
  if (best.value == worst.value) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, "bestRating: equals worstRating (", best.value,
                     "); expected a scale"));
  }
  const double position =
      (value.value - worst.value) / (best.value - worst.value);
  if (position < 0 || position > 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%sratingValue: %g is outside the scale %g..%g", std::string(path),
        value.value, worst.value, best.value));
  }
  if (position >= 2.0 / 3.0) return v1::VERIFICATION_STATUS_CONFIRMED;
  if (position <= 1.0 / 3.0) return v1::VERIFICATION_STATUS_DENIED;
  return v1::VERIFICATION_STATUS_REPORTED;
}

}  // namespace

absl::StatusOr<Verdict> DecideVerdict(const VerdictTable& table,
                                      const Rating& rating,
                                      absl::string_view path) {
  const WordingVerdict word = table.Classify(rating.wording);
  Verdict verdict;
  switch (word.basis) {
    case WordingVerdict::Basis::kWord: {
      verdict.basis = Verdict::Basis::kWord;
      verdict.status = word.status;
      // Noted only when the number would have given another verdict.
      absl::StatusOr<v1::VerificationStatus> number = FromScale(rating, path);
      if (number.ok() && *number != word.status) {
        verdict.note = absl::StrCat(
            "ratingValue ", absl::StripAsciiWhitespace(*rating.value), " of ",
            absl::StripAsciiWhitespace(*rating.worst), "..",
            absl::StripAsciiWhitespace(*rating.best),
            " not used: the wording decides");
      }
      return verdict;
    }
    case WordingVerdict::Basis::kMixed:
      verdict.basis = Verdict::Basis::kMixed;
      verdict.status = v1::VERIFICATION_STATUS_REPORTED;
      verdict.warning =
          absl::StrCat("the rating \"", rating.wording,
                       "\" names more than one verdict; imported as REPORTED");
      return verdict;
    case WordingVerdict::Basis::kUnknown:
      verdict.basis = Verdict::Basis::kUnknownWord;
      verdict.status = v1::VERIFICATION_STATUS_REPORTED;
      verdict.warning = absl::StrCat(
          "the rating \"", rating.wording,
          "\" is not in the verdict table; imported as REPORTED with the "
          "wording kept (add it with --verdicts FILE)");
      return verdict;
    case WordingVerdict::Basis::kEmpty:
      break;
  }
  absl::StatusOr<v1::VerificationStatus> number = FromScale(rating, path);
  if (!number.ok()) return number.status();
  verdict.basis = Verdict::Basis::kNumber;
  verdict.status = *number;
  return verdict;
}

}  // namespace claimd::client
