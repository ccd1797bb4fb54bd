#include "client/formats/claim_review.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/formats/html.h"
#include "client/formats/json_text.h"
#include "client/formats/verdict.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

// A string (entities decoded, trimmed) or a number's text, also when JSON-LD
// wraps it as a value object ({"@value": "Falso", "@language": "es"}) or
// gives several (["Falso", "False"]: the first); "" otherwise.
std::string Text(const JsonValue* value) {
  if (value == nullptr) return "";
  if (value->kind == JsonValue::Kind::kNumber) return value->text;
  if (value->is_object()) return Text(value->Find("@value"));
  if (value->is_array()) {
    for (const JsonValue& item : value->items) {
      if (std::string text = Text(&item); !text.empty()) return text;
    }
    return "";
  }
  if (!value->is_string()) return "";
  return std::string(
      absl::StripAsciiWhitespace(DecodeHtmlEntities(value->text)));
}

// An object, or the first object of an array; null otherwise.
const JsonValue* FirstObject(const JsonValue* value) {
  if (value == nullptr) return nullptr;
  if (value->is_object()) return value;
  if (value->is_array()) {
    for (const JsonValue& item : value->items) {
      if (item.is_object()) return &item;
    }
  }
  return nullptr;
}

// The name of a Person or Organization given as an object, a string, or an
// array of either (the first with a name).
std::string EntityName(const JsonValue* value) {
  if (value == nullptr) return "";
  if (value->is_array()) {
    for (const JsonValue& item : value->items) {
      if (std::string name = EntityName(&item); !name.empty()) return name;
    }
    return "";
  }
  if (value->is_object()) return Text(value->Find("name"));
  return Text(value);
}

std::string EntityUrl(const JsonValue* value) {
  const JsonValue* object = FirstObject(value);
  return object == nullptr ? "" : Text(object->Find("url"));
}

// A number's JSON text: a number or a string; "(an object)" and the like for
// other kinds so DecideVerdict names them; nullopt when absent or null.
std::optional<std::string> NumberText(const JsonValue* value) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) {
    return std::nullopt;
  }
  switch (value->kind) {
    case JsonValue::Kind::kNumber:
      return value->text;
    case JsonValue::Kind::kString:
      return Text(value);
    case JsonValue::Kind::kBool:
      return value->boolean ? "true" : "false";
    case JsonValue::Kind::kArray:
      return "(an array)";
    default:
      return "(an object)";
  }
}

