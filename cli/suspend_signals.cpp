// Taking the suspend signals once they may be handled (see suspend_signals.h).
#include "suspend_signals.h"

#include <signal.h>

#include <string_view>

#include "interp/vm.h"
#include "suspend_signal_set.h"

namespace shapevm::cli {

void unblockSuspendSignals() {
  sigset_t signals = suspendSignalSet();
  sigprocmask(SIG_UNBLOCK, &signals, nullptr);
}

void acceptSuspendSignals() {
  installSuspendSignalHandlers();
  unblockSuspendSignals();
}

bool suspendsOnSignal(int argc, char** argv) {
  if (argc < 2) return false;
  std::string_view command = argv[1];
  return command == "run" || command == "resume" || command == "job";
}

}  // namespace shapevm::cli
