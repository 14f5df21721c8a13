// Interpreter semantics on hand-built bytecode: integer wrapping and division
// rules, float printing as Python's repr, exceptions unwinding across frames,
// closures sharing cells, the step budget stopping at an exact instruction,
// deep recursion and memory exhaustion raising errors, and the collector
// keeping a long allocation loop within its limit.
#include <catch2/catch.hpp>
#include <climits>
#include <cmath>
#include <string>

#include "bytecode/builtin_names.h"
#include "bytecode/bytecode_builder.h"
#include "bytecode/function_hash.h"
#include "bytecode/verifier.h"
#include "interp/vm.h"

using namespace shapevm;

namespace {

// Builds one function instruction by instruction, all on line 1.
struct FunctionBuilder {
  using Label = BytecodeBuilder::Label;
  Function f;
  BytecodeBuilder code{f};

  explicit FunctionBuilder(std::string name, uint32_t arity = 0, uint32_t locals = 0) {
    f.name = std::move(name);
    f.arity = arity;
    f.numLocals = locals;
    code.setLine(1);
  }
  FunctionBuilder(const FunctionBuilder&) = delete;
  FunctionBuilder& operator=(const FunctionBuilder&) = delete;
  FunctionBuilder& op(Op op, uint32_t a = 0) {
    code.emit(op, a);
    return *this;
  }
  FunctionBuilder& op2(Op op, uint32_t a, uint32_t b) {
    code.emit(op, a, b);
    return *this;
  }
  FunctionBuilder& jump(Op op, Label& label) {
    code.emitBranch(op, label);
    return *this;
  }
  FunctionBuilder& bind(Label& label) {
    code.bind(label);
    return *this;
  }
  uint32_t constant(Constant c) {
    for (std::size_t i = 0; i < f.constants.size(); ++i) {
      if (f.constants[i] == c) return static_cast<uint32_t>(i);
    }
    f.constants.push_back(std::move(c));
    return static_cast<uint32_t>(f.constants.size() - 1);
  }
  FunctionBuilder& pushInt(int64_t v) { return op(Op::Const, constant(Constant::ofInt(v))); }
  FunctionBuilder& pushFloat(double v) { return op(Op::Const, constant(Constant::ofFloat(v))); }
  FunctionBuilder& pushString(std::string v) {
    return op(Op::Const, constant(Constant::ofString(std::move(v))));
  }
  FunctionBuilder& builtin(std::string_view name) {
    return op(Op::GetBuiltin, static_cast<uint32_t>(findBuiltin(name)));
  }
  // print(<value computed by `body`>)
  template <typename Body>
  FunctionBuilder& print(Body body) {
    builtin("print");
    body(*this);
    return op(Op::Call, 1).op(Op::Pop);
  }
  Function done() {
    op(Op::None).op(Op::Return);
    return f;
  }
};

struct RunResult {
  RunOutcome outcome;
  std::string out;
  uint64_t steps = 0;
};

Program makeProgram(std::vector<Function> functions, std::vector<GlobalDecl> globals = {}) {
  Program p;
  p.sourceFile = "test.sasm";
  p.functions = std::move(functions);
  p.globals = std::move(globals);
  p.entry = 0;
  for (Function& f : p.functions) {
    auto depth = computeMaxStack(p, f, p.sourceFile);
    REQUIRE(depth.ok());
    f.maxStack = depth.value();
  }
  auto problem = verifyProgram(p, p.sourceFile);
  INFO((problem ? problem->format() : ""));
  REQUIRE_FALSE(problem);
  computeHashes(p);
  return p;
}

RunResult run(Program program, VMOptions options = {}) {
  VM vm(options);
  RunResult result;
  vm.outputSink = &result.out;
  REQUIRE_FALSE(vm.load(std::move(program)));
  vm.start({});
  // No snapshot is taken: a checkpoint goes straight on.
  result.outcome = vm.run();
  while (result.outcome.status == RunStatus::CheckpointDue) result.outcome = vm.run();
  result.steps = vm.runSteps;
  return result;
}

std::string printed(const std::function<void(FunctionBuilder&)>& body) {
  FunctionBuilder main("<main>");
  main.print(body);
  RunResult r = run(makeProgram({main.done()}));
  REQUIRE(r.outcome.status == RunStatus::Finished);
  return r.out;
}

// Runs `try { while true { allocate } } catch e { local 0 = none; print(e.kind) }`
// at the end of `main` (which has two locals) under a 16 MiB heap limit, and
// returns what it printed.
std::string kindCaughtUnderLimit(FunctionBuilder& main,
                                 const std::function<void(FunctionBuilder&)>& allocate) {
  uint32_t kind = main.constant(Constant::ofString("kind"));
  FunctionBuilder::Label handler, head;
  main.jump(Op::TryBegin, handler);
  main.bind(head);
  allocate(main);
  main.jump(Op::Jump, head);
  main.bind(handler);
  main.op(Op::SetLocal, 1).op(Op::None).op(Op::SetLocal, 0);
  main.print([&](FunctionBuilder& f) { f.op(Op::GetLocal, 1).op(Op::GetField, kind); });
  VMOptions options;
  options.maxMemory = std::size_t{16} << 20;
  RunResult r = run(makeProgram({main.done()}), options);
  REQUIRE(r.outcome.status == RunStatus::Finished);
  return r.out;
}

std::string binary(Value a, Value b, Op op) {
  return printed([&](FunctionBuilder& f) {
    for (Value v : {a, b}) {
      if (v.isInt())
        f.pushInt(v.as.i);
      else
        f.pushFloat(v.as.f);
    }
    f.op(op);
  });
}

}  // namespace

