// The version of the SQLite library claimd runs with, for `claimd --version`,
// so that code outside service/store never includes sqlite3.h.
// Thread-safety: callable from any thread.
#ifndef CLAIMD_SERVICE_STORE_SQLITE_VERSION_H_
#define CLAIMD_SERVICE_STORE_SQLITE_VERSION_H_

#include <string>

namespace claimd::store {

// The linked library's version ("3.40.1"), which can differ from the headers'.
std::string SqliteLibraryVersion();

}  // namespace claimd::store

#endif  // CLAIMD_SERVICE_STORE_SQLITE_VERSION_H_
