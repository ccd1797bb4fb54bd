// Transitional: the ClaimReview/import files (client/formats/ after their move)
// and commands/import_command.cc still include this old path. New code
// includes client/render/progress_bar.h; delete this file once they do.
#ifndef CLAIMD_CLIENT_PROGRESS_BAR_FORWARD_H_
#define CLAIMD_CLIENT_PROGRESS_BAR_FORWARD_H_

#include "client/render/progress_bar.h"  // IWYU pragma: export

#endif  // CLAIMD_CLIENT_PROGRESS_BAR_FORWARD_H_
