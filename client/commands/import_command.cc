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
#include "client/claim_review.h"
#include "client/cli/registry.h"
#include "client/errors.h"
#include "client/import.h"
#include "client/import_input.h"
#include "client/progress_bar.h"
#include "client/render.h"
#include "client/requests.h"
#include "client/text.h"

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

LineRun ImportLine(ClaimClient& client, absl::string_view text,
                   absl::string_view actor, bool claim_review) {
  LineRun run;
  absl::StatusOr<v1::Claim> line =
      claim_review ? ParseClaimReview(text) : ParseImportLine(text);
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
  absl::StatusOr<std::vector<ImportEntry>> entries =
      SplitImportInput(all, flags.format == "claimreview");
  if (!entries.ok()) {
    return context.Fail(absl::StrCat("import ", source), entries.status(),
                        "see `claimctl import --help`");
  }

  ImportCounts counts;
  int exit_code = kExitOk;
  ProgressBar progress(&context.err(), context.env().stderr_tty,
                       static_cast<int64_t>(entries->size()),
                       context.env().width);
  int64_t done = 0;
  for (const ImportEntry& entry : *entries) {
    progress.Update(done);
    LineRun run = ImportLine(context.client(), entry.text, flags.actor,
                             flags.format == "claimreview");
    run.outcome.line = entry.number;
    counts.Add(run.outcome.result);
    if (!run.status.ok()) {
      if (run.stop) {
        std::string generic = GenericHint(run.status, context.flags().server,
                                          context.flags().timeout);
        run.hint = absl::StrCat(generic, generic.empty() ? "" : "; ",
                                "stopped at ", entry.unit, " ", entry.number,
                                ", import again to continue");
      }
      const std::string where =
          absl::string_view(entry.unit) == "line"
              ? absl::StrCat("import ", source, ":", entry.number)
              : absl::StrCat("import ", source, " entry ", entry.number);
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
    .examples = "claimctl import deploy/sample/claims.jsonl\n"
                "claimctl list -o json | claimctl --server other:50051 "
                "import -\n"
                "claimctl import --format claimreview "
                "client/testdata/claimreviews.jsonl",
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
        "-> statement; reviewRating -> CONFIRMED/DENIED/REPORTED; author, url "
        "-> evidence; see README); a review already recorded (same source, url "
        "and verdict) is unchanged, a new verdict on a known claim is added "
        "(updated).",
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
                      "schema.org ClaimReview per line, or one JSON array of "
                      "them")
          ->check(CLI::IsMember({"jsonl", "claimreview"}))
          ->capture_default_str();
      return [flags](CommandContext& context) {
        return RunImport(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
