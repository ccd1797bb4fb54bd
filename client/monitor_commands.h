// Transitional: commands/export_command.cc (moved unchanged, formats' file)
// still includes this old path. New code includes
// client/commands/export_command.h; delete this file once it does.
#ifndef CLAIMD_CLIENT_MONITOR_COMMANDS_FORWARD_H_
#define CLAIMD_CLIENT_MONITOR_COMMANDS_FORWARD_H_

#include "client/commands/export_command.h"  // IWYU pragma: export

#endif  // CLAIMD_CLIENT_MONITOR_COMMANDS_FORWARD_H_
