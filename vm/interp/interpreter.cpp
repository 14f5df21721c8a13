// The dispatch loop: runs verified bytecode on the VM's unified value stack.
//
// Correctness rules (every handler follows them):
//  1. SYNC before anything that can allocate, throw, call a native or write a
//     snapshot: the running frame's ip, the stack top and the step budget are
//     stored back into the VM, so the collector sees every live value and a
//     thrown error or snapshot sees the exact position.
//  2. The collector may run at every allocation. A value that must survive an
//     allocation is on the stack (below the synced sp) or in VM::tempRoots.
//  3. The value stack never moves (it is allocated once), so `base`, `sp` and
//     open upvalues stay valid across calls; after a call, return or throw the
//     registers are reloaded from the new top frame (RELOAD).
//  4. Steps are charged a straight-line run at a time (see "Step accounting"
//     below); a suspension always happens at an instruction boundary, after
//     exactly the budgeted number of instructions.
//  5. The verifier has proven operands in range and stack depths consistent;
//     the loop checks only what depends on run-time values (types, bounds,
//     arity, stack and frame limits).
//  6. Guest calls, returns and exceptions never recurse on the C++ stack.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <utility>

#include "bytecode/builtin_names.h"
#include "core/map.h"
#include "interp/natives.h"
#include "interp/vm.h"

#if defined(__GNUC__)
#define SHAPEVM_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHAPEVM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SHAPEVM_LIKELY(x) (x)
#define SHAPEVM_UNLIKELY(x) (x)
#endif

namespace shapevm {

// The arithmetic fast paths, shared by the plain operators and their fused
// forms: int op int (wrapping), float op float, and a mix of the two (rarer,
// so tested last). They return false for
// everything else, which the operator's slow path handles (strings, errors,
// and the int divisions by 0 and -1).
#define SHAPEVM_FAST_ARITHMETIC(name, intOk, intExpr, floatExpr)                \
  [[gnu::always_inline]] inline bool fast##name(Value a, Value b, Value* out) { \
    if (SHAPEVM_LIKELY(a.isInt() && b.isInt())) {                               \
      if (!(intOk)) return false;                                               \
      out->as.i = intExpr;                                                      \
      out->type = ValueType::Int;                                               \
      return true;                                                              \
    }                                                                           \
    if (SHAPEVM_LIKELY(a.isFloat() && b.isFloat())) {                           \
      double x = a.as.f, y = b.as.f;                                            \
      out->as.f = floatExpr;                                                    \
      out->type = ValueType::Float;                                             \
      return true;                                                              \
    }                                                                           \
    if (a.isNumber() && b.isNumber()) {                                         \
      double x = a.asNumber(), y = b.asNumber();                                \
      out->as.f = floatExpr;                                                    \
      out->type = ValueType::Float;                                             \
      return true;                                                              \
    }                                                                           \
    return false;                                                               \
  }
SHAPEVM_FAST_ARITHMETIC(Add, true, wrapAdd(a.as.i, b.as.i), x + y)
SHAPEVM_FAST_ARITHMETIC(Sub, true, wrapSub(a.as.i, b.as.i), x - y)
SHAPEVM_FAST_ARITHMETIC(Mul, true, wrapMul(a.as.i, b.as.i), x* y)
SHAPEVM_FAST_ARITHMETIC(Div, b.as.i != 0 && b.as.i != -1, a.as.i / b.as.i, x / y)
SHAPEVM_FAST_ARITHMETIC(Mod, b.as.i != 0 && b.as.i != -1, a.as.i % b.as.i, std::fmod(x, y))
#undef SHAPEVM_FAST_ARITHMETIC

// An index counted from the end when negative (`a[-1]` is the last element);
// out of range either way if the result is not below `count`.
inline uint64_t fromEnd(int64_t index, std::size_t count) {
  return static_cast<uint64_t>(index) + (index < 0 ? count : 0);
}

// Equality with ints compared inline: the call to valuesEqual made the
// compiler save and restore live registers around every `==` (collatz's
// `n % 2 == 0`; docs/design.md has the numbers).
[[gnu::always_inline]] inline bool fastEqual(const Value& a, const Value& b) {
  if (SHAPEVM_LIKELY(a.isInt() && b.isInt())) return a.as.i == b.as.i;
  return valuesEqual(a, b);
}

// Step accounting. A per-instruction check (decrement, branch) cost too much
// once fused instructions made each dispatch cheap (docs/design.md, "Step
// accounting"). So the loop runs in one of two modes:
//  - charging runs (the normal mode): an instruction that may branch, call or
//    return ends a straight-line run (endsRun in bytecode/opcodes.h). Each
//    transfer of control charges the whole run it lands in (its length is
//    stored beside the instruction, see ExecWord in vm.h), and no other
//    instruction counts. While a run is under way its remaining
//    instructions are already paid for, so SYNC gives them back: the exact
//    budget is budgetLeft plus the unrun remainder (nothing, right after an
//    instruction that ends a run).
//  - counting each instruction: when the next run does not fit in the
//    budget, the loop returns and re-enters counting every instruction, as
//    far as the end of the slice; then it switches back.
// So `--max-steps N` still stops after exactly N instructions.
#ifdef SHAPEVM_STEP_CHECK
constexpr bool kStepCheck = true;
#else
constexpr bool kStepCheck = false;
#endif
static_assert(kPollInterval <= INT32_MAX / 2,
              "a slice's budget must fit the loop's 32-bit counter");

// The slot of field `name` in records of `type`, through the function's
// inline cache for that name; -1 when the type has no such field.
[[gnu::always_inline]] inline int cachedFieldIndex(FieldCache& cache, const RecordType* type,
                                                   const String* name) {
  if (SHAPEVM_LIKELY(cache.recent.type == type)) return static_cast<int>(cache.recent.slot);
  if (cache.previous.type == type) return static_cast<int>(cache.previous.slot);
  int field = type->fieldIndex(name);
  if (field >= 0) {
    cache.previous = cache.recent;
    cache.recent = FieldCache::Entry{type, static_cast<uint32_t>(field)};
  }
  return field;
}

// Left to itself, GCC keeps the step budget on the stack, so every charge is a
// load, a subtract and a store. Given a callee-saved register of its own, a
// charge is one subtract from memory and a branch, which more than halves
// the check's cost (docs/design.md, "Step accounting"). GCC honours a local
// register variable; other compilers choose.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SHAPEVM_BUDGET_REGISTER register
#define SHAPEVM_BUDGET_REGISTER_NAME asm("r12")
#else
#define SHAPEVM_BUDGET_REGISTER
#define SHAPEVM_BUDGET_REGISTER_NAME
#endif

// Where the handlers of the dispatch loop fall relative to 64-byte lines
// decides up to 20% of a benchmark's time (mandelbrot 0.52 s with the
// loop's code at a line's start, 0.43 s 48 bytes further on), and that
// position used to depend on the length of the build's file paths, which
// moves all the code after them: the same source ran mandelbrot at 1.10x
// LuaJIT's interpreter in one build tree and 1.29x in another. So loop()
// starts a page, and its code after the entry is moved on by a jump over
// padding to where the suite ran fastest when last measured (offsets 0 to
// 56 tried in steps of 8 over ten benchmarks: docs/design.md, "Where the
// loop's code sits"), 48 bytes on. The build without the step check (for
// measuring what the check costs) has code of its own and an offset of its
// own, 2. Measure again after large changes to the loop.
#if defined(__x86_64__)
#ifdef SHAPEVM_STEP_CHECK
#define SHAPEVM_LOOP_PADDING "\n.skip 46, 0xcc"
#else
#define SHAPEVM_LOOP_PADDING ""  // the jump alone
#endif
#define SHAPEVM_LOOP_OFFSET() asm volatile("jmp 1f" SHAPEVM_LOOP_PADDING "\n1:")
#else
#define SHAPEVM_LOOP_OFFSET() \
  do {                        \
  } while (0)
#endif

struct Interpreter {
  VM& vm;
  // Step accounting: `budget` instructions may run before the slow path;
  // `sliceLength` is the budget the current slice started with.
  int64_t budget = 0;
  int64_t sliceLength = 0;
  uint64_t stepsAtStart = 0;  // vm.totalSteps when this run began

  explicit Interpreter(VM& machine) : vm(machine) {}

  void syncSteps() {
    vm.runSteps += static_cast<uint64_t>(sliceLength - budget);
    sliceLength = budget;
    vm.totalSteps = stepsAtStart + vm.runSteps;
  }

