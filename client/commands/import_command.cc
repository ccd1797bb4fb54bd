// RunImport: reading the file and applying each line's plan (import.h).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/cli/errors.h"
#include "client/cli/flags.h"
#include "client/cli/registry.h"
#include "client/cli/requests.h"
#include "client/formats/import.h"
#include "client/formats/import_input.h"
#include "client/formats/verdict_table.h"
#include "client/render/progress_bar.h"
#include "client/render/render.h"
#include "client/render/text.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

// What became of one line, and how to report it.
struct LineRun {
  ImportOutcome outcome;
  absl::Status status;  // why it failed or was skipped
  std::string hint;
  bool stop = false;  // the server cannot be reached: stop the import
};

bool Unreachable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

LineRun Failed(LineRun run, absl::Status status, std::string hint = "") {
  run.outcome.result = ImportResult::kFailed;
  run.stop = Unreachable(status);
  run.status = std::move(status);
  run.hint = std::move(hint);
  return run;
}

absl::Status Prefixed(absl::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// The stored claim named `name`: nullopt when there is none. `deleted` when
// there is none but its history remains: the server may still remember the
// request_ids of an earlier import of it and would answer them with their
// first results, so importing it again would write nothing.
struct Stored {
  std::optional<v1::Claim> claim;
  bool deleted = false;
};

absl::StatusOr<Stored> ReadStored(ClaimClient& client,
                                  const std::string& name) {
  v1::GetClaimRequest get;
  get.set_name(name);
  absl::StatusOr<v1::Claim> claim = client.GetClaim(get);
  if (claim.ok()) return Stored{.claim = *std::move(claim)};
  if (claim.status().code() != absl::StatusCode::kNotFound) {
    return claim.status();
  }
  v1::ListClaimEventsRequest history;
  history.set_parent(name);
  history.set_page_size(1);
  absl::StatusOr<v1::ListClaimEventsResponse> events =
      client.ListClaimEvents(history);
  if (events.ok()) return Stored{.deleted = events->events_size() > 0};
  if (events.status().code() == absl::StatusCode::kNotFound) return Stored{};
  return events.status();
}

LineRun ImportLine(ClaimClient& client, const ImportEntry& entry,
                   absl::string_view actor) {
  LineRun run;
  const bool claim_review = entry.review.has_value();
  absl::StatusOr<v1::Claim> line =
      claim_review ? (entry.review->ok()
                          ? absl::StatusOr<v1::Claim>((*entry.review)->claim)
                          : absl::StatusOr<v1::Claim>(entry.review->status()))
                   : ParseImportLine(entry.text);
  if (!line.ok()) return Failed(std::move(run), line.status());
  run.outcome.name = line->name();

  std::optional<v1::Claim> existing;
  if (!line->name().empty()) {
    absl::StatusOr<Stored> stored = ReadStored(client, line->name());
    if (!stored.ok()) return Failed(std::move(run), stored.status());
    if (stored->deleted) {
      run.outcome.result = ImportResult::kSkipped;
      run.status = absl::FailedPreconditionError(
          absl::StrCat(line->name(), " was deleted"));
      run.hint =
          "skipped: import does not re-create a deleted claim; give the line "
          "another name";
      return run;
    }
    existing = std::move(stored->claim);
  }

  ImportPlan plan = claim_review ? PlanClaimReviewImport(*line, existing, actor)
                                 : PlanImport(*line, existing, actor);
  run.outcome.result = plan.result;
  if (plan.result == ImportResult::kSkipped) {
    run.status = plan.skip_reason;
    run.hint = "skipped: nothing was written";
    return run;
  }

  std::string name = line->name();
  int64_t revision = existing.has_value() ? existing->revision() : 0;
  if (plan.create.has_value()) {
    if (plan.create->request_id().empty()) {
      plan.create->set_request_id(NewRequestId());
    }
    absl::StatusOr<v1::Claim> created = client.CreateClaim(*plan.create);
    if (!created.ok()) {
      if (created.status().code() == absl::StatusCode::kAlreadyExists) {
        run.outcome.result = ImportResult::kSkipped;
        run.status = created.status();
        run.hint = "skipped: its evidence was not applied";
        return run;
      }
      return Failed(std::move(run), created.status());
    }
    name = created->name();
    revision = created->revision();
    run.outcome.name = name;
  }

  for (size_t j = 0; j < plan.updates.size(); ++j) {
    const int index = plan.first_update_index + static_cast<int>(j);
    v1::UpdateClaimStatusRequest& request = plan.updates[j];
    if (request.name().empty()) {
      request.set_name(name);
      request.set_request_id(ImportRequestId(ClaimIdOf(name), index));
    }
    // Appends exactly after the state the plan was made for.
    request.set_expected_revision(revision);
    absl::StatusOr<v1::Claim> updated = client.UpdateClaimStatus(request);
    if (!updated.ok()) {
      std::string hint;
      if (updated.status().code() == absl::StatusCode::kAborted) {
        hint = absl::StrCat(name, " changed during the import; import again");
      } else if (!Unreachable(updated.status())) {
        hint =
            absl::StrCat(name, " holds the line's evidence before item ", index,
                         "; fix the line and import again to add the rest");
      }
      return Failed(std::move(run),
                    Prefixed(absl::StrCat(name, " evidence[", index, "]: "),
                             updated.status()),
                    std::move(hint));
    }
    revision = updated->revision();
  }
  return run;
}

// "<message> (<CODE>)[; <hint>]", on one line.
std::string Reason(const absl::Status& status, absl::string_view hint) {
  std::string reason =
      absl::StrCat(status.message().empty() ? "failed" : status.message(), " (",
                   absl::StatusCodeToString(status.code()), ")");
  if (!hint.empty()) absl::StrAppend(&reason, "; ", hint);
  return Sanitize(reason);
}

// The shipped verdict table, with the rows of --verdicts FILE over it.
absl::StatusOr<VerdictTable> LoadVerdicts(const ImportFlags& flags,
                                          ImportFormat format) {
  if (flags.verdicts.empty()) return VerdictTable::Default();
  if (format == ImportFormat::kJsonLines) {
    return absl::InvalidArgumentError(
        "--verdicts: applies to --format claimreview and factcheck-api, not "
        "to jsonl");
  }
  std::ifstream file(flags.verdicts, std::ios::in | std::ios::binary);
  if (!file.is_open()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--verdicts: cannot open ", flags.verdicts, ": ",
                     std::generic_category().message(errno)));
  }
  const std::string text((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  absl::StatusOr<VerdictTable> table = VerdictTable::Default();
  if (!table.ok()) return table.status();
  absl::StatusOr<VerdictTable> extra =
      VerdictTable::Parse(text, flags.verdicts);
  if (!extra.ok()) return extra.status();
  table->Override(*extra);
  return table;
}

}  // namespace

