// claimctl's config file: named contexts (a server and its TLS files and
// token), one of them current, like kubectl's kubeconfig. Flags and the
// environment (CLAIMD_ADDR, CLAIMCTL_*) override the current context.
//
//   # ~/.config/claimctl/config (or $CLAIMCTL_CONFIG)
//   current-context = prod
//   [context prod]
//   server = 10.0.0.1:50051,10.0.0.2:50051
//   cacert = /etc/claimd/ca.pem
//   token = ...
//
// Lines are "key = value"; "#" starts a comment line; unknown keys are
// errors, so a typo is not silently ignored. A context's keys are written
// once, in ContextFields(): parsing, formatting, `config set-context` and
// `config view`, the global flags they default and the help texts all read
// that table.
//
// A broken file (ConfigFileError) stops every command but `claimctl config`,
// which shows it (`config view`) so it can be fixed, as kubectl does with a
// broken kubeconfig; CLAIMCTL_CONFIG names another file.
//
// Thread-safety: a value type; Load and Save touch the file, one caller at a
// time.
#ifndef CLAIMD_CLIENT_CLI_CONFIG_FILE_H_
#define CLAIMD_CLIENT_CLI_CONFIG_FILE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace claimd::client {

struct ContextSettings {
  std::string server;
  std::string cacert;
  std::string cert;
  std::string key;
  std::string token;
};

// One setting of a context: its key in the file, which is also the name of
// the global flag it defaults (--KEY) and of `config set-context --KEY`.
struct ContextField {
  const char* key;
  // The environment variable that overrides it, like the flag.
  const char* env;
  // For help texts: what the value is.
  const char* help;
  std::string ContextSettings::*member;
  // Secret: `config view` shows it as REDACTED unless --raw.
  bool secret = false;
};

// Every field of a context, in the file's order: server, cacert, cert, key,
// token.
const std::vector<ContextField>& ContextFields();

// "server, cacert, cert, key, token".
std::string ContextFieldKeys();

struct ClaimctlConfig {
  std::string current_context;
  std::map<std::string, ContextSettings> contexts;
};

// Parses the file's text. INVALID_ARGUMENT "line N: what is wrong" for a
// malformed line or an unknown key.
absl::StatusOr<ClaimctlConfig> ParseConfig(absl::string_view text);
// The file's text for `config` (what ParseConfig reads back).
std::string FormatConfig(const ClaimctlConfig& config);

// Reads `path`; a missing file is an empty config. Errors name the file:
// INVALID_ARGUMENT "config file PATH line N: ..." for a broken one,
// PERMISSION_DENIED "cannot read config file PATH".
absl::StatusOr<ClaimctlConfig> LoadConfig(const std::string& path);
// Writes `path` (mode 0600: it may hold tokens), creating its folder.
absl::Status SaveConfig(const ClaimctlConfig& config, const std::string& path);

// $CLAIMCTL_CONFIG, else $HOME/.config/claimctl/config, else "".
std::string DefaultConfigPath(const char* claimctl_config, const char* home);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_CONFIG_FILE_H_
