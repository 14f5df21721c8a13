// The `shapevm` command as the user runs it: a small static program that blocks
// SIGINT, SIGTERM and SIGUSR1 and executes the VM, `shapevm-vm`, from its own
// directory. Blocked signals stay pending across exec, so a scheduler's
// SIGTERM that arrives while the VM's shared libraries load (milliseconds,
// far more under load) is not fatal: the VM unblocks the signals once its
// handlers are installed, and the pending one suspends the run at its first
// instruction boundary (docs/cli.md, "Signals"). Being static, this program
// itself reaches sigprocmask in microseconds. It uses only the C library.
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "../suspend_signal_set.h"

int main(int, char** argv) {
  sigset_t suspendSignals = suspendSignalSet();
  sigprocmask(SIG_BLOCK, &suspendSignals, nullptr);

  constexpr char kVm[] = "shapevm-vm";
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof path - sizeof kVm - 1);
  char* slash = length > 0 ? static_cast<char*>(memrchr(path, '/', length)) : nullptr;
  if (slash == nullptr) {
    std::fprintf(stderr, "shapevm: cannot find its own directory: %s\n", std::strerror(errno));
    return 1;
  }
  std::memcpy(slash + 1, kVm, sizeof kVm);
  execv(path, argv);
  std::fprintf(stderr, "shapevm: cannot run %s: %s\n", path, std::strerror(errno));
  return 1;
}
