// The opcode table: the single source of truth for the interpreter, assembler,
// disassembler, verifier and content hashing. Adding an opcode is one row here,
// one case in interp/interpreter.cpp, and tests (plus a case in
// bytecode/instruction_flow.h's popsOf for a new kind of kPops* code).
//
// Encoding. Code is an array of 32-bit words. An instruction's first word holds
// the opcode in its low 8 bits and operand A in its high 24 bits (unsigned, or
// signed for the Int operand). Two-word formats (Method, Iter) carry operand B
// as the whole second word. Jump targets are absolute word offsets inside the
// function, so a position is "function + offset" and survives relocation.
//
// Row: OP(Name, "mnemonic", Operand, pops, pushes, flags)   // stack effect
// pops may be one of the kPops* codes below when it depends on the operand.
#pragma once

#include <cstdint>

namespace shapevm {

// What operand A (and B) mean; decides instruction size, how the verifier
// checks the operand, how the disassembler prints it and how hashing encodes it.
enum class Operand : uint8_t {
  None,       // no operand
  Const,      // A: index into the function's constant pool
  Int,        // A: signed 24-bit immediate
  Local,      // A: local slot of the current frame
  Upval,      // A: upvalue index of the current closure
  Global,     // A: index into the program's global table (hashed by name)
  Func,       // A: function index in the program (hashed by name)
  Type,       // A: record type index in the program (hashed by name and fields)
  Builtin,    // A: built-in function index (hashed by name)
  Count,      // A: element or argument count
  Jump,       // A: target word offset in this function
  Method,     // A: argument count; B: constant index of the method name (2 words)
  Iter,       // A: local slot of the iteration state; B: exit target (2 words)
  ConstJump,  // A: index into the constant pool; B: branch target (2 words)
  // Register-style superinstructions name their operands' slots directly.
  // A packs two 12-bit fields (first << 12 | second).
  LocalPair,        // A: two local slots
  LocalConst,       // A: a local slot and a constant index
  LocalPairJump,    // A: two local slots; B: branch target (2 words)
  LocalConstJump,   // A: a local slot and a constant index; B: branch target (2 words)
  LocalPairStore,   // A: two local slots; B: the local slot the result goes to (2 words)
  LocalConstStore,  // A: a local slot and a constant index; B: the result's local (2 words)
};

// Operand fields of the packed formats.
inline constexpr uint32_t kPackedFieldBits = 12;
inline constexpr uint32_t kMaxPackedField = (1u << kPackedFieldBits) - 1;
inline constexpr uint32_t packFields(uint32_t first, uint32_t second) {
  return first << kPackedFieldBits | second;
}
inline constexpr uint32_t firstField(uint32_t a) { return a >> kPackedFieldBits; }
inline constexpr uint32_t secondField(uint32_t a) { return a & kMaxPackedField; }

inline constexpr int kPopsArgs = -1;    // A + 1: callee or receiver plus A arguments
inline constexpr int kPopsCount = -2;   // A
inline constexpr int kPopsPairs = -3;   // 2 * A
inline constexpr int kPopsFields = -4;  // the field count of record type A

enum OpFlags : uint8_t {
  kFlagNone = 0,
  kNoFallthrough = 1,      // control never continues to the next instruction
  kKeepOnBranch = 2,       // when the branch is taken, the popped value stays on the stack
  kPushOnFallthrough = 4,  // pushes only when not branching (ForIter)
  // May continue somewhere other than the next instruction: a taken branch or
  // a call. With kNoFallthrough it ends a straight-line run, the unit the step
  // budget is charged in (interp/interpreter.cpp).
  kMayBranch = 8,
  // Never in a program: the VM writes it into the code it runs (the verifier
  // rejects it).
  kVmOnly = 16,
};

#define SHAPEVM_OPCODES(OP)                                                                        \
  OP(Const, "const", Const, 0, 1, kFlagNone)               /* [] -> [k]                  */        \
  OP(Int, "int", Int, 0, 1, kFlagNone)                     /* [] -> [imm]                */        \
  OP(None, "none", None, 0, 1, kFlagNone)                  /* [] -> [none]               */        \
  OP(True, "true", None, 0, 1, kFlagNone)                  /* [] -> [true]               */        \
  OP(False, "false", None, 0, 1, kFlagNone)                /* [] -> [false]              */        \
  OP(Pop, "pop", None, 1, 0, kFlagNone)                    /* [a] -> []                  */        \
  OP(Dup, "dup", None, 1, 2, kFlagNone)                    /* [a] -> [a a]               */        \
  OP(Dup2, "dup2", None, 2, 4, kFlagNone)                  /* [a b] -> [a b a b]         */        \
  OP(GetLocal, "get_local", Local, 0, 1, kFlagNone)        /* [] -> [local A]            */        \
  OP(SetLocal, "set_local", Local, 1, 0, kFlagNone)        /* [v] -> [], local A = v     */        \
  OP(GetUpval, "get_upval", Upval, 0, 1, kFlagNone)        /* [] -> [*upvalue A]         */        \
  OP(SetUpval, "set_upval", Upval, 1, 0, kFlagNone)        /* [v] -> [], *upvalue A = v  */        \
  OP(GetGlobal, "get_global", Global, 0, 1, kFlagNone)     /* [] -> [global A]           */        \
  OP(SetGlobal, "set_global", Global, 1, 0, kFlagNone)     /* [v] -> [], global A = v    */        \
  OP(GetBuiltin, "builtin", Builtin, 0, 1, kFlagNone)      /* [] -> [built-in A]         */        \
  OP(Closure, "closure", Func, 0, 1, kFlagNone)            /* [] -> [fn A + captures]    */        \
  OP(CloseUpvals, "close", Local, 0, 0, kFlagNone)         /* close upvalues of slots>=A */        \
  OP(Add, "add", None, 2, 1, kFlagNone)                    /* [a b] -> [a+b]             */        \
  OP(Sub, "sub", None, 2, 1, kFlagNone)                    /* [a b] -> [a-b]             */        \
  OP(Mul, "mul", None, 2, 1, kFlagNone)                    /* [a b] -> [a*b]             */        \
  OP(Div, "div", None, 2, 1, kFlagNone)                    /* [a b] -> [a/b]             */        \
  OP(Mod, "mod", None, 2, 1, kFlagNone)                    /* [a b] -> [a%b]             */        \
  OP(Neg, "neg", None, 1, 1, kFlagNone)                    /* [a] -> [-a]                */        \
  OP(Not, "not", None, 1, 1, kFlagNone)                    /* [a] -> [!truthy(a)]        */        \
  OP(Eq, "eq", None, 2, 1, kFlagNone)                      /* [a b] -> [a==b]            */        \
  OP(Ne, "ne", None, 2, 1, kFlagNone)                      /* [a b] -> [a!=b]            */        \
  OP(Lt, "lt", None, 2, 1, kFlagNone)                      /* [a b] -> [a<b]             */        \
  OP(Le, "le", None, 2, 1, kFlagNone)                      /* [a b] -> [a<=b]            */        \
  OP(Gt, "gt", None, 2, 1, kFlagNone)                      /* [a b] -> [a>b]             */        \
  OP(Ge, "ge", None, 2, 1, kFlagNone)                      /* [a b] -> [a>=b]            */        \
  OP(Jump, "jump", Jump, 0, 0, kNoFallthrough)             /* ip = A                     */        \
  OP(JumpIfFalse, "jump_if_false", Jump, 1, 0, kMayBranch) /* [c] -> [], if !c ip = A  */          \
  OP(JumpIfTrue, "jump_if_true", Jump, 1, 0, kMayBranch)   /* [c] -> [], if c ip = A   */          \
  OP(JumpIfFalseOrPop, "and", Jump, 1, 0,                                                          \
     kKeepOnBranch | kMayBranch)                                    /* [c] -> [c] & jump if !c  */ \
  OP(JumpIfTrueOrPop, "or", Jump, 1, 0, kKeepOnBranch | kMayBranch) /* [c] -> [c] & jump if c   */ \
  OP(Call, "call", Count, kPopsArgs, 1, kMayBranch)                 /* [f a1..aA] -> [f(a..)]   */ \
  OP(CallMethod, "call_method", Method, kPopsArgs, 1, kMayBranch)   /* [o a1..aA] -> [o.B(a..)] */ \
  OP(Return, "return", None, 1, 0, kNoFallthrough)           /* [v] -> caller gets v       */      \
  OP(BuildArray, "array", Count, kPopsCount, 1, kFlagNone)   /* [v1..vA] -> [array]   */           \
  OP(BuildMap, "map", Count, kPopsPairs, 1, kFlagNone)       /* [k1 v1..] -> [map]    */           \
  OP(BuildRecord, "record", Type, kPopsFields, 1, kFlagNone) /* [f1..fn] -> [A {..}]  */           \
  OP(GetIndex, "get_index", None, 2, 1, kFlagNone)           /* [o i] -> [o[i]]            */      \
  OP(SetIndex, "set_index", None, 3, 0, kFlagNone)           /* [o i v] -> [], o[i] = v    */      \
  OP(GetField, "get_field", Const, 1, 1, kFlagNone)          /* [o] -> [o.k]               */      \
  OP(SetField, "set_field", Const, 2, 0, kFlagNone)          /* [o v] -> [], o.k = v       */      \
  OP(ForIter, "for_iter", Iter, 0, 1,                                                              \
     kPushOnFallthrough | kMayBranch)            /* [] -> [next] or ip = B   */                    \
  OP(TryBegin, "try", Jump, 0, 0, kFlagNone)     /* push handler catching at A */                  \
  OP(TryEnd, "end_try", None, 0, 0, kFlagNone)   /* pop the innermost handler  */                  \
  OP(Throw, "throw", None, 1, 0, kNoFallthrough) /* [v] -> raise v             */                  \
  OP(Halt, "halt", None, 0, 0, kNoFallthrough)   /* stop the program (status 0)*/                  \
  /* Superinstructions: the compiler fuses common pairs, so a loop runs fewer  */                  \
  /* dispatches (see compiler/emitter.cpp, "fusion").                        */                    \
  OP(AddInt, "add_int", Int, 1, 1, kFlagNone)               /* [a] -> [a+imm]             */       \
  OP(SubInt, "sub_int", Int, 1, 1, kFlagNone)               /* [a] -> [a-imm]             */       \
  OP(JumpIfNotEq, "jump_if_not_eq", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a==b) ip = A */   \
  OP(JumpIfNotNe, "jump_if_not_ne", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a!=b) ip = A */   \
  OP(JumpIfNotLt, "jump_if_not_lt", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a<b) ip = A  */   \
  OP(JumpIfNotLe, "jump_if_not_le", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a<=b) ip = A */   \
  OP(JumpIfNotGt, "jump_if_not_gt", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a>b) ip = A  */   \
  OP(JumpIfNotGe, "jump_if_not_ge", Jump, 2, 0, kMayBranch) /* [a b] -> [], if !(a>=b) ip = A */   \
  /* Register-style superinstructions: operands read straight from locals and */                   \
  /* constants, so `a + b`, `x * 2.0` or `while i < n` is one dispatch where  */                   \
  /* the stack code takes three. L = local A, K = constant A, and for the     */                   \
  /* packed forms x/y are A's two fields (local x; local or constant y).     */                    \
  SHAPEVM_ARITHMETIC_OPERATORS(SHAPEVM_ARITHMETIC_FORMS, OP)                                       \
  SHAPEVM_COMPARISONS(SHAPEVM_COMPARE_JUMP_FORMS, OP)                                              \
  OP(GetLocal2, "get_local2", LocalPair, 0, 2, kFlagNone)    /* [] -> [local x, local y]      */   \
  OP(GetIndexLL, "get_index_ll", LocalPair, 0, 1, kFlagNone) /* [] -> [local x[local y]]   */      \
  OP(GetFieldL, "get_field_l", LocalConst, 0, 1, kFlagNone)  /* [] -> [local x.constant y] */      \
  /* Integer bit operations and powers (ints only, except pow).              */                    \
  OP(Pow, "pow", None, 2, 1, kFlagNone)        /* [a b] -> [a ** b]         */                     \
  OP(BitAnd, "bit_and", None, 2, 1, kFlagNone) /* [a b] -> [a & b]          */                     \
  OP(BitOr, "bit_or", None, 2, 1, kFlagNone)   /* [a b] -> [a | b]          */                     \
  OP(BitXor, "bit_xor", None, 2, 1, kFlagNone) /* [a b] -> [a ^ b]          */                     \
  OP(ShiftLeft, "shl", None, 2, 1, kFlagNone)  /* [a b] -> [a << b]         */                     \
  OP(ShiftRight, "shr", None, 2, 1, kFlagNone) /* [a b] -> [a >> b]         */                     \
  OP(BitNot, "bit_not", None, 1, 1, kFlagNone) /* [a] -> [~a]               */                     \
  /* Pattern tests of `match` (compiler/emitter.cpp, "match").              */                     \
  OP(IsRecord, "is_record", Type, 1, 1, kFlagNone)          /* [v] -> [v is a record of type A] */ \
  OP(IsArray, "is_array", Count, 1, 1, kFlagNone)           /* [v] -> [v is an array, length A] */ \
  OP(IsArrayMin, "is_array_min", Count, 1, 1, kFlagNone)    /* [v] -> [.. length >= A]          */ \
  OP(HasField, "has_field", Const, 1, 1, kFlagNone)         /* [v] -> [v has field/key k]       */ \
  OP(MatchError, "match_error", None, 1, 0, kNoFallthrough) /* [v] -> raise MatchError      */     \
  /* Relocation into a changed program (docs/suspend-resume.md, "Patching a  */                    \
  /* running job"): a removed function that old code still calls raises, and */                    \
  /* old code moves its frame to the new code at a statement that maps.      */                    \
  OP(RaiseError, "raise_error", Const, 0, 0, kNoFallthrough) /* raise error "Kind: message" K */   \
  OP(MoveFrame, "move_frame", Count, 0, 0, kMayBranch | kVmOnly) /* frame -> new code, move A */   \
  /* Stores into a field of a record held in a local, without pushing it.    */                    \
  OP(SetFieldL, "set_field_l", LocalConst, 1, 0,                                                   \
     kFlagNone) /* [v] -> [], local x.constant y = v */                                            \
  /* Arithmetic whose result goes straight to a local (`x = a * b + c`).    */                     \
  SHAPEVM_ARITHMETIC_OPERATORS(SHAPEVM_ARITHMETIC_STORE_FORMS, OP)                                 \
  /* Stores into an element of a container held in a local, the index in     */                    \
  /* another local (`a[i] = v`), without pushing either.                     */                    \
  OP(SetIndexLL, "set_index_ll", LocalPair, 1, 0, kFlagNone) /* [v] -> [], local x[local y] = v */ \
  /* Arithmetic with a constant on the left (`2.0 * x`).                     */                    \
  SHAPEVM_ARITHMETIC_OPERATORS(SHAPEVM_ARITHMETIC_CONSTANT_LEFT_FORMS, OP)                         \
  /* Compare-and-branch of a computed value with a constant (`x % 2 == 0`).  */                    \
  SHAPEVM_COMPARISONS(SHAPEVM_COMPARE_CONSTANT_JUMP_FORMS, OP)                                     \
  /* Arithmetic on a local and the value on the stack, stored back in the    */                    \
  /* local (`sum = sum + m.get(k)`).                                         */                    \
  SHAPEVM_ARITHMETIC_OPERATORS(SHAPEVM_ARITHMETIC_INTO_FORMS, OP)

// The superinstruction families, each member named once: the opcode table
// above, the interpreter's cases and the compiler's fusion rules all expand
// these lists (X(arg, Name, "mnemonic"[, C++ operator]), in opcode order).
#define SHAPEVM_ARITHMETIC_OPERATORS(X, arg) \
  X(arg, Add, "add") X(arg, Sub, "sub") X(arg, Mul, "mul") X(arg, Div, "div") X(arg, Mod, "mod")
#define SHAPEVM_EQUALITY_COMPARISONS(X, arg) X(arg, Eq, "eq", ==) X(arg, Ne, "ne", !=)
#define SHAPEVM_ORDER_COMPARISONS(X, arg) \
  X(arg, Lt, "lt", <) X(arg, Le, "le", <=) X(arg, Gt, "gt", >) X(arg, Ge, "ge", >=)
#define SHAPEVM_COMPARISONS(X, arg) \
  SHAPEVM_EQUALITY_COMPARISONS(X, arg) SHAPEVM_ORDER_COMPARISONS(X, arg)

// The six forms of a binary arithmetic operator `op`:
//   op_l A   [a] -> [a op L]         op_ll A  [] -> [local x op local y]
//   op_k A   [a] -> [a op K]         op_lk A  [] -> [local x op constant y]
//   op_ll_set A B  [] -> [], local B = local x op local y
//   op_lk_set A B  [] -> [], local B = local x op constant y
#define SHAPEVM_ARITHMETIC_FORMS(OP, name, mnemonic)                   \
  OP(name##L, mnemonic "_l", Local, 1, 1, kFlagNone)                   \
  OP(name##K, mnemonic "_k", Const, 1, 1, kFlagNone)                   \
  OP(name##LL, mnemonic "_ll", LocalPair, 0, 1, kFlagNone)             \
  OP(name##LK, mnemonic "_lk", LocalConst, 0, 1, kFlagNone)            \
  OP(name##LLSet, mnemonic "_ll_set", LocalPairStore, 0, 0, kFlagNone) \
  OP(name##LKSet, mnemonic "_lk_set", LocalConstStore, 0, 0, kFlagNone)

// The forms of `op` that store their result in a local instead of pushing it
// (added after the table's first rows, so they have a macro of their own):
//   op_set A       [a b] -> [], local A = a op b
//   op_l_set A     [a] -> [], local x = a op local y
//   op_k_set A     [a] -> [], local x = a op constant y
#define SHAPEVM_ARITHMETIC_STORE_FORMS(OP, name, mnemonic)      \
  OP(name##Set, mnemonic "_set", Local, 2, 0, kFlagNone)        \
  OP(name##LSet, mnemonic "_l_set", LocalPair, 1, 0, kFlagNone) \
  OP(name##KSet, mnemonic "_k_set", LocalConst, 1, 0, kFlagNone)

// The form of `op` whose left operand is a constant (added after the others):
//   op_kl A   [] -> [constant y op local x]
#define SHAPEVM_ARITHMETIC_CONSTANT_LEFT_FORMS(OP, name, mnemonic) \
  OP(name##KL, mnemonic "_kl", LocalConst, 0, 1, kFlagNone)

// The form of `op` that combines a local with the value on the stack and
// stores the result back in the local (added after the others):
//   op_into A   [b] -> [], local A = local A op b
#define SHAPEVM_ARITHMETIC_INTO_FORMS(OP, name, mnemonic) \
  OP(name##Into, mnemonic "_into", Local, 1, 0, kFlagNone)

// The register forms of a fused compare-and-branch, and its jump-when-true
// forms (the bottom test of a loop):
//   jump_if_not_op_ll A B   jump to B unless local x op local y
//   jump_if_not_op_lk A B   jump to B unless local x op constant y
//   jump_if_op A            [a b] -> [], jump to A if a op b
//   jump_if_op_ll A B       jump to B if local x op local y
//   jump_if_op_lk A B       jump to B if local x op constant y
#define SHAPEVM_COMPARE_JUMP_FORMS(OP, name, mnemonic, op)                                 \
  OP(JumpIfNot##name##LL, "jump_if_not_" mnemonic "_ll", LocalPairJump, 0, 0, kMayBranch)  \
  OP(JumpIfNot##name##LK, "jump_if_not_" mnemonic "_lk", LocalConstJump, 0, 0, kMayBranch) \
  OP(JumpIf##name, "jump_if_" mnemonic, Jump, 2, 0, kMayBranch)                            \
  OP(JumpIf##name##LL, "jump_if_" mnemonic "_ll", LocalPairJump, 0, 0, kMayBranch)         \
  OP(JumpIf##name##LK, "jump_if_" mnemonic "_lk", LocalConstJump, 0, 0, kMayBranch)

// The forms of a fused compare-and-branch whose right operand is a constant
// and left one the value on the stack (added after the others):
//   jump_if_not_op_k A B   [a] -> [], jump to B unless a op constant A
//   jump_if_op_k A B       [a] -> [], jump to B if a op constant A
#define SHAPEVM_COMPARE_CONSTANT_JUMP_FORMS(OP, name, mnemonic, op)                 \
  OP(JumpIfNot##name##K, "jump_if_not_" mnemonic "_k", ConstJump, 1, 0, kMayBranch) \
  OP(JumpIf##name##K, "jump_if_" mnemonic "_k", ConstJump, 1, 0, kMayBranch)

enum class Op : uint8_t {
#define SHAPEVM_OP_ENUM(name, mnemonic, operand, pops, pushes, flags) name,
  SHAPEVM_OPCODES(SHAPEVM_OP_ENUM)
#undef SHAPEVM_OP_ENUM
};

// A binary arithmetic operator and its superinstruction forms (see
// SHAPEVM_ARITHMETIC_FORMS).
struct ArithmeticFamily {
  Op plain, local, constant, localLocal, localConstant, localLocalSet, localConstantSet;
  Op plainSet, localSet, constantSet, constantLocal, into;
};
inline constexpr ArithmeticFamily kArithmeticFamilies[] = {
#define SHAPEVM_ARITHMETIC_FAMILY(unused, name, mnemonic)                                         \
  {Op::name,        Op::name##L,   Op::name##K,    Op::name##LL,   Op::name##LK, Op::name##LLSet, \
   Op::name##LKSet, Op::name##Set, Op::name##LSet, Op::name##KSet, Op::name##KL, Op::name##Into},
    SHAPEVM_ARITHMETIC_OPERATORS(SHAPEVM_ARITHMETIC_FAMILY, unused)
#undef SHAPEVM_ARITHMETIC_FAMILY
};

// A comparison and its compare-and-branch forms, jumping when it is false
// (`unless`) or true (`when`); see SHAPEVM_COMPARE_JUMP_FORMS.
struct ComparisonFamily {
  Op compare;
  Op unless, unlessLocalLocal, unlessLocalConstant;
  Op when, whenLocalLocal, whenLocalConstant;
  Op unlessConstant, whenConstant;
};
inline constexpr ComparisonFamily kComparisonFamilies[] = {
#define SHAPEVM_COMPARISON_FAMILY(unused, name, mnemonic, op)                                  \
  {Op::name,           Op::JumpIfNot##name,  Op::JumpIfNot##name##LL, Op::JumpIfNot##name##LK, \
   Op::JumpIf##name,   Op::JumpIf##name##LL, Op::JumpIf##name##LK,    Op::JumpIfNot##name##K,  \
   Op::JumpIf##name##K},
    SHAPEVM_COMPARISONS(SHAPEVM_COMPARISON_FAMILY, unused)
#undef SHAPEVM_COMPARISON_FAMILY
};

struct OpInfo {
  const char* mnemonic;
  Operand operand;
  int pops;
  int pushes;
  uint8_t flags;
};

inline constexpr OpInfo kOpInfo[] = {
#define SHAPEVM_OP_INFO(name, mnemonic, operand, pops, pushes, flags) \
  {mnemonic, Operand::operand, pops, pushes, flags},
    SHAPEVM_OPCODES(SHAPEVM_OP_INFO)
#undef SHAPEVM_OP_INFO
};

inline constexpr uint32_t kOpCount = sizeof(kOpInfo) / sizeof(kOpInfo[0]);

using Instr = uint32_t;

inline constexpr uint32_t kMaxOperandA = (1u << 24) - 1;

inline constexpr Op instrOp(Instr word) { return static_cast<Op>(word & 0xff); }
inline constexpr uint32_t instrA(Instr word) { return word >> 8; }
inline constexpr int32_t instrSignedA(Instr word) { return static_cast<int32_t>(word) >> 8; }
inline constexpr Instr makeInstr(Op op, uint32_t a = 0) {
  return static_cast<Instr>(op) | (a << 8);
}
// Formats whose second word B is a branch target.
inline constexpr bool hasTargetInB(Operand operand) {
  return operand == Operand::Iter || operand == Operand::LocalPairJump ||
         operand == Operand::LocalConstJump || operand == Operand::ConstJump;
}
inline constexpr bool isTwoWord(Operand operand) {
  return operand == Operand::Method || hasTargetInB(operand) ||
         operand == Operand::LocalPairStore || operand == Operand::LocalConstStore;
}
inline constexpr uint32_t instrWords(Op op) {
  return isTwoWord(kOpInfo[static_cast<uint8_t>(op)].operand) ? 2 : 1;
}
inline constexpr const OpInfo& opInfo(Op op) { return kOpInfo[static_cast<uint8_t>(op)]; }

// Whether control may leave the straight line after this instruction.
inline constexpr bool endsRun(Op op) {
  return (opInfo(op).flags & (kNoFallthrough | kMayBranch)) != 0;
}

// Every instruction with a branch target ends a run (try's target is entered
// only by a throw, which the interpreter accounts for separately).
inline constexpr bool branchesEndRuns() {
  for (uint32_t i = 0; i < kOpCount; ++i) {
    Op op = static_cast<Op>(i);
    bool hasTarget = kOpInfo[i].operand == Operand::Jump || hasTargetInB(kOpInfo[i].operand);
    if (hasTarget && op != Op::TryBegin && !endsRun(op)) return false;
  }
  return true;
}
static_assert(branchesEndRuns(), "an opcode with a branch target lacks kMayBranch");

}  // namespace shapevm
