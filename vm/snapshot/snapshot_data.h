// The decoded form of a snapshot file (docs/snapshot-format.md): what the
// reader produces after checking the file's structure, and what validation,
// relocation, restore and `inspect` consume.
//
// Invariants established by the reader (snapshot_reader.cpp), so later stages
// may rely on them without re-checking:
// - every SValue of kind Ref indexes `objects`; every closure upvalue, frame
//   closure and open-upvalue entry names an object of the right kind;
// - map keys are hashable (none, bool, int, float, or a ref to a string) and
//   holes are SValueKind::Hole;
// - counts are within the VM's limits (core/config.h): frames, stack slots,
//   handlers; every handler names an existing frame; open upvalues point below
//   the stack top, are listed exactly once in `openUpvalues`, with distinct slots.
// Nothing here has been checked against a program yet (relocation.cpp and
// restore.cpp do that).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bytecode/program.h"
#include "core/object.h"

namespace shapevm {

// The first line of every snapshot is exactly
//   {"format": "shapevm-snapshot", "version": V, "checksum": "HHHHHHHHHHHHHHHH",
// and the checksum is XXH3-64 of every byte after that line's newline.
inline constexpr const char* kSnapshotFormatName = "shapevm-snapshot";
inline constexpr uint32_t kSnapshotVersion = 1;

enum class SValueKind : uint8_t { None, Bool, Int, Float, Function, Native, Ref, Hole };

// A value as written in the file. Function values name their function (an
// index into SnapshotData::functionNames); natives are resolved to their
// built-in index; Ref is an index into SnapshotData::objects.
struct SValue {
  SValueKind kind = SValueKind::None;
  union {
    bool b;
    int64_t i;
    double f;
    uint32_t index;
  } as{.i = 0};
};

// How a program function is identified in a snapshot. The hash is what
// relocation trusts; id and name are fallbacks for snapshots without a hash.
struct FunctionRef {
  std::string name;
  bool hasHash = false;
  FunctionHash hash;
  bool hasId = false;
  uint32_t id = 0;
};

// One heap object. Only the members its kind uses are filled.
struct SObject {
  ObjKind kind = ObjKind::String;
  std::string text;                // String: bytes; Record: type name; File: path
  std::vector<SValue> values;      // Array: items; Map: key, value, key, value...;
                                   // Record: field values; Upvalue (closed): the value
  std::vector<std::string> names;  // Record: field names; Closure: capture names
  std::vector<uint32_t> upvalues;  // Closure: upvalue object ids
  FunctionRef function;            // Closure
  uint64_t number = 0;             // Map: entry capacity; Upvalue (open): slot; File: offset
  bool open = false;               // Upvalue: still open; File: still open
  bool builtinType = false;        // Record: the VM's own Error type
  FileMode mode = FileMode::Read;  // File
};

struct SFrame {
  FunctionRef function;
  uint32_t ip = 0;       // word offset of the frame's next instruction in its function
  uint32_t base = 0;     // stack index of local slot 0
  int64_t closure = -1;  // object id of the running closure, or -1
  uint32_t line = 0;     // source line at the time of the snapshot (for messages)
};

struct SHandler {
  uint32_t frame = 0;      // index into frames
  uint32_t stackSize = 0;  // stack slots in use when the try began
  uint32_t catchOffset = 0;
  bool hasHash = false;  // the catch block's function, as a cross-check of the frame's
  FunctionHash hash;
};

struct SGlobal {
  std::string name;
  SValue value;
};

struct SnapshotData {
  std::string file;  // where it was read from, for messages
  uint32_t version = 0;
  std::string status;  // "suspended" or "checkpoint"
  std::string reason;
  FunctionHash programHash;
  std::string programPath;
  uint64_t totalSteps = 0;
  std::array<uint64_t, 4> rng{};
  std::vector<std::string> args;
  std::string stdinBuffer;
  std::vector<SValue> stack;
  std::vector<SFrame> frames;
  std::vector<SHandler> handlers;
  std::vector<SGlobal> globals;
  std::vector<uint32_t> openUpvalues;  // object ids, highest slot first
  std::vector<SObject> objects;
  std::vector<std::string> functionNames;  // targets of SValueKind::Function
};

const char* objKindName(ObjKind kind);

// The program identity recorded in snapshots: bytecode/sbc.h's programHash of
// the program as loaded (with the prelude), with the source file name left
// out, since the same program is named by a relative path when run and by the
// recorded absolute path when resumed.
FunctionHash programIdentity(const Program& program);

}  // namespace shapevm
