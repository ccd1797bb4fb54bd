#include "client/formats/import.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "client/formats/claim_review.h"
#include "client/formats/json_text.h"
#include "client/formats/json_value.h"
#include "client/formats/jsonld.h"
#include "client/render/render.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr absl::string_view kClaimPrefix = "claims/";

// ---------------------------------------------------------------------------
// Parsing and planning (pure).

// When a line that is not a claims.v1.Claim is a review another --format
// reads, the clause that names it ("" otherwise): a ClaimReview feed given
// to the default jsonl is the usual mistake.
std::string OtherFormatHint(absl::string_view text) {
  JsonReader reader(text);
  absl::StatusOr<JsonValue> value = reader.Next();
  if (!value.ok()) return "";
  if (!FindClaimReviews(*value).empty()) {
    return "; the line is schema.org ClaimReview: import the file with "
           "--format claimreview";
  }
  if (value->is_object()) {
    for (absl::string_view key : {"claims", "claimReview", "claimReviewMarkups",
                                  "claimReviewMarkupPages"}) {
      if (value->Find(key) != nullptr) {
        return "; the line is a Fact Check Tools API response: import the "
               "file with --format factcheck-api";
      }
    }
  }
  return "";
}

v1::VerificationStatus OrReported(v1::VerificationStatus status) {
  return status == v1::VERIFICATION_STATUS_UNSPECIFIED
             ? v1::VERIFICATION_STATUS_REPORTED
             : status;
}

// The verdict that evidence item `i` of a parsed line records: its status; for
// the first item (the create) REPORTED when unset.
v1::VerificationStatus VerdictOf(const v1::Claim& line, int i) {
  const v1::VerificationStatus status = line.evidence(i).status();
  return i == 0 ? OrReported(status) : status;
}

// The status the claim has after the whole line is applied.
v1::VerificationStatus FinalVerdict(const v1::Claim& line) {
  if (line.evidence_size() == 0) return OrReported(line.status());
  return VerdictOf(line, line.evidence_size() - 1);
}

// Item `i` of the line as a request carries it: without the output-only
// fields, with `default_actor` when it names none.
v1::Evidence RequestEvidence(const v1::Claim& line, int i,
                             absl::string_view default_actor) {
  v1::Evidence evidence = line.evidence(i);
  evidence.clear_status();
  evidence.clear_revision();
  if (evidence.actor().empty()) evidence.set_actor(std::string(default_actor));
  return evidence;
}

bool SameEvidence(const v1::Evidence& stored, const v1::Claim& line, int i) {
  const v1::Evidence& item = line.evidence(i);
  return stored.source() == item.source() && stored.url() == item.url() &&
         stored.quote() == item.quote() && stored.note() == item.note() &&
         stored.status() == VerdictOf(line, i);
}

bool SameLabels(const v1::Claim& a, const v1::Claim& b) {
  if (a.labels_size() != b.labels_size()) return false;
  for (const auto& [key, value] : a.labels()) {
    auto it = b.labels().find(key);
    if (it == b.labels().end() || it->second != value) return false;
  }
  return true;
}

ImportPlan Skip(absl::string_view name, absl::string_view why) {
  ImportPlan plan;
  plan.result = ImportResult::kSkipped;
  plan.skip_reason =
      absl::AlreadyExistsError(absl::StrCat(name, " already exists ", why));
  return plan;
}

}  // namespace

absl::string_view ImportResultName(ImportResult result) {
  switch (result) {
    case ImportResult::kCreated:
      return "created";
    case ImportResult::kUpdated:
      return "updated";
    case ImportResult::kUnchanged:
      return "unchanged";
    case ImportResult::kSkipped:
      return "skipped";
    case ImportResult::kFailed:
      break;
  }
  return "failed";
}

std::string ImportRequestId(absl::string_view claim_id, int evidence_index) {
  return absl::StrCat("import:", claim_id, ":", evidence_index);
}

