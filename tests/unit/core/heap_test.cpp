// Heap and collector: map semantics (insertion order, delete and re-insert,
// numeric key equality, the dense int-keyed form), and that the collector frees unreachable
// objects, cycles included, while keeping everything reachable from the roots,
// strings and files (marked without the gray stack) in every kind of container.
#include "core/heap.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/map.h"
#include "rooted_heap.h"

using namespace shapevm;

namespace {

std::vector<int64_t> intKeys(const Map* m) {
  std::vector<int64_t> keys;
  for (std::size_t i = 0; i < m->entryCount; ++i) {
    if (!mapKeyAt(m, i).isEmpty()) keys.push_back(mapKeyAt(m, i).as.i);
  }
  return keys;
}

}  // namespace

TEST_CASE("maps iterate in insertion order, also after delete and re-insert") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  Map* m = heap.newMap();
  roots.push_back(Value::object(m));
  for (int64_t k : {5, 3, 9, 1}) heap.mapSet(m, Value::integer(k), Value::integer(k * 10));
  CHECK(intKeys(m) == std::vector<int64_t>{5, 3, 9, 1});
  CHECK(heap.mapDelete(m, Value::integer(3)));
  CHECK_FALSE(heap.mapDelete(m, Value::integer(3)));
  heap.mapSet(m, Value::integer(3), Value::integer(0));
  CHECK(intKeys(m) == std::vector<int64_t>{5, 9, 1, 3});
  heap.mapSet(m, Value::integer(5), Value::integer(7));  // update keeps the position
  CHECK(intKeys(m) == std::vector<int64_t>{5, 9, 1, 3});
  Value out;
  REQUIRE(heap.mapGet(m, Value::integer(5), &out));
  CHECK(out.as.i == 7);
  CHECK(m->liveCount == 4);
}

TEST_CASE("map order survives heavy churn and compaction") {
  Heap heap;
  Map* m = heap.newMap();
  heap.setRootMarker([&](Heap& h) { h.markObject(m); });
  std::vector<int64_t> expected;
  for (int64_t round = 0; round < 50; ++round) {
    for (int64_t k = 0; k < 100; ++k)
      heap.mapSet(m, Value::integer(round * 1000 + k), Value::none());
    for (int64_t k = 0; k < 100; k += 2) heap.mapDelete(m, Value::integer(round * 1000 + k));
  }
  for (int64_t round = 0; round < 50; ++round) {
    for (int64_t k = 1; k < 100; k += 2) expected.push_back(round * 1000 + k);
  }
  CHECK(intKeys(m) == expected);
  for (int64_t key : expected) {
    Value out;
    CHECK(heap.mapGet(m, Value::integer(key), &out));
  }
}

TEST_CASE("int and float keys that are numerically equal are the same key") {
  Heap heap;
  Map* m = heap.newMap();
  heap.setRootMarker([&](Heap& h) { h.markObject(m); });
  heap.mapSet(m, Value::integer(1), Value::integer(100));
  heap.mapSet(m, Value::floating(1.0), Value::integer(200));
  CHECK(m->liveCount == 1);
  heap.mapSet(m, Value::floating(1.5), Value::integer(300));
  heap.mapSet(m, Value::floating(-0.0), Value::integer(400));
  Value out;
  REQUIRE(heap.mapGet(m, Value::integer(0), &out));
  CHECK(out.as.i == 400);
  REQUIRE(heap.mapGet(m, Value::floating(std::nan("")), &out) == false);
  heap.mapSet(m, Value::floating(std::nan("")), Value::integer(500));
  CHECK(heap.mapGet(m, Value::floating(std::nan("")), &out));
  String* a = heap.newString("key");
  heap.mapSet(m, Value::object(a), Value::integer(600));
  String* b = heap.newString("key");
  REQUIRE(heap.mapGet(m, Value::object(b), &out));
  CHECK(out.as.i == 600);
  CHECK_FALSE(heap.mapGet(m, Value::boolean(true), &out));
}

