// The signals that suspend a run (SIGINT, SIGTERM, SIGUSR1), as one set for
// the launcher, which blocks them before it executes the VM, and for the VM,
// which unblocks them once its handlers are installed. Header-only: the
// launcher links nothing but the C library.
#pragma once

#include <signal.h>

inline sigset_t suspendSignalSet() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  return signals;
}
