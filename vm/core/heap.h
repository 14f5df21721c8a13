// The garbage-collected heap: allocation, the containers' growth operations,
// and a tracing mark-sweep collector. Heap owns the memory and its
// accounting, and each concern is a file of its own, as in Lua (lmem, lstring,
// ltable, lgc): heap.cpp allocates and builds objects, strings.cpp makes
// strings and interns names (string_table.h), string_concat.cpp grows
// strings by `+`, map.cpp hashes keys (map.h) and runs the maps, and
// collector.cpp marks, sweeps and frees.
//
// Invariants:
// - A collection may run at any allocation (every new* function and every
//   container growth) unless a CollectionPause is in force. Callers must keep
//   each value they still need reachable from a root — in practice, on the
//   VM's value stack — across such calls.
// - Marking uses an explicit gray stack, never recursion, so arbitrarily deep
//   or cyclic structures cannot overflow the C++ stack.
// - Live bytes never exceed maxMemory: past it, after a full collection,
//   allocation throws OutOfMemory, which the interpreter turns into the guest's
//   MemoryError.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/huge_blocks.h"
#include "core/object.h"
#include "core/small_pool.h"
#include "core/string_table.h"

namespace shapevm {

struct OutOfMemory : std::bad_alloc {
  const char* what() const noexcept override { return "guest heap limit exceeded"; }
};

struct HeapStats {
  std::size_t objects = 0;
  std::size_t bytes = 0;
  std::size_t collections = 0;
};

class Heap {
 public:
  explicit Heap(std::size_t maxMemory = kDefaultMaxMemory);
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Called at the start of every collection to mark the roots.
  void setRootMarker(std::function<void(Heap&)> marker) { rootMarker_ = std::move(marker); }

  String* newString(std::string_view bytes);
  // Allocates a string of `length` bytes for the caller to fill.
  String* newStringUninit(std::size_t length);
  // left + right (`+`); amortised O(right->length) when left is a string
  // being grown by `+` (string_concat.cpp).
  String* concat(const String* left, const String* right);
  // Interned strings are never collected; they hold the program's names.
  String* intern(std::string_view bytes) { return interned_.intern(bytes); }
  Array* newArray(std::size_t capacity = 0);
  // An array holding a copy of `values[0, count)`, which must stay reachable
  // elsewhere while it allocates; scanned only if one of them is an object.
  Array* newArrayOf(const Value* values, std::size_t count);
  Map* newMap(std::size_t capacity = 0);
  // An empty map whose storage already has `entryCapacity` entries (0, or a
  // power of two from kMinMapCapacity) in the dense or the indexed form: the map that
  // inserting its keys in order would have grown, without the growing. A
  // restored snapshot's maps are built this way.
  Map* newMapOfShape(std::size_t entryCapacity, bool dense);
  // The entry capacity a map is given for `entries` entries: 0, or the
  // smallest power of two from kMinMapCapacity that holds them.
  static std::size_t mapCapacityFor(std::size_t entries);
  Record* newRecord(const RecordType* type);  // fields start as none
  Closure* newClosure(uint32_t function, uint32_t upvalueCount);
  Upvalue* newUpvalue(Value* slot);
  File* newFile(std::FILE* handle, std::string path, std::string absolutePath, FileMode mode);

  void arrayPush(Array* array, Value value);
  // Makes room for one more element. Call it before allocating a value that
  // will be stored with `items[count++] = v`, so the value is never unrooted
  // while the array grows.
  void arrayMakeRoom(Array* array);
  void arrayReserve(Array* array, std::size_t capacity);

  // Map operations. Keys are compared with keysEqual (ints and floats by
  // numeric value, strings by content, other objects by identity).
  bool mapGet(const Map* map, Value key, Value* out) const;
  void mapSet(Map* map, Value key, Value value);
  bool mapDelete(Map* map, Value key);
  // Adds an entry after the last one without looking for the key: the caller
  // knows it is absent. An Empty key adds a deleted entry (snapshot restore).
  void mapAppend(Map* map, Value key, Value value);

  // Marks reachable objects. Strings and files hold no references, so they
  // are marked where they are found and never pass through the gray stack,
  // and most objects in a typical heap are strings (docs/design.md, "A
  // collector that touches less cold memory").
  void markValue(Value value) {
    if (value.isObject()) markObject(value.as.obj);
  }
  void markObject(Obj* object) {
    if (object == nullptr || object->marked) return;
    object->marked = true;
    if (object->kind != ObjKind::String && object->kind != ObjKind::File) gray_.push_back(object);
  }
  void collect();
  // Throws OutOfMemory when `bytes` more would pass the limit (after a
  // collection, if one is due), without allocating them: for memory a native
  // holds outside the heap while it builds a result, which counts too.
  void checkRoom(std::size_t bytes) { reserve(bytes); }

  // While a CollectionPause lives, allocation never collects: for building a
  // heap that is all reachable anyway (restoring a snapshot), where every
  // collection would mark everything and free nothing, and whose objects need
  // no rooting meanwhile. The memory limit still holds: past maxMemory,
  // allocation throws OutOfMemory (without collecting first). When the last
  // pause ends, the next collection is due once the heap has doubled from
  // what it holds then, as after a collection. Without the pause a large
  // restore collected several times, each collection marking all it had
  // rebuilt so far (docs/design.md, "What each snapshot optimisation bought").
  class CollectionPause {
   public:
    // A paused heap is being built in bulk, so its blocks too large for the
    // pools but too small for huge blocks take huge pages (rawAllocate).
    explicit CollectionPause(Heap& heap) : heap_(heap) { ++heap_.pauses_; }
    ~CollectionPause() {
      if (--heap_.pauses_ == 0) heap_.scheduleCollection();
    }
    CollectionPause(const CollectionPause&) = delete;
    CollectionPause& operator=(const CollectionPause&) = delete;

