#include "service/auth/credential_table.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "service/auth/sha256.h"

namespace claimd::auth {
namespace {

constexpr size_t kMaxNameBytes = 128;
constexpr absl::string_view kHashPrefix = "sha256:";

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._@:+-", c)) {
      return false;
    }
  }
  return true;
}

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        (c < 'a' || c > 'f')) {
      return false;
    }
  }
  return true;
}

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("credentials line ", line, ": ", what));
}

}  // namespace

absl::StatusOr<CredentialTable> CredentialTable::Parse(absl::string_view text) {
  CredentialTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    const bool is_token = fields[0] == "token";
    if (!is_token && fields[0] != "cert") {
      return LineError(line_number, "expected 'token' or 'cert'");
    }
    const size_t expected = is_token ? 4 : 3;
    if (fields.size() != expected) {
      return LineError(line_number,
                       is_token
                           ? "expected: token sha256:<hex> <identity> <role>"
                           : "expected: cert <common name> <role>");
    }
    std::optional<Role> role = ParseRole(fields.back());
    if (!role.has_value()) {
      return LineError(line_number, "role must be reader, writer or admin");
    }
    absl::string_view name = fields[expected - 2];
    if (!IsValidName(name)) {
      return LineError(line_number,
                       "names are 1-128 characters of [A-Za-z0-9._@:+-]");
    }
    Identity identity{.name = std::string(name), .role = *role};
    if (!is_token) {
      table.certificates_.push_back(std::move(identity));
      continue;
    }
    absl::string_view hash = fields[1];
    if (!absl::ConsumePrefix(&hash, kHashPrefix) || hash.size() != 64 ||
        !IsLowerHex(hash)) {
      return LineError(line_number,
                       "the token must be sha256: and 64 lowercase hex digits "
                       "(claimd --hash_token=TOKEN prints it)");
    }
    table.tokens_.push_back(
        TokenEntry{.sha256_hex = std::string(hash), .identity = identity});
  }
  return table;
}

absl::StatusOr<CredentialTable> CredentialTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the credentials file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<CredentialTable> table = Parse(text.str());
  if (!table.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", table.status().message()));
  }
  return table;
}

std::optional<Identity> CredentialTable::FindToken(
    absl::string_view token) const {
  const std::string hash = Sha256Hex(token);
  std::optional<Identity> found;
  for (const TokenEntry& entry : tokens_) {
    if (ConstantTimeEquals(hash, entry.sha256_hex) && !found.has_value()) {
      found = entry.identity;
    }
  }
  return found;
}

std::optional<Identity> CredentialTable::FindCertificate(
    absl::string_view common_name) const {
  for (const Identity& identity : certificates_) {
    if (identity.name == common_name) return identity;
  }
  return std::nullopt;
}

std::optional<absl::string_view> ParseBearerHeader(absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace claimd::auth
