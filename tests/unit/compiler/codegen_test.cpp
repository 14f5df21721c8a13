// Golden code-generation tests: the conventions the VM relies on (entry
// function, load-time function globals, closure captures and `close`, loops,
// try, compound assignment, literals, line table, maxStack).
#include <algorithm>
#include <catch2/catch.hpp>

#include "bytecode/verifier.h"
#include "compiler/compiler.h"

namespace shapevm {
namespace {

Program compileOk(std::string_view source) {
  CompileResult result = compileSource(source, "t.shape");
  for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.format());
  REQUIRE(result.program);
  return std::move(*result.program);
}

const Function& functionNamed(const Program& p, std::string_view name) {
  int index = p.findFunction(name);
  INFO(name);
  REQUIRE(index >= 0);
  return p.functions[index];
}

// The function's code as "mnemonic A [B]" lines (signed A for `int`, both
// fields of a packed A).
std::vector<std::string> listing(const Function& f) {
  std::vector<std::string> out;
  for (std::size_t pc = 0; pc < f.code.size();) {
    Op op = instrOp(f.code[pc]);
    const OpInfo& info = opInfo(op);
    std::string line = info.mnemonic;
    if (info.operand == Operand::Int) {
      line += " " + std::to_string(instrSignedA(f.code[pc]));
    } else if (info.operand >= Operand::LocalPair) {  // the packed register-style formats
      uint32_t a = instrA(f.code[pc]);
      line += " " + std::to_string(firstField(a)) + " " + std::to_string(secondField(a));
    } else if (info.operand != Operand::None) {
      line += " " + std::to_string(instrA(f.code[pc]));
    }
    if (instrWords(op) == 2) line += " " + std::to_string(f.code[pc + 1]);
    out.push_back(line);
    pc += instrWords(op);
  }
  return out;
}

using Lines = std::vector<std::string>;

TEST_CASE("codegen: the entry function", "[codegen]") {
  Program p = compileOk("");
  REQUIRE(p.functions.size() == 1);
  CHECK(p.entry == 0);
  const Function& main = p.functions[0];
  CHECK(main.name == "<main>");
  CHECK(main.arity == 0);
  CHECK(listing(main) == Lines{"none", "return"});
  CHECK(main.maxStack == 1);
}

TEST_CASE("codegen: top-level functions are load-time globals", "[codegen]") {
  Program p = compileOk(
      "let g = 1\n"
      "function f(a, b) { return a + b }\n"
      "print(f(g, 2))\n");
  REQUIRE(p.globals.size() == 2);
  CHECK(p.globals[0] == GlobalDecl{"g", -1});
  CHECK(p.globals[1].name == "f");
  REQUIRE(p.globals[1].function >= 0);
  CHECK(p.functions[p.globals[1].function].name == "f");
  CHECK(listing(p.functions[0]) == Lines{"int 1", "set_global 0", "builtin 0", "get_global 1",
                                         "get_global 0", "int 2", "call 2", "call 1", "pop", "none",
                                         "return"});
  const Function& f = functionNamed(p, "f");
  CHECK(f.arity == 2);
  CHECK(f.numLocals == 2);
  CHECK(listing(f) == Lines{"add_ll 0 1", "return"});
}

TEST_CASE("codegen: function names are unique and deterministic", "[codegen]") {
  Program p = compileOk(
      "let top = |x| x\n"
      "function outer() {\n"
      "  let a = || 1\n"
      "  function inner() { return |y| y }\n"
      "  if true { function dup() {} }\n"
      "  if true { function dup() {} }\n"
      "  let b = fn(z) { return z }\n"
      "}\n");
  std::vector<std::string> names;
  for (const Function& f : p.functions) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"<main>", "<main>.<lambda1>", "outer", "outer.<lambda1>",
                                          "outer.inner", "outer.inner.<lambda1>", "outer.dup",
                                          "outer.dup#2", "outer.<lambda2>"});
}

