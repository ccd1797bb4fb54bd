#include "tests/bench/writer_process.h"

#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <new>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/bench/etcd_client.h"
#include "tests/bench/measure.h"

extern char** environ;  // NOLINT: posix_spawn's environment

namespace claimd::bench {

namespace {

// What the child reports, at the start of the shared memory; the AckTable's
// slots follow it. Placed by the parent (Create) and only used through
// atomics, by both processes: lock-free atomics work in shared memory.
struct Shared {
  LatencyHistogram latency;
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> last_revision{0};
  std::atomic<int64_t> elapsed_nanos{0};
  std::atomic<int64_t> started_nanos{0};
  char first_error[512] = {};
};
static_assert(std::atomic<int64_t>::is_always_lock_free);

constexpr size_t kSlotsOffset = (sizeof(Shared) + 63) / 64 * 64;

Shared& SharedAt(void* mapping) { return *static_cast<Shared*>(mapping); }

// The shared memory's size: the report, then `capacity` acknowledgement slots.
size_t MappingBytes(size_t capacity) {
  return kSlotsOffset + capacity * sizeof(std::atomic<int64_t>);
}

std::atomic<int64_t>* Slots(void* mapping) {
  return reinterpret_cast<std::atomic<int64_t>*>(static_cast<char*>(mapping) +
                                                 kSlotsOffset);
}

absl::Status Errno(const std::string& what) {
  return absl::InternalError(
      absl::StrCat(what, ": ", std::generic_category().message(errno)));
}

const char* KindName(WriterSpec::Kind kind) {
  return kind == WriterSpec::kEtcdPut ? "etcd-put" : "claimd-create";
}

}  // namespace

std::unique_ptr<WriteOp> NewWriteOp(const WriterSpec& spec,
                                    const Channels& channels) {
  if (spec.kind == WriterSpec::kEtcdPut)
    return NewEtcdPutOp(channels, spec.prefix, INT32_MAX, kEtcdValueBytes);
  return NewCreateClaimOp(channels, spec.prefix);
}

absl::StatusOr<ChildWriteLoad> ChildWriteLoad::Create(int64_t first_revision,
                                                      size_t capacity) {
  // Not close-on-exec: the child finds it by number.
  const int fd = memfd_create("claimbench-writer", 0);
  if (fd < 0) return Errno("memfd_create");
  const size_t bytes = MappingBytes(capacity);
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    absl::Status error = Errno("ftruncate");
    close(fd);
    return error;
  }
  void* mapping =
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mapping == MAP_FAILED) {
    absl::Status error = Errno("mmap");
    close(fd);
    return error;
  }
  // The slots are zero (ftruncate), which is what an AckTable starts with.
  new (mapping) Shared();
  return ChildWriteLoad(fd, mapping, bytes, first_revision, capacity);
}

ChildWriteLoad::ChildWriteLoad(int fd, void* mapping, size_t bytes,
                               int64_t first_revision, size_t capacity)
    : fd_(fd),
      mapping_(mapping),
      bytes_(bytes),
      first_revision_(first_revision),
      capacity_(capacity),
      acks_(std::make_unique<AckTable>(first_revision, Slots(mapping),
                                       capacity)) {}

