// The decoded form of a snapshot file (docs/snapshot-format.md): what the
// reader produces after checking the file's structure, and what validation,
// relocation, restore and `inspect` consume.
//
// Invariants established by the reader (snapshot_reader.cpp and its parts), so later stages
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
//
// Layout: a million-object heap must not cost a million small allocations, so
// objects are flat records. Their values, names and upvalue ids live in shared
// pools (`values`, `names`, `upvalueIds`) and each object holds a range into
// them; text (strings, names, paths) lives in `text`, an arena whose chunks
// never move, so every std::string_view below stays valid as long as the
// SnapshotData does (moving it included).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bytecode/program.h"
#include "core/huge_blocks.h"
#include "core/huge_vector.h"
#include "core/object.h"
#include "core/run_beside.h"
#include "snapshot/file_identity.h"

namespace shapevm {

// The first line of every snapshot is exactly
//   {"format": "shapevm-snapshot", "version": V, "checksum": "HHHHHHHHHHHHHHHH",
// and the checksum is XXH3-64 of every byte after that line's newline.
inline constexpr const char* kSnapshotFormatName = "shapevm-snapshot";
inline constexpr uint32_t kSnapshotVersion = 4;
// Version 1 snapshots (without the embedded program) are still read.
inline constexpr uint32_t kOldestSnapshotVersion = 1;

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

// Append-only storage for text whose views must stay valid: bytes are copied
// into chunks that are never reallocated.
class TextArena {
 public:
  std::string_view store(std::string_view bytes);
  // Takes over `other`'s text: views into it stay valid.
  void absorb(TextArena&& other);

 private:
  // Bytes from HugeBlockAllocator: a huge block once large.
  class Chunk {
   public:
    explicit Chunk(std::size_t size);
    Chunk(Chunk&& other) noexcept
        : bytes_(std::exchange(other.bytes_, nullptr)), size_(other.size_) {}
    Chunk(const Chunk&) = delete;
    Chunk& operator=(const Chunk&) = delete;
    Chunk& operator=(Chunk&&) = delete;
    ~Chunk();
    char* bytes() const { return bytes_; }

   private:
    char* bytes_;
    std::size_t size_;
  };
  std::vector<Chunk> chunks_;
  char* free_ = nullptr;  // the unused tail of the newest shared chunk; none before the first
  std::size_t left_ = 0;
};

// How a program function is identified in a snapshot. The hash is what
// relocation trusts; id and name are fallbacks for snapshots without a hash.
struct FunctionRef {
  std::string_view name;
  bool hasHash = false;
  FunctionHash hash;
  bool hasId = false;
  uint32_t id = 0;
};

// One heap object. Only the members its kind uses are filled; its values,
// names and the rest of a closure are reached through SnapshotData.
struct SObject {
  ObjKind kind = ObjKind::String;
  bool open = false;               // Upvalue: still open; File: still open
  bool builtinType = false;        // Record: the VM's own Error type
  FileMode mode = FileMode::Read;  // File
  uint32_t closure = 0;            // Closure: index into SnapshotData::closures
  // SnapshotData::values[firstValue, +valueCount): Array: items; Map: key,
  // value, key, value...; Record: field values; Upvalue (closed): the value.
  std::size_t firstValue = 0;
  std::size_t valueCount = 0;
  // SnapshotData::names[firstName, +nameCount): Record: field names; Closure:
  // capture names. Objects with the same names may share one range.
  std::size_t firstName = 0;
  std::size_t nameCount = 0;
  std::string_view text;  // String: bytes; Record: type name; File: path
  uint64_t number = 0;    // Map: entry capacity; Upvalue (open): slot; File: offset
};

// Where an open file object was opened, and what the job had seen or written
// of it (version 3: the snapshot's "host" member).
struct SOpenFile {
  uint32_t object = 0;  // the File object's id
  std::string_view absolutePath;
  FileFingerprint fingerprint;
};

// The run's place in the host's file system (version 3).
struct SHost {
  bool present = false;
  std::string_view cwd;                       // the working directory of the run
  std::string_view writtenTo;                 // where the snapshot was written (absolute)
  std::optional<FileFingerprint> stdoutFile;  // when stdout was a regular file
  std::vector<SOpenFile> files;
};

// The part of a closure object that other objects do not need.
struct SClosure {
  FunctionRef function;
  std::size_t firstUpvalue = 0;  // SnapshotData::upvalueIds[firstUpvalue, +upvalueCount)
  std::size_t upvalueCount = 0;
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
  std::string_view name;
  SValue value;
};

// Where the writer put the heap in a file's text: the objects array, from its
// '[' to just past its ']' (canonical_objects.h).
struct HeapText {
  const char* begin;
  const char* end;
};

// The index of each name in SnapshotData::functionNames, as the reader keeps
// it while reading.
using FunctionNameIds = std::unordered_map<std::string_view, uint32_t>;

// A heap whose text was left undecoded (HeapReading::Defer,
// snapshot_reader.h), for restore to decode straight into heap objects
// (straight_heap.h). Holds the file's buffer, which `text` is in.
struct DeferredHeap {
  HeapText text;
  std::shared_ptr<huge_blocks::ReleasableBuffer> buffer;
  FunctionNameIds functionNameIds;  // the names read before the heap
};

struct SnapshotData {
  std::string file;  // where it was read from, for messages
  uint32_t version = 0;
  std::string status;  // "suspended" or "checkpoint"
  std::string reason;
  FunctionHash programHash;
  std::string programPath;
  // The embedded program (.sbc bytes, not yet verified); empty in version 1.
  std::vector<uint8_t> programCode;
  uint64_t totalSteps = 0;
  std::array<uint64_t, 4> rng{};
  std::vector<std::string> args;
  std::string stdinBuffer;
  SHost host;
  HugeVector<SValue> stack;
  std::vector<SFrame> frames;
  std::vector<SHandler> handlers;
  std::vector<SGlobal> globals;
  std::vector<uint32_t> openUpvalues;  // object ids, highest slot first
  HugeVector<SObject> objects;
  std::vector<std::string_view> functionNames;  // targets of SValueKind::Function
  // Set instead of `objects` and their pools when the heap was deferred;
  // nothing in it has been checked but the file's checksum and encoding.
  std::optional<DeferredHeap> deferredHeap;
  // The sum of the maps' saved capacities (SObject::number), counted by the
  // reference checks: restore's map budget is met in any order below it.
  uint64_t mapCapacities = 0;

