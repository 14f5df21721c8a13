// Strings grown by `+` share a buffer, making `s + t` cost O(len t)
// amortised instead of O(len s + len t). Strings are immutable, and `s + t`
// copied all of s, so building a string by appending to it (`s = s + "x"`
// n times) copied n²/2 bytes, quadratic in the final length (measured in
// docs/design.md, "Heap and collector").
//
// Heap::concat (strings.cpp) makes ordinary strings of short results. A result
// of Heap::kMinSharedStringLength bytes or more whose left operand was itself
// made by `+` comes here and moves into a StringBuffer with as much room
// again (object.h). The next `+` on the buffer's longest string writes only
// the new bytes into that room and returns a string sharing the buffer; the
// strings already sharing it keep their lengths, so none of them sees the new
// bytes, and `a + x` then `a + y` copies `a` for the second (a is no longer
// the longest). A full buffer is replaced by one twice the size.
//
// Only a left operand made by `+` starts a buffer, as the sign of a string
// being grown: `prefix + str(i)` with a long literal prefix, kept in an
// array, stays an ordinary string of exact size instead of leaving half of a
// buffer unused. Every string sharing a buffer is at least half its
// capacity, so buffers at most double the bytes of the strings they hold.
//
// Buffers are storage, not heap objects: no snapshot, object id or object
// count sees them (a snapshot writes every string's bytes, and a resumed run
// makes ordinary strings). A buffer counts the strings sharing it, and the
// sweep frees it with the last of them; its bytes count against the heap's
// limit like any container's storage.
#include <algorithm>
#include <cstring>

#include "core/heap.h"

namespace shapevm {

StringBuffer* Heap::newStringBuffer(std::size_t length) {
  // Room for as many bytes again, unless that alone would pass the memory
  // limit: an exact fit still makes the string the guest asked for.
  std::size_t room = maxMemory_ - std::min(maxMemory_, bytesAllocated_ + sizeof(StringBuffer));
  std::size_t capacity = length <= room / 2 ? 2 * length : length;
  auto* buffer = static_cast<StringBuffer*>(allocate(sizeof(StringBuffer) + capacity));
  buffer->capacity = capacity;
  buffer->used = 0;
  buffer->sharers = 0;
  return buffer;
}

String* Heap::newSharedString(StringBuffer* buffer, std::size_t length) {
  String* s = newStringHeader(length, sizeof(StringBuffer*));
  s->shared = true;
  s->concatenated = true;
  std::memcpy(static_cast<void*>(s + 1), &buffer, sizeof buffer);
  ++buffer->sharers;
  return s;
}

void Heap::dropSharer(StringBuffer* buffer) {
  if (--buffer->sharers == 0) release(buffer, sizeof(StringBuffer) + buffer->capacity);
}

String* Heap::concatShared(const String* left, const String* right) {
  std::size_t length = left->length + right->length;
  StringBuffer* buffer = left->shared ? left->buffer() : nullptr;
  if (buffer != nullptr && buffer->used == left->length &&
      buffer->capacity - buffer->used >= right->length) {
    // The new string first: if allocating it collects or throws, the buffer
    // is as it was.
    String* joined = newSharedString(buffer, length);
    std::memcpy(buffer->bytes() + left->length, right->chars(), right->length);
    buffer->used = length;
    return joined;
  }
  buffer = newStringBuffer(length);
  std::memcpy(buffer->bytes(), left->chars(), left->length);
  std::memcpy(buffer->bytes() + left->length, right->chars(), right->length);
  buffer->used = length;
  try {
    return newSharedString(buffer, length);
  } catch (...) {
    release(buffer, sizeof(StringBuffer) + buffer->capacity);
    throw;
  }
}

}  // namespace shapevm