// claimReviewed: a string or an array of strings; else the reviewed item's
// name or text.
std::string Statement(const JsonValue& review) {
  const JsonValue* reviewed = review.Find("claimReviewed");
  if (reviewed != nullptr && reviewed->is_array()) {
    std::vector<std::string> parts;
    for (const JsonValue& item : reviewed->items) {
      std::string text = Text(&item);
      if (text.empty() ||
          std::find(parts.begin(), parts.end(), text) != parts.end()) {
        continue;
      }
      parts.push_back(std::move(text));
    }
    return absl::StrJoin(parts, " / ");
  }
  if (std::string text = Text(reviewed); !text.empty()) return text;
  if (const JsonValue* item = FirstObject(review.Find("itemReviewed"))) {
    if (std::string name = Text(item->Find("name")); !name.empty()) {
      return name;
    }
    return Text(item->Find("text"));
  }
  return "";
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

uint64_t Fnv1a64(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// "NAME: URL, URL" into the note, for a CreativeWork, a URL or an array of
// either (itemReviewed's appearance and firstAppearance).
void NoteUrls(const JsonValue* value, absl::string_view name,
              std::vector<std::string>* note) {
  if (value == nullptr) return;
  std::vector<std::string> urls;
  const auto add = [&urls](const JsonValue& item) {
    std::string url = item.is_object() ? Text(item.Find("url")) : Text(&item);
    if (!url.empty() &&
        std::find(urls.begin(), urls.end(), url) == urls.end()) {
      urls.push_back(std::move(url));
    }
  };
  if (value->is_array()) {
    for (const JsonValue& item : value->items) add(item);
  } else {
    add(*value);
  }
  if (!urls.empty()) {
    note->push_back(absl::StrCat(name, ": ", absl::StrJoin(urls, ", ")));
  }
}

const v1::Evidence* VerdictEvidence(const v1::Claim& claim) {
  for (int i = claim.evidence_size() - 1; i >= 0; --i) {
    if (claim.evidence(i).status() == claim.status()) return &claim.evidence(i);
  }
  return nullptr;
}

struct GenericRating {
  int value;
  const char* name;
};

GenericRating GenericRatingOf(v1::VerificationStatus status) {
  switch (status) {
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return {5, "True"};
    case v1::VERIFICATION_STATUS_DENIED:
      return {1, "False"};
    default:
      return {3, "Unproven"};
  }
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t seconds = absl::ToUnixSeconds(time);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(
      (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return timestamp;
}

// datePublished and dateModified -> the evidence time: the later of the two,
// so a correction (which often changes dateModified alone) is newer than the
// verdict it corrects, and a stale copy of the first verdict is older
// (PlanClaimReviewImport compares them). A date that is not the evidence
// time, or not in a standard form, is kept as text in the note; text that is
// no date is kept there too, with a warning.
void AddReviewTime(const JsonValue& review, v1::Evidence* evidence,
                   std::vector<std::string>* note,
                   std::vector<std::string>* warnings) {
  struct Date {
    absl::string_view property;
    std::string text;
    std::optional<absl::Time> time;
  };
  std::vector<Date> dates;
  const Date* latest = nullptr;
  for (absl::string_view property : {"datePublished", "dateModified"}) {
    std::string text = Text(review.Find(property));
    if (text.empty()) continue;
    std::optional<absl::Time> time = ParseReviewDate(text);
    dates.push_back({property, std::move(text), time});
  }
  for (const Date& date : dates) {
    if (date.time.has_value() &&
        (latest == nullptr || *date.time > *latest->time)) {
      latest = &date;
    }
  }
  if (latest != nullptr) *evidence->mutable_time() = ToTimestamp(*latest->time);
  for (const Date& date : dates) {
    if (!date.time.has_value()) {
      note->push_back(
          absl::StrCat(date.property, ": ", date.text, " (not a date)"));
      warnings->push_back(absl::StrCat(
          date.property, ": \"", date.text,
          "\" is not a date (expected e.g. 2020-06-23 or "
          "2020-06-23T20:02:00+02:00); kept in the evidence note",
          latest == nullptr
              ? ", and the evidence gets the time the server records it"
              : ""));
    } else if (&date != latest || !IsStandardDate(date.text)) {
      note->push_back(absl::StrCat(date.property, ": ", date.text));
    }
  }
}

}  // namespace

std::optional<absl::Time> ParseReviewDate(absl::string_view text) {
  std::string date(absl::StripAsciiWhitespace(text));
  // "20200623": the basic form of ISO 8601.
  if (date.size() == 8 &&
      std::all_of(date.begin(), date.end(), absl::ascii_isdigit)) {
    date = absl::StrCat(date.substr(0, 4), "-", date.substr(4, 2), "-",
                        date.substr(6));
  }
  const bool iso = date.size() > 4 && date[4] == '-';
  if (iso && date.size() > 10 && date[10] == ' ') date[10] = 'T';
  for (absl::string_view utc : {" UTC", " GMT", "UTC", "GMT"}) {
    if (absl::EndsWith(date, utc)) {
      date.resize(date.size() - utc.size());
      date.push_back('Z');
      break;
    }
  }
  // "2020-06-23T20:02:00 +0200": the offset follows a space.
  if (const size_t space = date.rfind(' ');
      space != std::string::npos && space > 10 && space + 1 < date.size() &&
      (date[space + 1] == '+' || date[space + 1] == '-')) {
    date.erase(space, 1);
  }
  absl::Time time;
  std::string error;
  for (const char* format : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*S%z",
                             "%Y-%m-%dT%H:%M%Ez", "%Y-%m-%dT%H:%M%z"}) {
    if (absl::ParseTime(format, date, &time, &error)) return time;
  }
  // A month may lack its leading zero ("2020-6-3").
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, date, absl::UTCTimeZone(), &time, &error)) {
      return time;
    }
  }
  if (iso) return std::nullopt;
  // RFC 1123 (HTTP, RSS: "Tue, 23 Jun 2020 10:00:00 GMT") and dates in
  // English words, whose order is unambiguous; "23/06/2020" is not.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S%Ez", "%a, %d %b %Y %H:%M:%S%z",
        "%d %b %Y %H:%M:%S%Ez", "%d %b %Y %H:%M:%S%z"}) {
    if (absl::ParseTime(format, date, &time, &error)) return time;
  }
  for (const char* format :
       {"%B %d, %Y", "%B %d %Y", "%d %B %Y", "%d %B, %Y", "%a, %d %b %Y"}) {
    // A four-digit year: "June 2020" is not June 20 of the year 20.
    if (absl::ParseTime(format, date, absl::UTCTimeZone(), &time, &error) &&
        absl::ToCivilYear(time, absl::UTCTimeZone()).year() >= 1000) {
      return time;
    }
  }
  return std::nullopt;
}

