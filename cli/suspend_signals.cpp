// Taking the suspend signals once they may be handled (see suspend_signals.h).
// The handler only records the request: the VM stops at its next safe point
// and returns, and the session writes the snapshot (session.cpp).
#include "suspend_signals.h"

#include <signal.h>

#include <atomic>
#include <string_view>

#include "interp/vm.h"
#include "suspend_signal_set.h"

namespace shapevm::cli {

namespace {

// Both lock-free, so the handler may touch them. A signal is always recorded
// in gSignalPending; it reaches the VM directly once the session has named one
// (a signal may arrive on any thread), and through routeSuspendSignals before.
std::atomic<bool> gSignalPending{false};
std::atomic<VM*> gSignalTarget{nullptr};
static_assert(std::atomic<VM*>::is_always_lock_free);

void onSuspendSignal(int) {
  gSignalPending.store(true);
  if (VM* vm = gSignalTarget.load()) vm->requestSuspend();
}

void installSuspendSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = onSuspendSignal;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a read() blocked in read_line() returns EINTR so the VM can
  // suspend instead of waiting for input.
  action.sa_flags = 0;
  sigset_t signals = suspendSignalSet();
  for (int signal = 1; signal < NSIG; ++signal) {
    if (sigismember(&signals, signal) == 1) sigaction(signal, &action, nullptr);
  }
}

}  // namespace

void unblockSuspendSignals() {
  sigset_t signals = suspendSignalSet();
  sigprocmask(SIG_UNBLOCK, &signals, nullptr);
}

void acceptSuspendSignals() {
  installSuspendSignalHandlers();
  unblockSuspendSignals();
}

void routeSuspendSignals(VM* vm) {
  gSignalTarget.store(vm);
  // Stored first: a signal from now on finds `vm` itself.
  if (vm != nullptr && gSignalPending.exchange(false)) vm->requestSuspend();
}

bool suspendsOnSignal(int argc, char** argv) {
  if (argc < 2) return false;
  std::string_view command = argv[1];
  return command == "run" || command == "resume" || command == "job";
}

}  // namespace shapevm::cli
