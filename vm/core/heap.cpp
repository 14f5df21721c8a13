// The heap's memory (see heap.h): accounting against the limit, the pools
// and malloc behind every allocation, the objects' constructors and the
// arrays' growth. Strings are strings.cpp's and string_concat.cpp's, maps
// map.cpp's, collection collector.cpp's.
#include "core/heap.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/huge_blocks.h"
#include "core/huge_pages.h"

namespace shapevm {

int RecordType::fieldIndex(const String* name) const {
  for (std::size_t i = 0; i < fieldNames.size(); ++i) {
    if (fieldNames[i] == name) return static_cast<int>(i);
  }
  // Names not interned by the loader (built at run time) compare by content.
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i] == name->view()) return static_cast<int>(i);
  }
  return -1;
}

Heap::Heap(std::size_t maxMemory) : maxMemory_(maxMemory) {}

Heap::~Heap() { freeObjects(); }

void* Heap::allocate(std::size_t bytes) { return reallocate(nullptr, 0, bytes); }

void Heap::reserve(std::size_t bytes) {
  if (!collecting_ && pauses_ == 0 && (kGcStress || bytesAllocated_ + bytes > nextCollection_)) {
    collect();
  }
  if (bytesAllocated_ + bytes > maxMemory_ || bytes > maxMemory_) throw OutOfMemory();
}

void* Heap::reallocate(void* old, std::size_t oldBytes, std::size_t newBytes) {
  if (newBytes > oldBytes) reserve(newBytes - oldBytes);
  void* memory;
  BlockHome home = blockHome(newBytes);
  if (home != BlockHome::Pool && blockHome(oldBytes) == home) {
    memory = home == BlockHome::Huge ? huge_blocks::reallocate(old, oldBytes, newBytes)
                                     : std::realloc(old, newBytes);
    if (memory == nullptr) throw OutOfMemory();
  } else {
    // From one home to another (pool, malloc, huge blocks): copy the bytes.
    memory = rawAllocate(bufferPool_, newBytes);
    if (memory == nullptr && newBytes != 0) throw OutOfMemory();
    if (old != nullptr) {
      std::memcpy(memory, old, std::min(oldBytes, newBytes));
      rawRelease(bufferPool_, old, oldBytes);
    }
  }
  bytesAllocated_ = bytesAllocated_ - oldBytes + newBytes;
  return memory;
}

// Blocks up to SmallPool::kMaxBytes come from a pool (small_pool.h says
// why): objects from objectPool_, their storage (array items, map entries)
// from bufferPool_; the largest are huge blocks (huge_blocks.h says why);
// the others come from malloc. Every caller passes the size it allocated: the
// accounting needs it, and it says where the block lives.
void* Heap::rawAllocate(SmallPool& pool, std::size_t bytes) {
  if (bytes == 0) return nullptr;
  switch (blockHome(bytes)) {
    case BlockHome::Pool:
      return pool.allocate(bytes);
    case BlockHome::Huge:
      return huge_blocks::allocate(bytes);
    case BlockHome::Malloc:
      break;
  }
  void* memory = std::malloc(bytes);
  // While the heap is built in bulk (a CollectionPause), a large block is
  // filled at once, so it takes huge pages: the items of a restored array of
  // a million values were 4000 page faults on 4 KiB pages.
  if (memory != nullptr && pauses_ > 0) shapevm::adviseHugePages(memory, bytes);
  return memory;
}

// Small objects live in objectPool_, where the sweep finds them by scanning;
// larger ones (long strings, records with many fields) are linked on
// largeObjects_.
void* Heap::allocateObject(std::size_t bytes) {
  reserve(bytes);
  void* memory = rawAllocate(objectPool_, bytes);
  if (memory == nullptr) throw OutOfMemory();
  bytesAllocated_ += bytes;
  auto* object = static_cast<Obj*>(memory);
  object->next = nullptr;
  if (bytes > SmallPool::kMaxBytes) {
    object->next = largeObjects_;
    largeObjects_ = object;
  }
  return memory;
}

