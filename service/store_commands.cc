#include "service/store_commands.h"

#include <cstdint>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/store/sqlite_backup.h"

ABSL_FLAG(int64_t, backup_bytes_per_second, 0,
          "claimd backup: most bytes copied per second (0: no limit). A "
          "throttled backup spares the disk but holds its read snapshot, and "
          "so the WAL, longer");

namespace claimd {
namespace {

constexpr absl::string_view kUsage =
    "usage:\n"
    "  claimd backup [--data_dir=DIR] [--backup_bytes_per_second=N] FILE\n"
    "      copy the store in DIR (claimd may be running) to FILE\n"
    "  claimd backup-status FILE\n"
    "      check every byte of FILE and print its revision and store id\n"
    "  claimd restore FILE --data_dir=DIR\n"
    "      build the new data directory DIR (must be empty) from FILE\n";

int Usage(absl::string_view problem) {
  std::cerr << "claimd: " << problem << "\n" << kUsage;
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "claimd: " << status.message() << "\n";
  return 1;
}

int Backup(const std::string& data_dir, const std::string& file) {
  const int64_t rate = absl::GetFlag(FLAGS_backup_bytes_per_second);
  if (rate < 0) return Usage("--backup_bytes_per_second must not be negative");
  store::BackupOptions options;
  options.max_bytes_per_second = rate;
  options.on_start = [&](int64_t revision, int64_t pages) {
    // Tests wait for this line: FILE.partial exists once it is printed.
    std::cerr << "claimd backup: copying " << data_dir << " at revision "
              << revision << " (" << pages << " pages) to " << file
              << ".partial" << std::endl;
  };
  absl::Time last_report = absl::Now();
  options.on_progress = [&](int64_t copied, int64_t total) {
    if (absl::Now() - last_report < absl::Seconds(5)) return;
    last_report = absl::Now();
    std::cerr << "claimd backup: " << copied << " of " << total
              << " pages copied" << std::endl;
  };
  const absl::Time start = absl::Now();
  absl::StatusOr<store::BackupInfo> info =
      store::BackupStore(data_dir, file, options);
  if (!info.ok()) return Fail(info.status());
  std::cout << "backup: " << file << "\n"
            << store::FormatBackupInfo(*info) << "took: "
            << absl::FormatDuration(
                   absl::Trunc(absl::Now() - start, absl::Milliseconds(1)))
            << "\n";
  return 0;
}

int Status(const std::string& file) {
  absl::StatusOr<store::BackupInfo> info = store::VerifyBackup(file);
  if (!info.ok()) return Fail(info.status());
  std::cout << "backup: " << file << " (checksum ok)\n"
            << store::FormatBackupInfo(*info);
  return 0;
}

int Restore(const std::string& file, const std::string& data_dir) {
  absl::StatusOr<store::RestoreResult> result =
      store::RestoreStore(file, data_dir);
  if (!result.ok()) return Fail(result.status());
  std::cout << "restored: " << file << " into " << data_dir << "\n"
            << "revision: " << result->backup.revision << "\n"
            << "claims: " << result->backup.claims << "\n"
            << "store_id: " << result->store_id << " (new; the backup's was "
            << (result->backup.store_id.empty() ? "not set"
                                                : result->backup.store_id)
            << ")\n";
  return 0;
}

}  // namespace

std::optional<int> MaybeRunStoreCommand(const std::vector<char*>& positional,
                                        const std::string& data_dir) {
  if (positional.size() < 2) return std::nullopt;
  const absl::string_view command = positional[1];
  if (positional.size() != 3) {
    return Usage(absl::StrCat(
        "claimd ", command,
        positional.size() < 3 ? ": give one FILE" : ": too many arguments"));
  }
  const std::string file = positional[2];
  if (command == "backup") return Backup(data_dir, file);
  if (command == "backup-status") return Status(file);
  if (command == "restore") return Restore(file, data_dir);
  return Usage(absl::StrCat("unknown command \"", command, "\""));
}

}  // namespace claimd
