// The store id of a SQLite store: the identity of its history, which clients
// compare so that revisions read from one history are never applied to
// another (a store restored from a backup reuses revisions for different
// events). It is created with the store, kept in the `meta` table as two
// random 64-bit rows ('store_id_hi', 'store_id_lo': the table's value column
// is an INTEGER, so no schema change was needed) and rendered as 32 lowercase
// hex digits. Only a restore (sqlite_backup.h) replaces it.
//
// Thread-safety: functions on a Connection, which belongs to one thread.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_STORE_ID_H_
#define CLAIMD_SERVICE_STORE_SQLITE_STORE_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "service/store/sqlite_db.h"

namespace claimd::store::internal {

// Reads the store id, creating it first when the store has none yet (a new
// store, or one created before store ids existed). Runs its own write
// transaction when it creates one. Errors: those of the connection.
absl::StatusOr<std::string> LoadOrCreateStoreId(Connection& db);

// Reads the store id; NOT_FOUND when the store has none.
absl::StatusOr<std::string> ReadStoreId(Connection& db);

// Gives the store a new random store id, different from the current one, in
// its own write transaction, and returns it.
absl::StatusOr<std::string> ReplaceStoreId(Connection& db);

}  // namespace claimd::store::internal

#endif  // CLAIMD_SERVICE_STORE_SQLITE_STORE_ID_H_