ChildWriteLoad::ChildWriteLoad(ChildWriteLoad&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      bytes_(other.bytes_),
      first_revision_(other.first_revision_),
      capacity_(other.capacity_),
      acks_(std::move(other.acks_)) {}

ChildWriteLoad::~ChildWriteLoad() {
  acks_.reset();
  if (mapping_ != nullptr) {
    SharedAt(mapping_).~Shared();
    munmap(mapping_, bytes_);
  }
  if (fd_ >= 0) close(fd_);
}

const LatencyHistogram& ChildWriteLoad::latency() const {
  return SharedAt(mapping_).latency;
}

absl::Time ChildWriteLoad::started() const {
  return absl::FromUnixNanos(SharedAt(mapping_).started_nanos.load());
}

absl::StatusOr<WriteLoadResult> ChildWriteLoad::Run(
    const WriterSpec& spec, const WriteLoadOptions& options) {
  const std::vector<std::string> fields = {
      absl::StrCat("fd=", fd_),
      absl::StrCat("first=", first_revision_),
      absl::StrCat("capacity=", capacity_),
      absl::StrCat("kind=", KindName(spec.kind)),
      absl::StrCat("address=", spec.address),
      absl::StrCat("channels=", spec.channels),
      absl::StrCat("prefix=", spec.prefix),
      absl::StrCat("rate=", options.rate),
      absl::StrCat("in_flight=", options.in_flight),
      absl::StrCat("max_ops=", options.max_ops),
      absl::StrCat("duration_ns=", absl::ToInt64Nanoseconds(options.duration)),
      absl::StrCat("first_sequence=", options.first_sequence)};
  std::string flag =
      absl::StrCat("--writer_child=", absl::StrJoin(fields, ","));
  // This binary by its own name, so that ps and top say claimbench.
  std::error_code error;
  std::string binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) binary = "/proc/self/exe";
  std::vector<char*> argv = {binary.data(), flag.data(), nullptr};
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) {
    return absl::InternalError(
        absl::StrCat("could not start the writer process: ",
                     std::generic_category().message(spawned)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Errno("waitpid");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("the writer process failed (wait status ", status, ")"));
  }
  const Shared& reported = SharedAt(mapping_);
  WriteLoadResult result;
  result.ok = reported.ok.load();
  result.failed = reported.failed.load();
  result.last_revision = reported.last_revision.load();
  result.elapsed = absl::Nanoseconds(reported.elapsed_nanos.load());
  result.first_error =
      std::string(reported.first_error,
                  strnlen(reported.first_error, sizeof(reported.first_error)));
  return result;
}

int WriterChildMain(const std::string& description) {
  std::map<std::string, std::string> field;
  for (absl::string_view part : absl::StrSplit(description, ',')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, '=');
    field[kv.first] = kv.second;
  }
  int fd = -1;
  int64_t first = 0;
  uint64_t capacity = 0;
  int64_t duration_ns = 0;
  WriterSpec spec;
  WriteLoadOptions options;
  const bool parsed =
      absl::SimpleAtoi(field["fd"], &fd) &&
      absl::SimpleAtoi(field["first"], &first) &&
      absl::SimpleAtoi(field["capacity"], &capacity) &&
      absl::SimpleAtoi(field["channels"], &spec.channels) &&
      absl::SimpleAtod(field["rate"], &options.rate) &&
      absl::SimpleAtoi(field["in_flight"], &options.in_flight) &&
      absl::SimpleAtoi(field["max_ops"], &options.max_ops) &&
      absl::SimpleAtoi(field["duration_ns"], &duration_ns) &&
      absl::SimpleAtoi(field["first_sequence"], &options.first_sequence) &&
      (field["kind"] == "claimd-create" || field["kind"] == "etcd-put") &&
      !field["address"].empty();
  if (!parsed) {
    std::cerr << "claimbench: bad --writer_child: " << description << "\n";
    return 2;
  }
  spec.kind = field["kind"] == "etcd-put" ? WriterSpec::kEtcdPut
                                          : WriterSpec::kClaimdCreate;
  spec.address = field["address"];
  spec.prefix = field["prefix"];
  options.duration = absl::Nanoseconds(duration_ns);
  const size_t bytes = MappingBytes(capacity);
  void* mapping =
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mapping == MAP_FAILED) {
    std::cerr << "claimbench: writer: mmap: "
              << std::generic_category().message(errno) << "\n";
    return 1;
  }
  // Constructed by the parent before this process started.
  Shared& shared = SharedAt(mapping);
  AckTable acks(first, Slots(mapping), capacity);
  {
    const Channels channels = MakeChannels(spec.address, spec.channels);
    std::unique_ptr<WriteOp> op = NewWriteOp(spec, channels);
    shared.started_nanos.store(absl::ToUnixNanos(absl::Now()));
    const WriteLoadResult result =
        RunWriteLoad(*op, options, shared.latency, &acks);
    shared.ok.store(result.ok);
    shared.failed.store(result.failed);
    shared.last_revision.store(result.last_revision);
    shared.elapsed_nanos.store(absl::ToInt64Nanoseconds(result.elapsed));
    const size_t length =
        std::min(result.first_error.size(), sizeof(shared.first_error) - 1);
    std::memcpy(shared.first_error, result.first_error.data(), length);
    shared.first_error[length] = '\0';
    // Every callback ran (RunWriteLoad waits for them): the op and then the
    // channels may go (write_load.h).
  }
  munmap(mapping, bytes);
  return 0;
}

}  // namespace claimd::bench
