// Content hashing of functions (see function_hash.h and docs/bytecode.md,
// "Content hashes").
//
// The hash is XXH3-128 over a canonical byte string built here. Invariants:
// - Every field is length-prefixed or fixed-width little-endian, so two
//   different functions can never encode to the same bytes.
// - References to other program entities (functions, globals, record types,
//   built-ins) are encoded by name, never by index, so the hash does not
//   depend on where anything else sits in the program.
// - The line table, maxStack and the function's own index are not encoded.
// - The instruction walk is driven by the opcode table; an operand that is out
//   of range (unverified input) is encoded as a marker rather than read out of
//   bounds, so hashing never crashes.
#include "bytecode/function_hash.h"

#include <xxhash.h>

#include <bit>
#include <string_view>

#include "bytecode/builtin_names.h"

namespace shapevm {

namespace {

// Bumped whenever the encoding below changes, so old and new hashes never collide.
constexpr std::string_view kEncodingTag = "shapevm-function-hash-v1";

// Marks a reference whose index does not name anything (only in unverified input).
constexpr uint8_t kDanglingReference = 0xff;
constexpr uint8_t kNamedReference = 0x01;

class Encoder {
 public:
  void u8(uint8_t value) { bytes_.push_back(value); }
  void u32(uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8)
      bytes_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void u64(uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8)
      bytes_.push_back(static_cast<uint8_t>(value >> shift));
  }
  void text(std::string_view value) {
    u64(value.size());
    bytes_.insert(bytes_.end(), value.begin(), value.end());
  }
  // A name standing for an index into some table of the program.
  void reference(const std::string* name) {
    if (name == nullptr) {
      u8(kDanglingReference);
      return;
    }
    u8(kNamedReference);
    text(*name);
  }
  FunctionHash digest() const {
    XXH128_hash_t hash = XXH3_128bits(bytes_.data(), bytes_.size());
    return FunctionHash{hash.high64, hash.low64};
  }

 private:
  std::vector<uint8_t> bytes_;
};

template <typename T>
const T* entryAt(const std::vector<T>& table, uint32_t index) {
  return index < table.size() ? &table[index] : nullptr;
}

void encodeConstant(Encoder& out, const Constant& constant) {
  out.u8(static_cast<uint8_t>(constant.kind));
  switch (constant.kind) {
    case ConstantKind::Int:
      out.u64(static_cast<uint64_t>(constant.intValue));
      break;
    case ConstantKind::Float:  // by bit pattern: -0.0 and each NaN payload are distinct
      out.u64(std::bit_cast<uint64_t>(constant.floatValue));
      break;
    case ConstantKind::String:
      out.text(constant.stringValue);
      break;
  }
}

// Operand A (and B for two-word formats) of the instruction at `offset`;
// returns the number of words the instruction occupies.
uint32_t encodeInstruction(Encoder& out, const Program& program, const Function& function,
                           std::size_t offset) {
  Instr word = function.code[offset];
  uint8_t opcode = static_cast<uint8_t>(word & 0xff);
  out.u8(opcode);
  if (opcode >= kOpCount) {  // unverified input: keep the raw word
    out.u32(word);
    return 1;
  }
  uint32_t a = instrA(word);
  Operand operand = kOpInfo[opcode].operand;
  switch (operand) {
    case Operand::None:  // the verifier requires 0; encoded so nothing is ignored
    case Operand::Const:
    case Operand::Int:
    case Operand::Local:
    case Operand::Upval:
    case Operand::Count:
    case Operand::Jump:
      out.u32(a);
      break;
    case Operand::Global: {
      const GlobalDecl* global = entryAt(program.globals, a);
      out.reference(global ? &global->name : nullptr);
      break;
    }
    case Operand::Func: {
      const Function* callee = entryAt(program.functions, a);
      out.reference(callee ? &callee->name : nullptr);
      break;
    }
    case Operand::Type: {
      const TypeDecl* type = entryAt(program.types, a);
      out.reference(type ? &type->name : nullptr);
      if (type != nullptr) {
        out.u64(type->fields.size());
        for (const std::string& field : type->fields) out.text(field);
      }
      break;
    }
    case Operand::Builtin:
      if (a < kBuiltinCount) {
        out.u8(kNamedReference);
        out.text(kBuiltinInfo[a].name);
      } else {
        out.u8(kDanglingReference);
      }
      break;
    case Operand::LocalPair:
    case Operand::LocalConst:
      out.u32(a);
      break;
    case Operand::Method:
    case Operand::Iter:
    case Operand::LocalPairJump:
    case Operand::LocalConstJump:
    case Operand::ConstJump:
    case Operand::LocalPairStore:
    case Operand::LocalConstStore:
      out.u32(a);
      if (offset + 1 >= function.code.size()) {  // truncated (unverified input)
        out.u8(kDanglingReference);
        return 1;
      }
      out.u32(function.code[offset + 1]);
      return 2;
  }
  return 1;
}

}  // namespace

FunctionHash hashFunction(const Program& program, const Function& function) {
  Encoder out;
  out.text(kEncodingTag);
  out.text(function.name);
  out.u32(function.arity);
  out.u32(function.numLocals);
  out.u64(function.captures.size());
  for (const Capture& capture : function.captures) {
    out.u8(capture.fromLocal ? 1 : 0);
    out.u32(capture.index);
    out.text(capture.name);
  }
  out.u64(function.constants.size());
  for (const Constant& constant : function.constants) encodeConstant(out, constant);
  out.u64(function.code.size());
  for (std::size_t offset = 0; offset < function.code.size();) {
    offset += encodeInstruction(out, program, function, offset);
  }
  return out.digest();
}

void computeHashes(Program& program) {
  for (Function& function : program.functions) function.hash = hashFunction(program, function);
}

}  // namespace shapevm