TEST_CASE("ints wrap on overflow and divide toward zero") {
  CHECK(binary(Value::integer(INT64_MAX), Value::integer(1), Op::Add) == "-9223372036854775808\n");
  CHECK(binary(Value::integer(INT64_MIN), Value::integer(1), Op::Sub) == "9223372036854775807\n");
  CHECK(binary(Value::integer(INT64_MAX), Value::integer(2), Op::Mul) == "-2\n");
  CHECK(binary(Value::integer(INT64_MIN), Value::integer(-1), Op::Div) == "-9223372036854775808\n");
  CHECK(binary(Value::integer(INT64_MIN), Value::integer(-1), Op::Mod) == "0\n");
  CHECK(binary(Value::integer(-7), Value::integer(2), Op::Div) == "-3\n");
  CHECK(binary(Value::integer(-7), Value::integer(3), Op::Mod) == "-1\n");
  CHECK(binary(Value::integer(7), Value::integer(-3), Op::Mod) == "1\n");
  CHECK(binary(Value::integer(7), Value::floating(2.0), Op::Div) == "3.5\n");
  CHECK(binary(Value::floating(1.0), Value::floating(0.0), Op::Div) == "inf\n");
  CHECK(binary(Value::floating(-1.0), Value::floating(0.0), Op::Div) == "-inf\n");
  CHECK(binary(Value::floating(0.0), Value::floating(0.0), Op::Div) == "nan\n");
  CHECK(binary(Value::floating(-7.5), Value::integer(2), Op::Mod) == "-1.5\n");
  CHECK(binary(Value::integer(1), Value::floating(1.0), Op::Eq) == "true\n");
  CHECK(binary(Value::integer(2), Value::floating(1.5), Op::Lt) == "false\n");
}

TEST_CASE("integer division by zero raises ZeroDivisionError") {
  for (Op op : {Op::Div, Op::Mod}) {
    FunctionBuilder main("<main>");
    main.pushInt(1).pushInt(0).op(op).op(Op::Pop);
    RunResult r = run(makeProgram({main.done()}));
    REQUIRE(r.outcome.status == RunStatus::Error);
    CHECK_THAT(r.outcome.error, Catch::Contains("ZeroDivisionError"));
    CHECK_THAT(r.outcome.error, Catch::Contains("at <main> (test.sasm:1)"));
  }
}