bool IsStandardDate(absl::string_view text) {
  absl::Time time;
  std::string error;
  return absl::ParseTime(absl::RFC3339_full, text, &time, &error) ||
         absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error);
}

std::string UrlHost(absl::string_view url) {
  const std::string lower = absl::AsciiStrToLower(url);
  absl::string_view rest = lower;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return "";
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != absl::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  return std::string(rest.substr(0, rest.find(':')));
}

std::string DerivedClaimId(absl::string_view key) {
  return absl::StrFormat("cr-%016x", Fnv1a64(key));
}

absl::StatusOr<ImportedReview> ClaimReviewToClaim(const JsonValue& review,
                                                  const VerdictTable& table) {
  if (!review.is_object()) {
    return absl::InvalidArgumentError(
        "expected a ClaimReview object ({\"@type\": \"ClaimReview\", ...})");
  }
  ImportedReview out;
  const std::string statement = Statement(review);
  if (statement.empty()) {
    return absl::InvalidArgumentError(
        "claimReviewed: is required; expected the statement that was checked "
        "(a string)");
  }
  const JsonValue* rating_object = FirstObject(review.Find("reviewRating"));
  if (rating_object == nullptr) {
    if (FirstObject(review.Find("rating")) != nullptr) {
      return absl::InvalidArgumentError(
          "reviewRating: is required; this object has \"rating\" instead, "
          "as a Fact Check Tools markup page's claimReviewMarkups do: import "
          "it with --format factcheck-api");
    }
    return absl::InvalidArgumentError(
        "reviewRating: is required; expected an object with alternateName "
        "(the publisher's rating) or ratingValue, bestRating and worstRating");
  }
  Rating rating;
  rating.wording = Text(rating_object->Find("alternateName"));
  if (rating.wording.empty())
    rating.wording = Text(rating_object->Find("name"));
  rating.value = NumberText(rating_object->Find("ratingValue"));
  rating.best = NumberText(rating_object->Find("bestRating"));
  rating.worst = NumberText(rating_object->Find("worstRating"));
  absl::StatusOr<Verdict> verdict =
      DecideVerdict(table, rating, "reviewRating.");
  if (!verdict.ok()) return verdict.status();
  if (!verdict->warning.empty()) out.warnings.push_back(verdict->warning);

  const std::string identifier = Text(review.Find("identifier"));
  const std::string url = Text(review.Find("url"));
  const std::string author = EntityName(review.Find("author"));
  const std::string publisher = EntityName(review.Find("publisher"));
  std::string source = !author.empty() ? author : publisher;
  for (const std::string& candidate :
       {EntityUrl(review.Find("author")), EntityUrl(review.Find("publisher")),
        url}) {
    if (!source.empty()) break;
    source = UrlHost(candidate);
  }

  absl::string_view id = identifier;
  std::string claim_id;
  if (absl::ConsumePrefix(&id, "claims/") && IsClaimId(id)) {
    claim_id = std::string(id);  // our own export's
  } else if (!identifier.empty()) {
    // A publisher's identifier (often a CMS post number, "366056") is unique
    // only among its own reviews.
    const std::string host = UrlHost(url);
    claim_id = DerivedClaimId(
        absl::StrCat(host.empty() ? source : host, "\n", identifier));
  } else if (!url.empty()) {
    claim_id = DerivedClaimId(absl::StrCat(url, "\n", statement));
  } else {
    claim_id = DerivedClaimId(statement);
  }

  v1::Claim& claim = out.claim;
  claim.set_name(absl::StrCat("claims/", claim_id));
  claim.set_statement(statement);
  claim.set_status(verdict->status);

  if (source.empty()) return out;

  std::vector<std::string> note = {std::string(kClaimReviewNote)};
  if (rating.wording.empty() && rating.value.has_value()) {
    note.push_back(absl::StrCat("ratingValue ", *rating.value, " of ",
                                rating.worst.value_or(""), "..",
                                rating.best.value_or("")));
  }
  if (!verdict->note.empty()) note.push_back(verdict->note);
  if (const JsonValue* item = FirstObject(review.Find("itemReviewed"))) {
    if (std::string claimant = EntityName(item->Find("author"));
        !claimant.empty()) {
      note.push_back(absl::StrCat("claimant: ", claimant));
    }
    // When and where the claim was made, as factcheck-api keeps claimDate.
    if (std::string date = Text(item->Find("datePublished")); !date.empty()) {
      note.push_back(absl::StrCat("claimDate: ", date));
    }
    NoteUrls(item->Find("appearance"), "appearance", &note);
    NoteUrls(item->Find("firstAppearance"), "firstAppearance", &note);
  }
  if (std::string language = Text(review.Find("inLanguage"));
      !language.empty()) {
    note.push_back(absl::StrCat("language: ", language));
  }
  if (!publisher.empty() && publisher != source) {
    note.push_back(absl::StrCat("publisher: ", publisher));
  }

  v1::Evidence& evidence = *claim.add_evidence();
  evidence.set_source(source);
  evidence.set_url(url);
  evidence.set_quote(rating.wording);
  evidence.set_status(verdict->status);
  AddReviewTime(review, &evidence, &note, &out.warnings);
  evidence.set_note(absl::StrJoin(note, "; "));
  return out;
}