TEST_CASE("a map keyed 0, 1, 2, ... stays dense until another key or a deletion") {
  Heap heap;
  Map* m = heap.newMap();
  heap.setRootMarker([&](Heap& h) { h.markObject(m); });
  for (int64_t k = 0; k < 1000; ++k) heap.mapSet(m, Value::integer(k), Value::integer(k * 3));
  CHECK(m->dense);
  CHECK(m->index == nullptr);
  Value out;
  REQUIRE(heap.mapGet(m, Value::floating(7.0), &out));  // 7.0 == 7
  CHECK(out.as.i == 21);
  CHECK_FALSE(heap.mapGet(m, Value::integer(1000), &out));
  CHECK_FALSE(heap.mapGet(m, Value::integer(-1), &out));
  CHECK_FALSE(heap.mapGet(m, Value::floating(2.5), &out));
  heap.mapSet(m, Value::floating(3.0), Value::integer(-3));  // updates key 3 in place
  CHECK(m->dense);
  CHECK(m->liveCount == 1000);

  SECTION("a key out of sequence builds the index and keeps every entry") {
    heap.mapSet(m, Value::integer(5000), Value::integer(1));
    CHECK_FALSE(m->dense);
    std::vector<int64_t> expected;
    for (int64_t k = 0; k < 1000; ++k) expected.push_back(k);
    expected.push_back(5000);
    CHECK(intKeys(m) == expected);
    for (int64_t k : expected) CHECK(heap.mapGet(m, Value::integer(k), &out));
    REQUIRE(heap.mapGet(m, Value::integer(3), &out));
    CHECK(out.as.i == -3);
  }
  SECTION("a float key that is not an int builds the index") {
    heap.mapSet(m, Value::floating(0.5), Value::integer(1));
    CHECK_FALSE(m->dense);
    REQUIRE(heap.mapGet(m, Value::floating(0.5), &out));
    CHECK(out.as.i == 1);
    REQUIRE(heap.mapGet(m, Value::integer(999), &out));
    CHECK(out.as.i == 999 * 3);
  }
  SECTION("deleting leaves a hole, so the map is indexed from then on") {
    CHECK(heap.mapDelete(m, Value::integer(10)));
    CHECK_FALSE(m->dense);
    CHECK_FALSE(heap.mapGet(m, Value::integer(10), &out));
    heap.mapSet(m, Value::integer(10), Value::integer(0));  // re-inserted at the end
    CHECK(intKeys(m).back() == 10);
    CHECK(m->liveCount == 1000);
  }
}

TEST_CASE("a small map's storage is small") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  auto keep = [&](Obj* object) {
    rooted.roots.push_back(Value::object(object));
    return object;
  };
  Value a = Value::object(keep(heap.newString("a")));
  Value b = Value::object(keep(heap.newString("b")));
  Value c = Value::object(keep(heap.newString("c")));
  // A literal of two string keys: 2 entries and a 4-slot index.
  auto* literal = static_cast<Map*>(keep(heap.newMap(2)));
  CHECK(literal->entryCapacity == 2);
  heap.mapSet(literal, a, Value::integer(1));
  heap.mapSet(literal, b, Value::integer(2));
  CHECK(literal->entryCapacity == 2);
  CHECK(literal->indexCapacity == 4);
  // A third key doubles both.
  heap.mapSet(literal, c, Value::integer(3));
  CHECK(literal->entryCapacity == 4);
  CHECK(literal->indexCapacity == 8);
  Value out;
  for (auto [key, value] : {std::pair{a, 1}, std::pair{b, 2}, std::pair{c, 3}}) {
    REQUIRE(heap.mapGet(literal, key, &out));
    CHECK(out.as.i == value);
  }
  // An empty map grows to 4 entries at its first key.
  auto* empty = static_cast<Map*>(keep(heap.newMap(0)));
  CHECK(empty->entryCapacity == 0);
  heap.mapSet(empty, a, Value::none());
  CHECK(empty->entryCapacity == 4);
  CHECK(Heap::mapCapacityFor(1) == 2);
  CHECK(Heap::mapCapacityFor(5) == 8);
}

