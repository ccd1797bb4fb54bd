// The registry of claimctl's commands: the one way to add a command.
//
// Each command lives in one file under client/commands/ and registers itself
// there, at static initialization, with its name, its place in `claimctl
// --help`, a one-line summary, examples, and a setup function that declares
// its arguments and flags on the CLI11 subcommand and returns how to run it:
//
//   namespace {
//   [[maybe_unused]] const bool kRegistered = RegisterCommand({
//       .name = "get",
//       .group = CommandGroup::kBasic,
//       .summary = "Show one claim and its evidence",
//       .examples = "claimctl get border\nclaimctl get border -o yaml",
//       .setup = [](CLI::App& command) -> CommandRun {
//         auto id = std::make_shared<std::string>();
//         command.add_option("ID", *id, "claim ID")->required();
//         return [id](CommandContext& context) { return RunGet(context, *id);
//         };
//       },
//   });
//   }  // namespace
//
// client/CMakeLists.txt compiles every commands/*_command.cc into claimctl
// directly (an object library), so no linker drops a file whose only
// reference is its registration; adding a command touches one new file.
//
// Thread-safety: RegisterCommand runs during static initialization (one
// thread); RegisteredCommands is read-only afterwards.
#ifndef CLAIMD_CLIENT_CLI_REGISTRY_H_
#define CLAIMD_CLIENT_CLI_REGISTRY_H_

#include <functional>
#include <string>
#include <vector>

#include "client/cli/command_context.h"

namespace CLI {
class App;
}  // namespace CLI

namespace claimd::client {

// The sections of `claimctl --help`, in the order shown.
enum class CommandGroup {
  kBasic,       // create, get, list, delete, history
  kVerdicts,    // confirm, deny, report
  kMonitoring,  // watch, top
  kBulk,        // import, export
  kSettings,    // config, completion
  kOther,       // health, version
};

// The section title, e.g. "Basic Commands".
const char* CommandGroupTitle(CommandGroup group);

// Runs a command whose flags were parsed; returns the exit code.
using CommandRun = std::function<int(CommandContext&)>;

struct CommandSpec {
  std::string name;
  CommandGroup group = CommandGroup::kOther;
  // One line, no final period: `claimctl --help` lists it after the name.
  std::string summary;
  // Optional paragraphs for `claimctl NAME --help`, after the summary.
  std::string description;
  // Command lines, one per line, without indentation: "Examples:" in the
  // command's help.
  std::string examples;
  // Optional text after the examples (keys, output formats, exit codes).
  std::string notes;
  // Declares arguments and flags on `command`; returns the run function bound
  // to the values they parse into.
  std::function<CommandRun(CLI::App& command)> setup;
};

// Adds `spec`; returns true so it can initialize a namespace-scope constant.
bool RegisterCommand(CommandSpec spec);

// Every registered command, by group, then by name.
std::vector<const CommandSpec*> RegisteredCommands();

// Every registered name, for completion and typo suggestions.
std::vector<std::string> RegisteredCommandNames();

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_REGISTRY_H_
