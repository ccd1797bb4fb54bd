// `claimctl import FILE`: loading claims from a JSON Lines file, idempotently.
//
// Each non-empty line is a claims.v1.Claim in the proto JSON mapping (see
// deploy/sample/claims.jsonl; `claimctl list -o json` prints the same form).
// Its `evidence` list is replayed in order: evidence[0] creates the claim
// (CreateClaim, with that item's status), each later item i is an
// UpdateClaimStatus. Every request carries the request_id
// ImportRequestId(claim_id, i), so the server answers a repeat with the first
// result, and each update carries the revision it was planned against as
// expected_revision, so it never lands after someone else's change.
//
// Before writing a line, the importer reads the claim (GetClaim) and plans
// against it (PlanImport): absent -> create and every update ("created");
// present with a prefix of the line's evidence -> only the missing updates
// ("updated"); present with all of it -> nothing ("unchanged"); present with
// another statement, labels or evidence -> nothing ("skipped", reported). A
// claim that was deleted (GetClaim NOT_FOUND, but ListClaimEvents has its
// history) is skipped too: the server may still remember its request_ids and
// would answer them without writing. A line without `name` gets a
// server-generated id and is created on every import: such lines are not
// idempotent.
//
//   absl::StatusOr<claims::v1::Claim> line = ParseImportLine(text);
//   ImportPlan plan = PlanImport(*line, existing, "alice");
//   // plan.result == ImportResult::kUpdated; plan.updates: the missing items
//
// With --format claimreview or factcheck-api each entry is a review instead
// (claim_review.h, factcheck_api.h), its verdict read with the verdict table
// (verdict_table.h: the shipped verdicts.tsv plus --verdicts FILE), and
// planned by PlanClaimReviewImport. The input is split into entries by
// SplitImportInput (import_input.h); on a terminal a progress bar runs on
// stderr (progress_bar.h). After --max_errors failed entries the import
// stops.
//
// import.cc holds the pure functions (parsing, planning, formatting);
// import_command.cc holds RunImport, which does the I/O.
//
// Thread-safety: pure functions; RunImport belongs to one command run.
#ifndef CLAIMD_CLIENT_FORMATS_IMPORT_H_
#define CLAIMD_CLIENT_FORMATS_IMPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "claims/v1/claims.pb.h"
#include "client/cli/command_context.h"

