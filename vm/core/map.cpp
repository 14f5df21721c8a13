// Maps, Shape's hash tables (see object.h for their layout): hashing and
// comparing keys, and the operations that find, add and delete entries and
// grow a map's storage. Every hash is keyed by one per-process seed, kept
// here with the byte hash the strings and name sets use.
#include "core/map.h"

#include <xxhash.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "core/heap.h"

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

std::size_t Heap::mapCapacityFor(std::size_t entries) {
  if (entries == 0) return 0;
  std::size_t capacity = kMinMapCapacity;
  while (capacity < entries) capacity *= 2;
  return capacity;
}

std::size_t Heap::mapIndexCapacityFor(std::size_t entryCapacity) {
  std::size_t indexCapacity = 2 * kMinMapCapacity;
  while (indexCapacity < entryCapacity * 2) indexCapacity *= 2;
  return indexCapacity;
}

Map* Heap::newMap(std::size_t capacity) {
  if (capacity > kMaxMapCapacity || capacity > maxMemory_ / sizeof(MapEntry)) throw OutOfMemory();
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
  m->mayHoldObjects = false;
  return m;
}

Map* Heap::newMapOfShape(std::size_t entryCapacity, bool dense) {
  if (dense || entryCapacity == 0) return newMap(entryCapacity);
  if (entryCapacity > kMaxMapCapacity || entryCapacity > maxMemory_ / sizeof(MapEntry)) {
    throw OutOfMemory();
  }
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
  m->mayHoldObjects = false;
  return m;
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
  if (value.isObject()) map->mayHoldObjects = true;
  int64_t at = mapFind(map, key, map->dense ? 0 : hashKey(key));
  if (at >= 0) {
    (map->dense ? map->values[at] : map->entries[at].value) = value;
    return;
  }
  mapAppend(map, key, value);
}

void Heap::mapAppend(Map* map, Value key, Value value) {
  // Before anything allocates: a collection must scan the map once it holds them.
  if (key.isObject() || value.isObject()) map->mayHoldObjects = true;
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
      // An empty map grows to 4 entries: a map filled one key at a time
      // seldom stops at 1 or 2.
      std::size_t cap = map->entryCapacity == 0 ? 2 * kMinMapCapacity : map->entryCapacity * 2;
      if (cap > kMaxMapCapacity) throw OutOfMemory();
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

}  // namespace shapevm
