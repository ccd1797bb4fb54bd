// Transitional: the ClaimReview/import files (client/formats/ after their move)
// and commands/import_command.cc still include this old path. New code
// includes client/cli/errors.h; delete this file once they do.
#ifndef CLAIMD_CLIENT_ERRORS_FORWARD_H_
#define CLAIMD_CLIENT_ERRORS_FORWARD_H_

#include "client/cli/errors.h"  // IWYU pragma: export

#endif  // CLAIMD_CLIENT_ERRORS_FORWARD_H_
