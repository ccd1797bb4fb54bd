#include "service/core/metrics.h"

namespace claimd::core {

Metrics& NoMetrics() {
  static Metrics* const no_metrics = new Metrics();
  return *no_metrics;
}

StatusChange StatusChangeOf(const ClaimEvent& event) {
  switch (event.type) {
    case EventType::kCreated:
      return {.added = event.claim.status};
    case EventType::kDeleted:
      return {.removed = event.claim.status};
    case EventType::kStatusChanged:
    case EventType::kEvidenceAdded:
      if (event.previous_status == event.claim.status) return {};
      return {.removed = event.previous_status, .added = event.claim.status};
    case EventType::kSnapshot:
    case EventType::kUnspecified:
      break;
  }
  return {};
}

}  // namespace claimd::core
