// claimctl config: named contexts in claimctl's config file (cli/config_file.h)
// and which one is current, as `kubectl config` does.
#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/config_file.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/render/text.h"

namespace claimd::client {
namespace {

struct ConfigFlags {
  CLI::App* use_context = nullptr;
  CLI::App* set_context = nullptr;
  CLI::App* get_contexts = nullptr;
  CLI::App* current_context = nullptr;
  CLI::App* view = nullptr;
  std::string name;
  ContextSettings settings;
  bool raw = false;
};

// The file as it is, for `config view` of a broken file: numbered lines (the
// error names one), secret values masked unless --raw.
void PrintNumberedFile(CommandContext& context, const std::string& path,
                       bool raw) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  for (int number = 1; number <= 100000 && std::getline(in, line); ++number) {
    if (!raw) {
      const std::string key(
          absl::StripAsciiWhitespace(line.substr(0, line.find('='))));
      for (const ContextField& field : ContextFields()) {
        if (field.secret && key == field.key &&
            line.find('=') != std::string::npos) {
          line = absl::StrCat(field.key, " = REDACTED");
        }
      }
    }
    context.out() << absl::StrFormat("%4d  ", number) << Sanitize(line) << "\n";
  }
  context.out().flush();
}

// `config view`: the contexts as the file holds them (what FormatConfig
// writes), secrets REDACTED unless --raw.
int RunView(CommandContext& context, const ConfigFlags& flags,
            const absl::StatusOr<ClaimctlConfig>& config) {
  const std::string& path = context.env().config_path;
  if (!config.ok()) {
    context.err() << "claimctl: " << Sanitize(config.status().message())
                  << "; edit it, or `claimctl config set-context` after "
                     "moving it away"
                  << std::endl;
    PrintNumberedFile(context, path, flags.raw);
    return ExitCodeFor(config.status());
  }
  ClaimctlConfig shown = *config;
  if (!flags.raw) {
    for (auto& [name, settings] : shown.contexts) {
      for (const ContextField& field : ContextFields()) {
        std::string& value = settings.*(field.member);
        if (field.secret && !value.empty()) value = "REDACTED";
      }
    }
  }
  context.out() << "# " << Sanitize(path.empty() ? "(no config file)" : path)
                << "\n"
                << Sanitize(FormatConfig(shown), /*keep_newlines=*/true);
  context.out().flush();
  return kExitOk;
}

int RunConfig(CommandContext& context, const ConfigFlags& flags) {
  const std::string& path = context.env().config_path;
  absl::StatusOr<ClaimctlConfig> config = LoadConfig(path);
  if (flags.view->parsed()) return RunView(context, flags, config);
  if (!config.ok()) {
    // Rewriting a file that did not parse would lose what it holds.
    return context.Fail("config", config.status(),
                        "see it with `claimctl config view` and edit it");
  }
  if (flags.current_context->parsed()) {
    if (config->current_context.empty()) {
      return context.Fail("config current-context",
                          absl::NotFoundError("no current context"),
                          "run `claimctl config use-context NAME`");
    }
    context.PrintLine(config->current_context);
    return kExitOk;
  }
  if (flags.get_contexts->parsed()) {
    TextTable table({"CURRENT", "NAME", "SERVER"});
    for (const auto& [name, settings] : config->contexts) {
      table.AddRow({name == config->current_context ? "*" : "", Sanitize(name),
                    Sanitize(settings.server)});
    }
    context.out() << table.Render(0, !context.flags().no_headers);
    context.out().flush();
    return kExitOk;
  }
  if (flags.use_context->parsed()) {
    if (!config->contexts.contains(flags.name)) {
      return context.Fail(
          absl::StrCat("config use-context ", flags.name),
          absl::NotFoundError(absl::StrCat("no context \"", flags.name, "\"")),
          "see `claimctl config get-contexts`");
    }
    config->current_context = flags.name;
  } else {
    ContextSettings& settings = config->contexts[flags.name];
    for (const ContextField& field : ContextFields()) {
      const std::string& given = flags.settings.*(field.member);
      if (!given.empty()) settings.*(field.member) = given;
    }
  }
  if (absl::Status saved = SaveConfig(*config, path); !saved.ok()) {
    return context.Fail("config", saved);
  }
  context.PrintLine(
      flags.use_context->parsed()
          ? absl::StrCat("Switched to context \"", flags.name, "\" (", path,
                         ")")
          : absl::StrCat("Context \"", flags.name, "\" saved (", path, ")"));
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "config",
    .group = CommandGroup::kSettings,
    .summary = "Named contexts (server, TLS files, token) and the current one",
    .description =
        "The file is $CLAIMCTL_CONFIG, else ~/.config/claimctl/config. "
        "Flags and CLAIMD_ADDR / CLAIMCTL_* variables override the current "
        "context.",
    .examples = "claimctl config set-context prod --server "
                "10.0.0.1:50051,10.0.0.2:50051 --cacert ca.pem\n"
                "claimctl config use-context prod\n"
                "claimctl config get-contexts\n"
                "claimctl config current-context\n"
                "claimctl config view",
    .notes =
        "A config file that does not parse stops every other command with "
        "one line naming the file and the line; `config view` still shows "
        "it, so it can be fixed (or point CLAIMCTL_CONFIG at another file).",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<ConfigFlags>();
      command.require_subcommand(1);
      flags->use_context = command.add_subcommand(
          "use-context", "Make NAME the current context");
      flags->use_context->add_option("NAME", flags->name, "context name")
          ->required();
      flags->set_context = command.add_subcommand(
          "set-context", "Create or change context NAME");
      flags->set_context->add_option("NAME", flags->name, "context name")
          ->required();
      for (const ContextField& field : ContextFields()) {
        flags->set_context->add_option(
            absl::StrCat("--", field.key), flags->settings.*(field.member),
            field.secret
                ? absl::StrCat(field.help, " (stored in the file, mode 0600)")
                : std::string(field.help));
      }
      flags->get_contexts =
          command.add_subcommand("get-contexts", "List the contexts");
      flags->current_context = command.add_subcommand(
          "current-context", "Print the current context's name");
      flags->view = command.add_subcommand(
          "view",
          "Print the file's contexts; a broken file is printed as it is, "
          "with line numbers, after what is wrong with it");
      flags->view->add_flag("--raw", flags->raw,
                            "show secrets (token) instead of REDACTED");
      return [flags](CommandContext& context) {
        return RunConfig(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