TEST_CASE("floats print exactly as Python's repr") {
  const std::pair<double, const char*> cases[] = {
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e20, "1e+20"},
      {1e-05, "1e-05"},
      {-0.0, "-0.0"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {0.0001, "0.0001"},
      {123456789.125, "123456789.125"},
      {0.0025, "0.0025"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1.5e-7, "1.5e-07"},
      {-2.5e22, "-2.5e+22"},
      {HUGE_VAL, "inf"},
      {-HUGE_VAL, "-inf"},
  };
  for (auto [value, text] : cases) {
    INFO(text);
    CHECK(printed([&](FunctionBuilder& f) { f.pushFloat(value); }) == std::string(text) + "\n");
  }
}

TEST_CASE("containers print with quoted strings, insertion order and cycles") {
  std::string out = printed([](FunctionBuilder& f) {
    f.pushString("a").pushInt(1).pushInt(2).op(Op::None).op(Op::BuildMap, 2);
  });
  CHECK(out == "{\"a\": 1, 2: none}\n");
  out = printed([](FunctionBuilder& f) {
    f.pushInt(1).pushFloat(2.5).pushString("a\"b\n").op(Op::BuildArray, 3);
  });
  CHECK(out == "[1, 2.5, \"a\\\"b\\n\"]\n");
  // a = []; a.push(a); print(a)
  FunctionBuilder main("<main>", 0, 1);
  uint32_t push = main.constant(Constant::ofString("push"));
  main.op(Op::BuildArray, 0).op(Op::SetLocal, 0);
  main.op(Op::GetLocal, 0).op(Op::GetLocal, 0).op2(Op::CallMethod, 1, push).op(Op::Pop);
  main.print([](FunctionBuilder& f) { f.op(Op::GetLocal, 0); });
  CHECK(run(makeProgram({main.done()})).out == "[[...]]\n");
}

TEST_CASE("a throw unwinds across frames to the handler and restores the stack") {
  // thrower() { throw "boom" }   main: try { 1 2 thrower() } catch e { print(e) } print("after")
  FunctionBuilder thrower("thrower");
  thrower.pushString("boom").op(Op::Throw);
  FunctionBuilder main("<main>", 0, 1);
  FunctionBuilder::Label handler, after;
  main.jump(Op::TryBegin, handler);
  main.pushInt(1).pushInt(2).op(Op::Pop).op(Op::Pop);
  main.op(Op::GetGlobal, 0).op(Op::Call, 0).op(Op::Pop);
  main.op(Op::TryEnd);
  main.jump(Op::Jump, after);
  main.bind(handler);
  main.op(Op::SetLocal, 0);
  main.print([](FunctionBuilder& f) { f.op(Op::GetLocal, 0); });
  main.bind(after);
  main.print([](FunctionBuilder& f) { f.pushString("after"); });
  Function thrown = thrower.f;
  RunResult r = run(makeProgram({main.done(), thrown}, {GlobalDecl{"thrower", 1}}));
  REQUIRE(r.outcome.status == RunStatus::Finished);
  CHECK(r.out == "boom\nafter\n");
}

TEST_CASE("closures share captured cells, also after the frame returns") {
  // make() { var n = 0; return |..| { n = n + 1; return n } }
  FunctionBuilder counter("make.<lambda1>");
  counter.f.captures = {Capture{true, 0, "n"}};
  counter.op(Op::GetUpval, 0).pushInt(1).op(Op::Add).op(Op::SetUpval, 0);
  counter.op(Op::GetUpval, 0).op(Op::Return);
  FunctionBuilder make("make", 0, 1);
  make.pushInt(0).op(Op::SetLocal, 0).op(Op::Closure, 2).op(Op::Return);
  FunctionBuilder main("<main>", 0, 1);
  main.op(Op::GetGlobal, 0).op(Op::Call, 0).op(Op::SetLocal, 0);
  for (int i = 0; i < 3; ++i) {
    main.print([](FunctionBuilder& f) { f.op(Op::GetLocal, 0).op(Op::Call, 0); });
  }
  Function made = make.f;
  RunResult r = run(makeProgram({main.done(), made, counter.f}, {GlobalDecl{"make", 1}}));
  REQUIRE(r.outcome.status == RunStatus::Finished);
  CHECK(r.out == "1\n2\n3\n");
}