TEST_CASE("codegen: closures capture locals and upvalues by name", "[codegen]") {
  Program p = compileOk(
      "function counter() {\n"
      "  var n = 0\n"
      "  var step = 1\n"
      "  return || {\n"
      "    return || { n += step; return n }\n"
      "  }\n"
      "}\n");
  const Function& outer = functionNamed(p, "counter.<lambda1>");
  REQUIRE(outer.captures.size() == 2);
  CHECK(outer.captures[0] == Capture{true, 0, "n"});
  CHECK(outer.captures[1] == Capture{true, 1, "step"});
  const Function& inner = functionNamed(p, "counter.<lambda1>.<lambda1>");
  REQUIRE(inner.captures.size() == 2);
  CHECK(inner.captures[0] == Capture{false, 0, "n"});
  CHECK(inner.captures[1] == Capture{false, 1, "step"});
  CHECK(listing(inner) ==
        Lines{"get_upval 0", "get_upval 1", "add", "set_upval 0", "get_upval 0", "return"});
  CHECK(listing(functionNamed(p, "counter")) ==
        Lines{"int 0", "set_local 0", "int 1", "set_local 1", "closure 2", "return"});
}

TEST_CASE("codegen: a function without captures still uses closure", "[codegen]") {
  Program p = compileOk("let f = |x| x * 2\n");
  CHECK(listing(p.functions[0]) == Lines{"closure 1", "set_global 0", "none", "return"});
  CHECK(p.functions[1].captures.empty());
}

TEST_CASE("codegen: top-level lambdas read globals directly", "[codegen]") {
  Program p = compileOk("var total = 0\nlet add = |x| { total += x }\n");
  CHECK(p.functions[1].captures.empty());
  CHECK(listing(p.functions[1]) ==
        Lines{"get_global 0", "add_l 0", "set_global 0", "none", "return"});
}

TEST_CASE("codegen: captured loop variables get a fresh cell per iteration", "[codegen]") {
  Program p = compileOk(
      "function f() {\n"
      "  let fs = []\n"
      "  for i in 0..3 {\n"
      "    let j = i\n"
      "    fs.push(|| i + j)\n"
      "  }\n"
      "  return fs\n"
      "}\n");
  const Function& f = functionNamed(p, "f");
  // fs=0, end=1, hidden counter=2 (used only when the body assigns i), i=3, j=4
  CHECK(listing(f) == Lines{"array 0",
                            "set_local 0",
                            "int 0",
                            "set_local 3",
                            "int 3",
                            "set_local 1",
                            "jump_if_not_lt_ll 3 1 20",
                            "get_local 3",
                            "set_local 4",
                            "get_local 0",
                            "closure 2",
                            "call_method 1 0",
                            "pop",
                            "close 4",
                            "close 3",
                            "add_lk_set 3 1 3",
                            "jump 6",
                            "close 3",
                            "get_local 0",
                            "return"});
}

TEST_CASE("codegen: for-in uses for_iter over two hidden slots", "[codegen]") {
  Program p = compileOk("function f(a) {\n  for x in a { print(x) }\n}\n");
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_local 0", "set_local 1", "int 0", "set_local 2", "for_iter 1 12", "set_local 3",
              "builtin 0", "get_local 3", "call 1", "pop", "jump 4", "none", "return"});
}

TEST_CASE("codegen: break and continue leave try blocks and close cells", "[codegen]") {
  Program p = compileOk(
      "function f(a) {\n"
      "  while true {\n"
      "    let v = a\n"
      "    let g = || v\n"
      "    try {\n"
      "      if a { break }\n"
      "      continue\n"
      "    } catch e { }\n"
      "  }\n"
      "}\n");
  Lines code = listing(functionNamed(p, "f"));
  CHECK(code == Lines{"get_local 0",       // 0  let v = a
                      "set_local 1",       // 1
                      "closure 2",         // 2  let g = || v
                      "set_local 2",       // 3
                      "try 13",            // 4
                      "get_local 0",       // 5  if a
                      "jump_if_false 10",  // 6
                      "close 1",           // 7  break: close v's cell,
                      "end_try",           // 8  leave the try,
                      "jump 16",           // 9  and exit the loop
                      "close 1",           // 10 continue: the same, then
                      "end_try",           // 11
                      "jump 0",            // 12 back to the loop head
                      "set_local 3",       // 13 catch e
                      "close 1",           // 14 end of the loop body
                      "jump 0",            // 15
                      "none", "return"});
}

