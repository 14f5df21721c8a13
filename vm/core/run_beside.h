// Two pieces of work at once, one on a second thread: how a large resume
// uses both cores of a small machine (the heap's text is decoded in two parts,
// canonical_objects.cpp, and the heap is rebuilt in two, restore.cpp).
#pragma once

#include <exception>
#include <system_error>
#include <thread>
#include <utility>

namespace shapevm {

// Runs `beside` on a new thread while `here` runs on this one and returns
// once both have finished. When no thread can be started, `here` runs first,
// then `beside`, on this thread (so `beside` may wait for what `here` does).
// An exception from `here` is thrown once `beside` has finished; one from
// `beside`, once `here` has returned.
template <typename Beside, typename Here>
void runBeside(Beside&& beside, Here&& here) {
  std::exception_ptr besideError;
  auto guarded = [&] {
    try {
      beside();
    } catch (...) {
      besideError = std::current_exception();
    }
  };
  {
    std::jthread thread;
    try {
      thread = std::jthread(guarded);
    } catch (const std::system_error&) {
    }
    std::forward<Here>(here)();
    if (!thread.joinable()) guarded();
  }  // joined
  if (besideError) std::rethrow_exception(besideError);
}

}  // namespace shapevm
