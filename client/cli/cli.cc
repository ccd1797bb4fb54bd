#include "client/cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "claimd/client/server_target.h"
#include "client/cli/config_file.h"
#include "client/cli/errors.h"
#include "client/cli/registry.h"
#include "client/render/text.h"

namespace claimd::client {
namespace {

// The version the build defines, as `claimctl version` prints it too.
constexpr char kVersion[] = "claimctl " CLAIMCTL_VERSION;

constexpr char kDescription[] =
    "claimctl: the command-line client of claimd, which keeps claims, their "
    "verdicts (REPORTED, CONFIRMED, DENIED), the evidence for them and the "
    "history of every change.\n"
    "IDs may be given as abc or claims/abc. Tables are for people; -o json "
    "prints the proto JSON mapping, one object per line.";

// After the context variables (EnvironmentHelp).
constexpr char kEnvironmentHelp[] =
    "  CLAIMCTL_CONFIG  the config file of named contexts (default: "
    "~/.config/claimctl/config; see `claimctl config --help`)\n"
    "  USER         default --actor of recorded evidence\n"
    "  NO_COLOR     set (non-empty) for no colours on a terminal\n"
    "\nExamples:\n"
    "  claimctl create \"Troops crossed the border at dawn\" --id border "
    "--source \"Israel Hayom\"\n"
    "  claimctl confirm border --source \"Ukrainian officials\" --url "
    "https://example.org/a\n"
    "  claimctl list --filter 'status = CONFIRMED'\n"
    "  claimctl get border --watch\n"
    "  claimctl config view\n"
    "  claimctl watch --snapshot -o json\n"
    "  claimctl top --filter 'status = REPORTED'\n"
    "  claimctl export > claims.jsonl\n"
    "  claimctl import deploy/sample/claims.jsonl\n";

// "Example:\n  a\n  b" and the notes, as a command's help footer.
std::string CommandFooter(const CommandSpec& spec) {
  std::string footer = absl::StrCat(
      "Example:\n  ", absl::StrReplaceAll(spec.examples, {{"\n", "\n  "}}));
  if (!spec.notes.empty()) absl::StrAppend(&footer, "\n\n", spec.notes);
  absl::StrAppend(&footer,
                  "\n\nGlobal flags --server, -o/--output and --timeout go "
                  "before or after the command; exit codes: see `claimctl "
                  "--help`.\n");
  return footer;
}

// The first argument that is not a flag (nor a global flag's value): what the
// user meant as the command.
std::string FirstWord(int argc, const char* const* argv) {
  static const char* const kWithValue[] = {"--server",  "-o",       "--output",
                                           "--timeout", "--cacert", "--cert",
                                           "--key",     "--token"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.empty() || arg[0] != '-') return arg;
    for (const char* flag : kWithValue) {
      if (arg == flag) ++i;  // skip its value
    }
  }
  return "";
}

// Levenshtein distance, for typo suggestions.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The registered command nearest to `word` (at most 2 edits, or a prefix),
// or "" when `word` is a command or nothing is near.
std::string NearestCommand(const std::string& word) {
  if (word.empty()) return "";
  std::string best;
  size_t best_distance = 3;
  for (const std::string& name : RegisteredCommandNames()) {
    if (name == word) return "";
    const size_t distance =
        name.rfind(word, 0) == 0 ? 1 : EditDistance(word, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

// The subcommand being parsed when parsing failed, or null.
const CLI::App* ParsedSubcommand(const CLI::App& app) {
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->parsed()) return command;
  }
  return nullptr;
}

// The global flag's value that a context's `field` defaults.
std::string& GlobalValue(GlobalFlags& global, const ContextField& field) {
  if (field.member == &ContextSettings::server) return global.server;
  if (field.member == &ContextSettings::cacert) return global.security.cacert;
  if (field.member == &ContextSettings::cert) return global.security.cert;
  if (field.member == &ContextSettings::key) return global.security.key;
  return global.security.token;
}

// The environment section of `claimctl --help`, its context variables from
// the one table of context fields.
std::string EnvironmentHelp() {
  std::string help = "\nEnvironment:\n";
  for (const ContextField& field : ContextFields()) {
    absl::StrAppend(&help, "  ", field.env, "  as --", field.key, "\n");
  }
  absl::StrAppend(&help, kEnvironmentHelp);
  return help;
}

// A duration flag's value: "10s", "500ms", "1m30s" or a plain number of
// seconds; finite, and positive (or also 0 when `zero_means` names what 0
// does).
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view what,
                                                 absl::string_view text,
                                                 absl::string_view zero_means) {
  absl::Duration duration;
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    duration = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " \"", text, "\" is not a duration like 10s, 500ms or 1m"));
  }
  const bool too_small = zero_means.empty() ? duration <= absl::ZeroDuration()
                                            : duration < absl::ZeroDuration();
  if (too_small || duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " \"", text, "\" must be ",
        zero_means.empty() ? "" : absl::StrCat("0 (", zero_means, ") or "),
        "positive and finite"));
  }
  return duration;
}