TEST_CASE("a map made in its final shape matches one grown by inserting its keys") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  auto grow = [&](const std::vector<Value>& keys, std::size_t capacity) {
    Map* m = heap.newMap(0);
    rooted.roots.push_back(Value::object(m));
    for (int64_t k = 0; m->entryCapacity < capacity; ++k) {
      heap.mapSet(m, Value::integer(k), Value::none());
    }
    m->entryCount = m->liveCount = 0;  // placeholders 0, 1, 2, ...: still dense
    for (Value key : keys) heap.mapAppend(m, key, key);
    return m;
  };
  auto shaped = [&](const std::vector<Value>& keys, std::size_t capacity, bool dense) {
    Map* m = heap.newMapOfShape(capacity, dense);
    rooted.roots.push_back(Value::object(m));
    for (Value key : keys) heap.mapAppend(m, key, key);
    return m;
  };
  auto sameShape = [&](const Map* a, const Map* b) {
    CHECK(a->dense == b->dense);
    CHECK(a->entryCount == b->entryCount);
    CHECK(a->entryCapacity == b->entryCapacity);
    CHECK(a->liveCount == b->liveCount);
    CHECK(a->indexCapacity == b->indexCapacity);
    for (std::size_t i = 0; i < a->entryCount; ++i) {
      Value out;
      REQUIRE(heap.mapGet(b, mapKeyAt(a, i), &out));
      CHECK(keysEqual(out, mapValueAt(a, i)));
    }
  };
  std::vector<Value> ints, strings;
  for (int64_t k = 0; k < 20; ++k) {
    ints.push_back(Value::integer(k));
    strings.push_back(Value::object(heap.newString("key" + std::to_string(k))));
    rooted.roots.push_back(strings.back());
  }
  sameShape(grow(ints, 64), shaped(ints, 64, true));
  sameShape(grow(strings, 32), shaped(strings, 32, false));
  sameShape(grow({}, 0), shaped({}, 0, true));

  // Both keep growing the same way past their capacity.
  Map* grown = grow(strings, 32);
  Map* made = shaped(strings, 32, false);
  for (int64_t k = 100; k < 150; ++k) {
    heap.mapSet(grown, Value::integer(k), Value::integer(k));
    heap.mapSet(made, Value::integer(k), Value::integer(k));
  }
  sameShape(grown, made);
}

TEST_CASE("a dense map's values survive the collections its conversion triggers") {
  Heap heap;
  Map* m = heap.newMap();
  Value pending = Value::none();  // a new value stays rooted while the map grows
  heap.setRootMarker([&](Heap& h) {
    h.markObject(m);
    h.markValue(pending);
  });
  constexpr int64_t kCount = 300'000;  // ~20 MB of strings: several collections
  for (int64_t k = 0; k < kCount; ++k) {
    pending = Value::object(heap.newString("value " + std::to_string(k)));
    heap.mapSet(m, Value::integer(k), pending);
  }
  REQUIRE(m->dense);
  std::size_t collectionsBefore = heap.stats().collections;
  pending = Value::object(heap.newString("key"));
  heap.mapSet(m, pending, Value::none());  // builds the entries
  CHECK_FALSE(m->dense);
  heap.collect();
  CHECK(heap.stats().collections > collectionsBefore);
  for (int64_t k = 0; k < kCount; k += 997) {
    Value out;
    REQUIRE(heap.mapGet(m, Value::integer(k), &out));
    CHECK(asString(out)->view() == "value " + std::to_string(k));
  }
  CHECK(m->liveCount == kCount + 1);
}

