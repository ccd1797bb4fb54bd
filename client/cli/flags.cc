#include "client/cli/flags.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace claimd::client {

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

void AddRequestIdOption(CLI::App* command, std::string& request_id) {
  command->add_option(
      "--request-id", request_id,
      "idempotency key, up to 128 bytes: the same command run again with the "
      "same key applies at most once and prints the first result (default: "
      "a fresh key, printed when the outcome is unknown)");
}

const CLI::Validator& NotNegative() {
  static const auto* const validator = new CLI::Validator(
      [](std::string& value) -> std::string {
        double number = 0;
        // Not a number: the option's own conversion says so.
        if (!absl::SimpleAtod(value, &number) || number >= 0) return "";
        return absl::StrCat("must not be negative, got ", value);
      },
      "NONNEGATIVE");
  return *validator;
}

void AddPageOptions(CLI::App* command, const char* what, int32_t& page_size,
                    int64_t& limit) {
  command
      ->add_option(
          "--page-size", page_size,
          absl::StrCat(what, " per request (default: the server's, 100)"))
      ->check(NotNegative());
  command
      ->add_option(
          "--limit", limit,
          absl::StrCat("stop after this many ", what, " (0: no limit)"))
      ->check(NotNegative());
}

}  // namespace claimd::client
