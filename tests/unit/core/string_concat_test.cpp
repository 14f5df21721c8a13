// Heap::concat (vm/core/string_concat.cpp): when `s + t` writes into the
// buffer s shares and when it copies, that no string ever sees bytes past its
// own length, that buffers are freed with the last string sharing them and
// count against the limit, and that running out of memory throws OutOfMemory.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/heap.h"

using namespace shapevm;

namespace {

// A heap whose roots are `roots`, as the VM's value stack would be.
struct RootedHeap {
  explicit RootedHeap(std::size_t maxMemory = kDefaultMaxMemory) : heap(maxMemory) {
    heap.setRootMarker([this](Heap& h) {
      for (const String* s : roots) h.markObject(const_cast<String*>(s));
    });
  }
  const String* keep(const String* s) {
    roots.push_back(s);
    return s;
  }
  // `text` grown one byte at a time from the empty string, as `s = s + c`.
  const String* grow(const std::string& text) {
    const String* s = keep(heap.newString(""));
    for (char c : text) {
      const String* piece = keep(heap.newString(std::string(1, c)));
      s = keep(heap.concat(s, piece));
    }
    return s;
  }
  Heap heap;
  std::vector<const String*> roots;
};

}  // namespace

TEST_CASE("appending to the longest string of a buffer writes into the buffer") {
  RootedHeap h;
  const String* a = h.grow(std::string(70, 'a'));
  REQUIRE(a->shared);
  const String* x = h.keep(h.heap.concat(a, h.keep(h.heap.newString("XYZ"))));
  CHECK(x->shared);
  CHECK(x->buffer() == a->buffer());  // no copy of a's 70 bytes
  CHECK(x->chars() == a->chars());
  CHECK(x->view() == std::string(70, 'a') + "XYZ");
  CHECK(a->view() == std::string(70, 'a'));
}

TEST_CASE("appending to a shorter string of a buffer copies it") {
  RootedHeap h;
  const String* a = h.grow(std::string(70, 'a'));
  const String* x = h.keep(h.heap.concat(a, h.keep(h.heap.newString("XYZ"))));
  const String* y = h.keep(h.heap.concat(a, h.keep(h.heap.newString("123"))));
  CHECK(y->buffer() != a->buffer());
  CHECK(x->view() == std::string(70, 'a') + "XYZ");
  CHECK(y->view() == std::string(70, 'a') + "123");
  CHECK(a->view() == std::string(70, 'a'));
  // y is the longest string of its own buffer now, so it grows in place.
  const String* z = h.keep(h.heap.concat(y, h.keep(h.heap.newString("!"))));
  CHECK(z->buffer() == y->buffer());
  CHECK(z->view() == std::string(70, 'a') + "123!");
}

TEST_CASE("only a result of + that is long enough starts a buffer") {
  RootedHeap h;
  CHECK_FALSE(h.grow(std::string(63, 'a'))->shared);
  CHECK(h.grow(std::string(64, 'a'))->shared);
  // A long string not made by `+` (a literal, a method's result) plus a
  // suffix is one exact copy: nothing says it will grow again.
  const String* literal = h.keep(h.heap.newString(std::string(100, 'p')));
  const String* joined = h.keep(h.heap.concat(literal, h.keep(h.heap.newString("1"))));
  CHECK_FALSE(joined->shared);
  CHECK(joined->concatenated);
  CHECK(h.heap.concat(joined, literal)->shared);
}

TEST_CASE("a full buffer is replaced by one twice the size") {
  RootedHeap h;
  const String* s = h.grow(std::string(64, 'a'));
  std::size_t capacity = s->buffer()->capacity;
  CHECK(capacity == 128);
  const String* fill = h.keep(h.heap.newString(std::string(capacity - 64, 'b')));
  const String* full = h.keep(h.heap.concat(s, fill));
  CHECK(full->buffer() == s->buffer());
  const String* past = h.keep(h.heap.concat(full, h.keep(h.heap.newString("c"))));
  CHECK(past->buffer() != full->buffer());
  CHECK(past->buffer()->capacity == 2 * (capacity + 1));
  CHECK(past->view() == std::string(64, 'a') + std::string(64, 'b') + "c");
}

TEST_CASE("a buffer is freed with the last string sharing it") {
  RootedHeap h;
  h.heap.collect();
  std::size_t before = h.heap.bytesAllocated();
  const String* s = h.grow(std::string(5000, 'a'));
  h.roots = {s};
  h.heap.collect();
  // The string's header plus a buffer that holds at least its bytes.
  CHECK(h.heap.bytesAllocated() >= before + 5000);
  CHECK(h.heap.stats().objects == 1);  // buffers are not objects
  h.roots.clear();
  h.heap.collect();
  CHECK(h.heap.bytesAllocated() == before);
  CHECK(h.heap.stats().objects == 0);
}

TEST_CASE("growing a string past the limit throws OutOfMemory") {
  RootedHeap h(std::size_t{1} << 20);
  auto grow = [&] {
    const String* s = h.grow(std::string(100, 's'));
    for (;;) s = h.keep(h.heap.concat(s, s));
  };
  CHECK_THROWS_AS(grow(), OutOfMemory);
  CHECK(h.heap.bytesAllocated() <= h.heap.maxMemory());
}

TEST_CASE("near the limit a buffer has no spare room rather than failing") {
  RootedHeap h(std::size_t{1} << 20);
  const String* s = h.grow(std::string(100, 's'));
  const String* big = h.keep(h.heap.newString(std::string(400 * 1024, 'b')));
  // 2 x 400 KiB of buffer next to big's 400 KiB would pass the 1 MiB limit.
  const String* joined = h.keep(h.heap.concat(s, big));
  CHECK(joined->shared);
  CHECK(joined->buffer()->capacity == joined->length);
  CHECK(joined->view().substr(98, 4) == "ssbb");
}
