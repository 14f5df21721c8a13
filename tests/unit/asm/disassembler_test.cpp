// Tests of disassemble(): golden output, and the round trip the CLI promises:
// asm(disasm(p)) has the same content hash for every function, for every
// example program, every opcode and every awkward constant or name.
#include <bit>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "asm/assembler.h"

using namespace shapevm;

namespace {

Program assembleOk(const std::string& text, const std::string& file = "test.sasm") {
  Result<Program> result = assemble(text, file);
  if (!result) FAIL(result.error().format());
  return std::move(result.value());
}

// Disassembles `original`, assembles the text, and checks that everything the
// hash covers, and the rest of the program, survived.
void checkRoundTrip(const Program& original) {
  std::string text = disassemble(original);
  INFO(text);
  Program copy = assembleOk(text, "copy.sasm");
  REQUIRE(copy.functions.size() == original.functions.size());
  for (std::size_t i = 0; i < original.functions.size(); ++i) {
    const Function& a = original.functions[i];
    const Function& b = copy.functions[i];
    INFO("function " << a.name);
    CHECK(b.name == a.name);
    CHECK(b.hash == a.hash);
    CHECK(b.code == a.code);
    CHECK(b.constants == a.constants);
    CHECK(b.captures == a.captures);
    CHECK(b.lines == a.lines);
    CHECK(b.maxStack == a.maxStack);
    CHECK(b.numLocals == a.numLocals);
  }
  CHECK(copy.types == original.types);
  CHECK(copy.globals == original.globals);
  CHECK(copy.entry == original.entry);
  CHECK(copy.sourceFile == original.sourceFile);
  CHECK(disassemble(copy) == text);
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("golden disassembly", "[disasm]") {
  Program p = assembleOk(R"(.source "g.shape"
.type Point x y
.global count
.global twice = "outer.<lambda1>"
.entry "<main>"
.function "<main>" locals=1
.line 1
  const "hi there"
  get_field x
  int -3
  add
loop:
.line 2
  dup
  jump_if_false loop
  call_method push 0
  return
.end
.function "outer.<lambda1>" arity=1 stack=9
.capture local 0 "my var"
  const 2.0
  return
.end
)");
  std::string text = disassemble(p);
  // The hash comments differ with the hash function; drop them for the comparison.
  std::string stripped;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto hash = line.find("  ; hash ");
    if (hash != std::string::npos) {
      CHECK(line.size() == hash + 9 + 32);
      line.resize(hash);
    }
    stripped += line + "\n";
  }
  CHECK(stripped == R"(; shapevm assembly: `shapevm asm` reads this back (docs/assembly.md)
.source "g.shape"
.type Point x y
.global count
.global twice = outer.<lambda1>
.entry <main>

.function <main> arity=0 locals=1
.line 1
    const "hi there"
    get_field x
    int -3
    add
L4:
.line 2
    dup
    jump_if_false L4
    call_method push 0
    return
.end

.function outer.<lambda1> arity=1 locals=1 stack=9
.capture local 0 "my var"
    const 2.0
    return
.end
)");
  checkRoundTrip(p);
}

TEST_CASE("the examples survive asm(disasm(p)) with the same hashes", "[disasm][examples]") {
  std::filesystem::path dir = std::filesystem::path(SHAPEVM_SOURCE_DIR) / "examples";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sasm") continue;
    INFO(entry.path().string());
    Program p = assembleOk(readFile(entry.path()), entry.path().string());
    checkRoundTrip(p);
    ++count;
  }
  CHECK(count >= 5);
}

TEST_CASE("awkward constants and pools round-trip exactly", "[disasm]") {
  // Unused, duplicate and out-of-order pool entries need an explicit pool.
  Program p = assembleOk(R"(
.function main
.const "unused"
.const 5
.const 5
.const nan:0x7ff0000000000001
.const -0.0
.const 0.0
  const #2
  const 5
  const 5e-324
  const 1.7976931348623157e308
  const -inf
  const nan
  const -nan
  const 0.1
  const 123456789012345680.0
  const -9223372036854775808
  const "quote\" backslash\\ tab\t nl\n nul\0 high\xff"
  const ""
  const "inf"
  get_field "12"
  get_field "with space"
  call_method "#3" 0
  array 13
  return
.end
)");
  checkRoundTrip(p);
  std::string text = disassemble(p);
  CHECK(text.find(".const \"unused\"") != std::string::npos);
  CHECK(text.find("const #2") != std::string::npos);
}

