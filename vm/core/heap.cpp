// Allocation, container growth and the mark-sweep collector (see heap.h for
// the invariants). The collector is non-moving: objects never change address,
// so raw pointers held by the interpreter between allocations stay valid.
#include "core/heap.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

namespace shapevm {

namespace {

// Keys every hash of a map key or a name set, so that keys chosen to collide in
// one process do not collide in another: with an unkeyed hash, a snapshot
// holding such keys made its restore quadratic (docs/design.md, "Heap and
// collector"). Maps iterate in insertion order, so
// nothing a program or a snapshot sees depends on it.
uint64_t randomSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}
const uint64_t kHashSeed = randomSeed();

}  // namespace

uint64_t hashBytes(std::string_view bytes) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), kHashSeed);
}

uint64_t String::hashValue() const {
  if (!hashed) {
    hash = hashBytes(view());
    hashed = true;
  }
  return hash;
}

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

namespace {

// fmix64 from MurmurHash3: spreads sequential ints over the whole index.
uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Int keys: runs of 16 consecutive ints land in 16 consecutive index slots (one
// 64-byte cache line of the int32 index) at a block position chosen by mixing
// the rest of the bits. Maps keyed by counters, ids or row numbers then touch
// one index line per 16 keys instead of one per key (docs/design.md, "Maps"),
// while strided or clustered keys still spread over the whole index. The
// block is mixed with the seed: fmix64 alone is invertible, so keys whose
// blocks all share one slot were easy to compute.
uint64_t hashInt(uint64_t i) { return (mix((i >> 4) ^ kHashSeed) << 4) | (i & 15); }

// A float with an exact int value hashes (and compares) as that int, so
// m[1] and m[1.0] are the same key, as 1 == 1.0.
bool floatAsInt(double f, int64_t* out) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return false;
  auto i = static_cast<int64_t>(f);
  if (static_cast<double>(i) != f) return false;
  *out = i;
  return true;
}

}  // namespace

bool isHashableKey(Value key) {
  switch (key.type) {
    case ValueType::None:
    case ValueType::Bool:
    case ValueType::Int:
    case ValueType::Float:
      return true;
    case ValueType::Object:
      return key.as.obj->kind == ObjKind::String;
    default:
      return false;
  }
}

uint64_t hashKey(Value key) {
  switch (key.type) {
    case ValueType::None:
      return 0x9e3779b97f4a7c15ULL;
    case ValueType::Bool:
      return key.as.b ? 0x51af3e2d9c0b7a11ULL : 0x3c6ef372fe94f82bULL;
    case ValueType::Int:
      return hashInt(static_cast<uint64_t>(key.as.i));
    case ValueType::Float: {
      int64_t i;
      if (floatAsInt(key.as.f, &i)) return hashInt(static_cast<uint64_t>(i));
      return mix(std::bit_cast<uint64_t>(key.as.f) ^ ~kHashSeed);
    }
    case ValueType::Object:
      if (key.as.obj->kind == ObjKind::String) return asString(key)->hashValue();
      return mix(reinterpret_cast<uintptr_t>(key.as.obj));
    default:
      return mix(key.as.index + (static_cast<uint64_t>(key.type) << 32));
  }
}

bool keysEqual(Value a, Value b) {
  if (a.type == ValueType::Int && b.type == ValueType::Int) return a.as.i == b.as.i;
  if (a.isNumber() && b.isNumber()) {
    if (a.isFloat() && b.isFloat()) {
      // NaN keys find themselves, so a stored NaN key can be read back.
      return a.as.f == b.as.f || (std::isnan(a.as.f) && std::isnan(b.as.f));
    }
    double f = a.isFloat() ? a.as.f : b.as.f;
    int64_t i = a.isInt() ? a.as.i : b.as.i;
    int64_t fi;
    return floatAsInt(f, &fi) && fi == i;
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::None:
    case ValueType::Empty:
      return true;
    case ValueType::Bool:
      return a.as.b == b.as.b;
    case ValueType::Function:
    case ValueType::Native:
      return a.as.index == b.as.index;
    case ValueType::Object:
      if (a.as.obj == b.as.obj) return true;
      if (a.as.obj->kind == ObjKind::String && b.as.obj->kind == ObjKind::String) {
        const String* x = asString(a);
        const String* y = asString(b);
        return x->length == y->length && x->hashValue() == y->hashValue() &&
               std::memcmp(x->chars(), y->chars(), x->length) == 0;
      }
      return false;
    default:
      return false;
  }
}

