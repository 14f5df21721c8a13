// Heap object layouts. Every object starts with an Obj header that links it into
// the heap's all-objects list (for sweeping) and carries its mark bit.
//
// Invariants:
// - Strings are immutable as the guest sees them (a shared buffer only grows
//   past the strings reading it); their hash is computed once, on first use.
// - Maps iterate in insertion order: entries live in a dense array in the order
//   they were first inserted, and the hash index only points into that array,
//   so no iteration order ever depends on an address.
// - An Upvalue is "open" while `location` points into the value stack and
//   "closed" once the frame that owns the slot is gone (`location == &closed`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace shapevm {

enum class ObjKind : uint8_t { String, Array, Map, Record, Closure, Upvalue, File };

struct Obj {
  ObjKind kind;  // first: the small-object pool marks a free block in this byte
  bool marked = false;
  Obj* next = nullptr;  // the heap's list of large objects (see Heap::allocateObject)
};

// The bytes of strings grown by repeated concatenation (string_concat.cpp):
// every string sharing a buffer is a prefix of it, the longest `used` bytes
// long, so `s + t` where s is that longest one writes only t's bytes.
struct StringBuffer {
  std::size_t capacity;  // bytes after the header
  std::size_t used;      // bytes written
  std::size_t sharers;   // strings reading from it; freed with the last one
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
};

// A string's `length` bytes follow its header, or, when `shared`, are the
// first `length` bytes of the buffer whose address follows the header. There
// is no NUL after them: read them through view() or chars() and length. Only
// a new unshared string (Heap::newStringUninit) may be written through chars().
struct String : Obj {
  std::size_t length;
  mutable uint64_t hash;
  mutable bool hashed;
  bool shared;        // the bytes are in buffer()
  bool concatenated;  // the result of `+` (string_concat.cpp tells why)
  char* chars() { return shared ? buffer()->bytes() : reinterpret_cast<char*>(this + 1); }
  const char* chars() const {
    return shared ? buffer()->bytes() : reinterpret_cast<const char*>(this + 1);
  }
  std::string_view view() const { return {chars(), length}; }
  uint64_t hashValue() const;
  StringBuffer* buffer() const { return *reinterpret_cast<StringBuffer* const*>(this + 1); }
};

struct Array : Obj {
  Value* items;
  std::size_t count;
  std::size_t capacity;
  // False only while no object was ever stored in it (never cleared once
  // set): the collector scans only arrays that may hold objects, as it does
  // maps. A new array starts true; Heap::newArrayOf, which makes `[...]`,
  // slices and sorted copies from values it can see, makes it exact, and every
  // store into an existing array sets it: push, set_index and set_index_ll,
  // Heap::arrayPush.
  bool mayHoldObjects;
};

// Whether any of `count` values is an object: the scan flag of an array
// filled with them.
inline bool anyObject(const Value* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (values[i].isObject()) return true;
  }
  return false;
}

// Open-addressing index over a dense, insertion-ordered entry array. A deleted
// entry keeps its place with an Empty key until the next rebuild, so iteration
// by position stays valid while a loop deletes the key it is looking at.
//
// Int-keyed maps built as 0, 1, 2, ... (tables, rows, results by index) keep no
// index at all while entry k holds the int key k and nothing was deleted: a
// lookup is a bounds check, an insert an append. This is Lua's array part
// without a second structure, and insertion order comes for free. The first
// other key, or a deletion, builds the index (docs/design.md, "Dense maps and
// inline method fast paths"). A dense map does not store its keys either: its storage
// is the values alone, half the memory of key-value entries.
struct MapEntry {
  Value key;
  Value value;
};

// The fewest entries a map's storage holds once it holds any: small maps are
// common (a JSON-like object per item, `{id: 1, name: "x"}`), and a
// two-entry map's storage is then 64 bytes of entries and a 4-slot index.
inline constexpr std::size_t kMinMapCapacity = 2;
// The most entries a map's storage holds (index positions are int32_t): so
// the counts below fit in 32 bits, and a map object fits a 64-byte block.
inline constexpr std::size_t kMaxMapCapacity = std::size_t{1} << 30;

struct Map : Obj {
  union {
    MapEntry* entries;  // indexed maps
    Value* values;      // dense maps: the value of key k at k
  };
  int32_t* index;          // -1 = free slot; otherwise an entry position
  uint32_t entryCount;     // used entries, including deleted ones
  uint32_t entryCapacity;  // allocated entries
  uint32_t liveCount;      // entries with a live key
  uint32_t indexCapacity;  // power of two, or 0
  bool dense;              // entry k holds the int key k, none deleted; no index
  // Set when an object is stored as a key or value (and never cleared): the
  // collector scans only such maps, so a map of numbers, a million entries
  // or more, is not read again at every collection while it grows.
  bool mayHoldObjects;
};

