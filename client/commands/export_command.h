// claimctl export: every matching claim as JSON Lines (or ClaimReview) on
// stdout, read through the client's pager.
//
// Thread-safety: one command run at a time.
#ifndef CLAIMD_CLIENT_COMMANDS_EXPORT_COMMAND_H_
#define CLAIMD_CLIENT_COMMANDS_EXPORT_COMMAND_H_

#include <string>

#include "client/cli/command_context.h"

namespace claimd::client {

struct ExportFlags {
  std::string filter;
  std::string format = "jsonl";  // or "claimreview"
};

// Writes every matching claim to stdout, one JSON object per line, and a
// count to stderr. jsonl: claims.v1.Claim in the proto JSON mapping (what
// `import` reads); claimreview: schema.org ClaimReview (claim_review.h).
int RunExport(CommandContext& context, const ExportFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_EXPORT_COMMAND_H_