namespace claimd::client {

enum class ImportResult { kCreated, kUpdated, kUnchanged, kSkipped, kFailed };

// "created", "updated", "unchanged", "skipped", "failed".
absl::string_view ImportResultName(ImportResult result);

// "import:" + claim_id + ":" + evidence_index; index 0 is the create.
std::string ImportRequestId(absl::string_view claim_id, int evidence_index);

// One line of a JSON Lines file -> the claim it describes. Output-only fields
// (revision, times, evidence revision) are ignored. INVALID_ARGUMENT, naming
// the field, when the text is not a Claim in the proto JSON mapping (unknown
// fields included), `name` is neither empty nor "claims/ID", `statement` is
// empty, an item after the first lacks `status` or `source` (both are required
// by UpdateClaimStatus), or `status` is set and differs from the verdict the
// evidence ends with.
absl::StatusOr<claims::v1::Claim> ParseImportLine(absl::string_view text);

// The requests that bring the server from `existing` to what `line` says.
struct ImportPlan {
  // What the line becomes when every request succeeds.
  ImportResult result = ImportResult::kUnchanged;
  // For kSkipped: why (ALREADY_EXISTS), e.g. "claims/x already exists with
  // another statement".
  absl::Status skip_reason;
  // Set when the claim is to be created. For a line without `name` claim_id
  // and request_id are empty: the server picks the id, the caller sets a
  // fresh request_id.
  std::optional<claims::v1::CreateClaimRequest> create;
  // UpdateClaimStatus requests for evidence items first_update_index, ...
  // expected_revision is left 0 for the caller to chain; for a line without
  // `name`, `name` and request_id are empty until the create names the claim.
  std::vector<claims::v1::UpdateClaimStatusRequest> updates;
  int first_update_index = 0;
};

// Plans one parsed line (ParseImportLine) against the stored claim of the same
// name, nullopt when there is none. Evidence without `actor` gets
// `default_actor`. Stored evidence matches a line's item when source, url,
// quote, note and status are equal (actor and time are not compared).
ImportPlan PlanImport(const claims::v1::Claim& line,
                      const std::optional<claims::v1::Claim>& existing,
                      absl::string_view default_actor);

// Plans one ClaimReview (ParseClaimReview in claim_review.h: a name, a
// status, at most one evidence item) against the stored claim. Absent:
// created as PlanImport does. Present with another statement: skipped, unless
// the claim's id is one claimctl derived from the publisher and its
// identifier (cr-...): then the publisher reworded the claim in a correction,
// and the review is planned as below, its new wording in the note.
// Otherwise the review is compared with the newest evidence item of the same
// source and url (publishers correct their verdicts, so an older item of
// theirs no longer counts): the same status -> unchanged; another status ->
// updated, one UpdateClaimStatus with the review's verdict and evidence,
// request_id ClaimReviewRequestId; but when both carry a time and the
// review's is older -> skipped (FAILED_PRECONDITION naming the newer
// review's time), so a stale copy of a feed does not undo a correction. No
// item of that source and url: updated. A review without an author cannot
// update (the server needs a source): unchanged when the claim already has
// its status, else skipped.
ImportPlan PlanClaimReviewImport(
    const claims::v1::Claim& review,
    const std::optional<claims::v1::Claim>& existing,
    absl::string_view default_actor);

// "import:ID:N:review-" + 16 hex digits of a hash of the evidence's source,
// url and status, where N is the evidence index the update makes
// (`evidence_index`: the number of items the plan was made against). A retry
// of the same plan is the same request; the same verdict given again after a
// change in between (False, Mostly True, False) is a new one.
std::string ClaimReviewRequestId(absl::string_view claim_id,
                                 const claims::v1::Evidence& evidence,
                                 int evidence_index);

struct ImportCounts {
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t skipped = 0;
  int64_t failed = 0;

  void Add(ImportResult result);
  int64_t total() const {
    return created + updated + unchanged + skipped + failed;
  }
};

// "imported 7 lines: 5 created, 1 updated, 0 unchanged, 1 failed", then
// ", 2 skipped" when any line was skipped.
std::string ImportSummary(const ImportCounts& counts);

// What became of one line, as -o json prints it.
struct ImportOutcome {
  int64_t line = 0;
  std::string name;  // empty when unknown (a line that does not parse)
  ImportResult result = ImportResult::kFailed;
  std::string error;  // why it failed or was skipped; else empty
};

// {"line":3,"name":"claims/x","result":"failed","error":"..."} on one line,
// without a newline; "name" and "error" only when not empty. Strings are
// escaped per RFC 8259; invalid UTF-8 becomes U+FFFD.
std::string ImportOutcomeJson(const ImportOutcome& outcome);

struct ImportFlags {
  std::string file;   // "-": CliEnvironment::in
  std::string actor;  // default actor of the evidence ($USER)
  // "jsonl": claims.v1.Claim per line; "claimreview": schema.org ClaimReview
  // JSON-LD or HTML pages (claim_review.h); "factcheck-api": Fact Check Tools
  // API claims:search responses and markup pages (factcheck_api.h).
  std::string format = "jsonl";
  // Extra verdict rows (verdict_table.h) for claimreview and factcheck-api;
  // "" for the shipped table alone.
  std::string verdicts;
  // Stop after this many failed entries; 0: never.
  int64_t max_errors = 100;
};

// Imports every entry of flags.file. Per-entry failures and skips go to
// stderr as "claimctl: import FILE:LINE[ (DETAIL)]: ...", warnings (a rating
// not in the verdict table, a date that is not a date) as "...: warning:
// ..."; with -o json each entry's outcome goes to stdout. The summary goes to
// stdout (stderr with -o json). Returns 0 when no entry failed, 1 when some
// did (or --max_errors stopped the import), 2 when the file or the verdicts
// file cannot be read or used, and 5 when the server cannot be reached
// (UNAVAILABLE or DEADLINE_EXCEEDED after the client's retries): the import
// stops at that entry.
int RunImport(CommandContext& context, const ImportFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_FORMATS_IMPORT_H_