TEST_CASE("an implicit pool is not printed", "[disasm]") {
  Program p = assembleOk(".function main\n  const 1\n  const \"a\"\n  pop\n  return\n.end\n");
  CHECK(disassemble(p).find(".const") == std::string::npos);
  checkRoundTrip(p);
}

TEST_CASE("names that need quotes round-trip", "[disasm]") {
  Program p = assembleOk(R"(
.type "a type" "field one" "=" ";"
.global "g:1"
.global "" = "f n"
.entry "f n"
.function "f n"
.capture local 0 "semi;colon"
  get_global "g:1"
  get_global ""
  none
  record "a type"
  return
.end
.function "x\"y" locals=1
  closure "f n"
  return
.end
)");
  checkRoundTrip(p);
}

TEST_CASE("every opcode survives the round trip", "[disasm][opcodes]") {
  Program p = assembleOk(R"(
.type P a b
.global g = f
.function f
  none
  return
.end
.function main locals=3
  none
  set_local 0
  closure t
  pop
  const 1
  int 2
  none
  true
  false
  pop
  dup
  dup2
  pop
  pop
  pop
  pop
  get_local 0
  set_local 1
  get_global g
  set_global g
  builtin print
  pop
  none
  none
  add
  none
  sub
  none
  mul
  none
  div
  none
  mod
  neg
  not
  none
  eq
  none
  ne
  none
  lt
  none
  le
  none
  gt
  none
  ge
  jump_if_true next
next:
  none
  jump_if_false next2
next2:
  int 5
  add_int 1
  sub_int -2
  pop
  int 0
  int 3
  jump_if_not_eq fused0
fused0:
  int 1
  int 3
  jump_if_not_ne fused1
fused1:
  int 2
  int 3
  jump_if_not_lt fused2
fused2:
  int 3
  int 3
  jump_if_not_le fused3
fused3:
  int 4
  int 3
  jump_if_not_gt fused4
fused4:
  int 5
  int 3
  jump_if_not_ge fused5
fused5:
  int 1
  int 2
  jump_if_eq peq
peq:
  jump_if_eq_ll 0 1 peq_ll
peq_ll:
  jump_if_eq_lk 0 2.5 peq_lk
peq_lk:
  int 1
  int 2
  jump_if_ne pne
pne:
  jump_if_ne_ll 0 1 pne_ll
pne_ll:
  jump_if_ne_lk 0 2.5 pne_lk
pne_lk:
  int 1
  int 2
  jump_if_lt plt
plt:
  jump_if_lt_ll 0 1 plt_ll
plt_ll:
  jump_if_lt_lk 0 2.5 plt_lk
plt_lk:
  int 1
  int 2
  jump_if_le ple
ple:
  jump_if_le_ll 0 1 ple_ll
ple_ll:
  jump_if_le_lk 0 2.5 ple_lk
ple_lk:
  int 1
  int 2
  jump_if_gt pgt
pgt:
  jump_if_gt_ll 0 1 pgt_ll
pgt_ll:
  jump_if_gt_lk 0 2.5 pgt_lk
pgt_lk:
  int 1
  int 2
  jump_if_ge pge
pge:
  jump_if_ge_ll 0 1 pge_ll
pge_ll:
  jump_if_ge_lk 0 2.5 pge_lk
pge_lk:
  none
  add_l 0
  add_k 2.5
  pop
  add_ll 0 1
  add_lk 0 2.5
  pop
  pop
  add_ll_set 0 1 2
  add_lk_set 0 2.5 2
  none
  sub_l 0
  sub_k 2.5
  pop
  sub_ll 0 1
  sub_lk 0 2.5
  pop
  pop
  sub_ll_set 0 1 2
  sub_lk_set 0 2.5 2
  none
  mul_l 0
  mul_k 2.5
  pop
  mul_ll 0 1
  mul_lk 0 2.5
  pop
  pop
  mul_ll_set 0 1 2
  mul_lk_set 0 2.5 2
  none
  div_l 0
  div_k 2.5
  pop
  div_ll 0 1
  div_lk 0 2.5
  pop
  pop
  div_ll_set 0 1 2
  div_lk_set 0 2.5 2
  none
  mod_l 0
  mod_k 2.5
  pop
  mod_ll 0 1
  mod_lk 0 2.5
  pop
  pop
  mod_ll_set 0 1 2
  mod_lk_set 0 2.5 2
  jump_if_not_eq_ll 0 1 eq_ll
eq_ll:
  jump_if_not_eq_lk 0 2.5 eq_lk
eq_lk:
  jump_if_not_ne_ll 0 1 ne_ll
ne_ll:
  jump_if_not_ne_lk 0 2.5 ne_lk
ne_lk:
  jump_if_not_lt_ll 0 1 lt_ll
lt_ll:
  jump_if_not_lt_lk 0 2.5 lt_lk
lt_lk:
  jump_if_not_le_ll 0 1 le_ll
le_ll:
  jump_if_not_le_lk 0 2.5 le_lk
le_lk:
  jump_if_not_gt_ll 0 1 gt_ll
gt_ll:
  jump_if_not_gt_lk 0 2.5 gt_lk
gt_lk:
  jump_if_not_ge_ll 0 1 ge_ll
ge_ll:
  jump_if_not_ge_lk 0 2.5 ge_lk
ge_lk:
  none
  and k1
  none
k1:
  or k2
  none
k2:
  pop
  none
  call 1
  none
  call_method push 1
  array 1
  none
  none
  map 1
  none
  record P
  none
  get_index
  none
  none
  set_index
  none
  get_field a
  none
  set_field a
  get_index_ll 0 1
  get_field_l 0 a
  pop
  pop
  none
  none
  pow
  none
  bit_and
  none
  bit_or
  none
  bit_xor
  none
  shl
  none
  shr
  bit_not
  is_record P
  is_array 2
  is_array_min 1
  has_field a
  pop
  none
  set_field_l 0 a
  int 1
  int 2
  add_set 0
  int 1
  add_l_set 0 1
  int 1
  add_k_set 0 2.5
  int 1
  int 2
  sub_set 0
  int 1
  sub_l_set 0 1
  int 1
  sub_k_set 0 2.5
  int 1
  int 2
  mul_set 0
  int 1
  mul_l_set 0 1
  int 1
  mul_k_set 0 2.5
  int 1
  int 2
  div_set 0
  int 1
  div_l_set 0 1
  int 1
  div_k_set 0 2.5
  int 1
  int 2
  mod_set 0
  int 1
  mod_l_set 0 1
  int 1
  mod_k_set 0 2.5
  int 1
  add_into 0
  int 1
  sub_into 0
  int 1
  mul_into 0
  int 1
  div_into 0
  int 1
  mod_into 0
  add_kl 0 2.5
  sub_kl 0 2.5
  mul_kl 0 2.5
  div_kl 0 2.5
  mod_kl 0 2.5
  pop
  pop
  pop
  pop
  pop
  array 0
  set_local 1
  int 0
  set_local 2
  true
  set_index_ll 1 2
  int 1
  jump_if_not_eq_k 2.5 k_eq
k_eq:
  int 1
  jump_if_eq_k 2 kk_eq
kk_eq:
  int 1
  jump_if_not_ne_k 2.5 k_ne
k_ne:
  int 1
  jump_if_ne_k 2 kk_ne
kk_ne:
  int 1
  jump_if_not_lt_k 2.5 k_lt
k_lt:
  int 1
  jump_if_lt_k 2 kk_lt
kk_lt:
  int 1
  jump_if_not_le_k 2.5 k_le
k_le:
  int 1
  jump_if_le_k 2 kk_le
kk_le:
  int 1
  jump_if_not_gt_k 2.5 k_gt
k_gt:
  int 1
  jump_if_gt_k 2 kk_gt
kk_gt:
  int 1
  jump_if_not_ge_k 2.5 k_ge
k_ge:
  int 1
  jump_if_ge_k 2 kk_ge
kk_ge:
  get_local2 0 1
  pop
  pop
  map 0
  set_local 1
  int 0
  set_local 2
loop:
  for_iter 1 done
  pop
  jump loop
done:
  try catch
  end_try
  none
catch:
  close 0
  throw
.end
.function t locals=1
.capture local 0 v
  get_upval 0
  set_upval 0
  halt
.end
.function u
  none
  match_error
.end
.function v
  raise_error "NameError: gone"
.end
)");
  std::string text = disassemble(p);
  for (uint32_t i = 0; i < kOpCount; ++i) {
    if (kOpInfo[i].flags & kVmOnly) continue;  // no program holds it
    INFO(kOpInfo[i].mnemonic);
    CHECK(text.find(std::string("    ") + kOpInfo[i].mnemonic) != std::string::npos);
  }
  checkRoundTrip(p);
}
