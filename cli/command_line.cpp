// The shapevm command line over a table of subcommands. Command-line mistakes
// exit with status 2 (docs/cli.md); everything else is decided by the
// subcommand. A C++ exception nothing else caught (the host out of memory, a
// bug) ends the process with a message and status 1, never an abort.
#include "command_line.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "commands.h"
#include "log.h"
#include "suspend_signals.h"

namespace {

void reportFatal(const char* what) {
  std::fprintf(stderr, "shapevm: internal error: %s\n", what);
  std::fflush(stderr);
}

// For exceptions that escape a thread or a noexcept function.
[[noreturn]] void onTerminate() {
  try {
    if (std::exception_ptr current = std::current_exception()) std::rethrow_exception(current);
    reportFatal("terminated");
  } catch (const std::bad_alloc&) {
    reportFatal("out of memory");
  } catch (const std::exception& e) {
    reportFatal(e.what());
  } catch (...) {
    reportFatal("unknown exception");
  }
  std::_Exit(shapevm::cli::kExitError);
}

}  // namespace

namespace shapevm::cli {

int runCommandLine(int argc, char** argv, std::span<const AddCommand> commands) {
  // Commands that suspend take the signals once their handlers are in place.
  if (!suspendsOnSignal(argc, argv)) unblockSuspendSignals();
  std::set_terminate(onTerminate);
  // Logs go to stderr so they never mix with the program's stdout.
  log::start();

  CLI::App app{"shapevm: a suspendable bytecode VM for the Shape language", "shapevm"};
  app.set_version_flag("--version", SHAPEVM_VERSION);
  app.require_subcommand(1);
  int exitStatus = kExitOk;
  for (AddCommand add : commands) add(app, exitStatus);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    reportFatal("out of memory");
    return kExitError;
  } catch (const std::exception& e) {
    reportFatal(e.what());
    return kExitError;
  }
  return exitStatus;
}

}  // namespace shapevm::cli