TEST_CASE("codegen: try and catch", "[codegen]") {
  Program p = compileOk(
      "function f() {\n"
      "  try { g() } catch e { print(e) }\n"
      "  try { g() } catch { }\n"
      "}\n"
      "function g() { throw \"x\" }\n");
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"try 6",   "get_global 1", "call 0",       "pop",         "end_try",
              "jump 11", "set_local 0",  "builtin 0",    "get_local 0", "call 1",
              "pop",     "try 17",       "get_global 1", "call 0",      "pop",
              "end_try", "jump 18",      "pop",          "none",        "return"});
  CHECK(listing(functionNamed(p, "g")) == Lines{"const 0", "throw"});
}

TEST_CASE("codegen: captured locals of a try body are closed when it raises", "[codegen]") {
  Program p = compileOk(
      "function f() {\n"
      "  let k = 1\n"
      "  try { let c = 2\n let h = || c\n h() } catch e { }\n"
      "}\n");
  Lines code = listing(functionNamed(p, "f"));
  CHECK(code == Lines{"int 1", "set_local 0", "try 13", "int 2", "set_local 1", "closure 2",
                      "set_local 2", "get_local 2", "call 0", "pop", "close 1", "end_try",
                      "jump 15",
                      "close 1",  // 13: the handler closes c's cell before reusing its slot
                      "set_local 1", "none", "return"});
}

TEST_CASE("codegen: compound assignment forms", "[codegen]") {
  Program p = compileOk(
      "function f(a, o) {\n"
      "  var x = 1\n"
      "  x += 2\n"
      "  a[0] -= 3\n"
      "  o.n *= 4\n"
      "  o.m = 5\n"
      "  a[1] = 6\n"
      "}\n");
  // `o` is never reassigned, so its fields are read and set in place.
  CHECK(listing(functionNamed(p, "f")) == Lines{"int 1",
                                                "set_local 2",
                                                "add_lk_set 2 0 2",
                                                "get_local 0",
                                                "int 0",
                                                "dup2",
                                                "get_index",
                                                "sub_int 3",
                                                "set_index",
                                                "get_field_l 1 1",
                                                "mul_k 2",
                                                "set_field_l 1 1",
                                                "int 5",
                                                "set_field_l 1 3",
                                                "get_local 0",
                                                "int 1",
                                                "int 6",
                                                "set_index",
                                                "none",
                                                "return"});
  const Function& f = functionNamed(p, "f");
  REQUIRE(f.constants.size() == 4);
  CHECK(f.constants[0] == Constant::ofInt(2));
  CHECK(f.constants[1] == Constant::ofString("n"));
  CHECK(f.constants[2] == Constant::ofInt(4));
  CHECK(f.constants[3] == Constant::ofString("m"));
}

TEST_CASE("codegen: comparisons and arithmetic", "[codegen]") {
  Program p = compileOk(
      "function f(a, b) { return [a == b, a != b, a < b, a <= b, a > b, a >= b, "
      "a + b * b - a / b % a, -a] }\n");
  // clang-format off
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_local2 0 1", "eq", "get_local2 0 1", "ne", "get_local2 0 1", "lt",
              "get_local2 0 1", "le", "get_local2 0 1", "gt", "get_local2 0 1", "ge",
              "get_local 0", "mul_ll 1 1", "add", "div_ll 0 1", "mod_l 0", "sub",
              "get_local 0", "neg", "array 8", "return"});
  // clang-format on
}

TEST_CASE("codegen: block slots are reused", "[codegen]") {
  Program p = compileOk(
      "function f() {\n"
      "  if true { let a = 1; let b = 2 }\n"
      "  if true { let c = 3 }\n"
      "  let d = 4\n"
      "}\n");
  CHECK(functionNamed(p, "f").numLocals == 2);
}

TEST_CASE("codegen: builtins can be shadowed", "[codegen]") {
  Program p = compileOk(
      "function len(x) { return 0 }\n"
      "function f(print) { return print(len(1)) }\n");
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_local 0", "get_global 0", "int 1", "call 1", "call 1", "return"});
}

TEST_CASE("codegen: no unreachable code", "[codegen]") {
  Program p = compileOk("function f(a) {\n  if a { return 1 } else { return 2 }\n  print(3)\n}\n");
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_local 0", "jump_if_false 4", "int 1", "return", "int 2", "return"});
}

TEST_CASE("codegen: line table follows the source", "[codegen]") {
  Program p = compileOk("let a = 1\n\nlet b = [\n  a,\n  a[0]\n]\n");
  const Function& main = p.functions[0];
  CHECK(main.lines == std::vector<LineEntry>{{0, 1}, {2, 4}, {3, 5}, {6, 3}, {8, 7}});
}

