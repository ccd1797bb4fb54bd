#include "service/core/claim_store.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace claimd::core {

absl::StatusOr<MutationResult> ClaimStore::Apply(Mutation mutation) {
  absl::Notification done;
  absl::StatusOr<MutationResult> result;
  Submit(std::move(mutation), [&result,
                               &done](absl::StatusOr<MutationResult> outcome) {
    result = std::move(outcome);
    done.Notify();  // the waiter may destroy `done` as soon as it sees this
  });
  done.WaitForNotification();
  return result;
}

}  // namespace claimd::core
