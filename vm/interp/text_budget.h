// Text that natives build outside the heap (print, str, join, write,
// read_line) counts against the heap's limit while it grows, and a suspend
// request (VM::requestSuspend) stops it. The text of a value can be far larger than the value:
// `x = [x, x]` 64 times is a few objects whose text has 2^64 parts.
#pragma once

#include <cstddef>
#include <string>

#include "interp/vm.h"

namespace shapevm {

class TextBudget {
 public:
  explicit TextBudget(VM& vm) : vm_(vm) {}

  // Called as `text` grows. Throws OutOfMemory (the guest's MemoryError) once
  // the text would pass the heap's limit; false when a suspend has been
  // requested, so the native returns Interrupted and runs again after resume.
  bool allows(const std::string& text) {
    if (text.capacity() < nextCheck_) return true;
    vm_.heap.checkRoom(text.capacity());
    if (vm_.suspendRequested()) return false;
    nextCheck_ = text.capacity() + kCheckEvery;
    return true;
  }

 private:
  static constexpr std::size_t kCheckEvery = std::size_t{1} << 20;
  VM& vm_;
  std::size_t nextCheck_ = kCheckEvery;
};

}  // namespace shapevm