Heap::Heap(std::size_t maxMemory) : maxMemory_(maxMemory) {}

Heap::~Heap() {
  freeObjects();
  for (auto& [view, s] : interned_) std::free(s);  // allocated outside the accounting
}

void Heap::freeObjects() {
  Obj* o = largeObjects_;
  while (o != nullptr) {
    Obj* next = o->next;
    freeObject(o);
    o = next;
  }
  largeObjects_ = nullptr;
  objectPool_.forEachLiveBlock([&](void* block) { freeObject(static_cast<Obj*>(block)); });
}

void Heap::abandonAtExit() {
  if (kFreeHeapAtExit) {
    freeObjects();
    return;
  }
  // Files are rare: the walk is skipped unless there are some.
  if (fileObjects_ > 0) {
    forEachObject([&](Obj* o) {
      if (o->kind != ObjKind::File) return;
      auto* f = static_cast<File*>(o);
      if (f->handle != nullptr) std::fclose(f->handle);
      f->handle = nullptr;
    });
    fileObjects_ = 0;
  }
  // The pools' chunks and the large objects are left to the OS.
  objectPool_.abandon();
  bufferPool_.abandon();
  largeObjects_ = nullptr;
  bytesAllocated_ = 0;
}

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
  if (oldBytes > SmallPool::kMaxBytes && newBytes > SmallPool::kMaxBytes) {
    memory = std::realloc(old, newBytes);
    if (memory == nullptr) throw OutOfMemory();
  } else {
    // A small block on either side: move the bytes between pool and malloc.
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

void Heap::release(void* memory, std::size_t bytes) {
  rawRelease(bufferPool_, memory, bytes);
  bytesAllocated_ -= bytes;
}

// Blocks up to SmallPool::kMaxBytes come from a pool (small_pool.h says
// why): objects from objectPool_, their storage (array items, map entries)
// from bufferPool_; larger ones from malloc. Every caller passes the size it
// allocated, as the accounting needs.
void* Heap::rawAllocate(SmallPool& pool, std::size_t bytes) {
  if (bytes == 0) return nullptr;
  return bytes <= SmallPool::kMaxBytes ? pool.allocate(bytes) : std::malloc(bytes);
}

void Heap::rawRelease(SmallPool& pool, void* memory, std::size_t bytes) {
  if (memory == nullptr) return;
  if (bytes <= SmallPool::kMaxBytes) {
    pool.release(memory, bytes);
  } else {
    std::free(memory);
  }
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

void Heap::releaseObject(Obj* object, std::size_t bytes) {
  rawRelease(objectPool_, object, bytes);
  bytesAllocated_ -= bytes;
}

template <typename T>
T* Heap::newObject(ObjKind kind, std::size_t extraBytes) {
  auto* object = static_cast<T*>(allocateObject(sizeof(T) + extraBytes));
  object->kind = kind;
  object->marked = false;
  return object;
}

String* Heap::newStringHeader(std::size_t length, std::size_t extraBytes) {
  auto* s = newObject<String>(ObjKind::String, extraBytes);
  s->length = length;
  s->hash = 0;
  s->hashed = false;
  s->shared = false;
  s->concatenated = false;
  return s;
}

String* Heap::newStringUninit(std::size_t length) {
  if (length > maxMemory_) throw OutOfMemory();
  return newStringHeader(length, length);
}

String* Heap::newString(std::string_view bytes) {
  String* s = newStringUninit(bytes.size());
  if (!bytes.empty()) std::memcpy(s->chars(), bytes.data(), bytes.size());
  return s;
}

// Strings grown by `+` share a buffer (string_concat.cpp); other results of
// `+` are ordinary strings, marked as made by `+`.
String* Heap::concat(const String* left, const String* right) {
  std::size_t length = left->length + right->length;
  if (left->shared || (length >= kMinSharedStringLength && left->concatenated)) {
    return concatShared(left, right);
  }
  String* joined = newStringUninit(length);
  std::memcpy(joined->chars(), left->chars(), left->length);
  std::memcpy(joined->chars() + left->length, right->chars(), right->length);
  joined->concatenated = true;
  return joined;
}

String* Heap::intern(std::string_view bytes) {
  if (auto it = interned_.find(bytes); it != interned_.end()) return it->second;
  auto* s = static_cast<String*>(std::malloc(sizeof(String) + bytes.size()));
  if (s == nullptr) throw OutOfMemory();
  s->kind = ObjKind::String;
  s->marked = true;  // never on the objects list, never swept
  s->next = nullptr;
  s->length = bytes.size();
  s->hashed = false;
  s->shared = false;
  s->concatenated = false;
  if (!bytes.empty()) std::memcpy(s->chars(), bytes.data(), bytes.size());
  interned_.emplace(s->view(), s);
  return s;
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
  return a;
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
  arrayMakeRoom(array);
  array->items[array->count++] = value;
}

std::size_t Heap::mapCapacityFor(std::size_t entries) {
  if (entries == 0) return 0;
  std::size_t capacity = 8;
  while (capacity < entries) capacity *= 2;
  return capacity;
}

std::size_t Heap::mapIndexCapacityFor(std::size_t entryCapacity) {
  std::size_t indexCapacity = 16;
  while (indexCapacity < entryCapacity * 2) indexCapacity *= 2;
  return indexCapacity;
}

Map* Heap::newMap(std::size_t capacity) {
  if (capacity > maxMemory_ / sizeof(MapEntry)) throw OutOfMemory();
  std::size_t entryCapacity = mapCapacityFor(capacity);
  // A new map is dense: values only, and the index is built when first needed.
  std::size_t bytes = entryCapacity * sizeof(Value);
  auto* values = entryCapacity > 0 ? static_cast<Value*>(allocate(bytes)) : nullptr;
  Map* m;
  try {
    m = newObject<Map>(ObjKind::Map, 0);
  } catch (...) {
    release(values, bytes);
    throw;
  }
  m->values = values;
  m->entryCount = m->liveCount = 0;
  m->entryCapacity = entryCapacity;
  m->index = nullptr;
  m->indexCapacity = 0;
  m->dense = true;
  return m;
}

Map* Heap::newMapOfShape(std::size_t entryCapacity, bool dense) {
  if (dense || entryCapacity == 0) return newMap(entryCapacity);
  if (entryCapacity > maxMemory_ / sizeof(MapEntry)) throw OutOfMemory();
  // Storage first: a collection during the object's allocation must not find
  // a map without it.
  std::size_t entryBytes = entryCapacity * sizeof(MapEntry);
  std::size_t indexCapacity = mapIndexCapacityFor(entryCapacity);
  std::size_t indexBytes = indexCapacity * sizeof(int32_t);
  auto* entries = static_cast<MapEntry*>(allocate(entryBytes));
  int32_t* index = nullptr;
  Map* m;
  try {
    index = static_cast<int32_t*>(allocate(indexBytes));
    m = newObject<Map>(ObjKind::Map, 0);
  } catch (...) {
    if (index != nullptr) release(index, indexBytes);
    release(entries, entryBytes);
    throw;
  }
  std::memset(index, 0xff, indexBytes);
  m->entries = entries;
  m->entryCount = m->liveCount = 0;
  m->entryCapacity = entryCapacity;
  m->index = index;
  m->indexCapacity = indexCapacity;
  m->dense = false;
  return m;
}

std::size_t Heap::mapStorageBytes(const Map* map) {
  return map->entryCapacity * (map->dense ? sizeof(Value) : sizeof(MapEntry));
}

int64_t Heap::mapFind(const Map* map, Value key, uint64_t hash) const {
  if (map->dense) {
    int64_t k;
    if (key.isInt()) {
      k = key.as.i;
    } else if (!key.isFloat() || !floatAsInt(key.as.f, &k)) {
      return -1;
    }
    return static_cast<uint64_t>(k) < map->entryCount ? k : -1;
  }
  // Indexed maps that began dense still hold many keys k at entry k: finding
  // one there skips the index, which is a cache miss per lookup on large maps.
  // Keys are unique, so a hit is exact.
  if (key.isInt() && static_cast<uint64_t>(key.as.i) < map->entryCount) {
    const Value& candidate = map->entries[key.as.i].key;
    if (candidate.isInt() && candidate.as.i == key.as.i) return key.as.i;
  }
  if (map->indexCapacity == 0) return -1;
  std::size_t mask = map->indexCapacity - 1;
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    int32_t at = map->index[slot];
    if (at < 0) return -1;
    const MapEntry& e = map->entries[at];
    if (!e.key.isEmpty() && keysEqual(e.key, key)) return at;
  }
}

void Heap::mapRebuildIndex(Map* map, std::size_t indexCapacity) {
  auto* index = static_cast<int32_t*>(reallocate(map->index, map->indexCapacity * sizeof(int32_t),
                                                 indexCapacity * sizeof(int32_t)));
  std::memset(index, 0xff, indexCapacity * sizeof(int32_t));
  map->index = index;
  map->indexCapacity = indexCapacity;
  std::size_t mask = indexCapacity - 1;
  for (std::size_t i = 0; i < map->entryCount; ++i) {
    if (map->entries[i].key.isEmpty()) continue;
    std::size_t slot = hashKey(map->entries[i].key) & mask;
    while (index[slot] >= 0) slot = (slot + 1) & mask;
    index[slot] = static_cast<int32_t>(i);
  }
}

void Heap::mapLeaveDense(Map* map) {
  // Key-value entries replace the values. The allocation may collect, which
  // reads the map: it stays dense until the entries are complete.
  std::size_t entryBytes = map->entryCapacity * sizeof(MapEntry);
  auto* entries = static_cast<MapEntry*>(allocate(entryBytes));
  for (std::size_t i = 0; i < map->entryCount; ++i) {
    entries[i] = MapEntry{Value::integer(static_cast<int64_t>(i)), map->values[i]};
  }
  release(map->values, mapStorageBytes(map));
  map->entries = entries;
  map->dense = false;
  mapRebuildIndex(map, mapIndexCapacityFor(map->entryCapacity));
}

bool Heap::mapGet(const Map* map, Value key, Value* out) const {
  int64_t at = mapFind(map, key, map->dense ? 0 : hashKey(key));
  if (at < 0) return false;
  *out = mapValueAt(map, static_cast<std::size_t>(at));
  return true;
}

void Heap::mapSet(Map* map, Value key, Value value) {
  int64_t at = mapFind(map, key, map->dense ? 0 : hashKey(key));
  if (at >= 0) {
    (map->dense ? map->values[at] : map->entries[at].value) = value;
    return;
  }
  mapAppend(map, key, value);
}

void Heap::mapAppend(Map* map, Value key, Value value) {
  bool staysDense = key.isInt() && static_cast<uint64_t>(key.as.i) == map->entryCount;
  if (map->dense && !staysDense) mapLeaveDense(map);
  if (map->entryCount == map->entryCapacity) {
    if (map->liveCount <= map->entryCount / 2 && map->entryCount > 0) {
      // Mostly deleted (so not dense): squeeze the live entries together,
      // keeping their order.
      std::size_t to = 0;
      for (std::size_t from = 0; from < map->entryCount; ++from) {
        if (!map->entries[from].key.isEmpty()) map->entries[to++] = map->entries[from];
      }
      map->entryCount = to;
    } else {
      std::size_t cap = map->entryCapacity < 8 ? 8 : map->entryCapacity * 2;
      if (cap > (std::size_t{1} << 30)) throw OutOfMemory();
      std::size_t size = map->dense ? sizeof(Value) : sizeof(MapEntry);
      void* grown = reallocate(map->entries, map->entryCapacity * size, cap * size);
      if (map->dense) {
        map->values = static_cast<Value*>(grown);
      } else {
        map->entries = static_cast<MapEntry*>(grown);
      }
      map->entryCapacity = cap;
    }
    if (!map->dense) mapRebuildIndex(map, mapIndexCapacityFor(map->entryCapacity));
  }
  std::size_t position = map->entryCount++;
  if (map->dense) {
    map->values[position] = value;
    ++map->liveCount;
    return;
  }
  map->entries[position] = MapEntry{key, value};
  if (key.isEmpty()) return;  // a deleted entry, as restored from a snapshot
  ++map->liveCount;
  std::size_t mask = map->indexCapacity - 1;
  std::size_t slot = hashKey(key) & mask;
  // Reuse a slot whose entry was deleted, else the first free one.
  while (map->index[slot] >= 0 && !map->entries[map->index[slot]].key.isEmpty()) {
    slot = (slot + 1) & mask;
  }
  map->index[slot] = static_cast<int32_t>(position);
}

bool Heap::mapDelete(Map* map, Value key) {
  int64_t at = mapFind(map, key, map->dense ? 0 : hashKey(key));
  if (at < 0) return false;
  if (map->dense) mapLeaveDense(map);  // a hole: key k is no longer at entry k
  map->entries[at].key = Value::empty();
  map->entries[at].value = Value::none();
  --map->liveCount;
  return true;
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

namespace {

// A shared string holds its buffer's address where other strings hold bytes.
std::size_t stringBytes(const String* string) {
  return sizeof(String) + (string->shared ? sizeof(StringBuffer*) : string->length);
}

}  // namespace

void Heap::freeObject(Obj* object) {
  switch (object->kind) {
    case ObjKind::String: {
      auto* s = static_cast<String*>(object);
      if (s->shared) dropSharer(s->buffer());
      releaseObject(s, stringBytes(s));
      return;
    }
    case ObjKind::Array: {
      auto* a = static_cast<Array*>(object);
      release(a->items, a->capacity * sizeof(Value));
      releaseObject(a, sizeof(Array));
      return;
    }
    case ObjKind::Map: {
      auto* m = static_cast<Map*>(object);
      release(m->entries, mapStorageBytes(m));
      release(m->index, m->indexCapacity * sizeof(int32_t));
      releaseObject(m, sizeof(Map));
      return;
    }
    case ObjKind::Record: {
      auto* r = static_cast<Record*>(object);
      releaseObject(r, sizeof(Record) + r->type->fields.size() * sizeof(Value));
      return;
    }
    case ObjKind::Closure: {
      auto* c = static_cast<Closure*>(object);
      releaseObject(c, sizeof(Closure) + c->upvalueCount * sizeof(Upvalue*));
      return;
    }
    case ObjKind::Upvalue:
      releaseObject(object, sizeof(Upvalue));
      return;
    case ObjKind::File: {
      auto* f = static_cast<File*>(object);
      // An unreachable open file is closed, so its buffered data reaches disk.
      if (f->handle != nullptr) std::fclose(f->handle);
      --fileObjects_;
      delete f->path;
      delete f->absolutePath;
      releaseObject(f, sizeof(File));
      return;
    }
  }
}

void Heap::blacken(Obj* object) {
  switch (object->kind) {
    case ObjKind::String:
    case ObjKind::File:
      return;  // never gray: markObject marks them black at once
    case ObjKind::Array: {
      auto* a = static_cast<Array*>(object);
      for (std::size_t i = 0; i < a->count; ++i) {
        prefetchAhead(a->items, i, a->count);
        markValue(a->items[i]);
      }
      return;
    }
    case ObjKind::Map: {
      auto* m = static_cast<Map*>(object);
      if (m->dense) {
        for (std::size_t i = 0; i < m->entryCount; ++i) markValue(m->values[i]);
        return;
      }
      for (std::size_t i = 0; i < m->entryCount; ++i) {
        markValue(m->entries[i].key);
        markValue(m->entries[i].value);
      }
      return;
    }
    case ObjKind::Record: {
      auto* r = static_cast<Record*>(object);
      for (std::size_t i = 0; i < r->type->fields.size(); ++i) markValue(r->fields()[i]);
      return;
    }
    case ObjKind::Closure: {
      auto* c = static_cast<Closure*>(object);
      for (uint32_t i = 0; i < c->upvalueCount; ++i) markObject(c->upvalues()[i]);
      return;
    }
    case ObjKind::Upvalue: {
      auto* u = static_cast<Upvalue*>(object);
      markValue(*u->location);
      return;
    }
  }
}

void Heap::collect() {
  collecting_ = true;
  if (rootMarker_) rootMarker_(*this);
  while (!gray_.empty()) {
    Obj* o = gray_.back();
    gray_.pop_back();
    blacken(o);
  }
  sweep();
  ++collections_;
  scheduleCollection();
  collecting_ = false;
}

void Heap::scheduleCollection() {
  nextCollection_ =
      bytesAllocated_ * 2 > kFirstCollectionAt ? bytesAllocated_ * 2 : kFirstCollectionAt;
}

// Small objects are swept by scanning the pool's chunks in address order
// (from the top: small_pool.h says why), which the hardware prefetches; a
// linked list through them made every object a cache miss (docs/design.md,
// "Small-object pools").
void Heap::sweep() {
  // Frees an unmarked object; unmarks a marked one for the next collection.
  auto survives = [this](Obj* o) {
    if (!o->marked) {
      freeObject(o);
      return false;
    }
    o->marked = false;
    return true;
  };
  objectPool_.forEachLiveBlockDescending([&](void* block) { survives(static_cast<Obj*>(block)); });
  Obj** link = &largeObjects_;
  while (*link != nullptr) {
    Obj* o = *link;
    Obj* next = o->next;
    if (survives(o)) {
      link = &o->next;
    } else {
      *link = next;
    }
  }
}

HeapStats Heap::stats() const {
  HeapStats s;
  forEachObject([&](const Obj*) { ++s.objects; });
  s.bytes = bytesAllocated_;
  s.collections = collections_;
  return s;
}

}  // namespace shapevm
