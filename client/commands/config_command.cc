// claimctl config: named contexts in claimctl's config file (cli/config_file.h)
// and which one is current, as `kubectl config` does.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
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
  std::string name;
  ContextSettings settings;
};

int RunConfig(CommandContext& context, const ConfigFlags& flags) {
  const std::string& path = context.env().config_path;
  absl::StatusOr<ClaimctlConfig> config = LoadConfig(path);
  if (!config.ok()) return context.Fail("config", config.status());
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
    const ContextSettings& given = flags.settings;
    if (!given.server.empty()) settings.server = given.server;
    if (!given.cacert.empty()) settings.cacert = given.cacert;
    if (!given.cert.empty()) settings.cert = given.cert;
    if (!given.key.empty()) settings.key = given.key;
    if (!given.token.empty()) settings.token = given.token;
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
                "claimctl config current-context",
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
      flags->set_context->add_option("--server", flags->settings.server,
                                     "claimd address(es), as --server");
      flags->set_context->add_option("--cacert", flags->settings.cacert,
                                     "PEM CA bundle");
      flags->set_context->add_option("--cert", flags->settings.cert,
                                     "client certificate (PEM)");
      flags->set_context->add_option("--key", flags->settings.key,
                                     "private key (PEM) of --cert");
      flags->set_context->add_option("--token", flags->settings.token,
                                     "bearer token (stored in the file, mode "
                                     "0600)");
      flags->get_contexts =
          command.add_subcommand("get-contexts", "List the contexts");
      flags->current_context = command.add_subcommand(
          "current-context", "Print the current context's name");
      return [flags](CommandContext& context) {
        return RunConfig(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