TEST_CASE("codegen: maxStack matches the verifier's analysis", "[codegen]") {
  Program p = compileOk(
      "type P { x, y }\n"
      "function f(a, b) {\n"
      "  let m = {a: [1, 2, [3, 4, P { x: a, y: b and a or f(1, 2, 3) }]], b: 2}\n"
      "  for k in m { a[k] += m[k][0] }\n"
      "  try { throw m } catch e { return e.x }\n"
      "}\n"
      "print(f(1, 2), len(\"x\"), {x: 1}.x)\n");
  for (const Function& f : p.functions) {
    INFO(f.name);
    Result<uint32_t> computed = computeMaxStack(p, f, "t.shape");
    REQUIRE(computed.ok());
    CHECK(f.maxStack == computed.value());
  }
}

TEST_CASE("codegen: loops over locals use the register-style forms", "[codegen]") {
  Program p = compileOk(
      "function f(a, n, o) {\n"
      "  var s = 0\n"
      "  var i = 0\n"
      "  while i < n {\n"
      "    s = s + a[i] * 2.5\n"
      "    i = i + 1\n"
      "  }\n"
      "  return s + o.x\n"
      "}\n");
  const Function& f = functionNamed(p, "f");
  // a=0 n=1 o=2 s=3 i=4; constants: 2.5, 1, "x"
  CHECK(listing(f) == Lines{"int 0", "set_local 3", "int 0", "set_local 4",
                            "jump_if_not_lt_ll 4 1 13", "get_index_ll 0 4", "mul_k 0", "add_into 3",
                            "add_lk_set 4 1 4", "jump_if_lt_ll 4 1 6", "get_local 3",
                            "get_field_l 2 2", "add", "return"});
  CHECK(f.constants ==
        std::vector<Constant>{Constant::ofFloat(2.5), Constant::ofInt(1), Constant::ofString("x")});
}

TEST_CASE("codegen: arithmetic stores its result straight into a local", "[codegen]") {
  Program p = compileOk(
      "function f(a, b, o) {\n"
      "  var x = o.p - o.q\n"
      "  var y = o.p * b\n"
      "  var z = o.p + 1.5\n"
      "  x = a + b\n"
      "  return [x, y, z]\n"
      "}\n");
  // a=0 b=1 o=2 x=3 y=4 z=5; constants: "p", "q", 1.5
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_field_l 2 0", "get_field_l 2 1", "sub_set 3", "get_field_l 2 0", "mul_l_set 4 1",
              "get_field_l 2 0", "add_k_set 5 2", "add_ll_set 0 1 3", "get_local 3",
              "get_local2 4 5", "array 3", "return"});
}

TEST_CASE("codegen: x = x op e on an uncaptured local combines e straight into it", "[codegen]") {
  Program p = compileOk(
      "function f(m, k, a) {\n"
      "  var s = 0\n"
      "  s = s + m.get(k)\n"
      "  s -= a[k] * 2\n"
      "  s = s * 2\n"
      "  s = s / k\n"
      "  s = s % if k > 0 { 1 } else { 2 }\n"
      "  s = k + s.x\n"
      "  var t = 1\n"
      "  let g = fn() { return t }\n"
      "  t = t + g()\n"
      "  return s\n"
      "}\n");
  // m=0 k=1 a=2 s=3 t=4 g=5. A local or constant e keeps its register form;
  // an `if` may hold statements, so it keeps the stack code, as does the
  // captured t and an operand on the other side.
  Lines code = listing(functionNamed(p, "f"));
  auto count = [&](const std::string& line) { return std::count(code.begin(), code.end(), line); };
  CHECK(count("add_into 3") == 1);
  CHECK(count("sub_into 3") == 1);
  CHECK(count("mul_into 3") == 0);
  CHECK(count("div_ll_set 3 1 3") == 1);
  CHECK(count("mod_into 3") == 0);
  CHECK(count("mod_set 3") == 1);
  CHECK(count("add_into 4") == 0);
  CHECK(count("add_set 4") == 1);
  CHECK(std::find(code.begin(), code.end(), "get_local2 0 1") != code.end());
}

