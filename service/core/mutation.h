// The three ways a claim changes (create, update status, delete) and the pure
// rules that turn a mutation plus the stored claim into the event that records
// it.
//
// Every store backend runs the same rules: it reads the current claim inside
// its transaction, calls ApplyMutation, and writes the resulting event at
// `revision`. Nothing here touches I/O or clocks; the caller passes the
// revision and the time. Thread-safety: pure functions over values.
#ifndef CLAIMD_SERVICE_CORE_MUTATION_H_
#define CLAIMD_SERVICE_CORE_MUTATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/core/claim.h"

namespace claimd::core {

struct CreateClaim {
  // id (already chosen: generated or given), statement, status (kUnspecified
  // means kReported), labels and optional initial evidence. Output-only fields
  // are ignored.
  Claim claim;
  // True when the server made up claim.id; the id then does not count in the
  // fingerprint, so a retry (which gets a new id) is still recognised as the
  // same request.
  bool id_generated = false;
};

struct UpdateClaimStatus {
  std::string claim_id;
  VerificationStatus status = VerificationStatus::kUnspecified;
  Evidence evidence;  // output-only fields (status, revision) are ignored
  int64_t expected_revision = 0;  // 0: no compare-and-set
};

struct DeleteClaim {
  std::string claim_id;
  int64_t expected_revision = 0;
  // The authenticated caller (set by the server, never by the client);
  // recorded as the DELETED event's actor.
  std::string actor;
};

struct Mutation {
  std::variant<CreateClaim, UpdateClaimStatus, DeleteClaim> op;
  // Idempotency key (AIP-155); empty for none.
  std::string request_id;

  const std::string& claim_id() const;
};

// Checks every caller-supplied field against limits.h and the id/label grammar.
// Errors: INVALID_ARGUMENT naming the field ("claim.evidence[2].url: ...").
absl::Status ValidateMutation(const Mutation& mutation);

// Computes the event that `mutation` makes when the stored claim is `current`
// (nullptr when there is none). Fills revision, times, evidence status/revision
// and create/update fields. Errors: NOT_FOUND (update/delete of a missing
// claim), ALREADY_EXISTS (create over an existing one), ABORTED
// (expected_revision stale), FAILED_PRECONDITION (evidence full),
// INVALID_ARGUMENT (nothing to record).
absl::StatusOr<ClaimEvent> ApplyMutation(const Mutation& mutation,
                                         const Claim* current, int64_t revision,
                                         absl::Time now);

// A stable 64-bit digest of everything a mutation asks for (not its
// request_id), so a reused request_id with a different request can be told
// apart from a retry.
uint64_t MutationFingerprint(const Mutation& mutation);

}  // namespace claimd::core

#endif  // CLAIMD_SERVICE_CORE_MUTATION_H_
