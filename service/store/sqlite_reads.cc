// SqliteClaimStore's read paths and its pool of read connections. Each read
// runs in one SQLite read transaction on a connection of its own, so it sees
// one committed state (WAL readers never block the writer, nor are blocked by
// it).
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/core/limits.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_rows.h"
#include "service/util/status_macros.h"

namespace claimd::store {
namespace {

constexpr char kBeginRead[] = "BEGIN";
constexpr char kCommitRead[] = "COMMIT";
constexpr char kRollbackRead[] = "ROLLBACK";
constexpr char kSelectRevisions[] =
    "SELECT (SELECT value FROM meta WHERE key = 'revision'),"
    " (SELECT value FROM meta WHERE key = 'compact_revision')";
constexpr char kSelectClaimsAfter[] =
    "SELECT id, record FROM claims WHERE id > ?1 ORDER BY id";
constexpr char kSelectEvents[] =
    "SELECT claim_id, record FROM events WHERE revision >= ?1 ORDER BY revision"
    " LIMIT ?2";
constexpr char kSelectClaimEvents[] =
    "SELECT claim_id, record FROM events WHERE claim_id = ?1 AND revision >= ?2"
    " ORDER BY revision LIMIT ?3";

absl::Status Run(internal::Connection& db, const char* sql) {
  ASSIGN_OR_RETURN(internal::CachedStatement statement, db.Cached(sql));
  return statement->Run();
}

struct Revisions {
  int64_t revision = 0;
  int64_t compact_revision = 0;
};

absl::StatusOr<Revisions> ReadRevisions(internal::Connection& db) {
  ASSIGN_OR_RETURN(internal::CachedStatement select,
                   db.Cached(kSelectRevisions));
  ASSIGN_OR_RETURN(const bool found, select->Step());
  if (!found)
    return absl::InternalError("database file is corrupt: no meta row");
  return Revisions{select->ColumnInt64(0), select->ColumnInt64(1)};
}

// Runs `read` inside one read transaction: everything it reads is one committed
// state.
template <typename Read>
absl::Status InReadTransaction(internal::Connection& db, Read read) {
  RETURN_IF_ERROR(Run(db, kBeginRead));
  absl::Status status = read();
  if (status.ok()) status = Run(db, kCommitRead);
  if (!status.ok() && db.InTransaction()) Run(db, kRollbackRead).IgnoreError();
  return status;
}

}  // namespace

// A read connection borrowed from the pool; returned (or closed) when
// destroyed.
class SqliteClaimStore::ReaderLease {
 public:
  ReaderLease(SqliteClaimStore* store,
              std::unique_ptr<internal::Connection> connection)
      : store_(store), connection_(std::move(connection)) {}
  ReaderLease(ReaderLease&& other) noexcept
      : store_(other.store_), connection_(std::move(other.connection_)) {}
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;
  ReaderLease& operator=(ReaderLease&&) = delete;
  ~ReaderLease() {
    if (connection_ != nullptr) store_->ReleaseReader(std::move(connection_));
  }

  internal::Connection& db() { return *connection_; }

 private:
  SqliteClaimStore* store_;
  std::unique_ptr<internal::Connection> connection_;
};

absl::StatusOr<SqliteClaimStore::ReaderLease>
SqliteClaimStore::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mutex_);
    if (readers_closed_) return absl::UnavailableError("store is closed");
    ++leased_readers_;  // Close waits for this lease to come back
    if (!idle_readers_.empty()) {
      std::unique_ptr<internal::Connection> connection =
          std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(connection));
    }
  }
  // Opened outside the lock; more than max_idle_readers may be open during a
  // burst.
  internal::Connection::Options options;
  options.read_only = true;
  options.busy_timeout = options_.busy_timeout;
  options.vfs = options_.vfs;
  absl::StatusOr<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Open(path_, options);
  if (!connection.ok()) {
    absl::MutexLock lock(&readers_mutex_);
    --leased_readers_;
    return connection.status();
  }
  return ReaderLease(this, *std::move(connection));
}

void SqliteClaimStore::ReleaseReader(
    std::unique_ptr<internal::Connection> connection) {
  // Closed after the lock is released.
  std::unique_ptr<internal::Connection> surplus;
  absl::MutexLock lock(&readers_mutex_);
  --leased_readers_;
  if (readers_closed_ || connection->InTransaction() ||
      static_cast<int>(idle_readers_.size()) >= options_.max_idle_readers) {
    surplus = std::move(connection);
  } else {
    idle_readers_.push_back(std::move(connection));
  }
}

absl::StatusOr<core::Claim> SqliteClaimStore::Get(const std::string& claim_id) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  // Head and evidence in one read transaction, so they agree.
  std::optional<core::Claim> claim;
  RETURN_IF_ERROR(InReadTransaction(reader.db(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(claim, internal::ReadLiveClaim(reader.db(), claim_id));
    return absl::OkStatus();
  }));
  if (!claim.has_value())
    return absl::NotFoundError(
        absl::StrCat(core::ClaimName(claim_id), " does not exist"));
  return *std::move(claim);
}