TEST_CASE("a map of numbers is not scanned; an object stored any way marks it for scanning") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  Map* dense = heap.newMap();
  Map* indexed = heap.newMap();
  roots.push_back(Value::object(dense));
  roots.push_back(Value::object(indexed));
  for (int64_t k = 0; k < 100'000; ++k) {
    heap.mapSet(dense, Value::integer(k), Value::floating(k * 0.5));
    REQUIRE(mapSetDense(dense, Value::integer(k), Value::integer(k)));
    heap.mapSet(indexed, Value::integer(-k), Value::boolean(k % 2 == 0));
  }
  CHECK(dense->dense);
  CHECK_FALSE(indexed->dense);
  CHECK_FALSE(dense->mayHoldObjects);
  CHECK_FALSE(indexed->mayHoldObjects);

  // Each way of storing an object: the dense fast path, a replaced value, an
  // appended value and an appended key, each in a map of numbers of its own.
  std::vector<Map*> maps;
  for (int i = 0; i < 4; ++i) {
    Map* m = heap.newMap();
    roots.push_back(Value::object(m));
    for (int64_t k = 0; k < 1000; ++k) heap.mapSet(m, Value::integer(k), Value::integer(k));
    maps.push_back(m);
  }
  auto string = [&](const char* text) {
    roots.push_back(Value::object(heap.newString(text)));
    return roots.back();
  };
  REQUIRE(mapSetDense(maps[0], Value::integer(10), string("fast path")));
  heap.mapSet(maps[1], Value::integer(20), string("replaced"));
  heap.mapSet(maps[2], Value::integer(1000), string("appended"));
  heap.mapSet(maps[3], string("key"), Value::integer(1));
  roots.resize(roots.size() - 4);  // now only the maps hold them
  for (Map* m : maps) CHECK(m->mayHoldObjects);
  for (int i = 0; i < 10'000; ++i) heap.newString("garbage");
  heap.collect();
  CHECK(heap.stats().objects == 2 + 4 + 4);
  Value found;
  REQUIRE(heap.mapGet(maps[0], Value::integer(10), &found));
  CHECK(asString(found)->view() == "fast path");
  REQUIRE(heap.mapGet(maps[1], Value::integer(20), &found));
  CHECK(asString(found)->view() == "replaced");
  REQUIRE(heap.mapGet(maps[2], Value::integer(1000), &found));
  CHECK(asString(found)->view() == "appended");
  REQUIRE(heap.mapGet(maps[3], Value::object(heap.newString("key")), &found));
  CHECK(found.as.i == 1);
}