// The flag check that refuses what `parse` refuses, with its message.
CLI::Validator DurationCheck(
    absl::StatusOr<absl::Duration> (*parse)(absl::string_view)) {
  return CLI::Validator(
      [parse](const std::string& text) {
        absl::StatusOr<absl::Duration> parsed = parse(text);
        return parsed.ok() ? std::string()
                           : std::string(parsed.status().message());
      },
      "DURATION");
}

}  // namespace

absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text) {
  return ParseDurationFlag("timeout", text, "");
}

absl::StatusOr<absl::Duration> ParseKeepalive(absl::string_view text) {
  return ParseDurationFlag("keepalive", text, "off");
}

int RunClaimctl(int argc, const char* const* argv, const CliEnvironment& env) {
  GlobalFlags global;
  std::string timeout_text = "10s";
  std::string keepalive_text = "20s";

  CLI::App app(kDescription, "claimctl");
  app.footer(absl::StrCat(kExitCodesHelp, EnvironmentHelp()));
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", kVersion);
  app.add_option("--server", global.server,
                 "claimd address: host[:port] (port 50051), "
                 "http(s)://host:port, several IP addresses "
                 "(10.0.0.1:50051,10.0.0.2:50051, all IPv4 or all IPv6) or "
                 "one DNS name with several records; calls go to one that "
                 "is up, watches move on when theirs goes away. gRPC "
                 "targets (dns:, ipv4:, ipv6:, unix:) pass through")
      ->envname("CLAIMD_ADDR")
      ->capture_default_str();
  app.add_option(
         "-o,--output", global.output,
         "output format: table, wide (more columns), json, yaml or name")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml", "name"}))
      ->capture_default_str();
  app.add_option("--timeout", timeout_text,
                 "deadline of each call, retries included (e.g. 10s, 500ms)")
      ->check(DurationCheck(ParseTimeout))
      ->capture_default_str();
  app.add_option("--keepalive", keepalive_text,
                 "ping the server after this long without a word from it, and "
                 "move to another --server address when it does not answer "
                 "within the same time (at most 10s): a hung server is left, "
                 "not waited for (0: off; claimd refuses pings more often "
                 "than its --min_client_ping_interval, 10s)")
      ->check(DurationCheck(ParseKeepalive))
      ->capture_default_str();
  // Transport security, named like etcdctl's. The files must be readable and
  // not empty: an empty CA bundle would make gRPC fall back to the system's
  // roots, silently.
  const CLI::Validator pem_file(
      [](const std::string& path) -> std::string {
        std::ifstream in(path, std::ios::binary);
        if (!in) return "cannot read " + path;
        if (in.peek() == std::ifstream::traits_type::eof())
          return path + " is empty";
        return "";
      },
      "PEM FILE");
  app.add_option("--cacert", global.security.cacert,
                 "verify the server with this PEM CA bundle (turns on TLS)")
      ->envname("CLAIMCTL_CACERT")
      ->check(pem_file);
  app.add_option("--cert", global.security.cert,
                 "client certificate (PEM) for mutual TLS")
      ->envname("CLAIMCTL_CERT")
      ->check(pem_file);
  app.add_option("--key", global.security.key, "private key (PEM) of --cert")
      ->envname("CLAIMCTL_KEY")
      ->check(pem_file);
  app.add_option("--token", global.security.token,
                 "bearer token sent with every call (prefer CLAIMCTL_TOKEN: "
                 "flags show in ps)")
      ->envname("CLAIMCTL_TOKEN");

  app.add_flag("--no-headers", global.no_headers,
               "tables without their header line");
  app.add_flag("--utc", global.utc,
               "times in UTC (default: local time on a terminal, UTC "
               "otherwise)");
  app.add_flag("--fail-fast", global.fail_fast,
               "watch and top give up when the server cannot be reached at "
               "first, instead of retrying until stopped");

  // Every command, from the registry (registry.h).
  std::vector<std::pair<CLI::App*, CommandRun>> commands;
  for (const CommandSpec* spec : RegisteredCommands()) {
    std::string description = absl::StrCat(spec->summary, ".");
    if (!spec->description.empty()) {
      absl::StrAppend(&description, " ", spec->description);
    }
    CLI::App* command = app.add_subcommand(spec->name, description);
    command->group(CommandGroupTitle(spec->group));
    command->footer(CommandFooter(*spec));
    commands.emplace_back(command, spec->setup(*command));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e, *env.out, *env.err);
    }
    const CLI::App* command = ParsedSubcommand(app);
    if (command == nullptr && argc > 1) {
      // An unknown command: suggest the nearest one, as kubectl does.
      if (std::string near = NearestCommand(FirstWord(argc, argv));
          !near.empty()) {
        *env.err << "claimctl: unknown command \"" << FirstWord(argc, argv)
                 << "\"; did you mean `claimctl " << near
                 << "`? see `claimctl --help`" << std::endl;
        return kExitUsage;
      }
    }
    const std::string name =
        command == nullptr ? "claimctl"
                           : absl::StrCat("claimctl ", command->get_name());
    *env.err << name << ": " << e.what() << "; see `" << name << " --help`"
             << std::endl;
    return kExitUsage;
  }
  // Validated by the option's check.
  global.timeout = *ParseTimeout(timeout_text);
  global.channel.keepalive_time = *ParseKeepalive(keepalive_text);
  global.channel.keepalive_timeout =
      std::min(global.channel.keepalive_time, absl::Seconds(10));
  // The current context fills what no flag or variable gave. A broken file
  // stops every command but `config`, which shows it for fixing (kubectl
  // does the same with a broken kubeconfig); the file is never half-used.
  const bool config_command =
      std::any_of(commands.begin(), commands.end(), [](const auto& command) {
        return command.first->parsed() && command.first->get_name() == "config";
      });
  absl::StatusOr<ClaimctlConfig> config = LoadConfig(env.config_path);
  if (!config.ok() && !config_command) {
    *env.err << "claimctl: " << Sanitize(config.status().message())
             << "; fix it (`claimctl config view` shows it) or set "
                "CLAIMCTL_CONFIG to another file"
             << std::endl;
    return kExitUsage;
  }
  if (config.ok()) {
    if (auto it = config->contexts.find(config->current_context);
        it != config->contexts.end()) {
      const ContextSettings& context = it->second;
      for (const ContextField& field : ContextFields()) {
        const CLI::Option* option =
            app.get_option(absl::StrCat("--", field.key));
        std::string& value = GlobalValue(global, field);
        if (option->count() == 0 && !(context.*(field.member)).empty()) {
          value = context.*(field.member);
        }
      }
    }
  }

  absl::StatusOr<Target> target = ServerTarget(global.server);
  if (!target.ok()) {
    *env.err << "claimctl: --server: " << target.status().message()
             << "; see `claimctl --help`" << std::endl;
    return kExitUsage;
  }
  if (target->tls) global.security.use_tls = true;

  CommandContext context(env, global);
  for (auto& [command, run] : commands) {
    if (command->parsed()) return run(context);
  }
  *env.err << "claimctl: no command; see `claimctl --help`" << std::endl;
  return kExitUsage;
}

}  // namespace claimd::client