TEST_CASE("the step budget suspends after exactly N instructions") {
  // An endless loop: head: int 1; pop; jump head
  FunctionBuilder main("<main>");
  main.op(Op::Int, 1).op(Op::Pop).op(Op::Jump, 0);
  Program p = makeProgram({main.f});
  for (uint64_t n : {0ull, 1ull, 2ull, 3ull, 1000ull, 16384ull, 16385ull, 100000ull}) {
    VMOptions options;
    options.maxSteps = n;
    VM vm(options);
    REQUIRE_FALSE(vm.load(p));
    vm.start({});
    RunOutcome outcome = vm.run();
    CHECK(outcome.status == RunStatus::Suspended);
    CHECK(outcome.snapshotPoint == SnapshotReason::StepBudget);
    CHECK(vm.runSteps == n);
    CHECK(static_cast<uint64_t>(vm.frames[0].ip - vm.functions[0].exec.data()) == n % 3);
  }
}

TEST_CASE("steps count exactly the instructions that ran, across throws and calls") {
  // The loop charges a straight-line run at once and gives back what a throw
  // skips, so the count must match this hand count at every budget.
  FunctionBuilder callee("g");
  callee.op(Op::Int, 7).op(Op::Return);  // 2 instructions
  FunctionBuilder main("<main>", 0, 1);
  FunctionBuilder::Label handler1, handler2, after;
  main.jump(Op::TryBegin, handler1);               // 1
  main.op(Op::Int, 1).op(Op::Int, 0).op(Op::Div);  // 2 3 4: div throws mid-run
  main.op(Op::Int, 5).op(Op::Pop).op(Op::Pop).op(Op::TryEnd);
  main.jump(Op::Jump, after);
  main.bind(handler1);
  main.op(Op::SetLocal, 0);                            // 5
  main.jump(Op::TryBegin, handler2);                   // 6
  main.builtin("len").op(Op::Int, 5).op(Op::Call, 1);  // 7 8 9: the native throws
  main.op(Op::Pop).op(Op::TryEnd);
  main.jump(Op::Jump, after);
  main.bind(handler2);
  main.op(Op::SetLocal, 0);  // 10
  main.bind(after);
  main.op(Op::GetGlobal, 0).op(Op::Call, 0).op(Op::Pop);  // 11 12 (g: 13 14) 15
  Function entry = main.done();                           // none, return: 16 17
  Program p = makeProgram({entry, callee.f}, {GlobalDecl{"g", 1}});
  constexpr uint64_t kTotal = 17;

  RunResult whole = run(p);
  REQUIRE(whole.outcome.status == RunStatus::Finished);
  CHECK(whole.steps == kTotal);
  for (uint64_t n = 1; n <= kTotal + 1; ++n) {
    INFO("budget " << n);
    VMOptions options;
    options.maxSteps = n;
    RunResult part = run(p, options);
    CHECK(part.outcome.status == (n < kTotal ? RunStatus::Suspended : RunStatus::Finished));
    CHECK(part.steps == std::min(n, kTotal));
  }
}

namespace {

// Counts local 0 of `main` from 0 up to `limit`.
void countTo(FunctionBuilder& main, int64_t limit) {
  main.pushInt(0).op(Op::SetLocal, 0);
  FunctionBuilder::Label head, exit;
  main.bind(head);
  main.op(Op::GetLocal, 0).pushInt(limit).op(Op::Lt);
  main.jump(Op::JumpIfFalse, exit);
  main.op(Op::GetLocal, 0).op(Op::Int, 1).op(Op::Add).op(Op::SetLocal, 0).jump(Op::Jump, head);
  main.bind(exit);
}

}  // namespace

TEST_CASE("periodic checkpoints fire every N steps and the run continues") {
  FunctionBuilder main("<main>", 0, 1);
  countTo(main, 1000);
  VMOptions options;
  options.checkpointEvery = 500;
  VM vm(options);
  std::string out;
  vm.outputSink = &out;
  REQUIRE_FALSE(vm.load(makeProgram({main.done()})));
  vm.start({});
  std::vector<uint64_t> at;
  RunOutcome outcome;
  while ((outcome = vm.run()).status == RunStatus::CheckpointDue) {
    CHECK(outcome.snapshotPoint == SnapshotReason::PeriodicCheckpoint);
    at.push_back(vm.runSteps);
  }
  CHECK(outcome.status == RunStatus::Finished);
  REQUIRE(at.size() == vm.runSteps / 500);
  for (std::size_t i = 0; i < at.size(); ++i) CHECK(at[i] == 500 * (i + 1));
}