   private:
    Heap& heap_;
  };

  // For a process about to exit: closes the files the guest left open (so
  // what it wrote reaches them) and lets go of every object without freeing
  // it, leaving the memory to the operating system: freeing a large heap
  // object by object is a walk over all of it just before exit (measured in
  // docs/design.md, "What each snapshot optimisation bought"). In builds checked
  // for leaks (kFreeHeapAtExit) the objects are freed. Either way the heap is
  // empty afterwards.
  void abandonAtExit();

  // Takes over every object and block of `other`, which is left empty:
  // objects built in a heap of their own on another thread join this one
  // (restore.cpp). Throws OutOfMemory, the objects already adopted, if the
  // two together exceed this heap's limit.
  void adopt(Heap& other);
  // For a heap about to receive many objects at once (a large snapshot's):
  // its pools take their memory in huge-page regions from the start.
  void preferHugePages() {
    objectPool_.preferRegions();
    bufferPool_.preferRegions();
  }

  std::size_t bytesAllocated() const { return bytesAllocated_; }
  std::size_t maxMemory() const { return maxMemory_; }
  HeapStats stats() const;
  // Visits every object (for snapshots and statistics).
  template <typename F>
  void forEachObject(F&& visit) const {
    objectPool_.forEachLiveBlock([&](void* block) { visit(static_cast<Obj*>(block)); });
    for (Obj* o = largeObjects_; o != nullptr; o = o->next) visit(o);
  }

 private:
  void* allocate(std::size_t bytes);
  void* reallocate(void* old, std::size_t oldBytes, std::size_t newBytes);
  // Releasing is inline: the sweep (collector.cpp) frees objects by the
  // million.
  void release(void* memory, std::size_t bytes) {
    rawRelease(bufferPool_, memory, bytes);
    bytesAllocated_ -= bytes;
  }
  // Collects if this allocation crosses the threshold; throws OutOfMemory
  // past the limit. Does not allocate.
  void reserve(std::size_t bytes);
  enum class BlockHome { Pool, Malloc, Huge };
  static BlockHome blockHome(std::size_t bytes) {
    if (bytes <= SmallPool::kMaxBytes) return BlockHome::Pool;
    return bytes < huge_blocks::kMinBytes ? BlockHome::Malloc : BlockHome::Huge;
  }
  void* rawAllocate(SmallPool& pool, std::size_t bytes);
  static void rawRelease(SmallPool& pool, void* memory, std::size_t bytes) {
    if (memory == nullptr) return;
    switch (blockHome(bytes)) {
      case BlockHome::Pool:
        pool.release(memory, bytes);
        break;
      case BlockHome::Malloc:
        std::free(memory);
        break;
      case BlockHome::Huge:
        huge_blocks::release(memory, bytes);
        break;
    }
  }
  void* allocateObject(std::size_t bytes);
  void releaseObject(Obj* object, std::size_t bytes) {
    rawRelease(objectPool_, object, bytes);
    bytesAllocated_ -= bytes;
  }
  template <typename T>
  T* newObject(ObjKind kind, std::size_t extraBytes) {
    auto* object = static_cast<T*>(allocateObject(sizeof(T) + extraBytes));
    object->kind = kind;
    object->marked = false;
    return object;
  }
  void freeObject(Obj* object);
  String* newStringHeader(std::size_t length, std::size_t extraBytes);
  // Strings sharing a growable buffer (string_concat.cpp). Below
  // kMinSharedStringLength, `+` makes ordinary strings: copying them costs
  // less than a buffer's header and allocation would.
  static constexpr std::size_t kMinSharedStringLength = 64;
  String* concatShared(const String* left, const String* right);
  StringBuffer* newStringBuffer(std::size_t length);
  String* newSharedString(StringBuffer* buffer, std::size_t length);
  void dropSharer(StringBuffer* buffer);
  void freeObjects();
  void blacken(Obj* object);
  void sweep();
  void scheduleCollection();
  void mapRebuildIndex(Map* map, std::size_t indexCapacity);
  void mapLeaveDense(Map* map);
  static std::size_t mapStorageBytes(const Map* map) {
    return map->entryCapacity * (map->dense ? sizeof(Value) : sizeof(MapEntry));
  }
  // An indexed map's index slots for `entryCapacity` entries: twice as many,
  // a power of two.
  static std::size_t mapIndexCapacityFor(std::size_t entryCapacity);
  int64_t mapFind(const Map* map, Value key, uint64_t hash) const;

  // Declared first, so destroyed last, after ~Heap has freed every object.
  SmallPool objectPool_;
  SmallPool bufferPool_;
  Obj* largeObjects_ = nullptr;  // objects above SmallPool::kMaxBytes
  std::size_t bytesAllocated_ = 0;
  std::size_t nextCollection_ = kFirstCollectionAt;
  std::size_t maxMemory_;
  std::size_t collections_ = 0;
  bool collecting_ = false;
  int pauses_ = 0;               // live CollectionPause scopes
  std::size_t fileObjects_ = 0;  // live File objects
  std::vector<Obj*> gray_;
  StringTable interned_;
  std::function<void(Heap&)> rootMarker_;
};

}  // namespace shapevm
