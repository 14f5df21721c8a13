// Every debug switch and VM limit in one place, so a reader can see at a glance
// what the build may change and which bounds protect the host from a guest.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shapevm {

#ifdef SHAPEVM_GC_STRESS
inline constexpr bool kGcStress = true;
#else
inline constexpr bool kGcStress = false;
#endif

// The unified value stack is allocated once and never moves, so pointers into it
// (open upvalues, frame bases) stay valid for the life of the VM.
inline constexpr std::size_t kMaxStackSlots = std::size_t{1} << 22;
// Slots kept free above every frame's declared maximum: a method call into the
// prelude shifts its arguments up by one, BuildMap parks the new map there, and
// a fused instruction's slow path pushes its (at most two) operands. A
// restored frame must leave them free too.
inline constexpr std::size_t kStackSlack = 4;
// What the verifier keeps of the stack beyond one frame's locals and operands:
// the callee slot below the frame and the slack above it, with room to spare.
inline constexpr std::size_t kFrameReserve = 16;
static_assert(kFrameReserve >= 1 + kStackSlack);
inline constexpr std::size_t kMaxFrames = 200'000;
inline constexpr std::size_t kMaxHandlers = 1'000'000;

// Builds with AddressSanitizer check for leaks, so there Heap::abandonAtExit
// frees every object as the destructor would instead of leaving them to the
// operating system.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kFreeHeapAtExit = true;
#else
inline constexpr bool kFreeHeapAtExit = false;
#endif

// Test builds (sanitizers, collection at every allocation) check each array
// and map the collector skips for holding no object (Array::mayHoldObjects,
// Map::mayHoldObjects) and abort if one does: a store that does not set the
// flag fails the tests instead of freeing a live object.
#if defined(SHAPEVM_GC_STRESS) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kCheckSkippedScans = true;
#else
inline constexpr bool kCheckSkippedScans = false;
#endif

// Default ceiling on live heap bytes; past it (after a full collection) the
// guest gets a MemoryError instead of the host getting killed.
inline constexpr std::size_t kDefaultMaxMemory = std::size_t{4} << 30;
// No collection runs before the heap holds this many bytes (docs/design.md,
// "Memory").
inline constexpr std::size_t kFirstCollectionAt = std::size_t{256} << 10;

// The interpreter polls for a suspend request (VM::requestSuspend) at least
// this often (in instructions).
inline constexpr int64_t kPollInterval = 1 << 14;

}  // namespace shapevm
