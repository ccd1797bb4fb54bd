#include "service/store/backup_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "service/util/status_macros.h"

namespace claimd::store {
namespace {

constexpr absl::string_view kTrailerMagic = "claimd-backup 1\n";
constexpr absl::string_view kFooterPrefix = "claimd-backup-end trailer_bytes=";
// prefix + 8 digits + " sha256=" + 64 hex + "\n"
constexpr size_t kFooterBytes = kFooterPrefix.size() + 8 + 8 + 64 + 1;
constexpr size_t kChunk = size_t{1} << 20;

std::string ErrnoText() { return std::generic_category().message(errno); }

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
  }
  void Update(absl::string_view data) {
    EVP_DigestUpdate(context_.get(), data.data(), data.size());
  }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i)
      absl::StrAppendFormat(&hex, "%02x", digest[i]);
    return hex;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads exactly `size` bytes at `offset` (short only at end of file).
absl::StatusOr<size_t> ReadAt(int fd, char* buffer, size_t size,
                              int64_t offset) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, buffer + done, size - done, offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("read: ", ErrnoText()));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("write: ", ErrnoText()));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Hashes [0, length) of `fd` into `hash`, copying it to `out_fd` when >= 0.
absl::Status HashRange(int fd, int64_t length, Sha256& hash, int out_fd) {
  std::vector<char> buffer(kChunk);
  int64_t offset = 0;
  while (offset < length) {
    const size_t want =
        static_cast<size_t>(std::min<int64_t>(kChunk, length - offset));
    ASSIGN_OR_RETURN(const size_t got, ReadAt(fd, buffer.data(), want, offset));
    if (got != want) {
      return absl::FailedPreconditionError(
          "the file changed while it was read (it is shorter now)");
    }
    hash.Update(absl::string_view(buffer.data(), got));
    if (out_fd >= 0) {
      RETURN_IF_ERROR(WriteAll(out_fd, absl::string_view(buffer.data(), got)));
    }
    offset += static_cast<int64_t>(got);
  }
  return absl::OkStatus();
}

std::string Trailer(const BackupInfo& info) {
  return absl::StrCat(
      kTrailerMagic, "revision ", info.revision, "\n", "compact_revision ",
      info.compact_revision, "\n", "store_id ", info.store_id, "\n", "claims ",
      info.claims, "\n", "schema_version ", info.schema_version, "\n",
      "created ",
      absl::FormatTime(absl::RFC3339_sec, info.created, absl::UTCTimeZone()),
      "\n", "database_bytes ", info.database_bytes, "\n");
}

absl::Status ParseTrailer(absl::string_view text, BackupInfo& info) {
  if (!absl::ConsumePrefix(&text, kTrailerMagic)) {
    return absl::FailedPreconditionError(
        "its trailer is not a claimd backup trailer of version 1");
  }
  bool saw_revision = false;
  bool saw_size = false;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    const auto& [key, value] = kv;
    bool ok = true;
    if (key == "revision") {
      ok = absl::SimpleAtoi(value, &info.revision);
      saw_revision = true;
    } else if (key == "compact_revision") {
      ok = absl::SimpleAtoi(value, &info.compact_revision);
    } else if (key == "store_id") {
      info.store_id = std::string(value);
    } else if (key == "claims") {
      ok = absl::SimpleAtoi(value, &info.claims);
    } else if (key == "schema_version") {
      ok = absl::SimpleAtoi(value, &info.schema_version);
    } else if (key == "created") {
      std::string error;
      ok = absl::ParseTime(absl::RFC3339_full, value, &info.created, &error);
    } else if (key == "database_bytes") {
      ok = absl::SimpleAtoi(value, &info.database_bytes);
      saw_size = true;
    }  // unknown keys: written by a later version, not needed to restore
    if (!ok) {
      return absl::FailedPreconditionError(
          absl::StrCat("its trailer has a bad line \"", line, "\""));
    }
  }
  if (!saw_revision || !saw_size) {
    return absl::FailedPreconditionError(
        "its trailer lacks the revision or the database size");
  }
  return absl::OkStatus();
}

absl::Status Refuse(const std::string& path, const absl::Status& why) {
  return absl::Status(why.code(), absl::StrCat("backup file ", path,
                                               " is refused: ", why.message()));
}

