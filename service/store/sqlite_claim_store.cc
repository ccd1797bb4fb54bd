// SqliteClaimStore: opening, queueing and closing. The writer thread lives in
// sqlite_writer.cc, the read paths in sqlite_reads.cc.
#include "service/store/sqlite_claim_store.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "service/store/sqlite_schema.h"
#include "service/store/sqlite_store_id.h"
#include "service/util/status_macros.h"

namespace claimd::store {
namespace {

absl::StatusOr<core::StatusCounts> CountByStatus(internal::Connection& db) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<internal::Statement> count,
      db.Prepare("SELECT status, COUNT(*) FROM claims GROUP BY status"));
  core::StatusCounts counts{};
  while (true) {
    ASSIGN_OR_RETURN(const bool row, count->Step());
    if (!row) return counts;
    const int64_t status = count->ColumnInt64(0);
    if (status > 0 && status < static_cast<int64_t>(counts.size()))
      counts[status] = count->ColumnInt64(1);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteClaimStore>> SqliteClaimStore::Open(
    const std::string& db_path, SqliteStoreOptions options) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch must be at least 1, not ", options.max_batch));
  }
  if (options.writer_cache_mib < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "writer_cache_mib must be at least 1, not ", options.writer_cache_mib));
  }
  if (!options.clock) options.clock = &absl::Now;
  internal::Connection::Options connection_options;
  connection_options.create = true;
  connection_options.busy_timeout = options.busy_timeout;
  connection_options.vfs = options.vfs;
  ASSIGN_OR_RETURN(std::unique_ptr<internal::Connection> writer,
                   internal::Connection::Open(db_path, connection_options));
  RETURN_IF_ERROR(internal::ConfigureWriter(*writer, options.durable,
                                            options.writer_cache_mib));
  RETURN_IF_ERROR(internal::Migrate(*writer));
  ASSIGN_OR_RETURN(std::string store_id,
                   internal::LoadOrCreateStoreId(*writer));
  ASSIGN_OR_RETURN(
      const int64_t revision,
      writer->QueryInt64("SELECT value FROM meta WHERE key = 'revision'"));
  ASSIGN_OR_RETURN(
      const int64_t compact_revision,
      writer->QueryInt64(
          "SELECT value FROM meta WHERE key = 'compact_revision'"));

  if (options.metrics != nullptr) {
    // Counted once here (one scan); the metrics follow every commit from then
    // on.
    ASSIGN_OR_RETURN(const core::StatusCounts counts, CountByStatus(*writer));
    options.metrics->OnStoreOpened(revision, counts);
  }
  core::CommitObserver* observer = options.observer;
  std::unique_ptr<SqliteClaimStore> store(
      new SqliteClaimStore(db_path, std::move(options), std::move(writer),
                           revision, compact_revision));
  store->store_id_ = std::move(store_id);
  // `options` was moved into the store: read the store's copy.
  const SqliteStoreOptions& kept = store->options_;
  if (kept.background_checkpoints) {
    internal::Connection::Options checkpointer_options;
    checkpointer_options.busy_timeout = kept.busy_timeout;
    checkpointer_options.vfs = kept.vfs;
    ASSIGN_OR_RETURN(store->checkpointer_,
                     internal::Checkpointer::Start(
                         db_path, checkpointer_options, kept.sqlite_metrics));
    store->writer_->TrackWalFrames(&store->wal_frames_);
  }
  if (observer != nullptr) observer->OnOpen(revision);
  store->writer_thread_ =
      std::thread([raw = store.get()] { raw->WriterLoop(); });
  return store;
}

SqliteClaimStore::SqliteClaimStore(std::string path, SqliteStoreOptions options,
                                   std::unique_ptr<internal::Connection> writer,
                                   int64_t revision, int64_t compact_revision)
    : path_(std::move(path)),
      options_(std::move(options)),
      writer_(std::move(writer)),
      revision_(revision),
      compact_revision_(compact_revision) {}

SqliteClaimStore::~SqliteClaimStore() { Close(); }

void SqliteClaimStore::Submit(core::Mutation mutation,
                              core::MutationCallback done) {
  {
    absl::MutexLock lock(&queue_mutex_);
    if (!closed_) {
      Task task;
      task.mutation = std::move(mutation);
      task.done = std::move(done);
      queue_.push_back(std::move(task));
      return;
    }
  }
  std::move(done)(absl::UnavailableError("store is closed"));
}

absl::Status SqliteClaimStore::RunOnWriter(
    absl::AnyInvocable<absl::Status() &&> job) {
  absl::Notification finished;
  absl::Status result;
  {
    absl::MutexLock lock(&queue_mutex_);
    if (closed_) return absl::UnavailableError("store is closed");
    Task task;
    task.job = std::move(job);
    task.job_done = [&result, &finished](absl::Status status) {
      result = std::move(status);
      finished.Notify();
    };
    queue_.push_back(std::move(task));
  }
  finished.WaitForNotification();
  return result;
}

absl::Status SqliteClaimStore::Compact(int64_t revision) {
  return RunOnWriter([this, revision] { return CompactNow(revision); });
}

void SqliteClaimStore::Close() {
  if (std::this_thread::get_id() == writer_thread_.get_id()) {
    // From a callback: stop accepting; the thread that destroys the store
    // joins.
    absl::MutexLock lock(&queue_mutex_);
    closed_ = true;
    return;
  }
  absl::MutexLock close_lock(&close_mutex_);
  {
    absl::MutexLock lock(&queue_mutex_);
    closed_ = true;  // the writer drains what is queued, then exits
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  checkpointer_.reset();
  {
    absl::MutexLock lock(&readers_mutex_);
    readers_closed_ = true;
    readers_mutex_.Await(absl::Condition(
        +[](int* leased) { return *leased == 0; }, &leased_readers_));
    idle_readers_.clear();
  }
  // Closed last, so SQLite checkpoints the WAL into the main file and removes
  // it.
  writer_.reset();
}

}  // namespace claimd::store
