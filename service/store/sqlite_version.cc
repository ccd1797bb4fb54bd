#include "service/store/sqlite_version.h"

#include <sqlite3.h>

namespace claimd::store {

std::string SqliteLibraryVersion() { return sqlite3_libversion(); }

}  // namespace claimd::store