TEST_CASE("a suspend request stops the run at its next safe point, and run() goes on after it") {
  FunctionBuilder main("<main>", 0, 1);
  countTo(main, 100000);
  main.print([](FunctionBuilder& b) { b.op(Op::GetLocal, 0); });
  Program p = makeProgram({main.done()});
  RunResult whole = run(p);
  REQUIRE(whole.outcome.status == RunStatus::Finished);

  VM vm;
  std::string out;
  vm.outputSink = &out;
  REQUIRE_FALSE(vm.load(p));
  vm.start({});
  vm.requestSuspend();  // made before the run, as a signal during loading is
  RunOutcome first = vm.run();
  CHECK(first.status == RunStatus::Suspended);
  CHECK(first.snapshotPoint == SnapshotReason::Signal);
  CHECK(vm.runSteps > 0);
  CHECK(vm.runSteps <= static_cast<uint64_t>(kPollInterval));
  CHECK_FALSE(vm.suspendRequested());  // taken by the stop
  uint64_t before = vm.totalSteps;
  RunOutcome rest = vm.run();
  CHECK(rest.status == RunStatus::Finished);
  CHECK_FALSE(rest.snapshotPoint);
  CHECK(out == whole.out);
  CHECK(vm.totalSteps == whole.steps);
  CHECK(vm.runSteps == whole.steps - before);
}

TEST_CASE("deep recursion raises StackOverflowError instead of crashing") {
  FunctionBuilder recurse("recurse");
  recurse.op(Op::GetGlobal, 0).op(Op::Call, 0).op(Op::Return);
  FunctionBuilder main("<main>");
  main.op(Op::GetGlobal, 0).op(Op::Call, 0).op(Op::Pop);
  Function body = recurse.f;
  RunResult r = run(makeProgram({main.done(), body}, {GlobalDecl{"recurse", 1}}));
  REQUIRE(r.outcome.status == RunStatus::Error);
  CHECK_THAT(r.outcome.error, Catch::Contains("StackOverflowError"));
}

TEST_CASE("calls nest 10000 deep") {
  // down(n) { if n == 0 { return 0 } return down(n - 1) + 1 }
  FunctionBuilder down("down", 1, 1);
  FunctionBuilder::Label recurse;
  down.op(Op::GetLocal, 0).op(Op::Int, 0).op(Op::Eq);
  down.jump(Op::JumpIfFalse, recurse).op(Op::Int, 0).op(Op::Return);
  down.bind(recurse);
  down.op(Op::GetGlobal, 0).op(Op::GetLocal, 0).op(Op::Int, 1).op(Op::Sub).op(Op::Call, 1);
  down.op(Op::Int, 1).op(Op::Add).op(Op::Return);
  FunctionBuilder main("<main>");
  main.print([](FunctionBuilder& f) { f.op(Op::GetGlobal, 0).pushInt(10000).op(Op::Call, 1); });
  Function body = down.f;
  RunResult r = run(makeProgram({main.done(), body}, {GlobalDecl{"down", 1}}));
  REQUIRE(r.outcome.status == RunStatus::Finished);
  CHECK(r.out == "10000\n");
}

