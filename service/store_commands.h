// claimd's offline subcommands on a data directory: `claimd backup`,
// `claimd restore` and `claimd backup-status`. Kept apart from main.cc so the
// wiring there stays short; `claimd --help` lists their flags too.
//
//   claimd backup --data_dir=/var/lib/claimd /backups/claims-2026-12-06.cbk
//   claimd backup-status /backups/claims-2026-12-06.cbk
//   claimd restore /backups/claims-2026-12-06.cbk
//   --data_dir=/var/lib/claimd-new
//
// `backup` works while claimd serves the same directory (it takes no lock and
// reads one consistent SQLite snapshot); `restore` builds a new, empty
// directory. Exit codes: 0 done, 1 failed (the reason on stderr), 2 usage.
// Thread-safety: runs on main's thread before anything else starts.
#ifndef CLAIMD_SERVICE_STORE_COMMANDS_H_
#define CLAIMD_SERVICE_STORE_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

namespace claimd {

// `positional` is what absl::ParseCommandLine left (argv[0] first). Runs the
// subcommand it names and returns the exit code; nullopt when there is none
// (claimd serves).
std::optional<int> MaybeRunStoreCommand(const std::vector<char*>& positional,
                                        const std::string& data_dir);

}  // namespace claimd

#endif  // CLAIMD_SERVICE_STORE_COMMANDS_H_
