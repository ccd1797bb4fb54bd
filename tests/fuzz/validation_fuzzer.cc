// libFuzzer target: the validators that see raw caller text: claim ids and
// resource names, UTF-8, page tokens, the bearer header and the credentials
// file parser. The first byte picks one; the rest is the input.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "service/auth/credential_table.h"
#include "service/core/claim_id.h"
#include "service/core/page_token.h"
#include "service/util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 5;
  absl::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (which) {
    case 0:
      static_cast<void>(claimd::core::ValidateClaimId(text, "claim_id"));
      break;
    case 1:
      static_cast<void>(claimd::core::ParseClaimName(text, "name"));
      break;
    case 2:
      claimd::util::IsValidUtf8(text);
      break;
    case 3: {
      // A token decoded against a scope, and one we issued round-tripping.
      static_cast<void>(claimd::core::DecodePageToken(text, "status = DENIED"));
      std::string token = claimd::core::EncodePageToken(text, "after");
      absl::StatusOr<std::string> back =
          claimd::core::DecodePageToken(token, text);
      if (!back.ok() || *back != "after") __builtin_trap();
      break;
    }
    case 4: {
      claimd::auth::ParseBearerHeader(text);
      absl::StatusOr<claimd::auth::CredentialTable> table =
          claimd::auth::CredentialTable::Parse(text);
      if (table.ok()) table->FindToken("token");
      break;
    }
    default:  // unreachable: which is below 5
      break;
  }
  return 0;
}