TEST_CASE("an array is scanned from its making until shown to hold no object") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  Array* made = heap.newArray(4);
  CHECK(made->mayHoldObjects);  // whoever fills it may store objects directly
  Array* numbers = heap.newArray();
  roots.push_back(Value::object(numbers));
  numbers->mayHoldObjects = false;  // what an array literal of numbers sets
  for (int i = 0; i < 100'000; ++i) heap.arrayPush(numbers, Value::integer(i));
  CHECK_FALSE(numbers->mayHoldObjects);
  roots.push_back(Value::object(heap.newString("pushed")));
  heap.arrayPush(numbers, roots.back());
  roots.pop_back();
  CHECK(numbers->mayHoldObjects);
  for (int i = 0; i < 10'000; ++i) heap.newString("garbage");
  heap.collect();
  CHECK(heap.stats().objects == 2);
  CHECK(asString(numbers->items[100'000])->view() == "pushed");
}

TEST_CASE("the collector frees unreachable cycles and keeps reachable ones") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  Array* kept = heap.newArray();
  roots.push_back(Value::object(kept));
  heap.arrayPush(kept, Value::object(kept));  // a self-cycle that stays reachable
  for (int i = 0; i < 1000; ++i) {
    Array* a = heap.newArray(1);
    roots.push_back(Value::object(a));
    Array* b =
        heap.newArray(1);  // may collect: `a` is rooted, `b` is stored before the next allocation
    heap.arrayPush(a, Value::object(b));
    heap.arrayPush(b, Value::object(a));  // a <-> b
    roots.pop_back();
  }
  heap.collect();
  CHECK(heap.stats().objects == 1);
  REQUIRE(kept->count == 1);
  CHECK(kept->items[0].as.obj == kept);
}

TEST_CASE("strings and files survive in every kind of container and are freed with it") {
  RootedHeap rooted;
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  std::size_t baseline = heap.bytesAllocated();
  // An array longer than the marker's prefetch distance, of strings and ints.
  Array* lines = heap.newArray(1000);
  roots.push_back(Value::object(lines));
  for (int i = 0; i < 1000; ++i) {
    heap.arrayMakeRoom(lines);
    lines->items[lines->count++] =
        i % 4 == 0 ? Value::integer(i) : Value::object(heap.newString(std::to_string(i)));
  }
  Map* map = heap.newMap();
  roots.push_back(Value::object(map));
  for (int i = 0; i < 100; ++i) {
    // Both rooted while the next allocations (the value, the map's growth) may collect.
    roots.push_back(Value::object(heap.newString("key" + std::to_string(i))));
    roots.push_back(Value::object(heap.newString("value" + std::to_string(i))));
    heap.mapSet(map, roots[roots.size() - 2], roots.back());
    roots.resize(roots.size() - 2);
  }
  RecordType type{"Pair", {"left", "right"}, {}};
  Record* record = heap.newRecord(&type);
  roots.push_back(Value::object(record));
  record->fields()[0] = Value::object(heap.newString("left"));
  record->fields()[1] = Value::object(heap.newString("right"));
  Closure* closure = heap.newClosure(0, 1);
  roots.push_back(Value::object(closure));
  Upvalue* captured = heap.newUpvalue(nullptr);
  closure->upvalues()[0] = captured;
  captured->location = &captured->closed;
  captured->closed = Value::object(heap.newString("captured"));
  std::FILE* handle = std::tmpfile();
  REQUIRE(handle != nullptr);
  lines->items[1] = Value::object(heap.newFile(handle, "scratch", "/tmp/scratch", FileMode::Write));
  for (int i = 0; i < 10'000; ++i) heap.newString("garbage");

  heap.collect();
  // 749 strings and a file in the array, 200 map strings, the record and its
  // 2, the closure, its upvalue and 1, and the 4 containers themselves.
  CHECK(heap.stats().objects == 749 + 1 + 200 + 2 + 2 + 4);
  for (int i = 2; i < 1000; ++i) {
    if (i % 4 != 0) REQUIRE(asString(lines->items[i])->view() == std::to_string(i));
  }
  CHECK(isObjKind(lines->items[1], ObjKind::File));
  Value found;
  REQUIRE(heap.mapGet(map, Value::object(heap.newString("key99")), &found));
  CHECK(asString(found)->view() == "value99");
  CHECK(asString(record->fields()[1])->view() == "right");
  CHECK(asString(*captured->location)->view() == "captured");

  roots.clear();
  heap.collect();
  CHECK(heap.stats().objects == 0);
  CHECK(heap.bytesAllocated() == baseline);
}

TEST_CASE("allocating far more than the limit succeeds when garbage is collected") {
  Heap heap(std::size_t{16} << 20);  // 16 MiB limit
  heap.setRootMarker([](Heap&) {});
  std::size_t total = 0;
  for (int i = 0; i < 4000; ++i) {  // 4000 x 256 KiB = 1 GiB over time
    String* s = heap.newStringUninit(256 * 1024);
    s->chars()[0] = 'x';
    total += s->length;
  }
  CHECK(total == std::size_t{4000} * 256 * 1024);
  CHECK(heap.bytesAllocated() <= heap.maxMemory());
}

TEST_CASE("exceeding the limit with live data throws OutOfMemory") {
  RootedHeap rooted(std::size_t{4} << 20);
  Heap& heap = rooted.heap;
  std::vector<Value>& roots = rooted.roots;
  auto fill = [&] {
    for (int i = 0; i < 100; ++i) roots.push_back(Value::object(heap.newStringUninit(100 * 1024)));
  };
  CHECK_THROWS_AS(fill(), OutOfMemory);
  CHECK(heap.bytesAllocated() <= heap.maxMemory());
}

TEST_CASE("deep chains are marked without recursion") {
  Heap heap;
  Array* head = heap.newArray();
  heap.setRootMarker([&](Heap& h) { h.markObject(head); });
  Array* tail = head;
  for (int i = 0; i < 1'000'000; ++i) {
    heap.arrayReserve(tail, 1);  // grow before allocating `next`, which is unrooted until stored
    Array* next = heap.newArray();
    heap.arrayPush(tail, Value::object(next));
    tail = next;
  }
  heap.collect();
  CHECK(heap.stats().objects == 1'000'001);
}