absl::StatusOr<core::ClaimPage> SqliteClaimStore::List(
    const core::ListClaimsQuery& query) {
  const int limit = query.limit > 0 ? query.limit : core::kDefaultPageSize;
  const int max_scanned = query.max_scanned > 0
                              ? query.max_scanned
                              : core::ListClaimsQuery{}.max_scanned;
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  core::ClaimPage page;
  page.last_examined_id = query.after_id;
  RETURN_IF_ERROR(InReadTransaction(reader.db(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const Revisions revisions, ReadRevisions(reader.db()));
    page.revision = revisions.revision;
    ASSIGN_OR_RETURN(internal::CachedStatement select,
                     reader.db().Cached(kSelectClaimsAfter));
    select->BindText(1, query.after_id);
    int examined = 0;
    while (static_cast<int>(page.claims.size()) < limit &&
           examined < max_scanned) {
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (!found) return absl::OkStatus();  // the end: more stays false
      ++examined;
      page.last_examined_id = std::string(select->ColumnText(0));
      ASSIGN_OR_RETURN(std::optional<core::Claim> claim,
                       internal::ReadClaimIfMatches(
                           reader.db(), select->ColumnBlob(1), query.filter));
      if (claim.has_value()) page.claims.push_back(*std::move(claim));
    }
    // Stopped at a bound: say whether anything is left.
    ASSIGN_OR_RETURN(page.more, select->Step());
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<core::EventPage> SqliteClaimStore::ListEvents(
    const core::ListEventsQuery& query) {
  const int limit = query.limit > 0 ? query.limit : core::kDefaultPageSize;
  int64_t from = query.from_revision;
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  core::EventPage page;
  RETURN_IF_ERROR(InReadTransaction(reader.db(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const Revisions revisions, ReadRevisions(reader.db()));
    page.revision = revisions.revision;
    // 0 (or less): from the oldest revision kept, decided in this transaction
    // so a concurrent compaction cannot turn "from the start" into
    // OUT_OF_RANGE.
    if (from <= 0) from = revisions.compact_revision + 1;
    if (from <= revisions.compact_revision) {
      return absl::OutOfRangeError(
          absl::StrCat("revision ", from,
                       " has been compacted; the oldest revision kept is ",
                       revisions.compact_revision + 1));
    }
    const char* sql =
        query.claim_id.empty() ? kSelectEvents : kSelectClaimEvents;
    ASSIGN_OR_RETURN(internal::CachedStatement select, reader.db().Cached(sql));
    int index = 1;
    if (!query.claim_id.empty()) select->BindText(index++, query.claim_id);
    select->BindInt64(index++, from);
    select->BindInt64(
        index, static_cast<int64_t>(limit) + 1);  // one more: is there more?
    internal::EventAssembler assembler(reader.db());
    core::EventPageBytes bytes(query.max_bytes);
    for (;;) {
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (!found) break;
      if (static_cast<int>(page.events.size()) == limit) {
        page.more = true;
        break;
      }
      ASSIGN_OR_RETURN(
          core::ClaimEventPtr event,
          assembler.Assemble(select->ColumnText(0), select->ColumnBlob(1)));
      if (!bytes.Fits(*event)) {
        page.more = true;  // this event opens the next page
        break;
      }
      page.events.push_back(std::move(event));
    }
    return absl::OkStatus();
  }));
  // Continue after the last event returned; with nothing more, after everything
  // this read covered (no event of this query exists at or below page.revision
  // past it).
  page.next_revision =
      page.events.empty() ? from : page.events.back()->revision + 1;
  if (!page.more)
    page.next_revision = std::max(page.next_revision, page.revision + 1);
  return page;
}

absl::StatusOr<core::Snapshot> SqliteClaimStore::ReadSnapshot(
    const core::Filter& filter) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  core::Snapshot snapshot;
  RETURN_IF_ERROR(InReadTransaction(reader.db(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const Revisions revisions, ReadRevisions(reader.db()));
    snapshot.revision = revisions.revision;
    ASSIGN_OR_RETURN(internal::CachedStatement select,
                     reader.db().Cached(kSelectClaimsAfter));
    select->BindText(1, "");
    for (;;) {
      ASSIGN_OR_RETURN(const bool found, select->Step());
      if (!found) return absl::OkStatus();
      ASSIGN_OR_RETURN(std::optional<core::Claim> claim,
                       internal::ReadClaimIfMatches(
                           reader.db(), select->ColumnBlob(1), filter));
      if (claim.has_value()) snapshot.claims.push_back(*std::move(claim));
    }
  }));
  return snapshot;
}

}  // namespace claimd::store
