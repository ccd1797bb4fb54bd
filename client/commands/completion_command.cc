// claimctl completion bash|zsh|fish: a shell completion script for the
// registered commands and the global flags.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"

namespace claimd::client {
namespace {

// The global flags, read from the parser itself (they are added before any
// command's setup runs), so the script never falls behind the flags.
std::string GlobalFlags(const CLI::App& app) {
  std::vector<std::string> flags;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      flags.push_back(absl::StrCat("--", name));
    }
    for (const std::string& name : option->get_snames()) {
      flags.push_back(absl::StrCat("-", name));
    }
  }
  return absl::StrJoin(flags, " ");
}

std::string Script(const std::string& shell, const std::string& flags) {
  const std::string commands = absl::StrJoin(RegisteredCommandNames(), " ");
  if (shell == "bash") {
    return absl::StrCat(
        "# claimctl completion for bash: source <(claimctl completion bash)\n"
        "_claimctl() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]}\n"
        "  if [[ $cur == -* ]]; then\n"
        "    COMPREPLY=($(compgen -W \"",
        flags,
        "\" -- \"$cur\"))\n"
        "  elif [[ $COMP_CWORD -eq 1 ]]; then\n"
        "    COMPREPLY=($(compgen -W \"",
        commands,
        "\" -- \"$cur\"))\n"
        "  else\n"
        "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "  fi\n"
        "}\n"
        "complete -F _claimctl claimctl\n");
  }
  if (shell == "zsh") {
    return absl::StrCat(
        "#compdef claimctl\n"
        "# claimctl completion for zsh: claimctl completion zsh > "
        "\"${fpath[1]}/_claimctl\"\n"
        "_arguments '1:command:(",
        commands, ")' '*::argument:_files'\n");
  }
  std::string fish =
      "# claimctl completion for fish: claimctl completion fish | source\n";
  for (const CommandSpec* spec : RegisteredCommands()) {
    absl::StrAppend(&fish,
                    "complete -c claimctl -f -n __fish_use_subcommand -a ",
                    spec->name, " -d '",
                    absl::StrReplaceAll(spec->summary, {{"'", "\\'"}}), "'\n");
  }
  return fish;
}

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "completion",
    .group = CommandGroup::kSettings,
    .summary = "Print a shell completion script (bash, zsh or fish)",
    .examples = "source <(claimctl completion bash)\n"
                "claimctl completion zsh > \"${fpath[1]}/_claimctl\"\n"
                "claimctl completion fish | source",
    .setup = [](CLI::App& command) -> CommandRun {
      auto shell = std::make_shared<std::string>();
      command.add_option("SHELL", *shell, "bash, zsh or fish")
          ->required()
          ->check(CLI::IsMember({"bash", "zsh", "fish"}));
      const std::string flags = GlobalFlags(*command.get_parent());
      return [shell, flags](CommandContext& context) {
        context.out() << Script(*shell, flags);
        context.out().flush();
        return kExitOk;
      };
    },
});

}  // namespace
}  // namespace claimd::client
