// The virtual machine's whole state, and the entry points to load and run a
// program. Everything a snapshot must capture is a field of VM, and nothing of
// the guest's execution lives on the C++ stack: guest calls, returns and
// exceptions are VM data (frames, handlers), so the interpreter can stop at any
// instruction boundary and the state can be written out and rebuilt.
//
// Layout of the unified value stack (never moves; see core/config.h):
//   ... | callee | arg0 .. argN-1 | other locals | operands ... |
//                  ^ frame.base                                 ^ sp
// A frame's locals are slots base[0 .. numLocals); its operand stack follows.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"
#include "core/heap.h"
#include "interp/natives.h"
#include "interp/rng.h"

namespace shapevm {

// The form the interpreter runs code in: each code word widened to 64 bits,
// the word itself in the low half and, in the high half, how many
// instructions run from the instruction holding it through the end of its
// straight-line run (see runLengths in vm.cpp). The run length sits next to
// the instruction the loop is about to fetch, so charging the step budget for
// a run needs no table of its own. Offsets are the same as in the code.
using ExecWord = uint64_t;
inline constexpr Instr execInstr(ExecWord word) { return static_cast<Instr>(word); }
inline constexpr int32_t execRunLength(ExecWord word) { return static_cast<int32_t>(word >> 32); }
// The run length read on its own, a 32-bit load of the word's high half, so a
// charge is one subtract from memory instead of a copy, a shift and a subtract.
inline int32_t execRunLengthAt(const ExecWord* at) {
  constexpr std::size_t kHighHalf = std::endian::native == std::endian::little ? 4 : 0;
  int32_t length;
  std::memcpy(&length, reinterpret_cast<const char*>(at) + kHighHalf, sizeof length);
  return length;
}

struct Frame {
  uint32_t function = 0;         // index into VM::program.functions
  const ExecWord* ip = nullptr;  // next instruction of this frame (its return address)
  Value* base = nullptr;         // slot 0 of the frame's locals
  Closure* closure = nullptr;    // the closure being run, or nullptr for a plain function
};

struct Handler {
  uint32_t frameDepth = 0;   // index of the frame whose code holds the catch block
  uint32_t stackSize = 0;    // number of stack slots in use when the try began
  uint32_t catchOffset = 0;  // word offset of the catch block in that frame's function
};

// Why a run stopped at an instruction boundary for a snapshot.
enum class SnapshotReason { StepBudget, Signal, Checkpoint, PeriodicCheckpoint, SuspendCall };

// Whether the run goes on after a snapshot taken for `reason` (a checkpoint)
// or ends there (a suspension).
inline constexpr bool continuesAfter(SnapshotReason reason) {
  return reason == SnapshotReason::Checkpoint || reason == SnapshotReason::PeriodicCheckpoint;
}

// How VM::run() returned. At Suspended and CheckpointDue the VM is stopped at
// an instruction boundary with its state synced and its output flushed: the
// host writes the snapshot. After Suspended the run is over; after
// CheckpointDue the host calls run() again and the run goes on.
enum class RunStatus { Finished, Error, Suspended, Exited, CheckpointDue };

struct RunOutcome {
  RunOutcome() = default;
  RunOutcome(RunStatus status, int exitCode, std::string error,
             std::optional<SnapshotReason> snapshotPoint = std::nullopt)
      : status(status), exitCode(exitCode), error(std::move(error)), snapshotPoint(snapshotPoint) {}

  RunStatus status = RunStatus::Finished;
  int exitCode = 0;
  std::string error;                            // for Error: the message and stack trace
  std::optional<SnapshotReason> snapshotPoint;  // for Suspended and CheckpointDue: why
};

struct VMOptions {
  std::size_t maxMemory = kDefaultMaxMemory;
  std::optional<uint64_t> maxSteps;         // suspend after this many instructions
  std::optional<uint64_t> checkpointEvery;  // write a snapshot every N instructions
  uint64_t seed = 0;
};

// An inline cache for record fields: the last two record types seen with one
// field name in one function, and the field's slot in each (two, so a
// function that handles two kinds of record does not thrash it).
struct FieldCache {
  struct Entry {
    const RecordType* type = nullptr;
    uint32_t slot = 0;
  };
  Entry recent, previous;  // 32 bytes, so indexing the table is a shift
};

// Per-function runtime data built at load time.
struct LoadedFunction {
  const Function* code = nullptr;
  std::vector<Value> constants;   // constants materialized as values (strings interned)
  std::vector<MethodId> methods;  // per constant: the built-in method it names, if any
  std::vector<ExecWord> exec;     // the code with run lengths, as the loop runs it
  bool needsClosure = false;      // has captures, so it can only run as a closure
  // Per constant (a field name), filled as the function runs: `o.f` skips
  // the scan of the type's field names (docs/design.md, "Inline caches for
  // record fields"). Keyed by the name's constant, not by the access site,
  // because the constant index is already in hand (a per-site index costs an
  // extra load per access).
  mutable std::vector<FieldCache> fieldCaches;
};

// A place in old code where a frame can continue in the new code: the frame
// of `from` (a function kept as "NAME (old code)" after a relocation,
// docs/suspend-resume.md) that reaches offset `at` moves to offset `ip` of
// `to`, its locals rearranged and the catch offsets of its handlers
// translated. Built by the snapshot module (snapshot/frame_remap.h), which
// proved the move keeps the operand stack; the VM patches a move_frame
// instruction over `at`, so code that never ran old code pays nothing.
struct CodeMove {
  uint32_t from = 0;
  uint32_t to = 0;
  uint32_t at = 0;
  uint32_t ip = 0;
  std::vector<std::pair<uint32_t, uint32_t>> locals;   // new slot <- old slot
  std::vector<std::pair<uint32_t, uint32_t>> catches;  // old catch offset -> new
  Instr original = 0;                                  // the instruction patched over
};

class TextBudget;

class VM {
 public:
  explicit VM(VMOptions options = {});
  ~VM();
  VM(const VM&) = delete;
  VM& operator=(const VM&) = delete;