absl::StatusOr<ImportedReview> ParseClaimReview(absl::string_view text,
                                                const VerdictTable& table) {
  JsonReader reader(text);
  absl::StatusOr<JsonValue> value = reader.Next();
  if (!value.ok()) return value.status();
  if (!reader.AtEnd()) {
    return absl::InvalidArgumentError("expected one JSON value");
  }
  return ClaimReviewToClaim(*value, table);
}

std::string ClaimReviewJson(const v1::Claim& claim) {
  const v1::Evidence* verdict = VerdictEvidence(claim);
  const GenericRating generic = GenericRatingOf(claim.status());
  std::string json =
      R"({"@context":"https://schema.org","@type":"ClaimReview","identifier":)";
  AppendJsonString(claim.name(), &json);
  json.append(",\"claimReviewed\":");
  AppendJsonString(claim.statement(), &json);
  std::string wording = generic.name;
  if (verdict != nullptr) {
    if (verdict->has_time()) {
      json.append(",\"datePublished\":");
      AppendJsonString(FormatTimestamp(verdict->time()), &json);
    }
    if (!verdict->url().empty()) {
      json.append(",\"url\":");
      AppendJsonString(verdict->url(), &json);
    }
    json.append(R"(,"author":{"@type":"Organization","name":)");
    AppendJsonString(verdict->source(), &json);
    json.append("}");
    if (absl::StartsWith(verdict->note(), kClaimReviewNote) &&
        !verdict->quote().empty()) {
      wording = verdict->quote();
    }
  }
  absl::StrAppend(&json, R"(,"reviewRating":{"@type":"Rating","ratingValue":)",
                  generic.value, R"(,"bestRating":5,"worstRating":1,)",
                  R"("alternateName":)");
  AppendJsonString(wording, &json);
  json.append("}}");
  return json;
}

}  // namespace claimd::client
