// Pins the opcode numbers and keeps docs/bytecode.md's opcode table exact.
// A `.sbc` file and every function hash carry raw opcode numbers, so a row
// moved or inserted mid-table would silently change what old files mean: the
// golden list below must change only together with a version bump (see
// docs/bytecode.md, "Version history").
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bytecode/opcodes.h"
#include "bytecode/sbc.h"

using namespace shapevm;

namespace {

struct PinnedOpcode {
  uint32_t number;
  Op op;
  const char* mnemonic;
};

// Every opcode in number order. Append new opcodes at the end; a retired
// opcode keeps its row (and its number) as a placeholder.
constexpr PinnedOpcode kPinnedOpcodes[] = {
    {0, Op::Const, "const"},
    {1, Op::Int, "int"},
    {2, Op::None, "none"},
    {3, Op::True, "true"},
    {4, Op::False, "false"},
    {5, Op::Pop, "pop"},
    {6, Op::Dup, "dup"},
    {7, Op::Dup2, "dup2"},
    {8, Op::GetLocal, "get_local"},
    {9, Op::SetLocal, "set_local"},
    {10, Op::GetUpval, "get_upval"},
    {11, Op::SetUpval, "set_upval"},
    {12, Op::GetGlobal, "get_global"},
    {13, Op::SetGlobal, "set_global"},
    {14, Op::GetBuiltin, "builtin"},
    {15, Op::Closure, "closure"},
    {16, Op::CloseUpvals, "close"},
    {17, Op::Add, "add"},
    {18, Op::Sub, "sub"},
    {19, Op::Mul, "mul"},
    {20, Op::Div, "div"},
    {21, Op::Mod, "mod"},
    {22, Op::Neg, "neg"},
    {23, Op::Not, "not"},
    {24, Op::Eq, "eq"},
    {25, Op::Ne, "ne"},
    {26, Op::Lt, "lt"},
    {27, Op::Le, "le"},
    {28, Op::Gt, "gt"},
    {29, Op::Ge, "ge"},
    {30, Op::Jump, "jump"},
    {31, Op::JumpIfFalse, "jump_if_false"},
    {32, Op::JumpIfTrue, "jump_if_true"},
    {33, Op::JumpIfFalseOrPop, "and"},
    {34, Op::JumpIfTrueOrPop, "or"},
    {35, Op::Call, "call"},
    {36, Op::CallMethod, "call_method"},
    {37, Op::Return, "return"},
    {38, Op::BuildArray, "array"},
    {39, Op::BuildMap, "map"},
    {40, Op::BuildRecord, "record"},
    {41, Op::GetIndex, "get_index"},
    {42, Op::SetIndex, "set_index"},
    {43, Op::GetField, "get_field"},
    {44, Op::SetField, "set_field"},
    {45, Op::ForIter, "for_iter"},
    {46, Op::TryBegin, "try"},
    {47, Op::TryEnd, "end_try"},
    {48, Op::Throw, "throw"},
    {49, Op::Halt, "halt"},
    {50, Op::AddInt, "add_int"},
    {51, Op::SubInt, "sub_int"},
    {52, Op::JumpIfNotEq, "jump_if_not_eq"},
    {53, Op::JumpIfNotNe, "jump_if_not_ne"},
    {54, Op::JumpIfNotLt, "jump_if_not_lt"},
    {55, Op::JumpIfNotLe, "jump_if_not_le"},
    {56, Op::JumpIfNotGt, "jump_if_not_gt"},
    {57, Op::JumpIfNotGe, "jump_if_not_ge"},
    {58, Op::AddL, "add_l"},
    {59, Op::AddK, "add_k"},
    {60, Op::AddLL, "add_ll"},
    {61, Op::AddLK, "add_lk"},
    {62, Op::AddLLSet, "add_ll_set"},
    {63, Op::AddLKSet, "add_lk_set"},
    {64, Op::SubL, "sub_l"},
    {65, Op::SubK, "sub_k"},
    {66, Op::SubLL, "sub_ll"},
    {67, Op::SubLK, "sub_lk"},
    {68, Op::SubLLSet, "sub_ll_set"},
    {69, Op::SubLKSet, "sub_lk_set"},
    {70, Op::MulL, "mul_l"},
    {71, Op::MulK, "mul_k"},
    {72, Op::MulLL, "mul_ll"},
    {73, Op::MulLK, "mul_lk"},
    {74, Op::MulLLSet, "mul_ll_set"},
    {75, Op::MulLKSet, "mul_lk_set"},
    {76, Op::DivL, "div_l"},
    {77, Op::DivK, "div_k"},
    {78, Op::DivLL, "div_ll"},
    {79, Op::DivLK, "div_lk"},
    {80, Op::DivLLSet, "div_ll_set"},
    {81, Op::DivLKSet, "div_lk_set"},
    {82, Op::ModL, "mod_l"},
    {83, Op::ModK, "mod_k"},
    {84, Op::ModLL, "mod_ll"},
    {85, Op::ModLK, "mod_lk"},
    {86, Op::ModLLSet, "mod_ll_set"},
    {87, Op::ModLKSet, "mod_lk_set"},
    {88, Op::JumpIfNotEqLL, "jump_if_not_eq_ll"},
    {89, Op::JumpIfNotEqLK, "jump_if_not_eq_lk"},
    {90, Op::JumpIfEq, "jump_if_eq"},
    {91, Op::JumpIfEqLL, "jump_if_eq_ll"},
    {92, Op::JumpIfEqLK, "jump_if_eq_lk"},
    {93, Op::JumpIfNotNeLL, "jump_if_not_ne_ll"},
    {94, Op::JumpIfNotNeLK, "jump_if_not_ne_lk"},
    {95, Op::JumpIfNe, "jump_if_ne"},
    {96, Op::JumpIfNeLL, "jump_if_ne_ll"},
    {97, Op::JumpIfNeLK, "jump_if_ne_lk"},
    {98, Op::JumpIfNotLtLL, "jump_if_not_lt_ll"},
    {99, Op::JumpIfNotLtLK, "jump_if_not_lt_lk"},
    {100, Op::JumpIfLt, "jump_if_lt"},
    {101, Op::JumpIfLtLL, "jump_if_lt_ll"},
    {102, Op::JumpIfLtLK, "jump_if_lt_lk"},
    {103, Op::JumpIfNotLeLL, "jump_if_not_le_ll"},
    {104, Op::JumpIfNotLeLK, "jump_if_not_le_lk"},
    {105, Op::JumpIfLe, "jump_if_le"},
    {106, Op::JumpIfLeLL, "jump_if_le_ll"},
    {107, Op::JumpIfLeLK, "jump_if_le_lk"},
    {108, Op::JumpIfNotGtLL, "jump_if_not_gt_ll"},
    {109, Op::JumpIfNotGtLK, "jump_if_not_gt_lk"},
    {110, Op::JumpIfGt, "jump_if_gt"},
    {111, Op::JumpIfGtLL, "jump_if_gt_ll"},
    {112, Op::JumpIfGtLK, "jump_if_gt_lk"},
    {113, Op::JumpIfNotGeLL, "jump_if_not_ge_ll"},
    {114, Op::JumpIfNotGeLK, "jump_if_not_ge_lk"},
    {115, Op::JumpIfGe, "jump_if_ge"},
    {116, Op::JumpIfGeLL, "jump_if_ge_ll"},
    {117, Op::JumpIfGeLK, "jump_if_ge_lk"},
    {118, Op::GetLocal2, "get_local2"},
    {119, Op::GetIndexLL, "get_index_ll"},
    {120, Op::GetFieldL, "get_field_l"},
    {121, Op::Pow, "pow"},
    {122, Op::BitAnd, "bit_and"},
    {123, Op::BitOr, "bit_or"},
    {124, Op::BitXor, "bit_xor"},
    {125, Op::ShiftLeft, "shl"},
    {126, Op::ShiftRight, "shr"},
    {127, Op::BitNot, "bit_not"},
    {128, Op::IsRecord, "is_record"},
    {129, Op::IsArray, "is_array"},
    {130, Op::IsArrayMin, "is_array_min"},
    {131, Op::HasField, "has_field"},
    {132, Op::MatchError, "match_error"},
    {133, Op::RaiseError, "raise_error"},
    {134, Op::MoveFrame, "move_frame"},
    {135, Op::SetFieldL, "set_field_l"},
    {136, Op::AddSet, "add_set"},
    {137, Op::AddLSet, "add_l_set"},
    {138, Op::AddKSet, "add_k_set"},
    {139, Op::SubSet, "sub_set"},
    {140, Op::SubLSet, "sub_l_set"},
    {141, Op::SubKSet, "sub_k_set"},
    {142, Op::MulSet, "mul_set"},
    {143, Op::MulLSet, "mul_l_set"},
    {144, Op::MulKSet, "mul_k_set"},
    {145, Op::DivSet, "div_set"},
    {146, Op::DivLSet, "div_l_set"},
    {147, Op::DivKSet, "div_k_set"},
    {148, Op::ModSet, "mod_set"},
    {149, Op::ModLSet, "mod_l_set"},
    {150, Op::ModKSet, "mod_k_set"},
    {151, Op::SetIndexLL, "set_index_ll"},
    {152, Op::AddKL, "add_kl"},
    {153, Op::SubKL, "sub_kl"},
    {154, Op::MulKL, "mul_kl"},
    {155, Op::DivKL, "div_kl"},
    {156, Op::ModKL, "mod_kl"},
    {157, Op::JumpIfNotEqK, "jump_if_not_eq_k"},
    {158, Op::JumpIfEqK, "jump_if_eq_k"},
    {159, Op::JumpIfNotNeK, "jump_if_not_ne_k"},
    {160, Op::JumpIfNeK, "jump_if_ne_k"},
    {161, Op::JumpIfNotLtK, "jump_if_not_lt_k"},
    {162, Op::JumpIfLtK, "jump_if_lt_k"},
    {163, Op::JumpIfNotLeK, "jump_if_not_le_k"},
    {164, Op::JumpIfLeK, "jump_if_le_k"},
    {165, Op::JumpIfNotGtK, "jump_if_not_gt_k"},
    {166, Op::JumpIfGtK, "jump_if_gt_k"},
    {167, Op::JumpIfNotGeK, "jump_if_not_ge_k"},
    {168, Op::JumpIfGeK, "jump_if_ge_k"},
    {169, Op::AddInto, "add_into"},
    {170, Op::SubInto, "sub_into"},
    {171, Op::MulInto, "mul_into"},
    {172, Op::DivInto, "div_into"},
    {173, Op::ModInto, "mod_into"},
};

const char* operandName(Operand operand) {
  switch (operand) {
    case Operand::None:
      return "None";
    case Operand::Const:
      return "Const";
    case Operand::Int:
      return "Int";
    case Operand::Local:
      return "Local";
    case Operand::Upval:
      return "Upval";
    case Operand::Global:
      return "Global";
    case Operand::Func:
      return "Func";
    case Operand::Type:
      return "Type";
    case Operand::Builtin:
      return "Builtin";
    case Operand::Count:
      return "Count";
    case Operand::Jump:
      return "Jump";
    case Operand::Method:
      return "Method";
    case Operand::Iter:
      return "Iter";
    case Operand::LocalPair:
      return "LocalPair";
    case Operand::LocalConst:
      return "LocalConst";
    case Operand::LocalPairJump:
      return "LocalPairJump";
    case Operand::LocalConstJump:
      return "LocalConstJump";
    case Operand::LocalPairStore:
      return "LocalPairStore";
    case Operand::LocalConstStore:
      return "LocalConstStore";
    case Operand::ConstJump:
      return "ConstJump";
  }
  return "?";
}

// The doc's spelling of a pops count.
std::string popsText(int pops) {
  switch (pops) {
    case kPopsArgs:
      return "A+1";
    case kPopsCount:
      return "A";
    case kPopsPairs:
      return "2·A";
    case kPopsFields:
      return "fields of type A";
    default:
      return std::to_string(pops);
  }
}

// The doc's spelling of the flags, in a fixed order.
std::string flagsText(uint8_t flags) {
  std::vector<std::string> parts;
  if (flags & kNoFallthrough) parts.emplace_back("no fall-through");
  if (flags & kKeepOnBranch) parts.emplace_back("keeps value on branch");
  if (flags & kPushOnFallthrough) parts.emplace_back("pushes only on fall-through");
  if (flags & kMayBranch) parts.emplace_back("may branch");
  if (flags & kVmOnly) parts.emplace_back("written by the VM only");
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

struct DocRow {
  uint32_t number;
  std::string mnemonic, operand, pops, pushes, flags;
};

// The rows of the table under "## Opcodes".
std::vector<DocRow> documentedOpcodes() {
  std::ifstream in(std::string(SHAPEVM_SOURCE_DIR) + "/docs/bytecode.md");
  REQUIRE(in);
  static const std::regex row(
      R"(^\| (\d+) \| `([a-z0-9_]+)` \| (\w+) \| ([^|]+) \| (\d+) \| ([^|]*) \| .*\|$)");
  std::vector<DocRow> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    auto trimmed = [](std::string text) {
      while (!text.empty() && text.back() == ' ') text.pop_back();
      while (!text.empty() && text.front() == ' ') text.erase(0, 1);
      return text;
    };
    rows.push_back(DocRow{static_cast<uint32_t>(std::stoul(m[1])), m[2], m[3], trimmed(m[4]), m[5],
                          trimmed(m[6])});
  }
  return rows;
}

}  // namespace

