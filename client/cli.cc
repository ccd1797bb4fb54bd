#include "client/cli.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/errors.h"
#include "client/formats/import.h"
#include "client/health.h"
#include "client/monitor_commands.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr char kVersion[] = "claimctl 0.1.0";

constexpr char kDescription[] =
    "claimctl: the command-line client of claimd, which keeps claims, their "
    "verdicts (REPORTED, CONFIRMED, DENIED), the evidence for them and the "
    "history of every change.\n"
    "IDs may be given as abc or claims/abc. Tables are for people; -o json "
    "prints the proto JSON mapping, one object per line.";

constexpr char kEnvironmentHelp[] =
    "\nEnvironment:\n"
    "  CLAIMD_ADDR  server address, as --server\n"
    "  CLAIMCTL_CACERT, CLAIMCTL_CERT, CLAIMCTL_KEY, CLAIMCTL_TOKEN  as "
    "--cacert, --cert, --key, --token\n"
    "  USER         default --actor of recorded evidence\n"
    "  NO_COLOR     set (non-empty) for no colours on a terminal\n"
    "\nExamples:\n"
    "  claimctl create \"Troops crossed the border at dawn\" --id border "
    "--source \"Israel Hayom\"\n"
    "  claimctl confirm border --source \"Ukrainian officials\" --url "
    "https://example.org/a\n"
    "  claimctl list --filter 'status = CONFIRMED'\n"
    "  claimctl watch --snapshot -o json\n"
    "  claimctl top --filter 'status = REPORTED'\n"
    "  claimctl export > claims.jsonl\n"
    "  claimctl import deploy/sample/claims.jsonl\n";

// Adds --source, --url, --quote, --note, --time and --actor to `command`.
CLI::Option* AddEvidenceOptions(CLI::App* command, EvidenceFlags& flags,
                                bool source_required) {
  CLI::Option* source =
      command->add_option("--source", flags.source,
                          "who made, confirmed or denied the claim (e.g. "
                          "\"Ukrainian officials\")");
  if (source_required) source->required();
  std::vector<CLI::Option*> details = {
      command->add_option("--url", flags.url, "where the source published it"),
      command->add_option("--quote", flags.quote, "the words of the source"),
      command->add_option("--note", flags.note, "your note on the evidence"),
      command->add_option("--time", flags.time,
                          "when the source stated it, RFC 3339 (e.g. "
                          "2024-05-01T10:00:00Z); default: now"),
  };
  if (!source_required) {
    for (CLI::Option* option : details) option->needs(source);
  }
  command
      ->add_option("--actor", flags.actor,
                   "who records the evidence (default: $USER)")
      ->envname("USER");
  return source;
}

// The subcommand being parsed when parsing failed, or null.
const CLI::App* ParsedSubcommand(const CLI::App& app) {
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->parsed()) return command;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text) {
  absl::Duration duration;
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    duration = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timeout \"", text, "\" is not a duration like 10s, 500ms or 1m"));
  }
  if (duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout \"", text, "\" must be positive and finite"));
  }
  return duration;
}

