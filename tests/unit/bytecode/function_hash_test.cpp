// Content hashes: stable under anything that does not change a function's own
// code (moving, adding or removing other functions and globals, line tables,
// maxStack), and changed by anything that does (its code, constants, captures,
// or the names of what it refers to).
#include <bit>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "test_programs.h"

namespace shapevm {
namespace {

using testing::CodeBuilder;
using testing::functionNamed;
using testing::sampleProgram;

FunctionHash hashOf(const Program& program, std::string_view name) {
  return hashFunction(program, functionNamed(program, name));
}

// Every function's hash, by name.
std::map<std::string, FunctionHash> allHashes(const Program& program) {
  std::map<std::string, FunctionHash> hashes;
  for (const Function& function : program.functions) {
    hashes[function.name] = hashFunction(program, function);
  }
  return hashes;
}

Function helper(std::string name) {
  CodeBuilder b(std::move(name), 0, 0);
  b.op(Op::None).op(Op::Return);
  b.function.maxStack = 1;
  return b.function;
}

}  // namespace

TEST_CASE("hash: computeHashes fills every function with a distinct, repeatable hash", "[hash]") {
  Program program = sampleProgram();
  std::set<std::string> seen;
  for (const Function& function : program.functions) {
    CHECK_FALSE(function.hash == FunctionHash{});
    CHECK(function.hash == hashFunction(program, function));
    seen.insert(function.hash.hex());
  }
  CHECK(seen.size() == program.functions.size());
}

TEST_CASE("hash: inserting other functions keeps every existing hash", "[hash]") {
  Program program = sampleProgram();
  auto before = allHashes(program);
  testing::insertFunction(program, 0, helper("first"));
  testing::insertFunction(program, 3, helper("middle"));
  testing::insertFunction(program, program.functions.size(), helper("last"));
  REQUIRE_FALSE(verifyProgram(program, "t.sbc"));
  auto after = allHashes(program);
  for (const auto& [name, hash] : before) CHECK(after.at(name) == hash);
  // The references really moved: closure 2 in <main> now names another index.
  CHECK(functionNamed(program, "<main>").code != sampleProgram().functions[0].code);
}

TEST_CASE("hash: removing an unreferenced function keeps every other hash", "[hash]") {
  Program program = sampleProgram();
  testing::insertFunction(program, 1, helper("doomed"));
  auto before = allHashes(program);
  std::vector<uint32_t> newIndex;
  for (uint32_t i = 0; i < program.functions.size(); ++i) newIndex.push_back(i <= 1 ? 0 : i - 1);
  program.functions.erase(program.functions.begin() + 1);
  testing::remapReferences(program, Operand::Func, newIndex);
  REQUIRE_FALSE(verifyProgram(program, "t.sbc"));
  auto after = allHashes(program);
  before.erase("doomed");
  CHECK(after == before);
}

TEST_CASE("hash: reordering functions and globals keeps every hash", "[hash]") {
  Program program = sampleProgram();
  auto before = allHashes(program);
  testing::reverseTable(program, Operand::Func);
  testing::reverseTable(program, Operand::Global);
  REQUIRE_FALSE(verifyProgram(program, "t.sbc"));
  CHECK(program.entry == program.functions.size() - 1);
  CHECK(allHashes(program) == before);
}

TEST_CASE("hash: inserting globals keeps every hash", "[hash]") {
  Program program = sampleProgram();
  auto before = allHashes(program);
  testing::insertGlobal(program, 0, GlobalDecl{"unrelated", -1});
  testing::insertGlobal(program, 2, GlobalDecl{"bound", 3});
  REQUIRE_FALSE(verifyProgram(program, "t.sbc"));
  CHECK(allHashes(program) == before);
}

TEST_CASE("hash: line tables, maxStack and global bindings are not hashed", "[hash]") {
  Program program = sampleProgram();
  auto before = allHashes(program);
  for (Function& function : program.functions) {
    for (LineEntry& entry : function.lines) entry.line += 100;
    function.maxStack += 3;
  }
  program.globals[0].function = 4;
  CHECK(allHashes(program) == before);
}

TEST_CASE("hash: a function's own code, constants, shape and captures change its hash", "[hash]") {
  const Program base = sampleProgram();
  auto before = allHashes(base);

  // Each edit changes exactly the edited function.
  auto expectOnly = [&](const Program& edited, const std::string& name) {
    auto after = allHashes(edited);
    for (const auto& [other, hash] : before) {
      INFO(other);
      CHECK((after.at(other) == hash) == (other != name));
    }
  };
  {
    Program p = base;
    p.functions[1].code[2] = makeInstr(Op::Add);
    expectOnly(p, "square");
  }
  {
    Program p = base;
    p.functions[0].constants[0] = Constant::ofInt(1);
    expectOnly(p, "<main>");
  }
  {  // 0.0 instead of -0.0: floats are hashed by bit pattern
    Program p = base;
    REQUIRE(p.functions[0].constants[1].kind == ConstantKind::Float);
    p.functions[0].constants[1] = Constant::ofFloat(0.0);
    expectOnly(p, "<main>");
  }
  {  // an int constant and a float constant with the same bits differ
    Program p = base;
    p.functions[0].constants[1] = Constant::ofInt(std::bit_cast<int64_t>(-0.0));
    expectOnly(p, "<main>");
  }
  {
    Program p = base;
    p.functions[4].numLocals = 5;
    expectOnly(p, "loop");
  }
  {
    Program p = base;
    p.functions[2].captures[0].name = "other";
    expectOnly(p, "adder");
  }
  {
    Program p = base;
    p.functions[3].captures[0].fromLocal = true;
    expectOnly(p, "inner");
  }
  {  // a jump target is part of the code
    Program p = base;
    Function& loop = p.functions[4];
    std::size_t jump = 0;
    while (instrOp(loop.code[jump]) != Op::Jump) jump += instrWords(instrOp(loop.code[jump]));
    loop.code[jump] = makeInstr(Op::Jump, 0);
    expectOnly(p, "loop");
  }
}

TEST_CASE("hash: references are hashed by name", "[hash]") {
  const Program base = sampleProgram();
  {  // renaming a function changes it and every function that names it
    Program p = base;
    p.functions[3].name = "renamed";
    CHECK_FALSE(hashOf(p, "adder") == hashOf(base, "adder"));
    CHECK_FALSE(hashOf(p, "renamed") == hashOf(base, "inner"));
    CHECK(hashOf(p, "square") == hashOf(base, "square"));
    CHECK(hashOf(p, "<main>") == hashOf(base, "<main>"));
  }
  {  // pointing a closure at another function with the same index elsewhere
    Program p = base;
    p.functions[2].code[0] = makeInstr(Op::Closure, 1);
    CHECK_FALSE(hashOf(p, "adder") == hashOf(base, "adder"));
  }
  {  // renaming a global changes the code that uses it, and nothing else
    Program p = base;
    p.globals[1].name = "count";
    CHECK_FALSE(hashOf(p, "<main>") == hashOf(base, "<main>"));
    CHECK(hashOf(p, "loop") == hashOf(base, "loop"));
  }
  {  // a record type is hashed by its name and its fields
    Program p = base;
    p.types[0].fields[1] = "z";
    CHECK_FALSE(hashOf(p, "<main>") == hashOf(base, "<main>"));
    Program q = base;
    q.types[1].name = "Nothing";
    CHECK_FALSE(hashOf(q, "<main>") == hashOf(base, "<main>"));
  }
  {  // a built-in is hashed by name: a different one changes the hash
    Program p = base;
    for (Instr& word : p.functions[0].code) {
      if (instrOp(word) == Op::GetBuiltin) word = makeInstr(Op::GetBuiltin, 1);
    }
    CHECK_FALSE(hashOf(p, "<main>") == hashOf(base, "<main>"));
  }
}

TEST_CASE("hash: a function's hash does not depend on its own index", "[hash]") {
  Program a;
  a.functions = {helper("<main>"), helper("x")};
  Program b;
  b.functions = {helper("x"), helper("<main>")};
  b.entry = 1;
  CHECK(hashFunction(a, a.functions[1]) == hashFunction(b, b.functions[0]));
}

TEST_CASE("hash: unverified code is hashed without reading out of bounds", "[hash]") {
  Program p = sampleProgram();
  Function& f = p.functions[1];
  f.code = {makeInstr(Op::Closure, 99),
            makeInstr(Op::GetGlobal, 99),
            makeInstr(Op::BuildRecord, 99),
            makeInstr(Op::GetBuiltin, 999),
            0xfe,
            makeInstr(Op::CallMethod, 1)};
  FunctionHash first = hashFunction(p, f);
  f.code.back() = makeInstr(Op::CallMethod, 2);
  CHECK_FALSE(hashFunction(p, f) == first);
}

}  // namespace shapevm
