// libFuzzer target: the AIP-160 filter parser (lexer, parser, depth and length
// limits) and evaluation of whatever it accepts against a claim and an event.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "service/core/claim.h"
#include "service/core/filter/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<claimd::core::Filter> filter =
      claimd::core::Filter::Parse(text);
  if (!filter.ok()) return 0;
  static const auto* const claim = [] {
    auto* claim = new claimd::core::Claim();
    claim->id = "dams";
    claim->statement = "The minister said the dams burst";
    claim->status = claimd::core::VerificationStatus::kConfirmed;
    claim->labels = {{"desk", "world"}, {"urgent", ""}};
    claim->evidence.push_back(claimd::core::Evidence{.source = "Agency"});
    claim->revision = 7;
    return claim;
  }();
  filter->Matches(*claim);
  claimd::core::ClaimEvent event;
  event.claim = *claim;
  event.revision = 8;
  filter->MatchesEvent(event);
  return 0;
}
