// Strings: making them, `+` (its shared buffers are string_concat.cpp's),
// their cached hash, and the table of interned strings, which holds the
// program's names and string constants outside the collected heap.
#include <cstdlib>
#include <cstring>

#include "core/heap.h"
#include "core/string_table.h"

namespace shapevm {

uint64_t String::hashValue() const {
  if (!hashed) {
    hash = hashBytes(view());
    hashed = true;
  }
  return hash;
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

StringTable::~StringTable() {
  for (auto& [view, s] : strings_) std::free(s);  // allocated outside the heap's accounting
}

String* StringTable::intern(std::string_view bytes) {
  if (auto it = strings_.find(bytes); it != strings_.end()) return it->second;
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
  strings_.emplace(s->view(), s);
  return s;
}

}  // namespace shapevm