  // The pools objects index into (see the top of this file).
  HugeVector<SValue> values;
  HugeVector<std::string_view> names;
  HugeVector<SClosure> closures;
  HugeVector<uint32_t> upvalueIds;
  TextArena text;

  std::span<const SValue> valuesOf(const SObject& o) const {
    return {values.data() + o.firstValue, o.valueCount};
  }
  std::span<const std::string_view> namesOf(const SObject& o) const {
    return {names.data() + o.firstName, o.nameCount};
  }
  const SClosure& closureOf(const SObject& o) const { return closures[o.closure]; }
  std::span<const uint32_t> upvaluesOf(const SObject& o) const {
    const SClosure& c = closureOf(o);
    return {upvalueIds.data() + c.firstUpvalue, c.upvalueCount};
  }
};

// From this many objects on, the passes over them that can be split (the
// reference checks, the relocation plan, rebuilding the heap) run on two
// threads; below, a second thread would save less than it costs to start.
inline constexpr std::size_t kMinObjectsOnTwoThreads = std::size_t{1} << 16;

// Runs `pass(from, to, half)` over the object ids [0, count): on this thread
// alone below kMinObjectsOnTwoThreads (half 0 is all of them), else the upper
// half (half 1) on a second thread beside the lower (half 0). What each half
// finds is kept apart by the caller, by `half`, and joined in id order.
template <typename Pass>
void overObjectHalves(std::size_t count, Pass&& pass) {
  if (count < kMinObjectsOnTwoThreads) {
    pass(std::size_t{0}, count, 0);
    return;
  }
  std::size_t split = count / 2;
  runBeside([&] { pass(split, count, 1); }, [&] { pass(std::size_t{0}, split, 0); });
}

const char* objKindName(ObjKind kind);

// The program identity recorded in snapshots: bytecode/sbc.h's programHash of
// the program as loaded (with the prelude), with the source file name left
// out, since the same program is named by a relative path when run and by the
// recorded absolute path when resumed.
FunctionHash programIdentity(const Program& program);

// The .sbc encoding (bytecode/sbc.h) of a loaded program without the prelude
// VM::load appended (its first `userFunctionCount` functions): what a
// snapshot embeds so that it resumes without the program file. Loading it
// gives back a program with the same programIdentity.
std::vector<uint8_t> embeddedProgram(const Program& program, uint32_t userFunctionCount);

}  // namespace shapevm