  // Length of the next slice: up to the next poll, step limit or checkpoint.
  int64_t nextSliceLength() const {
    uint64_t length = kPollInterval;
    if (vm.options.maxSteps && *vm.options.maxSteps - vm.runSteps < length) {
      length = *vm.options.maxSteps - vm.runSteps;
    }
    if (vm.options.checkpointEvery && vm.nextCheckpoint - vm.runSteps < length) {
      length = vm.nextCheckpoint - vm.runSteps;
    }
    return static_cast<int64_t>(length);
  }

  // Stops the run at a snapshot point: the host takes the snapshot and, for
  // a checkpoint, calls run() again to go on.
  RunOutcome stopFor(SnapshotReason reason) {
    if (!continuesAfter(reason)) return RunOutcome{RunStatus::Suspended, 0, {}, reason};
    vm.stoppedAtCheckpoint = reason;
    return RunOutcome{RunStatus::CheckpointDue, 0, {}, reason};
  }

  // The slow path of the step check, at an instruction boundary with the VM
  // synced. Returns an outcome when the run must stop here.
  std::optional<RunOutcome> onSliceEnd() {
    syncSteps();
    if (vm.suspendRequested()) {
      vm.suspendRequest_.store(false, std::memory_order_relaxed);
      return stopFor(SnapshotReason::Signal);
    }
    if (vm.options.maxSteps && vm.runSteps >= *vm.options.maxSteps) {
      return stopFor(SnapshotReason::StepBudget);
    }
    if (vm.options.checkpointEvery && vm.runSteps >= vm.nextCheckpoint) {
      vm.nextCheckpoint += *vm.options.checkpointEvery;
      return stopFor(SnapshotReason::PeriodicCheckpoint);
    }
    budget = sliceLength = nextSliceLength();
    return std::nullopt;
  }

  // Unwinds to the innermost handler and pushes `exception` for its catch
  // block. Returns false when nothing catches it (frames are left intact for
  // the stack trace).
  bool unwind(Value exception) {
    if (vm.handlers.empty()) return false;
    Handler h = vm.handlers.back();
    vm.handlers.pop_back();
    Value* newTop = vm.stack + h.stackSize;
    vm.closeUpvalues(newTop);
    vm.frameCount = h.frameDepth + 1;
    vm.sp = newTop;
    *vm.sp++ = exception;
    Frame& frame = vm.frames[h.frameDepth];
    frame.ip = vm.functions[frame.function].exec.data() + h.catchOffset;
    return true;
  }

  RunOutcome uncaught(Value exception) {
    std::string text;
    if (isObjKind(exception, ObjKind::Record) && asRecord(exception)->type == &vm.errorType) {
      const Record* error = asRecord(exception);
      text = vm.describeValue(error->fields()[0]) + ": " + vm.describeValue(error->fields()[1]);
    } else {
      text = "uncaught exception: " + vm.describeValue(exception);
    }
    return RunOutcome{RunStatus::Error, 1, "error: " + text + "\n" + vm.stackTrace()};
  }

  RunOutcome run();
  // Runs until the program stops (an outcome) or the step accounting switches
  // mode (nullopt); kCountEach selects the mode. At the start of a page,
  // with its handlers where SHAPEVM_LOOP_OFFSET puts them (see there).
  template <bool kCountEach>
  [[gnu::aligned(4096)]] std::optional<RunOutcome> loop();
};

RunOutcome VM::run() {
  Interpreter interpreter(*this);
  return interpreter.run();
}

RunOutcome Interpreter::run() {
  if (std::optional<SnapshotReason> checkpoint = std::exchange(vm.stoppedAtCheckpoint, {})) {
    // The host has taken the checkpoint's snapshot; the run goes on.
    if (*checkpoint == SnapshotReason::Checkpoint) {
      vm.sp[-1] = Value::boolean(false);  // checkpoint() returns false in the run that wrote it
    }
  } else {
    vm.runSteps = 0;
    vm.nextCheckpoint = vm.options.checkpointEvery.value_or(0);
  }
  stepsAtStart = vm.totalSteps - vm.runSteps;
  budget = sliceLength = nextSliceLength();
  bool countEach = false;
  for (;;) {
    try {
      std::optional<RunOutcome> outcome = countEach ? loop<true>() : loop<false>();
      if (!outcome) {
        countEach = kStepCheck && !countEach;
        continue;
      }
      syncSteps();
      vm.flushOutput();
      return *outcome;
    } catch (const OutOfMemory&) {
      // Every allocation site synced the VM first (rule 1), so the error can
      // be raised at the exact instruction that allocated.
      syncSteps();
      vm.tempRoots.clear();
      if (!unwind(vm.memoryError)) {
        vm.flushOutput();
        return uncaught(vm.memoryError);
      }
    }
  }
}

