#include "client/cli/registry.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace claimd::client {
namespace {

// Function-local: registrations run during static initialization, in an
// unspecified order across files.
std::vector<std::unique_ptr<CommandSpec>>& Registry() {
  static auto* registry = new std::vector<std::unique_ptr<CommandSpec>>();
  return *registry;
}

}  // namespace

const char* CommandGroupTitle(CommandGroup group) {
  switch (group) {
    case CommandGroup::kBasic:
      return "Basic Commands";
    case CommandGroup::kVerdicts:
      return "Verdict Commands";
    case CommandGroup::kMonitoring:
      return "Monitoring Commands";
    case CommandGroup::kBulk:
      return "Import and Export Commands";
    case CommandGroup::kSettings:
      return "Settings Commands";
    case CommandGroup::kOther:
      return "Other Commands";
  }
  return "Other Commands";
}

bool RegisterCommand(CommandSpec spec) {
  Registry().push_back(std::make_unique<CommandSpec>(std::move(spec)));
  return true;
}

std::vector<const CommandSpec*> RegisteredCommands() {
  std::vector<const CommandSpec*> specs;
  for (const auto& spec : Registry()) specs.push_back(spec.get());
  std::sort(specs.begin(), specs.end(),
            [](const CommandSpec* a, const CommandSpec* b) {
              if (a->group != b->group) return a->group < b->group;
              return a->name < b->name;
            });
  return specs;
}

std::vector<std::string> RegisteredCommandNames() {
  std::vector<std::string> names;
  for (const CommandSpec* spec : RegisteredCommands()) {
    names.push_back(spec->name);
  }
  return names;
}

}  // namespace claimd::client