int RunImport(CommandContext& context, const ImportFlags& flags) {
  std::ifstream file;
  std::istream* input = nullptr;
  std::string source = flags.file;
  if (flags.file == "-") {
    source = "stdin";
    input = context.env().in;
    if (input == nullptr) {
      return context.Fail(
          "import", absl::InvalidArgumentError("no standard input to read"));
    }
  } else {
    // A directory opens but cannot be read: say so before reading.
    std::error_code error;
    const bool directory = std::filesystem::is_directory(flags.file, error);
    errno = 0;
    if (!directory) file.open(flags.file, std::ios::in | std::ios::binary);
    if (!file.is_open()) {
      // generic_category().message() is strerror's text, without its static
      // buffer.
      const std::string why =
          directory    ? std::generic_category().message(EISDIR)
          : errno != 0 ? std::generic_category().message(errno)
                       : std::string("failed");
      return context.Fail(
          absl::StrCat("import ", flags.file),
          absl::InvalidArgumentError(absl::StrCat("cannot open: ", why)),
          "see `claimctl import --help`");
    }
    input = &file;
  }

  // The whole input is read first: the progress bar needs the line count,
  // and a ClaimReview file may be one JSON array.
  std::string all((std::istreambuf_iterator<char>(*input)),
                  std::istreambuf_iterator<char>());
  if (input->bad()) {
    return context.Fail(absl::StrCat("import ", source),
                        absl::UnknownError("cannot read the input"), "");
  }
  absl::StatusOr<ImportFormat> format = ParseImportFormat(flags.format);
  if (!format.ok()) {
    return context.Fail("import", format.status(),
                        "see `claimctl import --help`");
  }
  absl::StatusOr<VerdictTable> table = LoadVerdicts(flags, *format);
  if (!table.ok()) {
    return context.Fail("import", table.status(),
                        "see `claimctl import --help`");
  }
  const std::vector<ImportEntry> entries =
      SplitImportInput(all, *format, *table);

  ImportCounts counts;
  int exit_code = kExitOk;
  ProgressBar progress(&context.err(), context.env().stderr_tty,
                       static_cast<int64_t>(entries.size()),
                       context.env().width);
  int64_t done = 0;
  for (const ImportEntry& entry : entries) {
    progress.Update(done);
    const std::string where = absl::StrCat(
        "import ", source, ":", entry.line,
        entry.detail.empty() ? "" : absl::StrCat(" (", entry.detail, ")"));
    if (entry.review.has_value() && entry.review->ok()) {
      for (const std::string& warning : (*entry.review)->warnings) {
        progress.Clear();
        context.err() << "claimctl: " << Sanitize(where)
                      << ": warning: " << Sanitize(warning) << std::endl;
      }
    }
    LineRun run = ImportLine(context.client(), entry, flags.actor);
    run.outcome.line = entry.line;
    counts.Add(run.outcome.result);
    if (!run.status.ok()) {
      if (run.stop) {
        std::string generic = GenericHint(run.status, context.flags().server,
                                          context.flags().timeout);
        run.hint = absl::StrCat(generic, generic.empty() ? "" : "; ",
                                "stopped at line ", entry.line,
                                ", import again to continue");
      }
      progress.Clear();
      context.err() << ErrorLine(where, run.status, run.hint) << std::endl;
      run.outcome.error = Reason(run.status, run.hint);
    }
    if (context.json()) context.PrintLine(ImportOutcomeJson(run.outcome));
    progress.Update(++done);  // the last one draws the full bar
    if (run.stop) {
      exit_code = ExitCodeFor(run.status);
      break;
    }
    if (flags.max_errors > 0 && counts.failed >= flags.max_errors &&
        done < static_cast<int64_t>(entries.size())) {
      progress.Clear();
      context.err() << "claimctl: import " << Sanitize(source)
                    << ": stopped after " << counts.failed
                    << " failed entries (--max_errors " << flags.max_errors
                    << "); nothing after line " << entry.line
                    << " was imported; is it the right file and --format?"
                    << std::endl;
      break;
    }
  }
  progress.Finish();

  const std::string summary = ImportSummary(counts);
  if (context.json()) {
    context.err() << summary << std::endl;
  } else {
    context.PrintLine(summary);
  }
  if (exit_code == kExitOk && counts.failed > 0) exit_code = kExitError;
  return exit_code;
}