absl::StatusOr<v1::Claim> ParseImportLine(absl::string_view text) {
  v1::Claim claim;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &claim, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a claims.v1.Claim in JSON: ",
        JsonParseErrorText({parsed.message().data(), parsed.message().size()}),
        OtherFormatHint(text)));
  }
  if (!claim.name().empty()) {
    absl::string_view id = claim.name();
    if (!absl::ConsumePrefix(&id, kClaimPrefix) || id.empty() ||
        absl::StrContains(id, '/')) {
      return absl::InvalidArgumentError(
          absl::StrCat("name: \"", claim.name(),
                       "\" is not claims/ID (leave it out to have the server "
                       "pick an id)"));
    }
  }
  if (claim.statement().empty()) {
    return absl::InvalidArgumentError("statement: is required");
  }
  for (int i = 1; i < claim.evidence_size(); ++i) {
    const v1::Evidence& item = claim.evidence(i);
    if (item.status() == v1::VERIFICATION_STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "evidence[", i,
          "].status: is required after the first item: the verdict it "
          "records"));
    }
    if (item.source().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "evidence[", i,
          "].source: is required after the first item: who made the "
          "verdict"));
    }
  }
  if (claim.status() != v1::VERIFICATION_STATUS_UNSPECIFIED &&
      claim.status() != FinalVerdict(claim)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status: is ", StatusName(claim.status()),
        " but the evidence ends with a ", StatusName(FinalVerdict(claim)),
        " verdict; set the evidence's status (the last item's "
        "becomes the claim's)"));
  }
  claim.clear_revision();
  claim.clear_create_revision();
  claim.clear_create_time();
  claim.clear_update_time();
  for (v1::Evidence& item : *claim.mutable_evidence()) item.clear_revision();
  return claim;
}

ImportPlan PlanImport(const v1::Claim& line,
                      const std::optional<v1::Claim>& existing,
                      absl::string_view default_actor) {
  const std::string id = ClaimIdOf(line.name());
  const int n = line.evidence_size();
  ImportPlan plan;
  int first_update = 0;
  if (!existing.has_value()) {
    plan.result = ImportResult::kCreated;
    v1::CreateClaimRequest& create = plan.create.emplace();
    create.set_claim_id(id);
    v1::Claim& claim = *create.mutable_claim();
    claim.set_statement(line.statement());
    *claim.mutable_labels() = line.labels();
    if (n == 0) {
      claim.set_status(OrReported(line.status()));
    } else {
      claim.set_status(VerdictOf(line, 0));
      *claim.add_evidence() = RequestEvidence(line, 0, default_actor);
    }
    if (!id.empty()) create.set_request_id(ImportRequestId(id, 0));
    first_update = 1;
  } else {
    const v1::Claim& stored = *existing;
    const std::string& name = line.name();
    if (stored.statement() != line.statement()) {
      return Skip(name, "with another statement");
    }
    if (!SameLabels(stored, line)) return Skip(name, "with other labels");
    const int m = stored.evidence_size();
    int k = 0;  // the items stored and in the line alike
    while (k < n && k < m && SameEvidence(stored.evidence(k), line, k)) ++k;
    if (n == 0) {
      if (m == 0 && stored.status() != FinalVerdict(line)) {
        return Skip(name,
                    absl::StrCat("with status ", StatusName(stored.status())));
      }
      return plan;  // unchanged
    }
    if (k == n) return plan;  // unchanged; later evidence by others is kept
    if (k == 0) {
      return Skip(name, "and its evidence does not start with the line's");
    }
    if (k < m) {
      return Skip(name, absl::StrCat("with other evidence at item ", k));
    }
    plan.result = ImportResult::kUpdated;
    first_update = k;
  }
  plan.first_update_index = first_update;
  for (int i = first_update; i < n; ++i) {
    v1::UpdateClaimStatusRequest& update = plan.updates.emplace_back();
    update.set_name(line.name());
    update.set_status(VerdictOf(line, i));
    *update.mutable_evidence() = RequestEvidence(line, i, default_actor);
    if (!id.empty()) update.set_request_id(ImportRequestId(id, i));
  }
  return plan;
}

std::string ClaimReviewRequestId(absl::string_view claim_id,
                                 const v1::Evidence& evidence,
                                 int evidence_index) {
  // DerivedClaimId hashes with FNV-1a; its "cr-" prefix is dropped.
  const std::string hash =
      DerivedClaimId(absl::StrCat(evidence.source().size(), ":",
                                  evidence.source(), evidence.url().size(), ":",
                                  evidence.url(), ":", evidence.status()))
          .substr(3);
  return absl::StrCat("import:", claim_id, ":", evidence_index, ":review-",
                      hash);
}

namespace {

// The server's bound on an evidence note (core/limits.h).
constexpr size_t kMaxNoteBytes = 4096;

// `note` with `addition` appended, cut (at a character boundary) to what the
// server accepts.
std::string NoteWith(const std::string& note, absl::string_view addition) {
  std::string out = note.empty() ? std::string(addition.substr(2))
                                 : absl::StrCat(note, addition);
  if (out.size() <= kMaxNoteBytes) return out;
  size_t cut = kMaxNoteBytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
    --cut;
  out.resize(cut);
  out += "...";
  return out;
}

}  // namespace