int RunClaimctl(int argc, const char* const* argv, const CliEnvironment& env) {
  GlobalFlags global;
  std::string timeout_text = "10s";

  CLI::App app(kDescription, "claimctl");
  app.footer(absl::StrCat(kExitCodesHelp, kEnvironmentHelp));
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", kVersion);
  app.add_option("--server", global.server, "claimd address, host:port")
      ->envname("CLAIMD_ADDR")
      ->capture_default_str();
  app.add_option("-o,--output", global.output, "output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout", timeout_text,
                 "deadline of each call, retries included (e.g. 10s, 500ms)")
      ->check(
          [](const std::string& text) {
            absl::StatusOr<absl::Duration> parsed = ParseTimeout(text);
            return parsed.ok() ? std::string()
                               : std::string(parsed.status().message());
          },
          "DURATION")
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

  // create
  CreateFlags create_flags;
  CLI::App* create = app.add_subcommand(
      "create",
      "Create a claim; it starts REPORTED unless --status says otherwise. With "
      "--source, the claim gets its first evidence.");
  create->add_option("STATEMENT", create_flags.statement, "what is claimed")
      ->required();
  create->add_option("--id", create_flags.id,
                     "claim ID, [a-z0-9][a-z0-9-]{0,62} (default: generated)");
  create
      ->add_option("--label", create_flags.labels,
                   "label KEY=VALUE; repeat for more")
      ->allow_extra_args(false);
  create->add_option("--status", create_flags.status, "initial status")
      ->check(
          CLI::IsMember({"reported", "confirmed", "denied"}, CLI::ignore_case));
  AddEvidenceOptions(create, create_flags.evidence, /*source_required=*/false);
  create->footer(
      "Example:\n  claimctl create \"Troops crossed the border at dawn\" --id "
      "border --label desk=world --source \"Israel Hayom\" --url "
      "https://example.org/a");

  // get
  std::string get_id;
  CLI::App* get = app.add_subcommand("get", "Show one claim and its evidence.");
  get->add_option("ID", get_id, "claim ID (abc or claims/abc)")->required();
  get->footer(
      "Example:\n  claimctl get border\n  claimctl get claims/border -o json");

  // list
  ListFlags list_flags;
  CLI::App* list = app.add_subcommand(
      "list", "List claims in ID order; every page is fetched unless --limit.");
  list->add_option("--filter", list_flags.filter,
                   "filter, e.g. 'status = CONFIRMED AND labels.desk = world'; "
                   "fields: name claim_id statement status labels.KEY revision "
                   "evidence_count");
  list->add_option("--page-size", list_flags.page_size,
                   "claims per request (default: the server's, 100)")
      ->check(CLI::NonNegativeNumber);
  list->add_option("--limit", list_flags.limit, "stop after this many claims")
      ->check(CLI::NonNegativeNumber);
  list->footer(
      "Example:\n  claimctl list --filter 'status = DENIED' --limit 20\n"
      "  claimctl list -o json | jq .name");

  // confirm, deny, report
  struct Verdict {
    const char* name;
    v1::VerificationStatus status;
    const char* help;
    CLI::App* command = nullptr;
    VerdictFlags flags;
  };
  Verdict verdicts[] = {
      {"confirm",
       v1::VERIFICATION_STATUS_CONFIRMED,
       "Mark a claim CONFIRMED, with the evidence for it.",
       nullptr,
       {}},
      {"deny",
       v1::VERIFICATION_STATUS_DENIED,
       "Mark a claim DENIED, with the evidence for it.",
       nullptr,
       {}},
      {"report",
       v1::VERIFICATION_STATUS_REPORTED,
       "Mark a claim REPORTED (made, not verified), with the evidence.",
       nullptr,
       {}},
  };
  for (Verdict& verdict : verdicts) {
    verdict.command = app.add_subcommand(
        verdict.name,
        absl::StrCat(verdict.help,
                     " The same status again only adds the evidence."));
    verdict.command
        ->add_option("ID", verdict.flags.id, "claim ID (abc or claims/abc)")
        ->required();
    AddEvidenceOptions(verdict.command, verdict.flags.evidence,
                       /*source_required=*/true);
    verdict.command
        ->add_option("--expected-revision", verdict.flags.expected_revision,
                     "apply only if the claim is still at this revision "
                     "(else exit 4)")
        ->check(CLI::NonNegativeNumber);
    verdict.command->footer(
        absl::StrCat("Example:\n  claimctl ", verdict.name,
                     " border --source \"Ukrainian officials\" --quote \"...\" "
                     "--expected-revision 12"));
  }

  // delete
  std::string delete_id;
  int64_t delete_revision = 0;
  CLI::App* remove = app.add_subcommand(
      "delete", "Delete a claim; its history stays readable.");
  remove->add_option("ID", delete_id, "claim ID (abc or claims/abc)")
      ->required();
  remove
      ->add_option("--expected-revision", delete_revision,
                   "delete only if the claim is still at this revision "
                   "(else exit 4)")
      ->check(CLI::NonNegativeNumber);
  remove->footer("Example:\n  claimctl delete border --expected-revision 12");

  // history
  HistoryFlags history_flags;
  CLI::App* history = app.add_subcommand(
      "history",
      "Show the audit history of one claim, or of all claims without ID.");
  history->add_option("ID", history_flags.id, "claim ID (abc or claims/abc)");
  history
      ->add_option("--page-size", history_flags.page_size,
                   "events per request (default: the server's, 100)")
      ->check(CLI::NonNegativeNumber);
  history
      ->add_option("--limit", history_flags.limit,
                   "stop after this many events")
      ->check(CLI::NonNegativeNumber);
  history->footer(
      "Example:\n  claimctl history border\n  claimctl history -o json");

  // watch
  WatchFlags watch_flags;
  CLI::App* watch = app.add_subcommand(
      "watch",
      "Print every change as it happens, until Ctrl-C. Reconnects after a lost "
      "connection and resumes where it stopped: no change is printed twice or "
      "missed.");
  watch->add_option("--filter", watch_flags.filter,
                    "only changes of matching claims (same syntax as list)");
  CLI::Option* from =
      watch
          ->add_option("--from-revision", watch_flags.from_revision,
                       "start with the change at this revision "
                       "(default: from now on)")
          ->check(CLI::NonNegativeNumber);
  watch
      ->add_flag("--snapshot", watch_flags.snapshot,
                 "first print every matching claim as it is now (SNAPSHOT)")
      ->excludes(from);
  watch
      ->add_flag("--once", watch_flags.once,
                 "print the snapshot (every matching claim) and exit")
      ->excludes(from);
  watch->footer(
      "Example:\n  claimctl watch --filter 'labels.desk = world'\n"
      "  claimctl watch --snapshot -o json | jq -c '{rev: .revision, name: "
      ".claim.name}'\n"
      "  claimctl watch --once -o json > state.jsonl\n\n"
      "-o json prints one ClaimEvent per line, flushed as it arrives. On a "
      "lost connection the watch reconnects (exponential backoff with jitter, "
      "capped at 30s) and resumes after the last revision printed. When the "
      "server no longer keeps that history (OUT_OF_RANGE) it exits 1 and says "
      "to re-snapshot with --snapshot.");

  // import
  ImportFlags import_flags;
  CLI::App* import_command = app.add_subcommand(
      "import",
      "Load claims from a JSON Lines file, replaying each line's evidence in "
      "order. Importing the same file again changes nothing.");
  import_command
      ->add_option("FILE", import_flags.file,
                   "the JSON Lines file; - reads standard input")
      ->required();
  import_command
      ->add_option("--actor", import_flags.actor,
                   "who records evidence that names no actor (default: $USER)")
      ->envname("USER");
  import_command
      ->add_option("--format", import_flags.format,
                   "jsonl: claims.v1.Claim per line; claimreview: schema.org "
                   "ClaimReview JSON-LD (one document per line or per file, "
                   "@graph, DataFeed, nested) or saved HTML pages; "
                   "factcheck-api: Fact Check Tools API claims:search "
                   "responses")
      ->check(CLI::IsMember({"jsonl", "claimreview", "factcheck-api"}))
      ->capture_default_str();
  import_command->add_option(
      "--verdicts", import_flags.verdicts,
      "a TSV file of extra verdict words (VERDICT<TAB>LANGUAGE<TAB>WORDING), "
      "over the shipped table; see README");
  import_command
      ->add_option("--max_errors", import_flags.max_errors,
                   "stop after this many failed entries (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  import_command->footer(
      "Example:\n  claimctl import deploy/sample/claims.jsonl\n"
      "  claimctl list -o json | claimctl --server other:50051 import -\n"
      "  claimctl import --format claimreview "
      "client/testdata/claimreviews.jsonl\n"
      "  claimctl import --format claimreview saved-fact-check.html\n"
      "  claimctl import --format factcheck-api --verdicts my-words.tsv "
      "search.json\n\n"
      "Each line is a claims.v1.Claim in the proto JSON mapping, the form "
      "`claimctl list -o json` prints (output-only fields are ignored). The "
      "first evidence item creates the claim with its status (REPORTED when "
      "unset); each later item records its status with that evidence. Each "
      "line needs `statement`; `name` is claims/ID (without it the server "
      "picks an id and the line is created again on every import); `labels` "
      "and `evidence` are optional; an evidence item after the first needs "
      "`source` and `status`.\n"
      "A line's claim is read first. Missing: it is created (created). "
      "Holding the first items of the line's evidence: the rest is recorded "
      "(updated). Holding all of it, later evidence included: nothing is "
      "sent (unchanged). With another statement, labels or evidence, or "
      "deleted: nothing is sent (skipped, reported on stderr). Requests carry "
      "the request_id import:ID:N (N = evidence index), so a retried or "
      "repeated import writes nothing twice.\n"
      "A line that is not valid JSON or that the server rejects is reported "
      "on stderr as `claimctl: import FILE:LINE: ...` and the import goes "
      "on. The summary goes to stdout; with -o json stdout gets one "
      "{\"line\",\"name\",\"result\",\"error\"} object per line and the "
      "summary goes to stderr.\n"
      "Exit code 1 when any line failed; 5 when the server cannot be reached "
      "(the import stops at that line; import again to continue). On a "
      "terminal, stderr shows a progress bar.\n"
      "--format claimreview maps each ClaimReview to a claim (claimReviewed "
      "-> statement; the rating's words, by the verdict table, else a number "
      "on an explicit scale -> CONFIRMED/DENIED/REPORTED; author or "
      "publisher, url, date and the publisher's wording -> evidence; see "
      "README); --format factcheck-api does the same for each claimReview of "
      "each claim. A review already recorded (same source, url and verdict) "
      "is unchanged, a new verdict on a known claim is added (updated). A "
      "rating the table does not know is imported as REPORTED with a "
      "warning; --verdicts FILE adds words. Errors name the line (and the "
      "block or review within it); after --max_errors failed entries the "
      "import stops.");

  // top, export
  std::vector<AddedCommand> added_commands = AddMonitorCommands(app);

  // health
  HealthFlags health_flags;
  CLI::App* health = app.add_subcommand(
      "health",
      "Ask claimd whether it serves (grpc.health.v1 Check). Prints SERVING, "
      "NOT_SERVING or SERVICE_UNKNOWN; exit code 0 only for SERVING.");
  health->add_option("--service", health_flags.service,
                     "one service, e.g. claims.v1.ClaimService (default: the "
                     "server as a whole)");
  health->footer(
      "Example:\n  claimctl health --timeout 3s   # a container health check");

  for (CLI::App* command : app.get_subcommands({})) {
    command->footer(absl::StrCat(
        command->get_footer(),
        "\n\nGlobal flags --server, -o/--output and --timeout go before or "
        "after the command; exit codes: see `claimctl --help`.\n"));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e, *env.out, *env.err);
    }
    const CLI::App* command = ParsedSubcommand(app);
    const std::string name =
        command == nullptr ? "claimctl"
                           : absl::StrCat("claimctl ", command->get_name());
    *env.err << name << ": " << e.what() << "; see `" << name << " --help`"
             << std::endl;
    return kExitUsage;
  }
  // Validated by the option's check.
  global.timeout = *ParseTimeout(timeout_text);

  CommandContext context(env, global);
  if (create->parsed()) return RunCreate(context, create_flags);
  if (get->parsed()) return RunGet(context, get_id);
  if (list->parsed()) return RunList(context, list_flags);
  for (Verdict& verdict : verdicts) {
    if (verdict.command->parsed()) {
      return RunVerdict(context, verdict.flags, verdict.status);
    }
  }
  if (remove->parsed()) return RunDelete(context, delete_id, delete_revision);
  if (history->parsed()) return RunHistory(context, history_flags);
  if (watch->parsed()) return RunWatch(context, watch_flags);
  if (import_command->parsed()) return RunImport(context, import_flags);
  if (health->parsed()) return RunHealth(context, health_flags);
  for (AddedCommand& added : added_commands) {
    if (added.command->parsed()) return added.run(context);
  }
  *env.err << "claimctl: no command; see `claimctl --help`" << std::endl;
  return kExitUsage;
}

}  // namespace claimd::client
