// The `shapevm` command as the user runs it: a small static program that blocks
// SIGINT, SIGTERM and SIGUSR1 and executes the VM from its own directory:
// `shapevm-run` for the subcommands that never read a snapshot (the smaller
// program: no JSON reader, no shared C++ runtime), `shapevm-vm` for the rest. Blocked signals stay
// pending across exec, so a scheduler's SIGTERM that arrives while the VM's shared libraries load
// (milliseconds, far more under load) is not fatal: the VM unblocks the signals once its handlers
// are installed, and the pending one suspends the run at its first instruction boundary
// (docs/cli.md, "Signals"). Being static, this program itself reaches sigprocmask in microseconds.
// It uses only the C library.
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "../run_subcommands.h"
#include "../suspend_signal_set.h"

namespace {

// The program for `shapevm SUBCOMMAND ...`: the full VM unless the subcommand
// is one that `shapevm-run` has.
const char* vmFor(const char* subcommand) {
  if (subcommand != nullptr) {
    for (std::string_view runSubcommand : kRunSubcommands) {
      if (runSubcommand == subcommand) return "shapevm-run";
    }
  }
  return "shapevm-vm";
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t suspendSignals = suspendSignalSet();
  sigprocmask(SIG_BLOCK, &suspendSignals, nullptr);

  const char* vm = vmFor(argc > 1 ? argv[1] : nullptr);
  const std::size_t vmSize = std::strlen(vm) + 1;
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof path - vmSize - 1);
  char* slash = length > 0 ? static_cast<char*>(memrchr(path, '/', length)) : nullptr;
  if (slash == nullptr) {
    std::fprintf(stderr, "shapevm: cannot find its own directory: %s\n", std::strerror(errno));
    return 1;
  }
  std::memcpy(slash + 1, vm, vmSize);
  execv(path, argv);
  std::fprintf(stderr, "shapevm: cannot run %s: %s\n", path, std::strerror(errno));
  return 1;
}