// Checks everything but the hash; returns the info and the trailer's offset.
absl::StatusOr<BackupInfo> ReadFrame(int fd, int64_t size,
                                     std::string& trailer_and_hash) {
  if (size < static_cast<int64_t>(kFooterBytes)) {
    return absl::FailedPreconditionError(
        "it is incomplete: too short to hold the end marker (a truncated "
        "copy, or an unfinished .partial file)");
  }
  std::string footer(kFooterBytes, '\0');
  ASSIGN_OR_RETURN(const size_t got, ReadAt(fd, footer.data(), kFooterBytes,
                                            size - kFooterBytes));
  absl::string_view rest(footer.data(), got);
  uint32_t trailer_bytes = 0;
  if (got != kFooterBytes || !absl::ConsumePrefix(&rest, kFooterPrefix) ||
      !absl::SimpleAtoi(rest.substr(0, 8), &trailer_bytes) ||
      rest.substr(8, 8) != " sha256=" || rest.back() != '\n') {
    return absl::FailedPreconditionError(
        "it is incomplete: no end marker (a truncated copy, or an unfinished "
        ".partial file of a backup that did not finish)");
  }
  const std::string sha256(rest.substr(16, 64));
  const int64_t trailer_offset =
      size - static_cast<int64_t>(kFooterBytes) - trailer_bytes;
  if (trailer_offset < 0) {
    return absl::FailedPreconditionError("its end marker is damaged");
  }
  std::string trailer(trailer_bytes, '\0');
  ASSIGN_OR_RETURN(const size_t trailer_got,
                   ReadAt(fd, trailer.data(), trailer_bytes, trailer_offset));
  if (trailer_got != trailer_bytes) {
    return absl::FailedPreconditionError("its trailer cannot be read whole");
  }
  BackupInfo info;
  RETURN_IF_ERROR(ParseTrailer(trailer, info));
  if (info.database_bytes != trailer_offset) {
    return absl::FailedPreconditionError(
        absl::StrCat("its trailer says the database is ", info.database_bytes,
                     " bytes but ", trailer_offset, " precede the trailer"));
  }
  info.sha256 = sha256;
  trailer_and_hash = std::move(trailer);
  return info;
}

absl::StatusOr<BackupInfo> CheckFile(const std::string& path, int out_fd) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("backup file ", path, " does not exist"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open backup file ", path, ": ", ErrnoText()));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot stat ", path, ": ", ErrnoText()));
  }
  std::string trailer;
  absl::StatusOr<BackupInfo> info = ReadFrame(fd.get(), st.st_size, trailer);
  if (!info.ok()) return Refuse(path, info.status());
  Sha256 hash;
  if (absl::Status read =
          HashRange(fd.get(), info->database_bytes, hash, out_fd);
      !read.ok()) {
    return Refuse(path, read);
  }
  hash.Update(trailer);
  const std::string actual = hash.HexDigest();
  if (actual != info->sha256) {
    return Refuse(path,
                  absl::FailedPreconditionError(absl::StrCat(
                      "checksum mismatch (the file is corrupt): its end marker "
                      "says sha256 ",
                      info->sha256, ", its content hashes to ", actual)));
  }
  return info;
}

}  // namespace

std::string FormatBackupInfo(const BackupInfo& info) {
  return absl::StrCat(
      "revision: ", info.revision, "\n", "store_id: ", info.store_id, "\n",
      "claims: ", info.claims, "\n",
      "compact_revision: ", info.compact_revision, "\n",
      "schema_version: ", info.schema_version, "\n", "created: ",
      absl::FormatTime(absl::RFC3339_sec, info.created, absl::UTCTimeZone()),
      "\n", "database_bytes: ", info.database_bytes, "\n",
      "sha256: ", info.sha256, "\n");
}

namespace internal {

absl::Status SealBackupFile(int fd, BackupInfo& info) {
  Sha256 hash;
  RETURN_IF_ERROR(HashRange(fd, info.database_bytes, hash, -1));
  const std::string trailer = Trailer(info);
  hash.Update(trailer);
  info.sha256 = hash.HexDigest();
  const std::string footer = absl::StrFormat(
      "%s%08d sha256=%s\n", kFooterPrefix, trailer.size(), info.sha256);
  if (footer.size() != kFooterBytes || trailer.size() > 99999999) {
    return absl::InternalError("backup footer has the wrong length");
  }
  if (lseek(fd, info.database_bytes, SEEK_SET) < 0) {
    return absl::UnavailableError(absl::StrCat("seek: ", ErrnoText()));
  }
  RETURN_IF_ERROR(WriteAll(fd, trailer));
  RETURN_IF_ERROR(WriteAll(fd, footer));
  if (fsync(fd) != 0) {
    return absl::UnavailableError(absl::StrCat("fsync: ", ErrnoText()));
  }
  return absl::OkStatus();
}

absl::StatusOr<BackupInfo> ReadBackupFile(const std::string& path) {
  return CheckFile(path, -1);
}

absl::Status CopyDatabaseImage(const std::string& path, const BackupInfo& info,
                               const std::string& out_path) {
  Fd out(open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(out_path, " exists"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot create ", out_path, ": ", ErrnoText()));
  }
  ASSIGN_OR_RETURN(const BackupInfo again, CheckFile(path, out.get()));
  if (again.sha256 != info.sha256) {
    return absl::FailedPreconditionError(absl::StrCat(
        "backup file ", path, " changed while it was being restored"));
  }
  if (fsync(out.get()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("fsync ", out_path, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot sync directory ", dir, ": ", ErrnoText()));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace claimd::store