namespace {

// Registration (moved here from cli.cc; the help text is unchanged).
[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "import",
    .group = CommandGroup::kBulk,
    .summary = "Load claims from a JSON Lines file, replaying each line's "
               "evidence in order",
    .description = "Importing the same file again changes nothing.",
    .examples =
        "claimctl import deploy/sample/claims.jsonl\n"
        "claimctl list -o json | claimctl --server other:50051 "
        "import -\n"
        "claimctl import --format claimreview "
        "client/testdata/claimreviews.jsonl\n"
        "claimctl import --format claimreview saved-fact-check.html\n"
        "claimctl import --format factcheck-api --verdicts my-words.tsv "
        "search.json",
    .notes =
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
        "deleted: nothing is sent (skipped, reported on stderr). Requests "
        "carry the request_id import:ID:N (N = evidence index), so a retried "
        "or repeated import writes nothing twice.\n"
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
        "each claim. A review whose verdict is the newest one recorded from "
        "its source and url is unchanged; another verdict is added "
        "(updated), unless the recorded one is newer (skipped: a stale copy "
        "does not undo a correction). A "
        "rating the table does not know is imported as REPORTED with a "
        "warning; --verdicts FILE adds words. Errors name the line (and the "
        "block or review within it); after --max_errors failed entries the "
        "import stops.",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<ImportFlags>();
      command
          .add_option("FILE", flags->file,
                      "the JSON Lines file; - reads standard input")
          ->required();
      command
          .add_option("--actor", flags->actor,
                      "who records evidence that names no actor (default: "
                      "$USER)")
          ->envname("USER");
      command
          .add_option("--format", flags->format,
                      "jsonl: claims.v1.Claim per line; claimreview: "
                      "schema.org ClaimReview JSON-LD (one document per line "
                      "or per file, @graph, DataFeed, nested) or saved HTML "
                      "pages; factcheck-api: Fact Check Tools API "
                      "claims:search responses and markup pages")
          ->check(CLI::IsMember({"jsonl", "claimreview", "factcheck-api"}))
          ->capture_default_str();
      command.add_option(
          "--verdicts", flags->verdicts,
          "a TSV file of extra verdict words "
          "(VERDICT<TAB>LANGUAGE<TAB>WORDING), over the shipped table; see "
          "README");
      command
          .add_option("--max_errors", flags->max_errors,
                      "stop after this many failed entries (0: never)")
          ->check(NotNegative())
          ->capture_default_str();
      return [flags](CommandContext& context) {
        return RunImport(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