  // Takes a verified program, appends the built-in bytecode functions
  // (interp/prelude.cpp), interns constants and binds function globals.
  std::optional<Diagnostic> load(Program program);
  // Pushes the entry frame; `args` is what args() returns.
  void start(std::vector<std::string> args);
  // Runs until the program finishes, fails or exits, or stops at a snapshot
  // point (see RunStatus). After CheckpointDue, run() continues the same run:
  // the step limit and the periodic checkpoints count on from where it
  // stopped. Otherwise it begins a new one (this process's steps from 0).
  RunOutcome run();

  // Asks the run to stop at its next safe point with status Suspended (reason
  // Signal), and the built-ins that wait or build long text to give up
  // (they run again after resume). A request made before run() is kept.
  // Async-signal-safe: the host's signal handler calls it.
  void requestSuspend() noexcept { suspendRequest_.store(true, std::memory_order_relaxed); }
  bool suspendRequested() const noexcept { return suspendRequest_.load(std::memory_order_relaxed); }

  // Helpers shared by the interpreter, built-ins and the snapshot module.
  void flushOutput();
  // As print() renders it, cut short with "..." past 64 KiB: for messages.
  std::string describeValue(Value value) const;
  // Appends what print() shows of `value`, charged to `budget`; false when a
  // suspend request stopped it (the caller's native returns Interrupted).
  bool appendValueText(std::string& out, Value value, TextBudget& budget) const;
  std::string functionName(Value callable) const;
  std::string stackTrace() const;
  uint32_t currentLine(const Frame& frame) const;
  Value makeError(std::string_view kind, std::string_view message);
  Upvalue* captureUpvalue(Value* slot);
  void closeUpvalues(Value* fromSlot);
  // Patches `move` into its function's running code (interp/frame_move.cpp).
  void addCodeMove(CodeMove move);
  // Moves the top frame as codeMoves[index] says; false (and the patch is
  // undone) when one of its handlers has no place in the new code or the new
  // frame does not fit the stack.
  bool moveFrame(uint32_t index);

  // ---- state (everything a snapshot holds) ----
  VMOptions options;
  Program program;
  std::vector<LoadedFunction> functions;  // parallel to program.functions
  std::vector<RecordType> types;          // parallel to program.types
  RecordType errorType;                   // Error {kind, message}
  uint32_t userFunctionCount = 0;         // functions before the prelude
  Heap heap;
  Value* stack = nullptr;   // kMaxStackSlots slots, allocated once
  Value* sp = nullptr;      // one past the top value
  Frame* frames = nullptr;  // kMaxFrames frames, allocated once
  uint32_t frameCount = 0;
  std::vector<Handler> handlers;
  std::vector<Value> globals;  // parallel to program.globals
  Upvalue* openUpvalues = nullptr;
  Rng rng;
  std::vector<std::string> args;
  uint64_t totalSteps = 0;            // since the program first started, across resumes
  uint64_t runSteps = 0;              // in this process
  std::string output;                 // buffered stdout
  std::string* outputSink = nullptr;  // when set, flushed output goes here instead of stdout
  std::vector<Value> tempRoots;       // values natives must keep alive across allocations

  // ---- run-time bookkeeping (not part of a snapshot) ----
  // The prelude function that runs method M on an array (a map) called with
  // N arguments, at [M][N]; kNoPrelude where a native (or nothing) runs it.
  static constexpr uint32_t kNoPrelude = UINT32_MAX;
  static constexpr uint32_t kPreludeArgs = 3;
  using PreludeTable = std::array<std::array<uint32_t, kPreludeArgs>, kMethodCount>;
  PreludeTable arrayPrelude{}, mapPrelude{};
  std::optional<SnapshotReason> requestedSnapshot;    // set by checkpoint() / suspend()
  std::optional<SnapshotReason> stoppedAtCheckpoint;  // run() returned CheckpointDue for it
  uint64_t nextCheckpoint = 0;                        // runSteps of the next periodic checkpoint
  std::optional<int> requestedExit;                   // set by exit()
  std::string stdinBuffer;                            // read but not yet consumed by read_line()
  std::vector<CodeMove> codeMoves;                    // indexed by move_frame's operand
  Value memoryError;              // allocated up front: raising it must not allocate
  String* charStrings[256] = {};  // interned one-byte strings (s[i], for ch in s)

 private:
  friend struct Interpreter;
  void markRoots(Heap& heap);

  static_assert(std::atomic<bool>::is_always_lock_free, "requestSuspend must be signal-safe");
  std::atomic<bool> suspendRequest_{false};
};

}  // namespace shapevm