template <bool kCountEach>
std::optional<RunOutcome> Interpreter::loop() {
  SHAPEVM_LOOP_OFFSET();
  // Charging whole runs applies only in the normal mode of a build that counts.
  constexpr bool kChargeRuns = kStepCheck && !kCountEach;
  Frame* frame;
  const ExecWord* ip;
  const ExecWord* code;
  Value* base;
  Value* sp;
  const LoadedFunction* fn;
  const Value* constants;
  // Operands a handler sets before it continues in another handler's body:
  uint32_t callWords;  // the size of the call instruction that is running
  uint32_t fieldName;  // the field name constant of get_field / set_field and their _l forms
  // Shared by the call paths (Call, CallMethod and the calls they forward);
  // `target` is also a fused compare-and-branch's target.
  uint32_t argc;
  uint32_t target;
  Value* calleeSlot;
  Value callee;
  Closure* closure;
  Value* const stackLimit = vm.stack + kMaxStackSlots - kStackSlack;
  // The step budget lives in a local so it stays in a register: as a member it
  // could alias the int64 payloads the loop stores, forcing a load and a store
  // per instruction. SYNC and slice_end hand it back to `budget`.
  // 32 bits wide: a slice is at most kPollInterval steps.
  SHAPEVM_BUDGET_REGISTER int32_t budgetLeft SHAPEVM_BUDGET_REGISTER_NAME =
      static_cast<int32_t>(budget);

#define LOAD_FRAME()                     \
  do {                                   \
    fn = &vm.functions[frame->function]; \
    code = fn->exec.data();              \
    constants = fn->constants.data();    \
    ip = frame->ip;                      \
    base = frame->base;                  \
  } while (0)
#define RELOAD()                           \
  do {                                     \
    frame = &vm.frames[vm.frameCount - 1]; \
    LOAD_FRAME();                          \
    sp = vm.sp;                            \
  } while (0)
// The instructions of the current run after the one executing (ip is past
// its first word), paid for but not yet run.
#define UNRUN() (kChargeRuns ? static_cast<int64_t>(execRunLength(ip[-1])) - 1 : 0)
#define SYNC()                     \
  do {                             \
    frame->ip = ip;                \
    vm.sp = sp;                    \
    budget = budgetLeft + UNRUN(); \
    syncSteps();                   \
  } while (0)
// Operand A, read back from the instruction's first word (ip[-1], just
// fetched, so in L1) instead of keeping the fetched word in a variable: a
// variable live across every dispatch holds a register for the whole loop
// (docs/design.md, "No fetched word kept across dispatches").
#define A() instrA(execInstr(ip[-1]))
#define SIGNED_A() instrSignedA(execInstr(ip[-1]))
#define PUSH(v) (*sp++ = (v))
// Copies a stack or local slot as two 8-byte moves. A plain struct copy is one
// 16-byte load, which stalls when the slot was just written by the 8-byte
// stores the arithmetic paths make (the CPU cannot forward two stores into one
// load; docs/design.md, "Store forwarding").
#define COPY_SLOT(dst, src)     \
  do {                          \
    const Value* from_ = (src); \
    Value* to_ = (dst);         \
    to_->as.i = from_->as.i;    \
    to_->type = from_->type;    \
  } while (0)
#define POP() (*--sp)
#define PEEK(n) (sp[-1 - (n)])
// Raises a guest error of `kind` at the current instruction.
#define THROW_ERROR(kind, ...)                                       \
  do {                                                               \
    SYNC();                                                          \
    pendingException = vm.makeError(kind, fmt::format(__VA_ARGS__)); \
    goto throw_exception;                                            \
  } while (0)

#define CHECK_BUDGET()                                      \
  if constexpr (kStepCheck && kCountEach) {                 \
    if (SHAPEVM_UNLIKELY(--budgetLeft < 0)) goto slice_end; \
  }
// Charges the run starting at ip, where control has just been transferred.
#define CHARGE_RUN()                                       \
  if constexpr (kChargeRuns) {                             \
    budgetLeft -= execRunLengthAt(ip);                     \
    if (SHAPEVM_UNLIKELY(budgetLeft < 0)) goto count_each; \
  }

#ifdef SHAPEVM_COMPUTED_GOTO
  static void* const kDispatch[] = {
#define SHAPEVM_LABEL(name, mnemonic, operand, pops, pushes, flags) &&op_##name,
      SHAPEVM_OPCODES(SHAPEVM_LABEL)
#undef SHAPEVM_LABEL
  };
#define CASE(name) op_##name:
#define NEXT()                     \
  do {                             \
    CHECK_BUDGET();                \
    goto* kDispatch[*ip++ & 0xff]; \
  } while (0)
#else
#define CASE(name) case Op::name:
#define NEXT() goto dispatch
#endif
// NEXT after an instruction that ends a run (and wherever control lands
// somewhere new): the run starting at ip is charged first.
#define NEXT_RUN() \
  do {             \
    CHARGE_RUN();  \
    NEXT();        \
  } while (0)
// A conditional jump to word `to` of the function when `condition` holds.
// Left to guess, GCC put the way that sets `ip` out of line in some builds
// and not in others (a jump away and one back: two more taken branches):
// fib_iter ran 25% slower with the step check than without it for that
// alone (docs/design.md, "Step accounting"). The jump_if_* forms end a `while`
// loop's body (the compiler tests its condition at the bottom): they say
// their jump is expected, which keeps the loop's way round on the straight
// path. The jump_if_not_* forms test `if`s, taken either way: their jump
// dispatches on its own, so neither way pays for where GCC puts the other
// (collatz 5% faster). The loops' jumps dispatching on their own too cost
// fib_iter 23%: GCC then copied the step budget out of its register.
#define JUMP_WHEN(condition, closesLoop, to)           \
  do {                                                 \
    if (closesLoop) {                                  \
      if (SHAPEVM_LIKELY(condition)) ip = code + (to); \
    } else if (condition) {                            \
      ip = code + (to);                                \
      NEXT_RUN();                                      \
    }                                                  \
  } while (0)

  Value pendingException;
  Value* pendingStore = nullptr;  // where a fused op_*_set's slow path puts its result
  RELOAD();
  NEXT_RUN();

#ifndef SHAPEVM_COMPUTED_GOTO
dispatch:
  CHECK_BUDGET();
  switch (instrOp(execInstr(*ip++))) {
#endif

    CASE(Const) {
      COPY_SLOT(sp, constants + A());
      ++sp;
      NEXT();
    }
    CASE(Int) {
      PUSH(Value::integer(SIGNED_A()));
      NEXT();
    }
    CASE(None) {
      PUSH(Value::none());
      NEXT();
    }
    CASE(True) {
      PUSH(Value::boolean(true));
      NEXT();
    }
    CASE(False) {
      PUSH(Value::boolean(false));
      NEXT();
    }
    CASE(Pop) {
      --sp;
      NEXT();
    }
    CASE(Dup) {
      COPY_SLOT(sp, sp - 1);
      ++sp;
      NEXT();
    }
    CASE(Dup2) {
      COPY_SLOT(sp, sp - 2);
      COPY_SLOT(sp + 1, sp - 1);
      sp += 2;
      NEXT();
    }
    CASE(GetLocal) {
      COPY_SLOT(sp, base + A());
      ++sp;
      NEXT();
    }
    CASE(GetLocal2) {
      COPY_SLOT(sp, base + firstField(A()));
      COPY_SLOT(sp + 1, base + secondField(A()));
      sp += 2;
      NEXT();
    }
    CASE(SetLocal) {
      --sp;
      COPY_SLOT(base + A(), sp);
      NEXT();
    }
    CASE(GetUpval) {
      PUSH(*frame->closure->upvalues()[A()]->location);
      NEXT();
    }
    CASE(SetUpval) {
      *frame->closure->upvalues()[A()]->location = POP();
      NEXT();
    }
    CASE(GetGlobal) {
      COPY_SLOT(sp, &vm.globals[A()]);
      ++sp;
      NEXT();
    }
    CASE(SetGlobal) {
      --sp;
      COPY_SLOT(&vm.globals[A()], sp);
      NEXT();
    }
    CASE(GetBuiltin) {
      PUSH(Value::native(A()));
      NEXT();
    }
    CASE(Closure) {
      uint32_t index = A();
      const Function& target = vm.program.functions[index];
      if (target.captures.empty()) {
        PUSH(Value::function(index));
        NEXT();
      }
      SYNC();
      Closure* closure = vm.heap.newClosure(index, static_cast<uint32_t>(target.captures.size()));
      PUSH(Value::object(closure));
      vm.sp = sp;  // the closure is rooted while its upvalues are allocated
      for (std::size_t i = 0; i < target.captures.size(); ++i) {
        const Capture& capture = target.captures[i];
        closure->upvalues()[i] = capture.fromLocal ? vm.captureUpvalue(base + capture.index)
                                                   : frame->closure->upvalues()[capture.index];
      }
      NEXT();
    }
    CASE(CloseUpvals) {
      vm.closeUpvalues(base + A());
      NEXT();
    }

    // Arithmetic. The plain operators and their fused forms share the fast
    // paths (fastAdd ...); anything else continues at the operator's slow
    // path with both operands on the stack, as the unfused code would have
    // them: strings concatenate there, and errors are raised.
#define ARITHMETIC(name)                                      \
  CASE(name) {                                                \
    if (SHAPEVM_LIKELY(fast##name(sp[-2], sp[-1], sp - 2))) { \
      --sp;                                                   \
      NEXT();                                                 \
    }                                                         \
    goto name##_slow;                                         \
  }
// op_l / op_k: the left operand is on the stack, the right one in a slot.
#define ARITHMETIC_STACK_FORM(form, name, rightSlots)               \
  CASE(name##form) {                                                \
    const Value* right = rightSlots + A();                          \
    if (SHAPEVM_LIKELY(fast##name(sp[-1], *right, sp - 1))) NEXT(); \
    COPY_SLOT(sp, right);                                           \
    ++sp;                                                           \
    goto name##_slow;                                               \
  }
// op_ll / op_lk / op_kl: both operands in slots (local x, and local or
// constant y; op_kl has the constant on the left); the result is pushed.
#define ARITHMETIC_REGISTER_FORM(form, name, leftSlot, rightSlot) \
  CASE(name##form) {                                              \
    const Value* left = leftSlot;                                 \
    const Value* right = rightSlot;                               \
    if (SHAPEVM_LIKELY(fast##name(*left, *right, sp))) {          \
      ++sp;                                                       \
      NEXT();                                                     \
    }                                                             \
    COPY_SLOT(sp, left);                                          \
    COPY_SLOT(sp + 1, right);                                     \
    sp += 2;                                                      \
    goto name##_slow;                                             \
  }
// op_ll_set / op_lk_set: the result goes straight to local B. A slow path
// leaves it on the stack; arithmetic_done then moves it to `pendingStore`.
#define ARITHMETIC_STORE_FORM(form, name, rightSlots)              \
  CASE(name##form##Set) {                                          \
    const Value* left = base + firstField(A());                    \
    const Value* right = rightSlots + secondField(A());            \
    Value* result = base + execInstr(*ip++);                       \
    if (SHAPEVM_LIKELY(fast##name(*left, *right, result))) NEXT(); \
    COPY_SLOT(sp, left);                                           \
    COPY_SLOT(sp + 1, right);                                      \
    sp += 2;                                                       \
    pendingStore = result;                                         \
    goto name##_slow;                                              \
  }
// op_set: both operands on the stack, the result goes to local A.
#define ARITHMETIC_SET_FORM(name)                             \
  CASE(name##Set) {                                           \
    Value* result = base + A();                               \
    if (SHAPEVM_LIKELY(fast##name(sp[-2], sp[-1], result))) { \
      sp -= 2;                                                \
      NEXT();                                                 \
    }                                                         \
    pendingStore = result;                                    \
    goto name##_slow;                                         \
  }
// op_l_set / op_k_set: the left operand on the stack, the right one in slot
// y; the result goes to local x.
#define ARITHMETIC_STACK_STORE_FORM(form, name, rightSlots)   \
  CASE(name##form##Set) {                                     \
    Value* result = base + firstField(A());                   \
    const Value* right = rightSlots + secondField(A());       \
    if (SHAPEVM_LIKELY(fast##name(sp[-1], *right, result))) { \
      --sp;                                                   \
      NEXT();                                                 \
    }                                                         \
    COPY_SLOT(sp, right);                                     \
    ++sp;                                                     \
    pendingStore = result;                                    \
    goto name##_slow;                                         \
  }
// op_into: local A op the value on the stack, stored back in local A. The
// slow path gets the operands in the unfused order, [local A, b].
#define ARITHMETIC_INTO_FORM(name)                           \
  CASE(name##Into) {                                         \
    Value* local = base + A();                               \
    if (SHAPEVM_LIKELY(fast##name(*local, sp[-1], local))) { \
      --sp;                                                  \
      NEXT();                                                \
    }                                                        \
    COPY_SLOT(sp, sp - 1);                                   \
    COPY_SLOT(sp - 1, local);                                \
    ++sp;                                                    \
    pendingStore = local;                                    \
    goto name##_slow;                                        \
  }
#define ARITHMETIC_FORMS(name)                                                             \
  ARITHMETIC_STACK_FORM(L, name, base)                                                     \
  ARITHMETIC_STACK_FORM(K, name, constants)                                                \
  ARITHMETIC_REGISTER_FORM(LL, name, base + firstField(A()), base + secondField(A()))      \
  ARITHMETIC_REGISTER_FORM(LK, name, base + firstField(A()), constants + secondField(A())) \
  ARITHMETIC_STORE_FORM(LL, name, base)                                                    \
  ARITHMETIC_STORE_FORM(LK, name, constants)                                               \
  ARITHMETIC_SET_FORM(name)                                                                \
  ARITHMETIC_STACK_STORE_FORM(L, name, base)                                               \
  ARITHMETIC_STACK_STORE_FORM(K, name, constants)                                          \
  ARITHMETIC_REGISTER_FORM(KL, name, constants + secondField(A()), base + firstField(A())) \
  ARITHMETIC_INTO_FORM(name)
#define ARITHMETIC_PLAIN(unused, name, mnemonic) ARITHMETIC(name)
#define ARITHMETIC_FUSED(unused, name, mnemonic) ARITHMETIC_FORMS(name)
    SHAPEVM_ARITHMETIC_OPERATORS(ARITHMETIC_PLAIN, unused)
    SHAPEVM_ARITHMETIC_OPERATORS(ARITHMETIC_FUSED, unused)
#undef ARITHMETIC_FUSED
#undef ARITHMETIC_PLAIN
#undef ARITHMETIC_FORMS
#undef ARITHMETIC_STORE_FORM
#undef ARITHMETIC_SET_FORM
#undef ARITHMETIC_STACK_STORE_FORM
#undef ARITHMETIC_INTO_FORM
#undef ARITHMETIC_REGISTER_FORM
#undef ARITHMETIC_STACK_FORM
#undef ARITHMETIC

  Add_slow : {
    Value b = sp[-1];
    Value a = sp[-2];
    if (isObjKind(a, ObjKind::String) && isObjKind(b, ObjKind::String)) {
      SYNC();
      sp[-2] = Value::object(vm.heap.concat(asString(a), asString(b)));
      goto arithmetic_done;
    }
    THROW_ERROR("TypeError", "unsupported operand types for +: {} and {}", typeName(a),
                typeName(b));
  }
  Sub_slow:
    THROW_ERROR("TypeError", "unsupported operand types for -: {} and {}", typeName(sp[-2]),
                typeName(sp[-1]));
  Mul_slow:
    THROW_ERROR("TypeError", "unsupported operand types for *: {} and {}", typeName(sp[-2]),
                typeName(sp[-1]));
  Div_slow:
    if (sp[-2].isInt() && sp[-1].isInt()) {
      if (sp[-1].as.i == 0) THROW_ERROR("ZeroDivisionError", "integer division by zero");
      // x / -1: INT64_MIN / -1 overflows in C++; the language wraps it to INT64_MIN.
      sp[-2].as.i = wrapNeg(sp[-2].as.i);
      goto arithmetic_done;
    }
    THROW_ERROR("TypeError", "unsupported operand types for /: {} and {}", typeName(sp[-2]),
                typeName(sp[-1]));
  Mod_slow:
    if (sp[-2].isInt() && sp[-1].isInt()) {
      if (sp[-1].as.i == 0) THROW_ERROR("ZeroDivisionError", "integer modulo by zero");
      sp[-2].as.i = 0;  // x % -1 (INT64_MIN % -1 overflows in C++)
      goto arithmetic_done;
    }
    THROW_ERROR("TypeError", "unsupported operand types for %: {} and {}", typeName(sp[-2]),
                typeName(sp[-1]));
  arithmetic_done:  // a slow path's result is in sp[-2], its right operand in sp[-1]
    --sp;
    if (pendingStore != nullptr) {
      --sp;
      COPY_SLOT(pendingStore, sp);
      pendingStore = nullptr;
    }
    NEXT();

    CASE(Neg) {
      Value a = sp[-1];
      if (a.isInt()) {
        sp[-1].as.i = wrapNeg(a.as.i);
      } else if (a.isFloat()) {
        sp[-1].as.f = -a.as.f;
      } else {
        THROW_ERROR("TypeError", "bad operand type for unary -: {}", typeName(a));
      }
      NEXT();
    }
    CASE(Not) {
      sp[-1] = Value::boolean(!isTruthy(sp[-1]));
      NEXT();
    }

    // Bit operations take ints; a shift count outside 0..63 raises ValueError
    // (`>>` is arithmetic). `**` on two ints with a non-negative exponent is
    // an int (wrapping); otherwise it is a float.
#define BITWISE(name, symbol, expr)                                                                \
  CASE(name) {                                                                                     \
    Value a = sp[-2];                                                                              \
    Value b = sp[-1];                                                                              \
    if (SHAPEVM_UNLIKELY(!a.isInt() || !b.isInt())) {                                              \
      THROW_ERROR("TypeError", "unsupported operand types for " symbol ": {} and {}", typeName(a), \
                  typeName(b));                                                                    \
    }                                                                                              \
    sp[-2].as.i = expr;                                                                            \
    --sp;                                                                                          \
    NEXT();                                                                                        \
  }
    BITWISE(BitAnd, "&", a.as.i & b.as.i)
    BITWISE(BitOr, "|", a.as.i | b.as.i)
    BITWISE(BitXor, "^", a.as.i ^ b.as.i)
#undef BITWISE
#define SHIFT(name, symbol, expr)                                                                  \
  CASE(name) {                                                                                     \
    Value a = sp[-2];                                                                              \
    Value b = sp[-1];                                                                              \
    if (!a.isInt() || !b.isInt()) {                                                                \
      THROW_ERROR("TypeError", "unsupported operand types for " symbol ": {} and {}", typeName(a), \
                  typeName(b));                                                                    \
    }                                                                                              \
    if (b.as.i < 0 || b.as.i > 63)                                                                 \
      THROW_ERROR("ValueError", "shift count {} out of range", b.as.i);                            \
    sp[-2].as.i = expr;                                                                            \
    --sp;                                                                                          \
    NEXT();                                                                                        \
  }
    SHIFT(ShiftLeft, "<<", static_cast<int64_t>(static_cast<uint64_t>(a.as.i) << b.as.i))
    SHIFT(ShiftRight, ">>", a.as.i >> b.as.i)
#undef SHIFT
    CASE(BitNot) {
      if (!sp[-1].isInt()) THROW_ERROR("TypeError", "bad operand type for ~: {}", typeName(sp[-1]));
      sp[-1].as.i = ~sp[-1].as.i;
      NEXT();
    }
    CASE(Pow) {
      Value a = sp[-2];
      Value b = sp[-1];
      if (a.isInt() && b.isInt() && b.as.i >= 0) {
        uint64_t result = 1, factor = static_cast<uint64_t>(a.as.i);
        for (int64_t e = b.as.i; e > 0; e >>= 1) {
          if (e & 1) result *= factor;
          factor *= factor;
        }
        sp[-2] = Value::integer(static_cast<int64_t>(result));
      } else if (a.isNumber() && b.isNumber()) {
        sp[-2] = Value::floating(std::pow(a.asNumber(), b.asNumber()));
      } else {
        THROW_ERROR("TypeError", "unsupported operand types for **: {} and {}", typeName(a),
                    typeName(b));
      }
      --sp;
      NEXT();
    }
    CASE(Eq) {
      sp[-2] = Value::boolean(fastEqual(sp[-2], sp[-1]));
      --sp;
      NEXT();
    }
    CASE(Ne) {
      sp[-2] = Value::boolean(!fastEqual(sp[-2], sp[-1]));
      --sp;
      NEXT();
    }

    // Ordering: numbers with numbers, strings with strings (bytewise).
    // ORDER computes `result` for the operands a, b (or raises); COMPARE
    // pushes it, and JUMP_ON (the fused compare-and-branch) jumps on it.
#define ORDER(symbol, op)                                                                 \
  Value b = sp[-1];                                                                       \
  Value a = sp[-2];                                                                       \
  bool result;                                                                            \
  if (SHAPEVM_LIKELY(a.isInt() && b.isInt())) {                                           \
    result = a.as.i op b.as.i;                                                            \
  } else if (a.isNumber() && b.isNumber()) {                                              \
    result = a.asNumber() op b.asNumber();                                                \
  } else if (isObjKind(a, ObjKind::String) && isObjKind(b, ObjKind::String)) {            \
    result = asString(a)->view().compare(asString(b)->view()) op 0;                       \
  } else {                                                                                \
    THROW_ERROR("TypeError", "'" symbol "' not supported between {} and {}", typeName(a), \
                typeName(b));                                                             \
  }
#define COMPARE(name, symbol, op)    \
  CASE(name) {                       \
    ORDER(symbol, op)                \
    sp[-2] = Value::boolean(result); \
    --sp;                            \
    NEXT();                          \
  }
// JUMP_ON: the fused compare-and-branch, jumping to A when the comparison's
// result is `when` (jump_if_not_lt: false; jump_if_lt: true). `when` also
// says whether the form closes a loop (JUMP_WHEN): the jump_if_* forms do.
#define JUMP_ON(name, symbol, op, when)         \
  CASE(name) {                                  \
    target = A();                               \
    name##_general : ORDER(symbol, op) sp -= 2; \
    JUMP_WHEN(result == when, when, target);    \
    NEXT_RUN();                                 \
  }
    // The register forms compare numbers inline; strings and errors re-run
    // as the stack form, with the operands pushed and its target in `word`.
#define JUMP_ON_FORM(form, name, op, when, rightSlots)              \
  CASE(name##form) {                                                \
    const Value* left = base + firstField(A());                     \
    const Value* right = rightSlots + secondField(A());             \
    target = execInstr(*ip++);                                      \
    if (SHAPEVM_LIKELY(left->isInt() && right->isInt())) {          \
      JUMP_WHEN((left->as.i op right->as.i) == when, when, target); \
      NEXT_RUN();                                                   \
    }                                                               \
    if (left->isFloat() && right->isFloat()) {                      \
      JUMP_WHEN((left->as.f op right->as.f) == when, when, target); \
      NEXT_RUN();                                                   \
    }                                                               \
    COPY_SLOT(sp, left);                                            \
    COPY_SLOT(sp + 1, right);                                       \
    sp += 2;                                                        \
    goto name##_general;                                            \
  }
// The constant form compares the value on the stack with a constant.
#define JUMP_ON_CONSTANT(name, op, when)                            \
  CASE(name##K) {                                                   \
    const Value* left = sp - 1;                                     \
    const Value* right = constants + A();                           \
    target = execInstr(*ip++);                                      \
    if (SHAPEVM_LIKELY(left->isInt() && right->isInt())) {          \
      --sp;                                                         \
      JUMP_WHEN((left->as.i op right->as.i) == when, when, target); \
      NEXT_RUN();                                                   \
    }                                                               \
    if (left->isFloat() && right->isFloat()) {                      \
      --sp;                                                         \
      JUMP_WHEN((left->as.f op right->as.f) == when, when, target); \
      NEXT_RUN();                                                   \
    }                                                               \
    COPY_SLOT(sp, right);                                           \
    ++sp;                                                           \
    goto name##_general;                                            \
  }
#define JUMP_ON_FORMS(name, symbol, op, when) \
  JUMP_ON(name, symbol, op, when)             \
  JUMP_ON_FORM(LL, name, op, when, base)      \
  JUMP_ON_FORM(LK, name, op, when, constants) \
  JUMP_ON_CONSTANT(name, op, when)
#define ORDER_COMPARE(unused, name, mnemonic, op) COMPARE(name, #op, op)
#define ORDER_JUMP_UNLESS(unused, name, mnemonic, op) JUMP_ON_FORMS(JumpIfNot##name, #op, op, false)
#define ORDER_JUMP_WHEN(unused, name, mnemonic, op) JUMP_ON_FORMS(JumpIf##name, #op, op, true)
    SHAPEVM_ORDER_COMPARISONS(ORDER_COMPARE, unused)
    SHAPEVM_ORDER_COMPARISONS(ORDER_JUMP_UNLESS, unused)
    SHAPEVM_ORDER_COMPARISONS(ORDER_JUMP_WHEN, unused)
#undef ORDER_JUMP_WHEN
#undef ORDER_JUMP_UNLESS
#undef ORDER_COMPARE
#undef JUMP_ON_FORMS
#undef JUMP_ON_CONSTANT
#undef JUMP_ON_FORM
#undef JUMP_ON
#undef COMPARE
#undef ORDER
    // Equality never fails, so its forms need no fallback.
#define EQUALITY_JUMP(name, jumpWhenEqual, closesLoop)                    \
  CASE(name) {                                                            \
    sp -= 2;                                                              \
    JUMP_WHEN(fastEqual(sp[0], sp[1]) == jumpWhenEqual, closesLoop, A()); \
    NEXT_RUN();                                                           \
  }
#define EQUALITY_JUMP_FORM(name, rightSlots, jumpWhenEqual, closesLoop) \
  CASE(name) {                                                          \
    const Value* left = base + firstField(A());                         \
    const Value* right = rightSlots + secondField(A());                 \
    bool equal = fastEqual(*left, *right);                              \
    target = execInstr(*ip++);                                          \
    JUMP_WHEN(equal == jumpWhenEqual, closesLoop, target);              \
    NEXT_RUN();                                                         \
  }
#define EQUALITY_JUMP_CONSTANT(name, jumpWhenEqual, closesLoop)             \
  CASE(name) {                                                              \
    const Value* right = constants + A();                                   \
    target = execInstr(*ip++);                                              \
    --sp;                                                                   \
    JUMP_WHEN(fastEqual(*sp, *right) == jumpWhenEqual, closesLoop, target); \
    NEXT_RUN();                                                             \
  }
#define EQUALITY_JUMP_FORMS(name, jumpWhenEqual, closesLoop)         \
  EQUALITY_JUMP(name, jumpWhenEqual, closesLoop)                     \
  EQUALITY_JUMP_FORM(name##LL, base, jumpWhenEqual, closesLoop)      \
  EQUALITY_JUMP_FORM(name##LK, constants, jumpWhenEqual, closesLoop) \
  EQUALITY_JUMP_CONSTANT(name##K, jumpWhenEqual, closesLoop)
// `x == x` is true and `x != x` false: whether the operator holds for equal operands.
#define EQUALITY_JUMP_UNLESS(unused, name, mnemonic, op) \
  EQUALITY_JUMP_FORMS(JumpIfNot##name, !(0 op 0), false)
#define EQUALITY_JUMP_WHEN(unused, name, mnemonic, op) \
  EQUALITY_JUMP_FORMS(JumpIf##name, (0 op 0), true)
    SHAPEVM_EQUALITY_COMPARISONS(EQUALITY_JUMP_UNLESS, unused)
    SHAPEVM_EQUALITY_COMPARISONS(EQUALITY_JUMP_WHEN, unused)
#undef EQUALITY_JUMP_WHEN
#undef EQUALITY_JUMP_UNLESS
#undef EQUALITY_JUMP_FORMS
#undef EQUALITY_JUMP_CONSTANT
#undef EQUALITY_JUMP_FORM
#undef EQUALITY_JUMP

    // Arithmetic with an immediate int operand (`i + 1`, `n - 2`), on the
    // operators' shared fast path; anything else re-runs as the unfused pair
    // (the re-pushed operand takes one of the kStackSlack slots).
#define ARITHMETIC_IMMEDIATE(name)                             \
  CASE(name##Int) {                                            \
    Value k = Value::integer(SIGNED_A());                      \
    if (SHAPEVM_LIKELY(fast##name(sp[-1], k, sp - 1))) NEXT(); \
    PUSH(k);                                                   \
    goto name##_slow;                                          \
  }
    ARITHMETIC_IMMEDIATE(Add)
    ARITHMETIC_IMMEDIATE(Sub)
#undef ARITHMETIC_IMMEDIATE

    CASE(Jump) {
      ip = code + A();
      NEXT_RUN();
    }
    CASE(JumpIfFalse) {
      if (!isTruthy(POP())) ip = code + A();
      NEXT_RUN();
    }
    CASE(JumpIfTrue) {
      JUMP_WHEN(isTruthy(POP()), true, A());
      NEXT_RUN();
    }
    CASE(JumpIfFalseOrPop) {
      if (!isTruthy(sp[-1])) {
        ip = code + A();
      } else {
        --sp;
      }
      NEXT_RUN();
    }
    CASE(JumpIfTrueOrPop) {
      if (isTruthy(sp[-1])) {
        ip = code + A();
      } else {
        --sp;
      }
      NEXT_RUN();
    }

    CASE(Call) {
      callWords = 1;
      argc = A();
      calleeSlot = sp - argc - 1;
      callee = *calleeSlot;
      closure = nullptr;
      if (SHAPEVM_LIKELY(callee.type == ValueType::Function)) {
        target = callee.as.index;
      } else if (isObjKind(callee, ObjKind::Closure)) {
        closure = asClosure(callee);
        target = closure->function;
      } else if (callee.type == ValueType::Native) {
        goto call_native;
      } else {
        THROW_ERROR("TypeError", "{} is not callable", typeName(callee));
      }
      {
      call_function:
        const LoadedFunction& callee_fn = vm.functions[target];
        const Function& f = *callee_fn.code;
        if (SHAPEVM_UNLIKELY(argc != f.arity)) {
          THROW_ERROR("ArityError", "{}() takes {} argument{} but {} were given", f.name, f.arity,
                      f.arity == 1 ? "" : "s", argc);
        }
        if (SHAPEVM_UNLIKELY(callee_fn.needsClosure && closure == nullptr)) {
          THROW_ERROR("TypeError",
                      "{}() needs its captured variables and cannot be called directly", f.name);
        }
        Value* newBase = calleeSlot + 1;
        if (SHAPEVM_UNLIKELY(vm.frameCount >= kMaxFrames ||
                             newBase + f.numLocals + f.maxStack > stackLimit)) {
          THROW_ERROR("StackOverflowError", "maximum call depth exceeded in {}()", f.name);
        }
        frame->ip = ip;
        for (Value* slot = newBase + argc; slot < newBase + f.numLocals; ++slot)
          *slot = Value::none();
        sp = newBase + f.numLocals;
        ++vm.frameCount;
        ++frame;  // frames are contiguous
        frame->function = target;
        frame->ip = callee_fn.exec.data();
        frame->base = newBase;
        frame->closure = closure;
        fn = &callee_fn;
        code = callee_fn.exec.data();
        constants = callee_fn.constants.data();
        ip = code;
        base = newBase;
        NEXT_RUN();
      }
    call_native : {
      uint32_t id = callee.as.index;
      const BuiltinInfo& info = kBuiltinInfo[id];
      if (argc < static_cast<uint32_t>(info.minArgs) ||
          (info.maxArgs >= 0 && argc > static_cast<uint32_t>(info.maxArgs))) {
        THROW_ERROR("ArityError", "{}() takes {} arguments but {} were given", info.name,
                    info.minArgs == info.maxArgs ? fmt::format("{}", info.minArgs)
                    : info.maxArgs < 0           ? fmt::format("at least {}", info.minArgs)
                                       : fmt::format("{} to {}", info.minArgs, info.maxArgs),
                    argc);
      }
      SYNC();
      Value result;
      NativeStatus status = kBuiltinFunctions[id](vm, calleeSlot + 1, argc, &result);
      if (SHAPEVM_UNLIKELY(status != NativeStatus::Ok)) {
        if (status == NativeStatus::Error) {
          pendingException = result;
          goto throw_exception;
        }
        // Interrupted: back up to the call (slice_end gives its step back), so
        // it runs again, from the start, when the program resumes.
        ip -= callWords;
        goto slice_end;
      }
      sp = calleeSlot;
      PUSH(result);
      if (SHAPEVM_UNLIKELY(vm.requestedExit || vm.requestedSnapshot)) goto after_request;
      NEXT_RUN();
    }
    }

    CASE(CallMethod) {
      callWords = 2;
      argc = A();
      uint32_t nameIndex = execInstr(*ip++);
      calleeSlot = sp - argc - 1;
      Value receiver = *calleeSlot;
      MethodId method = fn->methods[nameIndex];
      // The name only for the paths that need it, not loaded on the fast ones.
      auto name = [&] { return asString(constants[nameIndex]); };
      closure = nullptr;
      if (receiver.isObject()) {
        switch (receiver.as.obj->kind) {
          case ObjKind::Array:
            // Inline fast paths for the commonest calls skip the native call
            // (docs/design.md, "Dense maps and inline method fast paths");
            // methods.cpp defines them. The result of push is the receiver,
            // already in place.
            if (method == MethodId::Push && argc == 1) {
              Array* array = asArray(receiver);
              if (SHAPEVM_LIKELY(array->count < array->capacity)) {
                if (sp[-1].isObject()) array->mayHoldObjects = true;
                --sp;
                COPY_SLOT(array->items + array->count++, sp);
                NEXT_RUN();
              }
              SYNC();  // growing allocates, so a collection may run
              vm.heap.arrayPush(array, sp[-1]);
              sp = calleeSlot + 1;
              NEXT_RUN();
            }
            // Methods taking guest functions run as prelude bytecode with the
            // array as argument 0.
            if (method != MethodId::Unknown && argc < VM::kPreludeArgs &&
                (target = vm.arrayPrelude[static_cast<std::size_t>(method)][argc]) !=
                    VM::kNoPrelude) {
              goto call_prelude;
            }
            break;
          case ObjKind::Record: {
            // A record's field holding a function is called like a method (no receiver argument).
            const Record* record = asRecord(receiver);
            int field = cachedFieldIndex(fn->fieldCaches[nameIndex], record->type, name());
            if (field < 0) {
              THROW_ERROR("KeyError", "{} has no field '{}'", record->type->name, name()->view());
            }
            *calleeSlot = record->fields()[field];
            goto call_value;
          }
          case ObjKind::Map:
            if (method == MethodId::Get && argc == 1) {
              Value found;
              if (mapGetDense(asMap(receiver), sp[-1], &found)) {
                *calleeSlot = found;
                sp = calleeSlot + 1;
                NEXT_RUN();
              }
              if (isHashableKey(sp[-1])) {
                if (!vm.heap.mapGet(asMap(receiver), sp[-1], &found)) found = Value::none();
                *calleeSlot = found;
                sp = calleeSlot + 1;
                NEXT_RUN();
              }
            }
            if (method == MethodId::Set && argc == 2) {
              // The result is the map, already in place.
              if (mapSetDense(asMap(receiver), sp[-2], sp[-1])) {
                sp = calleeSlot + 1;
                NEXT_RUN();
              }
              if (isHashableKey(sp[-2])) {
                SYNC();  // adding an entry may allocate, so a collection may run
                vm.heap.mapSet(asMap(receiver), sp[-2], sp[-1]);
                sp = calleeSlot + 1;
                NEXT_RUN();
              }
            }
            if (method != MethodId::Unknown && argc < VM::kPreludeArgs &&
                (target = vm.mapPrelude[static_cast<std::size_t>(method)][argc]) !=
                    VM::kNoPrelude) {
              goto call_prelude;
            }
            // A map used as an object: a function stored under the name is
            // called, whether or not maps have a method of that name.
            if (method == MethodId::Unknown || !kMapMethods[static_cast<std::size_t>(method)]) {
              Value stored;
              if (!vm.heap.mapGet(asMap(receiver), constants[nameIndex], &stored)) {
                THROW_ERROR("KeyError", "map has no method or key '{}'", name()->view());
              }
              *calleeSlot = stored;
              goto call_value;
            }
            break;
          default:
            break;
        }
      }
      if (method == MethodId::Unknown) {
        THROW_ERROR("TypeError", "{} has no method '{}'", typeName(receiver), name()->view());
      }
      {
        SYNC();
        Value result;
        NativeStatus status = callMethod(vm, method, calleeSlot, argc, &result);
        if (SHAPEVM_UNLIKELY(status != NativeStatus::Ok)) {
          if (status == NativeStatus::Error) {
            pendingException = result;
            goto throw_exception;
          }
          ip -= 2;
          goto slice_end;
        }
        sp = calleeSlot;
        PUSH(result);
        NEXT_RUN();
      }
    call_prelude:
      // The prelude function `target` runs the method with the receiver as
      // its first argument.
      std::memmove(calleeSlot + 1, calleeSlot, (argc + 1) * sizeof(Value));
      *calleeSlot = Value::function(target);
      ++sp;
      ++argc;
      goto call_function;
    call_value:
      // The slot below the arguments now holds the value to call (as for Call).
      {
        callee = *calleeSlot;
        if (callee.type == ValueType::Function) {
          target = callee.as.index;
          goto call_function;
        }
        if (isObjKind(callee, ObjKind::Closure)) {
          closure = asClosure(callee);
          target = closure->function;
          goto call_function;
        }
        if (callee.type == ValueType::Native) goto call_native;
        THROW_ERROR("TypeError", "field '{}' holds {}, which is not callable", name()->view(),
                    typeName(callee));
      }
    }

    CASE(Return) {
      if (vm.openUpvalues != nullptr && vm.openUpvalues->location >= base) vm.closeUpvalues(base);
      uint32_t depth = vm.frameCount - 1;
      while (!vm.handlers.empty() && vm.handlers.back().frameDepth >= depth) vm.handlers.pop_back();
      if (depth == 0) {
        budget = budgetLeft;
        vm.frameCount = 0;
        vm.sp = vm.stack;
        return RunOutcome{RunStatus::Finished, 0, {}};
      }
      vm.frameCount = depth;
      // The result replaces the callee below the frame (the slots above it
      // are dead), and the caller's frame is the one before.
      COPY_SLOT(base - 1, sp - 1);
      sp = base;
      --frame;
      LOAD_FRAME();
      NEXT_RUN();
    }

    CASE(BuildArray) {
      uint32_t count = A();
      SYNC();
      Array* array = vm.heap.newArrayOf(sp - count, count);
      sp -= count;
      PUSH(Value::object(array));
      NEXT();
    }
    CASE(BuildMap) {
      uint32_t pairs = A();
      SYNC();
      Map* map = vm.heap.newMap(pairs);
      *sp = Value::object(map);  // parked above the pairs (stack slack) so it stays rooted
      vm.sp = sp + 1;
      for (Value* pair = sp - 2 * pairs; pair < sp; pair += 2) {
        if (!isHashableKey(pair[0])) {
          THROW_ERROR("TypeError", "{} cannot be a map key", typeName(pair[0]));
        }
        vm.heap.mapSet(map, pair[0], pair[1]);
      }
      sp -= 2 * pairs;
      PUSH(Value::object(map));
      NEXT();
    }
    CASE(BuildRecord) {
      const RecordType& type = vm.types[A()];
      std::size_t count = type.fields.size();
      SYNC();
      Record* record = vm.heap.newRecord(&type);
      std::memcpy(record->fields(), sp - count, count * sizeof(Value));
      sp -= count;
      PUSH(Value::object(record));
      NEXT();
    }

    // Pattern tests (match): they never raise.
    CASE(IsRecord) {
      Value v = sp[-1];
      sp[-1] = Value::boolean(isObjKind(v, ObjKind::Record) && asRecord(v)->type == &vm.types[A()]);
      NEXT();
    }
    CASE(IsArray) {
      Value v = sp[-1];
      sp[-1] = Value::boolean(isObjKind(v, ObjKind::Array) && asArray(v)->count == A());
      NEXT();
    }
    CASE(IsArrayMin) {
      Value v = sp[-1];
      sp[-1] = Value::boolean(isObjKind(v, ObjKind::Array) && asArray(v)->count >= A());
      NEXT();
    }
    CASE(HasField) {
      Value v = sp[-1];
      Value name = constants[A()];
      bool found = false;
      if (isObjKind(v, ObjKind::Record)) {
        found = asRecord(v)->type->fieldIndex(asString(name)) >= 0;
      } else if (isObjKind(v, ObjKind::Map)) {
        Value ignored;
        found = vm.heap.mapGet(asMap(v), name, &ignored);
      }
      sp[-1] = Value::boolean(found);
      NEXT();
    }
    CASE(MatchError) {
      std::string shown = vm.describeValue(sp[-1]);
      if (shown.size() > 100) shown = shown.substr(0, 100) + "...";
      THROW_ERROR("MatchError", "no match arm matches {}", shown);
    }
    CASE(RaiseError) {
      std::string_view text = asString(constants[A()])->view();
      std::size_t colon = text.find(": ");
      if (colon == std::string_view::npos) THROW_ERROR("Error", "{}", text);
      THROW_ERROR(text.substr(0, colon), "{}", text.substr(colon + 2));
    }
    // Only in old code kept running after a relocation: this frame reached a
    // statement where it can continue in the new code. When a handler of the
    // frame cannot move, the patch is undone and the frame runs on in its
    // old code (vm.h, CodeMove).
    CASE(MoveFrame) {
      frame->ip = ip - 1;
      vm.sp = sp;
      if (!vm.moveFrame(A())) {
        --ip;
        NEXT();
      }
      RELOAD();
      NEXT();
    }

    // get_index_ll: an array element read straight from locals; anything
    // else (maps, strings, errors) runs as get_index with both pushed.
    CASE(GetIndexLL) {
      const Value* container = base + firstField(A());
      const Value* index = base + secondField(A());
      if (SHAPEVM_LIKELY(isObjKind(*container, ObjKind::Array) && index->isInt() &&
                         static_cast<uint64_t>(index->as.i) < asArray(*container)->count)) {
        COPY_SLOT(sp, asArray(*container)->items + index->as.i);
        ++sp;
        NEXT();
      }
      COPY_SLOT(sp, container);
      COPY_SLOT(sp + 1, index);
      sp += 2;
      goto GetIndex_general;
    }
    CASE(GetIndex) {
    GetIndex_general:
      Value index = sp[-1];
      Value container = sp[-2];
      if (container.isObject()) {
        switch (container.as.obj->kind) {
          case ObjKind::Array: {
            const Array* array = asArray(container);
            if (!index.isInt())
              THROW_ERROR("TypeError", "array index must be an int, not {}", typeName(index));
            uint64_t at = fromEnd(index.as.i, array->count);
            if (at >= array->count) {
              THROW_ERROR("IndexError", "array index {} out of range (length {})", index.as.i,
                          array->count);
            }
            sp[-2] = array->items[at];
            --sp;
            NEXT();
          }
          case ObjKind::Map: {
            Value found;
            if (!isHashableKey(index))
              THROW_ERROR("TypeError", "{} cannot be a map key", typeName(index));
            if (!vm.heap.mapGet(asMap(container), index, &found)) {
              THROW_ERROR("KeyError", "key {} not found", vm.describeValue(index));
            }
            sp[-2] = found;
            --sp;
            NEXT();
          }
          case ObjKind::String: {
            const String* s = asString(container);
            if (!index.isInt())
              THROW_ERROR("TypeError", "string index must be an int, not {}", typeName(index));
            uint64_t at = fromEnd(index.as.i, s->length);
            if (at >= s->length) {
              THROW_ERROR("IndexError", "string index {} out of range (length {})", index.as.i,
                          s->length);
            }
            sp[-2] = Value::object(vm.charStrings[static_cast<unsigned char>(s->chars()[at])]);
            --sp;
            NEXT();
          }
          default:
            break;
        }
      }
      THROW_ERROR("TypeError", "{} is not indexable", typeName(container));
    }
    // set_index_ll: an array element written straight from locals; anything
    // else (maps, errors) is pushed under the value and takes set_index's path.
    CASE(SetIndexLL) {
      const Value* container = base + firstField(A());
      const Value* index = base + secondField(A());
      if (SHAPEVM_LIKELY(isObjKind(*container, ObjKind::Array) && index->isInt() &&
                         static_cast<uint64_t>(index->as.i) < asArray(*container)->count)) {
        --sp;
        if (sp->isObject()) asArray(*container)->mayHoldObjects = true;
        COPY_SLOT(asArray(*container)->items + index->as.i, sp);
        NEXT();
      }
      COPY_SLOT(sp + 1, sp - 1);
      COPY_SLOT(sp - 1, container);
      COPY_SLOT(sp, index);
      sp += 2;
      goto SetIndex_general;
    }
    CASE(SetIndex) {
    SetIndex_general:
      Value value = sp[-1];
      Value index = sp[-2];
      Value container = sp[-3];
      if (isObjKind(container, ObjKind::Array)) {
        Array* array = asArray(container);
        if (!index.isInt())
          THROW_ERROR("TypeError", "array index must be an int, not {}", typeName(index));
        uint64_t at = fromEnd(index.as.i, array->count);
        if (at >= array->count) {
          THROW_ERROR("IndexError", "array index {} out of range (length {})", index.as.i,
                      array->count);
        }
        if (value.isObject()) array->mayHoldObjects = true;
        array->items[at] = value;
      } else if (isObjKind(container, ObjKind::Map)) {
        if (!isHashableKey(index))
          THROW_ERROR("TypeError", "{} cannot be a map key", typeName(index));
        SYNC();
        vm.heap.mapSet(asMap(container), index, value);
      } else {
        THROW_ERROR("TypeError", "{} does not support item assignment", typeName(container));
      }
      sp -= 3;
      NEXT();
    }
    // get_field_l: get_field on a local, one dispatch fewer. A record whose
    // type the cache holds is read in place; anything else is pushed and
    // takes get_field's path.
    CASE(GetFieldL) {
      const Value* object = base + firstField(A());
      fieldName = secondField(A());
      if (SHAPEVM_LIKELY(isObjKind(*object, ObjKind::Record))) {
        const Record* record = asRecord(*object);
        const FieldCache& cache = fn->fieldCaches[fieldName];
        if (SHAPEVM_LIKELY(cache.recent.type == record->type)) {
          COPY_SLOT(sp, &record->fields()[cache.recent.slot]);
          ++sp;
          NEXT();
        }
      }
      COPY_SLOT(sp, object);
      ++sp;
      goto GetField_general;
    }
    CASE(GetField) {
      fieldName = A();
    GetField_general:
      Value container = sp[-1];
      const Value& name = constants[fieldName];
      if (isObjKind(container, ObjKind::Record)) {
        const Record* record = asRecord(container);
        int field = cachedFieldIndex(fn->fieldCaches[fieldName], record->type, asString(name));
        if (field < 0) {
          THROW_ERROR("KeyError", "{} has no field '{}'", record->type->name,
                      asString(name)->view());
        }
        sp[-1] = record->fields()[field];
        NEXT();
      }
      if (isObjKind(container, ObjKind::Map)) {
        Value found;
        if (!vm.heap.mapGet(asMap(container), name, &found)) {
          // `.length` of a map without such a key is its size.
          if (fn->methods[fieldName] == MethodId::Length) {
            sp[-1] = Value::integer(static_cast<int64_t>(asMap(container)->liveCount));
            NEXT();
          }
          THROW_ERROR("KeyError", "key \"{}\" not found", asString(name)->view());
        }
        sp[-1] = found;
        NEXT();
      }
      if (fn->methods[fieldName] == MethodId::Length && container.isObject()) {
        if (container.as.obj->kind == ObjKind::Array) {
          sp[-1] = Value::integer(static_cast<int64_t>(asArray(container)->count));
          NEXT();
        }
        if (container.as.obj->kind == ObjKind::String) {
          sp[-1] = Value::integer(static_cast<int64_t>(asString(container)->length));
          NEXT();
        }
      }
      THROW_ERROR("TypeError", "{} has no field '{}'", typeName(container), asString(name)->view());
    }
    // set_field_l: set_field on a local that was not pushed. A record whose
    // type the cache holds is written in place; anything else is pushed
    // under the value and takes set_field's path.
    CASE(SetFieldL) {
      const Value* object = base + firstField(A());
      fieldName = secondField(A());
      if (SHAPEVM_LIKELY(isObjKind(*object, ObjKind::Record))) {
        Record* record = asRecord(*object);
        const FieldCache& cache = fn->fieldCaches[fieldName];
        if (SHAPEVM_LIKELY(cache.recent.type == record->type)) {
          --sp;
          COPY_SLOT(&record->fields()[cache.recent.slot], sp);
          NEXT();
        }
      }
      COPY_SLOT(sp, sp - 1);
      COPY_SLOT(sp - 1, object);
      ++sp;
      goto SetField_general;
    }
    CASE(SetField) {
      fieldName = A();
    SetField_general:
      Value value = sp[-1];
      Value container = sp[-2];
      const Value& name = constants[fieldName];
      if (isObjKind(container, ObjKind::Record)) {
        Record* record = asRecord(container);
        int field = cachedFieldIndex(fn->fieldCaches[fieldName], record->type, asString(name));
        if (field < 0) {
          THROW_ERROR("KeyError", "{} has no field '{}'", record->type->name,
                      asString(name)->view());
        }
        record->fields()[field] = value;
      } else if (isObjKind(container, ObjKind::Map)) {
        SYNC();
        vm.heap.mapSet(asMap(container), name, value);
      } else {
        THROW_ERROR("TypeError", "cannot set field '{}' on {}", asString(name)->view(),
                    typeName(container));
      }
      sp -= 2;
      NEXT();
    }

    CASE(ForIter) {
      Value* state = base + A();
      uint32_t exit = execInstr(*ip++);
      Value collection = state[0];
      Value position = state[1];
      if (!position.isInt() || position.as.i < 0) {
        THROW_ERROR("TypeError", "corrupt iteration state");
      }
      auto at = static_cast<uint64_t>(position.as.i);
      if (isObjKind(collection, ObjKind::Array)) {
        const Array* array = asArray(collection);
        if (at < array->count) {
          PUSH(array->items[at]);
          state[1].as.i = static_cast<int64_t>(at + 1);
        } else {
          ip = code + exit;
        }
      } else if (isObjKind(collection, ObjKind::Map)) {
        const Map* map = asMap(collection);
        while (at < map->entryCount && mapKeyAt(map, at).isEmpty()) ++at;
        if (at < map->entryCount) {
          PUSH(mapKeyAt(map, at));
          state[1].as.i = static_cast<int64_t>(at + 1);
        } else {
          ip = code + exit;
        }
      } else if (isObjKind(collection, ObjKind::String)) {
        const String* s = asString(collection);
        if (at < s->length) {
          PUSH(Value::object(vm.charStrings[static_cast<unsigned char>(s->chars()[at])]));
          state[1].as.i = static_cast<int64_t>(at + 1);
        } else {
          ip = code + exit;
        }
      } else {
        THROW_ERROR("TypeError", "cannot iterate over {}", typeName(collection));
      }
      NEXT_RUN();
    }

    CASE(TryBegin) {
      if (vm.handlers.size() >= kMaxHandlers) {
        THROW_ERROR("StackOverflowError", "too many nested try blocks");
      }
      vm.handlers.push_back(Handler{vm.frameCount - 1, static_cast<uint32_t>(sp - vm.stack), A()});
      NEXT();
    }
    CASE(TryEnd) {
      if (!vm.handlers.empty() && vm.handlers.back().frameDepth == vm.frameCount - 1) {
        vm.handlers.pop_back();
      }
      NEXT();
    }
    CASE(Throw) {
      pendingException = sp[-1];
      --sp;
      SYNC();
      goto throw_exception;
    }
    CASE(Halt) {
      SYNC();
      return RunOutcome{RunStatus::Finished, 0, {}};
    }

#ifndef SHAPEVM_COMPUTED_GOTO
  }
#endif

throw_exception:
  // The VM is synced (every path here went through SYNC).
  pendingStore = nullptr;
  if (!unwind(pendingException)) return uncaught(pendingException);
  budgetLeft = static_cast<int32_t>(budget);  // exact: SYNC gave back the rest of the throwing run
  RELOAD();
  NEXT_RUN();

slice_end:
  budget = budgetLeft + 1;  // the instruction at ip has not run: give its step back
  frame->ip = ip;
  vm.sp = sp;
  if (auto stop = onSliceEnd()) return *stop;
  if (kCountEach) return std::nullopt;  // a new slice: back to charging runs
  budgetLeft = static_cast<int32_t>(budget);
  NEXT_RUN();

  // The run at ip does not fit in what is left of the slice: count it one
  // instruction at a time (nothing of it has run).
  // The empty asm hides how budgetLeft was reached, so the compiler adds the
  // run length back here instead of keeping the pre-charge budget in a second
  // register at every charge.
  [[maybe_unused]] count_each : asm("" : "+r"(budgetLeft));
  frame->ip = ip;
  vm.sp = sp;
  budget = budgetLeft + execRunLength(*ip);
  return std::nullopt;

after_request:
  // A built-in asked to stop (exit) or to snapshot here, after the call
  // instruction completed: the result slot already holds what the program
  // sees when resumed from this snapshot (true).
  SYNC();
  if (vm.requestedExit) {
    int code = *vm.requestedExit;
    vm.requestedExit.reset();
    return RunOutcome{RunStatus::Exited, code, {}};
  }
  {
    SnapshotReason reason = *vm.requestedSnapshot;
    vm.requestedSnapshot.reset();
    return stopFor(reason);
  }

#undef RELOAD
#undef UNRUN
#undef SYNC
#undef A
#undef SIGNED_A
#undef PUSH
#undef COPY_SLOT
#undef POP
#undef PEEK
#undef THROW_ERROR
#undef CHECK_BUDGET
#undef CHARGE_RUN
#undef CASE
#undef NEXT
#undef NEXT_RUN
#undef JUMP_WHEN
}

}  // namespace shapevm
