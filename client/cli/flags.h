// Flag helpers that several claimctl commands share: the evidence flags of
// create/confirm/deny/report, --request-id of every write, and CLI11 validators for values that must make
// sense (a --limit of -1 is a usage error, not "no limit").
//
// Thread-safety: called while the command line is built, on one thread.
#ifndef CLAIMD_CLIENT_CLI_FLAGS_H_
#define CLAIMD_CLIENT_CLI_FLAGS_H_

#include <CLI/CLI.hpp>
#include <string>

#include "client/cli/requests.h"

namespace claimd::client {

// Adds --source, --url, --quote, --note, --time and --actor to `command`.
// With `source_required`, --source must be given; else the others need it.
CLI::Option* AddEvidenceOptions(CLI::App* command, EvidenceFlags& flags,
                                bool source_required);

// Adds --request-id to a command that writes: an idempotency key, so a user
// can run a command whose outcome was unknown again and have it apply once.
void AddRequestIdOption(CLI::App* command, std::string& request_id);

// Adds --page-size and --limit (both >= 0; 0 means the server's page size and
// no limit) for a command that reads pages of `what` ("claims", "events").
void AddPageOptions(CLI::App* command, const char* what, int32_t& page_size,
                    int64_t& limit);

// For counts and revisions: "must not be negative, got -1" (CLI11's own
// NonNegativeNumber names its range up to 1.8e308 digit by digit).
const CLI::Validator& NotNegative();

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_FLAGS_H_
