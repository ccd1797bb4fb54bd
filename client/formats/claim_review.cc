#include "client/formats/claim_review.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/formats/json_text.h"
#include "client/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using google::protobuf::Value;

constexpr double kDefaultBest = 5;
constexpr double kDefaultWorst = 1;

struct Word {
  const char* text;
  v1::VerificationStatus status;
};

constexpr Word kVerdictWords[] = {
    {"true", v1::VERIFICATION_STATUS_CONFIRMED},
    {"mostly true", v1::VERIFICATION_STATUS_CONFIRMED},
    {"correct", v1::VERIFICATION_STATUS_CONFIRMED},
    {"accurate", v1::VERIFICATION_STATUS_CONFIRMED},
    {"confirmed", v1::VERIFICATION_STATUS_CONFIRMED},
    {"verified", v1::VERIFICATION_STATUS_CONFIRMED},
    {"false", v1::VERIFICATION_STATUS_DENIED},
    {"mostly false", v1::VERIFICATION_STATUS_DENIED},
    {"pants on fire", v1::VERIFICATION_STATUS_DENIED},
    {"incorrect", v1::VERIFICATION_STATUS_DENIED},
    {"inaccurate", v1::VERIFICATION_STATUS_DENIED},
    {"fake", v1::VERIFICATION_STATUS_DENIED},
    {"fabricated", v1::VERIFICATION_STATUS_DENIED},
    {"misleading", v1::VERIFICATION_STATUS_DENIED},
    {"wrong", v1::VERIFICATION_STATUS_DENIED},
    {"denied", v1::VERIFICATION_STATUS_DENIED},
    {"unproven", v1::VERIFICATION_STATUS_REPORTED},
    {"unverified", v1::VERIFICATION_STATUS_REPORTED},
    {"mixture", v1::VERIFICATION_STATUS_REPORTED},
    {"mixed", v1::VERIFICATION_STATUS_REPORTED},
    {"half true", v1::VERIFICATION_STATUS_REPORTED},
    {"half-true", v1::VERIFICATION_STATUS_REPORTED},
    {"disputed", v1::VERIFICATION_STATUS_REPORTED},
    {"needs context", v1::VERIFICATION_STATUS_REPORTED},
    {"missing context", v1::VERIFICATION_STATUS_REPORTED},
    {"unsupported", v1::VERIFICATION_STATUS_REPORTED},
    {"reported", v1::VERIFICATION_STATUS_REPORTED},
};

absl::StatusOr<Value> ParseJson(absl::string_view text) {
  Value value;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &value);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not JSON: ", JsonParseErrorText(
                          {parsed.message().data(), parsed.message().size()})));
  }
  return value;
}

// obj[key], or null.
const Value* Field(const Value& object, const char* key) {
  if (object.kind_case() != Value::kStructValue) return nullptr;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

std::string StringField(const Value& object, const char* key) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() != Value::kStringValue) return "";
  return std::string(absl::StripAsciiWhitespace(value->string_value()));
}

// A number, or a string holding one. nullopt when absent; INVALID_ARGUMENT
// when present and not a number.
absl::StatusOr<std::optional<double>> NumberField(const Value& object,
                                                  const char* key,
                                                  absl::string_view path) {
  const Value* value = Field(object, key);
  if (value == nullptr || value->kind_case() == Value::kNullValue) {
    return std::nullopt;
  }
  double number = 0;
  if (value->kind_case() == Value::kNumberValue) {
    number = value->number_value();
  } else if (value->kind_case() != Value::kStringValue ||
             !absl::SimpleAtod(
                 absl::StripAsciiWhitespace(value->string_value()), &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, key, ": is not a number"));
  }
  if (!std::isfinite(number)) {
    return absl::InvalidArgumentError(absl::StrCat(path, key, ": not finite"));
  }
  return number;
}

// author.name, author (a string), or the first of an array of either.
std::string AuthorName(const Value& review) {
  const Value* author = Field(review, "author");
  if (author == nullptr) return "";
  if (author->kind_case() == Value::kListValue) {
    if (author->list_value().values().empty()) return "";
    author = &author->list_value().values(0);
  }
  if (author->kind_case() == Value::kStringValue) {
    return std::string(absl::StripAsciiWhitespace(author->string_value()));
  }
  return StringField(*author, "name");
}

bool IsClaimId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok =
        absl::ascii_islower(c) || absl::ascii_isdigit(c) || (i > 0 && c == '-');
    if (!ok) return false;
  }
  return true;
}

// "YYYY-MM-DD" (midnight UTC) or RFC 3339.
std::optional<absl::Time> ParseDate(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error)) {
    return time;
  }
  return std::nullopt;
}

uint64_t Fnv1a64(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

const v1::Evidence* VerdictEvidence(const v1::Claim& claim) {
  for (int i = claim.evidence_size() - 1; i >= 0; --i) {
    if (claim.evidence(i).status() == claim.status()) return &claim.evidence(i);
  }
  return nullptr;
}

struct Rating {
  int value;
  const char* name;
};

Rating RatingOf(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return {5, "True"};
    case v1::VERIFICATION_STATUS_DENIED:
      return {1, "False"};
    default:
      return {3, "Unproven"};
  }
}

}  // namespace

