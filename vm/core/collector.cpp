// The mark-sweep collector (see heap.h for its invariants): marking from the
// roots through an explicit gray stack, the sweep over the object pool and
// the large objects, freeing objects, and the heap's teardown. The collector
// is non-moving: objects never change address, so raw pointers held by the
// interpreter between allocations stay valid.
#include <cstdio>
#include <cstdlib>

#include "core/heap.h"

namespace shapevm {
namespace {

// The check of a container the collector skipped (config.h, kCheckSkippedScans);
// only the test builds call it.
[[maybe_unused]] void checkSkippedScan(bool holdsObject, const char* what) {
  if (!holdsObject) return;
  std::fprintf(stderr, "shapevm: internal error: %s marked as holding no object holds one\n", what);
  std::abort();
}

}  // namespace

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
      if (!a->mayHoldObjects) {
        if constexpr (kCheckSkippedScans)
          checkSkippedScan(anyObject(a->items, a->count), "an array");
        return;
      }
      for (std::size_t i = 0; i < a->count; ++i) {
        prefetchAhead(a->items, i, a->count);
        markValue(a->items[i]);
      }
      return;
    }
    case ObjKind::Map: {
      auto* m = static_cast<Map*>(object);
      if (!m->mayHoldObjects) {
        if constexpr (kCheckSkippedScans) {
          bool holdsObject = false;
          for (std::size_t i = 0; i < m->entryCount; ++i) {
            holdsObject = holdsObject || mapKeyAt(m, i).isObject() || mapValueAt(m, i).isObject();
          }
          checkSkippedScan(holdsObject, "a map");
        }
        return;
      }
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

}  // namespace shapevm