TEST_CASE("codegen: two local reads left apart by a fusion join again", "[codegen]") {
  Program p = compileOk(
      "function f(m, i) {\n"
      "  m = m.set(i, i * 2.5)\n"
      "  return m\n"
      "}\n");
  // m=0 i=1; constants: "set", 2.5.
  CHECK(listing(functionNamed(p, "f")) == Lines{"get_local2 0 1", "mul_lk 1 1", "call_method 2 0",
                                                "set_local 0", "get_local 0", "return"});
}

TEST_CASE("codegen: a field of a local that is never reassigned is set in place", "[codegen]") {
  Program p = compileOk(
      "function f(o, v) {\n"
      "  o.x = v\n"
      "  o.x += 1\n"
      "  var w = o\n"
      "  w.x = v\n"
      "  w = o\n"
      "}\n");
  // o=0 v=1 w=2; constants: "x", 1. `w` is reassigned, so its store pushes it
  // first (the value could reassign it before the store).
  CHECK(listing(functionNamed(p, "f")) == Lines{"get_local 1", "set_field_l 0 0", "get_field_l 0 0",
                                                "add_int 1", "set_field_l 0 0", "get_local 0",
                                                "set_local 2", "get_local2 2 1", "set_field 0",
                                                "get_local 0", "set_local 2", "none", "return"});
}

TEST_CASE("codegen: an element of a local container at a local index is set in place",
          "[codegen]") {
  Program p = compileOk(
      "function f(a, i, o) {\n"
      "  a[i] = o.x * 2 + -a[0]\n"
      "  a[i] = g()\n"
      "  a[0] = 1\n"
      "  a[i] += 1\n"
      "}\n"
      "function g() { return 0 }\n");
  // a=0 i=1 o=2. A value that calls a function could reassign `a` or `i`
  // (through a closure), so that store pushes them first, as do a constant
  // index and a compound assignment.
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"get_field_l 2 0", "mul_k 1",      "get_local 0", "int 0",
              "get_index",       "neg",          "add",         "set_index_ll 0 1",
              "get_local2 0 1",  "get_global 1", "call 0",      "set_index",
              "get_local 0",     "int 0",        "int 1",       "set_index",
              "get_local2 0 1",  "dup2",         "get_index",   "add_int 1",
              "set_index",       "none",         "return"});
}

TEST_CASE("codegen: a constant left operand of arithmetic on a local is one instruction",
          "[codegen]") {
  Program p = compileOk(
      "function f(x, s) {\n"
      "  return 2.5 * x - 3 / x + (\"a\" + s)\n"
      "}\n");
  // x=0 s=1; constants: 2.5, 3, "a". The constant stays the left operand.
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"mul_kl 0 0", "div_kl 0 1", "sub", "add_kl 1 2", "add", "return"});
}

TEST_CASE("codegen: a computed value compared with a constant is one compare-and-branch",
          "[codegen]") {
  Program p = compileOk(
      "function f(x, y) {\n"
      "  if x % 2 == 0 { return 1 }\n"
      "  while x + y > 4.5 { x = x - 1 }\n"
      "  if x < 3 { return 2 }\n"
      "  return 3\n"
      "}\n");
  // x=0 y=1; constants: 2, 0, 4.5, 1, 3. A local compared with a constant
  // keeps the _lk form.
  CHECK(listing(functionNamed(p, "f")) ==
        Lines{"mod_lk 0 0", "jump_if_not_eq_k 1 5", "int 1", "return", "add_ll 0 1",
              "jump_if_not_gt_k 2 13", "sub_lk_set 0 3 0", "add_ll 0 1", "jump_if_gt_k 2 8",
              "jump_if_not_lt_lk 0 4 17", "int 2", "return", "int 3", "return"});
}

TEST_CASE("codegen: a comparison is not fused with a jump that is a branch target", "[codegen]") {
  // `a and b < c`: the `and` jumps straight to the jump_if_false, so the
  // comparison before it must stay a separate instruction.
  Program p = compileOk(
      "function g(a, b, c) {\n"
      "  if a and b < c { return 1 }\n"
      "  if b < c { return 2 }\n"
      "  return 3\n"
      "}\n");
  Lines code = listing(functionNamed(p, "g"));
  CHECK(std::count(code.begin(), code.end(), "lt") == 1);
  CHECK(std::count_if(code.begin(), code.end(), [](const std::string& line) {
          return line.rfind("jump_if_not_lt_ll ", 0) == 0;
        }) == 1);
}

}  // namespace
}  // namespace shapevm