absl::StatusOr<v1::VerificationStatus> VerdictFromRating(
    absl::string_view alternate_name, std::optional<double> rating_value,
    std::optional<double> best_rating, std::optional<double> worst_rating) {
  absl::string_view word = absl::StripAsciiWhitespace(alternate_name);
  while (!word.empty() && (word.back() == '.' || word.back() == '!')) {
    word.remove_suffix(1);
  }
  const std::string lower = absl::AsciiStrToLower(word);
  for (const Word& known : kVerdictWords) {
    if (lower == known.text) return known.status;
  }
  if (!rating_value.has_value()) {
    if (!lower.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reviewRating.alternateName: \"", word,
          "\" is not a known verdict and there is no ratingValue"));
    }
    return absl::InvalidArgumentError(
        "reviewRating: has neither alternateName nor ratingValue");
  }
  const double best = best_rating.value_or(kDefaultBest);
  const double worst = worst_rating.value_or(kDefaultWorst);
  if (best == worst) {
    return absl::InvalidArgumentError(
        "reviewRating: bestRating equals worstRating");
  }
  const double position = (*rating_value - worst) / (best - worst);
  if (position < 0 || position > 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("reviewRating.ratingValue: %g is outside %g..%g",
                        *rating_value, worst, best));
  }
  if (position >= 2.0 / 3.0) return v1::VERIFICATION_STATUS_CONFIRMED;
  if (position <= 1.0 / 3.0) return v1::VERIFICATION_STATUS_DENIED;
  return v1::VERIFICATION_STATUS_REPORTED;
}

std::string DerivedClaimId(absl::string_view key) {
  return absl::StrFormat("cr-%016x", Fnv1a64(key));
}

absl::StatusOr<v1::Claim> ParseClaimReview(absl::string_view text) {
  absl::StatusOr<Value> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  const Value& review = *parsed;
  if (review.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  const std::string type = StringField(review, "@type");
  if (Field(review, "@type") != nullptr && type != "ClaimReview") {
    return absl::InvalidArgumentError(
        absl::StrCat("@type: is \"", type, "\", not ClaimReview"));
  }
  const std::string statement = StringField(review, "claimReviewed");
  if (statement.empty()) {
    return absl::InvalidArgumentError(
        "claimReviewed: is required (the statement that was checked)");
  }
  const Value* rating = Field(review, "reviewRating");
  if (rating == nullptr || rating->kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("reviewRating: is required");
  }
  const std::string alternate_name = StringField(*rating, "alternateName");
  absl::StatusOr<std::optional<double>> value =
      NumberField(*rating, "ratingValue", "reviewRating.");
  if (!value.ok()) return value.status();
  absl::StatusOr<std::optional<double>> best =
      NumberField(*rating, "bestRating", "reviewRating.");
  if (!best.ok()) return best.status();
  absl::StatusOr<std::optional<double>> worst =
      NumberField(*rating, "worstRating", "reviewRating.");
  if (!worst.ok()) return worst.status();
  absl::StatusOr<v1::VerificationStatus> verdict =
      VerdictFromRating(alternate_name, *value, *best, *worst);
  if (!verdict.ok()) return verdict.status();

  const std::string identifier = StringField(review, "identifier");
  const std::string url = StringField(review, "url");
  absl::string_view id = identifier;
  absl::ConsumePrefix(&id, "claims/");
  std::string claim_id;
  if (IsClaimId(id)) {
    claim_id = std::string(id);
  } else {
    claim_id = DerivedClaimId(!identifier.empty() ? identifier
                              : !url.empty()      ? url
                                                  : statement);
  }

  v1::Claim claim;
  claim.set_name(absl::StrCat("claims/", claim_id));
  claim.set_statement(statement);
  claim.set_status(*verdict);
  const std::string author = AuthorName(review);
  if (!author.empty()) {
    v1::Evidence& evidence = *claim.add_evidence();
    evidence.set_source(author);
    evidence.set_url(url);
    evidence.set_quote(alternate_name);
    evidence.set_status(*verdict);
    if (std::optional<absl::Time> date =
            ParseDate(StringField(review, "datePublished"))) {
      evidence.mutable_time()->set_seconds(absl::ToUnixSeconds(*date));
    }
  }
  return claim;
}

absl::StatusOr<std::vector<std::string>> SplitClaimReviewArray(
    absl::string_view text) {
  absl::StatusOr<Value> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError("not a JSON array");
  }
  std::vector<std::string> elements;
  for (const Value& element : parsed->list_value().values()) {
    std::string json;
    // Printing a parsed Value cannot fail.
    (void)google::protobuf::util::MessageToJsonString(element, &json);
    elements.push_back(std::move(json));
  }
  return elements;
}

std::string ClaimReviewJson(const v1::Claim& claim) {
  const v1::Evidence* verdict = VerdictEvidence(claim);
  const Rating rating = RatingOf(claim.status());
  std::string json =
      R"({"@context":"https://schema.org","@type":"ClaimReview","identifier":)";
  AppendJsonString(claim.name(), &json);
  json.append(",\"claimReviewed\":");
  AppendJsonString(claim.statement(), &json);
  const google::protobuf::Timestamp& date =
      verdict != nullptr && verdict->has_time() ? verdict->time()
                                                : claim.update_time();
  if (date.seconds() != 0 || date.nanos() != 0) {
    json.append(",\"datePublished\":");
    AppendJsonString(FormatTimestamp(date), &json);
  }
  if (verdict != nullptr) {
    if (!verdict->url().empty()) {
      json.append(",\"url\":");
      AppendJsonString(verdict->url(), &json);
    }
    json.append(R"(,"author":{"@type":"Organization","name":)");
    AppendJsonString(verdict->source(), &json);
    json.append("}");
  }
  absl::StrAppend(&json, R"(,"reviewRating":{"@type":"Rating","ratingValue":)",
                  rating.value, R"(,"bestRating":5,"worstRating":1,)",
                  R"("alternateName":")", rating.name, "\"}}");
  return json;
}

}  // namespace claimd::client