TEST_CASE("the collector keeps a long allocation loop within the heap limit") {
  // 200 000 iterations each building a 3-element array and a 100-byte string,
  // under a 32 MiB limit: far more is allocated than the limit allows.
  FunctionBuilder main("<main>", 0, 2);
  main.pushInt(0).op(Op::SetLocal, 0);
  FunctionBuilder::Label head, exit;
  main.bind(head);
  main.op(Op::GetLocal, 0).pushInt(200000).op(Op::Lt);
  main.jump(Op::JumpIfFalse, exit);
  main.pushString(std::string(100, 'x')).op(Op::Dup).op(Op::Add);
  main.op(Op::GetLocal, 0).op(Op::Int, 2).op(Op::BuildArray, 3).op(Op::SetLocal, 1);
  main.op(Op::GetLocal, 0).op(Op::Int, 1).op(Op::Add).op(Op::SetLocal, 0).jump(Op::Jump, head);
  main.bind(exit);
  main.print([](FunctionBuilder& f) { f.op(Op::GetLocal, 1); });
  VMOptions options;
  options.maxMemory = std::size_t{32} << 20;
  RunResult r = run(makeProgram({main.done()}), options);
  REQUIRE(r.outcome.status == RunStatus::Finished);
  CHECK(r.out == "[\"" + std::string(200, 'x') + "\", 199999, 2]\n");
}

TEST_CASE("running out of the heap limit raises MemoryError, which can be caught") {
  // a = []; try { while true { a.push("..." + "...") } } catch e { print(e.kind) }
  FunctionBuilder main("<main>", 0, 2);
  uint32_t push = main.constant(Constant::ofString("push"));
  main.op(Op::BuildArray, 0).op(Op::SetLocal, 0);
  CHECK(kindCaughtUnderLimit(main, [&](FunctionBuilder& f) {
          f.op(Op::GetLocal, 0).pushString(std::string(1000, 'y')).op(Op::Dup).op(Op::Add);
          f.op2(Op::CallMethod, 1, push).op(Op::Pop);
        }) == "MemoryError\n");
}

TEST_CASE("growing a string by + past the heap limit raises MemoryError") {
  // s = "..."; try { while true { s = s + s } } catch e { print(e.kind) }
  // Past 64 bytes `s + s` writes into a shared buffer (vm/core/string_concat.cpp).
  FunctionBuilder main("<main>", 0, 2);
  main.pushString(std::string(100, 's')).op(Op::SetLocal, 0);
  CHECK(kindCaughtUnderLimit(main, [](FunctionBuilder& f) {
          f.op(Op::GetLocal, 0).op(Op::Dup).op(Op::Add).op(Op::SetLocal, 0);
        }) == "MemoryError\n");
}

TEST_CASE("array map, filter and reduce run as prelude bytecode") {
  // [1, 2, 3].map(double) etc., with double/add as plain functions.
  FunctionBuilder twice("twice", 1, 1);
  twice.op(Op::GetLocal, 0).op(Op::Int, 2).op(Op::Mul).op(Op::Return);
  FunctionBuilder odd("odd", 1, 1);
  odd.op(Op::GetLocal, 0).op(Op::Int, 2).op(Op::Mod).op(Op::Return);
  FunctionBuilder add("add", 2, 2);
  add.op(Op::GetLocal, 0).op(Op::GetLocal, 1).op(Op::Add).op(Op::Return);
  FunctionBuilder main("<main>");
  uint32_t map = main.constant(Constant::ofString("map"));
  uint32_t filter = main.constant(Constant::ofString("filter"));
  uint32_t reduce = main.constant(Constant::ofString("reduce"));
  auto array = [](FunctionBuilder& f) {
    f.op(Op::Int, 1).op(Op::Int, 2).op(Op::Int, 3).op(Op::BuildArray, 3);
  };
  main.print([&](FunctionBuilder& f) {
    array(f);
    f.op(Op::GetGlobal, 0).op2(Op::CallMethod, 1, map);
  });
  main.print([&](FunctionBuilder& f) {
    array(f);
    f.op(Op::GetGlobal, 1).op2(Op::CallMethod, 1, filter);
  });
  main.print([&](FunctionBuilder& f) {
    array(f);
    f.op(Op::GetGlobal, 2).op(Op::Int, 10).op2(Op::CallMethod, 2, reduce);
  });
  Function t = twice.f, o = odd.f, a = add.f;
  RunResult r =
      run(makeProgram({main.done(), t, o, a},
                      {GlobalDecl{"twice", 1}, GlobalDecl{"odd", 2}, GlobalDecl{"add", 3}}));
  REQUIRE(r.outcome.status == RunStatus::Finished);
  CHECK(r.out == "[2, 4, 6]\n[1, 3]\n16\n");
}