ImportPlan PlanClaimReviewImport(const v1::Claim& review,
                                 const std::optional<v1::Claim>& existing,
                                 absl::string_view default_actor) {
  if (!existing.has_value()) return PlanImport(review, existing, default_actor);
  const v1::Claim& stored = *existing;
  // An id claimctl derived from the publisher and its identifier ("cr-...")
  // names the publisher's one review of the claim, whatever its wording: a
  // correction that rewords claimReviewed still rates the stored claim (its
  // statement stays; the new wording goes to the note). An id the input named
  // (claims/ID) with another statement is another claim.
  const bool reworded = stored.statement() != review.statement();
  if (reworded && !absl::StartsWith(ClaimIdOf(review.name()), "cr-")) {
    return Skip(review.name(), "with another statement");
  }
  ImportPlan plan;  // unchanged
  if (review.evidence().empty()) {
    if (stored.status() == review.status()) return plan;
    plan.result = ImportResult::kSkipped;
    plan.skip_reason = absl::FailedPreconditionError(absl::StrCat(
        review.name(), " is ", StatusName(stored.status()),
        " and the review names no author to record its verdict with"));
    return plan;
  }
  const v1::Evidence& item = review.evidence(0);
  // The publisher's latest verdict on record: a review flips as the
  // publisher corrects it, so only the newest of this source and url counts.
  const v1::Evidence* newest = nullptr;
  for (const v1::Evidence& held : stored.evidence()) {
    if (held.source() == item.source() && held.url() == item.url()) {
      newest = &held;
    }
  }
  if (newest != nullptr) {
    if (newest->status() == item.status()) return plan;
    // A stale copy of the feed must not undo a newer verdict.
    if (newest->has_time() && item.has_time() &&
        std::pair(item.time().seconds(), item.time().nanos()) <
            std::pair(newest->time().seconds(), newest->time().nanos())) {
      plan.result = ImportResult::kSkipped;
      plan.skip_reason = absl::FailedPreconditionError(absl::StrCat(
          review.name(), " holds a newer review by ", item.source(), " (",
          FormatTimestamp(newest->time()), ", ", StatusName(newest->status()),
          ") than this one (", FormatTimestamp(item.time()), ", ",
          StatusName(item.status()), "); the older verdict is not applied"));
      return plan;
    }
  }
  plan.result = ImportResult::kUpdated;
  plan.first_update_index = stored.evidence_size();
  v1::UpdateClaimStatusRequest& update = plan.updates.emplace_back();
  update.set_name(review.name());
  update.set_status(item.status());
  *update.mutable_evidence() = RequestEvidence(review, 0, default_actor);
  if (reworded) {
    update.mutable_evidence()->set_note(
        NoteWith(update.evidence().note(),
                 absl::StrCat("; the review now words the claim: \"",
                              review.statement(), "\"")));
  }
  update.set_request_id(ClaimReviewRequestId(ClaimIdOf(review.name()), item,
                                             stored.evidence_size()));
  return plan;
}

void ImportCounts::Add(ImportResult result) {
  switch (result) {
    case ImportResult::kCreated:
      ++created;
      break;
    case ImportResult::kUpdated:
      ++updated;
      break;
    case ImportResult::kUnchanged:
      ++unchanged;
      break;
    case ImportResult::kSkipped:
      ++skipped;
      break;
    case ImportResult::kFailed:
      ++failed;
      break;
  }
}

std::string ImportSummary(const ImportCounts& counts) {
  std::string summary =
      absl::StrCat("imported ", counts.total(),
                   counts.total() == 1 ? " line: " : " lines: ", counts.created,
                   " created, ", counts.updated, " updated, ", counts.unchanged,
                   " unchanged, ", counts.failed, " failed");
  if (counts.skipped > 0)
    absl::StrAppend(&summary, ", ", counts.skipped, " skipped");
  return summary;
}

std::string ImportOutcomeJson(const ImportOutcome& outcome) {
  std::string json = absl::StrCat("{\"line\":", outcome.line);
  if (!outcome.name.empty()) {
    json.append(",\"name\":");
    AppendJsonString(outcome.name, &json);
  }
  absl::StrAppend(&json, ",\"result\":\"", ImportResultName(outcome.result),
                  "\"");
  if (!outcome.error.empty()) {
    json.append(",\"error\":");
    AppendJsonString(outcome.error, &json);
  }
  json.push_back('}');
  return json;
}

}  // namespace claimd::client