static_assert(sizeof(Map) <= 64, "a map object fits a 64-byte pool block");

// Entry i (below entryCount) of either form of map. The key is Empty for a
// deleted entry.
inline Value mapKeyAt(const Map* m, std::size_t i) {
  return m->dense ? Value::integer(static_cast<int64_t>(i)) : m->entries[i].key;
}
inline Value mapValueAt(const Map* m, std::size_t i) {
  return m->dense ? m->values[i] : m->entries[i].value;
}

// The commonest operations on a dense map, inline for the interpreter's
// method fast paths: false, doing nothing, when the key is not a plain int
// or the operation needs more than an in-place read or write (Heap::mapGet
// and Heap::mapSet do the rest).
inline bool mapGetDense(const Map* m, Value key, Value* out) {
  if (!m->dense || !key.isInt() || static_cast<uint64_t>(key.as.i) >= m->entryCount) return false;
  *out = m->values[key.as.i];
  return true;
}
// Replaces the value of an int key, or appends key entryCount while there is
// room. Inlined always (out of line, its two values went through memory),
// and it copies the value word by word: the interpreter has just written it
// with 8-byte stores, which one 16-byte load could not take forwarded.
[[gnu::always_inline]] inline bool mapSetDense(Map* m, const Value& key, const Value& value) {
  if (!m->dense || !key.isInt()) return false;
  auto k = static_cast<uint64_t>(key.as.i);
  if (k > m->entryCount || (k == m->entryCount && m->entryCount == m->entryCapacity)) return false;
  if (k == m->entryCount) {
    ++m->entryCount;
    ++m->liveCount;
  }
  if (value.isObject()) m->mayHoldObjects = true;
  m->values[k].as.i = value.as.i;
  m->values[k].type = value.type;
  return true;
}

// A record type: its name and field names. Types declared by a program live in
// the loaded program; the VM owns the built-in Error type.
struct RecordType {
  std::string name;
  std::vector<std::string> fields;
  std::vector<const String*> fieldNames;  // interned, filled when a program is loaded
  int fieldIndex(const String* name) const;
  // An enum variant (`E::V`, or the prelude's Some/Ok/Err whose one field is
  // "0"): printed as `E::V(a, b)` and compared by value.
  bool isVariant() const {
    return name.find("::") != std::string::npos || (!fields.empty() && fields[0] == "0");
  }
};

struct Record : Obj {
  const RecordType* type;
  Value* fields() { return reinterpret_cast<Value*>(this + 1); }
  const Value* fields() const { return reinterpret_cast<const Value*>(this + 1); }
};

struct Upvalue : Obj {
  Value* location;
  Value closed;
  Upvalue* nextOpen;  // open upvalues, sorted by stack slot, highest first
};

struct Closure : Obj {
  uint32_t function;  // index of the function in the loaded program
  uint32_t upvalueCount;
  Upvalue** upvalues() { return reinterpret_cast<Upvalue**>(this + 1); }
  Upvalue* const* upvalues() const { return reinterpret_cast<Upvalue* const*>(this + 1); }
};

enum class FileMode : uint8_t { Read, Write, Append };

struct File : Obj {
  std::FILE* handle;          // nullptr once closed
  std::string* path;          // as the program gave it; owned, freed with the object
  std::string* absolutePath;  // where it was opened, for snapshots; owned
  FileMode mode;
};

// Loops that read the object behind each element of a large array (marking,
// join) take a cache miss per element, the objects being scattered over the
// heap. Fetching the object kPrefetchAhead elements ahead overlaps those
// misses instead of taking them one at a time (docs/design.md, "A collector
// that touches less cold memory").
inline constexpr std::size_t kPrefetchAhead = 32;
inline void prefetchAhead(const Value* items, std::size_t i, std::size_t count) {
  if (i + kPrefetchAhead < count && items[i + kPrefetchAhead].isObject()) {
    __builtin_prefetch(items[i + kPrefetchAhead].as.obj);
  }
}

inline bool isObjKind(Value v, ObjKind kind) { return v.isObject() && v.as.obj->kind == kind; }
inline String* asString(Value v) { return static_cast<String*>(v.as.obj); }
inline Array* asArray(Value v) { return static_cast<Array*>(v.as.obj); }
inline Map* asMap(Value v) { return static_cast<Map*>(v.as.obj); }
inline Record* asRecord(Value v) { return static_cast<Record*>(v.as.obj); }
inline Closure* asClosure(Value v) { return static_cast<Closure*>(v.as.obj); }
inline File* asFile(Value v) { return static_cast<File*>(v.as.obj); }

// XXH3 keyed with a per-process seed (map.cpp): equal only within a process,
// so never stored or compared across runs.
uint64_t hashBytes(std::string_view bytes);

}  // namespace shapevm