TEST_CASE("opcodes: every opcode keeps its number and mnemonic", "[opcodes]") {
  REQUIRE(std::size(kPinnedOpcodes) == kOpCount);
  for (uint32_t i = 0; i < kOpCount; ++i) {
    const PinnedOpcode& pinned = kPinnedOpcodes[i];
    INFO("row " << i << ": " << pinned.mnemonic);
    CHECK(pinned.number == i);
    CHECK(static_cast<uint32_t>(pinned.op) == pinned.number);
    CHECK(std::string(opInfo(pinned.op).mnemonic) == pinned.mnemonic);
  }
  // The pinned table is the one version 7 reads; versions 1 to 3 have its
  // first 133 rows (2 added debug information and 3 field defaults, not
  // opcodes), version 4 its first 135, version 5 its first 151 (5 also added
  // the functions' source files, debug information), version 6 its first 169.
  CHECK(kOldestSbcVersion == 1);
  CHECK(kSbcVersion == 7);
  CHECK(opcodeCountOfVersion(1) == 133);
  CHECK(opcodeCountOfVersion(3) == 133);
  CHECK(opcodeCountOfVersion(4) == 135);
  CHECK(opcodeCountOfVersion(5) == 151);
  CHECK(opcodeCountOfVersion(6) == 169);
  CHECK(opcodeCountOfVersion(7) == kOpCount);
}

TEST_CASE("opcodes: docs/bytecode.md lists every opcode exactly as opcodes.h", "[opcodes]") {
  std::vector<DocRow> rows = documentedOpcodes();
  REQUIRE(rows.size() == kOpCount);
  for (uint32_t i = 0; i < kOpCount; ++i) {
    const OpInfo& info = kOpInfo[i];
    const DocRow& doc = rows[i];
    INFO("docs/bytecode.md row for opcode " << i << " (" << info.mnemonic << ")");
    CHECK(doc.number == i);
    CHECK(doc.mnemonic == info.mnemonic);
    CHECK(doc.operand == operandName(info.operand));
    CHECK(doc.pops == popsText(info.pops));
    CHECK(doc.pushes == std::to_string(info.pushes));
    CHECK(doc.flags == flagsText(info.flags));
  }
}
