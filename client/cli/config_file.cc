#include "client/cli/config_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace claimd::client {

const std::vector<ContextField>& ContextFields() {
  static const auto* const kFields = new std::vector<ContextField>{
      {"server", "CLAIMD_ADDR", "claimd address(es), host:port[,host:port]",
       &ContextSettings::server},
      {"cacert", "CLAIMCTL_CACERT", "PEM CA bundle that verifies the server",
       &ContextSettings::cacert},
      {"cert", "CLAIMCTL_CERT", "client certificate (PEM) for mutual TLS",
       &ContextSettings::cert},
      {"key", "CLAIMCTL_KEY", "private key (PEM) of cert",
       &ContextSettings::key},
      {"token", "CLAIMCTL_TOKEN", "bearer token sent with every call",
       &ContextSettings::token, /*secret=*/true},
  };
  return *kFields;
}

std::string ContextFieldKeys() {
  std::string keys;
  for (const ContextField& field : ContextFields()) {
    absl::StrAppend(&keys, keys.empty() ? "" : ", ", field.key);
  }
  return keys;
}

absl::StatusOr<ClaimctlConfig> ParseConfig(absl::string_view text) {
  ClaimctlConfig config;
  ContextSettings* context = nullptr;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    if (absl::ConsumePrefix(&line, "[context ")) {
      if (!absl::ConsumeSuffix(&line, "]") || line.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", number, ": expected [context NAME]"));
      }
      context = &config.contexts[std::string(absl::StripAsciiWhitespace(line))];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": expected KEY = VALUE"));
    }
    const std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    const std::string value(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (context == nullptr) {
      if (key != "current-context") {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", number, ": unknown key \"", key,
            "\" (before any [context NAME] only current-context)"));
      }
      config.current_context = value;
      continue;
    }
    const std::vector<ContextField>& fields = ContextFields();
    auto field =
        std::find_if(fields.begin(), fields.end(),
                     [&key](const ContextField& f) { return key == f.key; });
    if (field == fields.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": unknown key \"", key, "\" (",
                       ContextFieldKeys(), ")"));
    }
    (*context).*(field->member) = value;
  }
  return config;
}

std::string FormatConfig(const ClaimctlConfig& config) {
  std::string text = "# claimctl contexts; see `claimctl config --help`\n";
  if (!config.current_context.empty()) {
    absl::StrAppend(&text, "current-context = ", config.current_context, "\n");
  }
  for (const auto& [name, context] : config.contexts) {
    absl::StrAppend(&text, "\n[context ", name, "]\n");
    for (const ContextField& field : ContextFields()) {
      const std::string& value = context.*(field.member);
      if (!value.empty()) absl::StrAppend(&text, field.key, " = ", value, "\n");
    }
  }
  return text;
}

absl::StatusOr<ClaimctlConfig> LoadConfig(const std::string& path) {
  if (path.empty()) return ClaimctlConfig{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return ClaimctlConfig{};
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read config file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ClaimctlConfig> config = ParseConfig(text.str());
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config file ", path, " ", config.status().message()));
  }
  return config;
}

absl::Status SaveConfig(const ClaimctlConfig& config, const std::string& path) {
  if (path.empty()) {
    return absl::FailedPreconditionError(
        "no config file: set CLAIMCTL_CONFIG or HOME");
  }
  std::error_code error;
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError("cannot write " + temporary);
    out << FormatConfig(config);
    if (!out.flush()) return absl::InternalError("cannot write " + temporary);
  }
  chmod(temporary.c_str(), 0600);
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot replace ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

std::string DefaultConfigPath(const char* claimctl_config, const char* home) {
  if (claimctl_config != nullptr && claimctl_config[0] != '\0') {
    return claimctl_config;
  }
  if (home != nullptr && home[0] != '\0') {
    return absl::StrCat(home, "/.config/claimctl/config");
  }
  return "";
}

}  // namespace claimd::client