void Heap::adopt(Heap& other) {
  objectPool_.adopt(other.objectPool_);
  bufferPool_.adopt(other.bufferPool_);
  if (other.largeObjects_ != nullptr) {
    Obj* last = other.largeObjects_;
    while (last->next != nullptr) last = last->next;
    last->next = largeObjects_;
    largeObjects_ = other.largeObjects_;
    other.largeObjects_ = nullptr;
  }
  bytesAllocated_ += other.bytesAllocated_;
  other.bytesAllocated_ = 0;
  fileObjects_ += other.fileObjects_;
  other.fileObjects_ = 0;
  if (bytesAllocated_ > maxMemory_) throw OutOfMemory();
}

// newArray and newMap allocate an object's storage before the object itself:
// any allocation may collect, and a new object is reachable from no root until
// its caller stores it, so it must be the last allocation of its constructor.
Array* Heap::newArray(std::size_t capacity) {
  if (capacity > maxMemory_ / sizeof(Value)) throw OutOfMemory();
  std::size_t bytes = capacity * sizeof(Value);
  auto* items = static_cast<Value*>(capacity > 0 ? allocate(bytes) : nullptr);
  Array* a;
  try {
    a = newObject<Array>(ObjKind::Array, 0);
  } catch (...) {
    release(items, bytes);
    throw;
  }
  a->items = items;
  a->count = 0;
  a->capacity = capacity;
  a->mayHoldObjects = true;
  return a;
}

Array* Heap::newArrayOf(const Value* values, std::size_t count) {
  Array* array = newArray(count);
  if (count > 0) std::memcpy(array->items, values, count * sizeof(Value));
  array->count = count;
  array->mayHoldObjects = anyObject(values, count);
  return array;
}

void Heap::arrayReserve(Array* array, std::size_t capacity) {
  if (capacity <= array->capacity) return;
  if (capacity > maxMemory_ / sizeof(Value)) throw OutOfMemory();
  array->items = static_cast<Value*>(
      reallocate(array->items, array->capacity * sizeof(Value), capacity * sizeof(Value)));
  array->capacity = capacity;
}

void Heap::arrayMakeRoom(Array* array) {
  if (array->count == array->capacity) {
    arrayReserve(array, array->capacity < 8 ? 8 : array->capacity * 2);
  }
}

void Heap::arrayPush(Array* array, Value value) {
  if (value.isObject()) array->mayHoldObjects = true;  // before growing, which may collect
  arrayMakeRoom(array);
  array->items[array->count++] = value;
}

Record* Heap::newRecord(const RecordType* type) {
  std::size_t n = type->fields.size();
  auto* r = newObject<Record>(ObjKind::Record, n * sizeof(Value));
  r->type = type;
  for (std::size_t i = 0; i < n; ++i) r->fields()[i] = Value::none();
  return r;
}

Closure* Heap::newClosure(uint32_t function, uint32_t upvalueCount) {
  auto* c = newObject<Closure>(ObjKind::Closure, upvalueCount * sizeof(Upvalue*));
  c->function = function;
  c->upvalueCount = upvalueCount;
  for (uint32_t i = 0; i < upvalueCount; ++i) c->upvalues()[i] = nullptr;
  return c;
}

Upvalue* Heap::newUpvalue(Value* slot) {
  auto* u = newObject<Upvalue>(ObjKind::Upvalue, 0);
  u->location = slot;
  u->closed = Value::none();
  u->nextOpen = nullptr;
  return u;
}

File* Heap::newFile(std::FILE* handle, std::string path, std::string absolutePath, FileMode mode) {
  auto owned = std::make_unique<std::string>(std::move(path));
  auto ownedAbsolute = std::make_unique<std::string>(std::move(absolutePath));
  File* f = newObject<File>(ObjKind::File, 0);
  f->handle = handle;
  f->path = owned.release();
  f->absolutePath = ownedAbsolute.release();
  f->mode = mode;
  ++fileObjects_;
  return f;
}

HeapStats Heap::stats() const {
  HeapStats s;
  forEachObject([&](const Obj*) { ++s.objects; });
  s.bytes = bytesAllocated_;
  s.collections = collections_;
  return s;
}

}  // namespace shapevm
