// The suspend signals (SIGINT, SIGTERM, SIGUSR1) reach the VM blocked: the
// `shapevm` launcher blocks them before it executes the VM, so that one
// arriving while the VM starts stays pending instead of killing it
// (cli/launcher/main.cpp). Each command then takes them as it needs.
#pragma once

namespace shapevm {
class VM;
}

namespace shapevm::cli {

// run, resume and job: install the handlers, then unblock; a signal that
// arrived since exec is delivered now, kept, and suspends the run at its first
// safe point once routeSuspendSignals names the VM.
void acceptSuspendSignals();

// Where the handlers send a suspend request (VM::requestSuspend): `vm`, from
// now on and for a signal kept since acceptSuspendSignals; nullptr stops it.
void routeSuspendSignals(VM* vm);

// Commands that do not suspend: unblock, so the signals act as usual.
void unblockSuspendSignals();

// Whether the command line names a command that suspends (run, resume, job).
bool suspendsOnSignal(int argc, char** argv);

}  // namespace shapevm::cli
