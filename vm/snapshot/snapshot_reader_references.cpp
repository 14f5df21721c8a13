// The cross-reference checks of a snapshot, made once the whole file is read
// (by either decoder of the heap): every reference names an object of the
// right kind, map keys are hashable, handlers name existing frames in order,
// and the open upvalues are exactly the list the VM keeps. These are the
// invariants snapshot_data.h promises to relocation and restore.
#include "snapshot/snapshot_keys.h"
#include "snapshot/snapshot_reader_internal.h"

namespace shapevm {

bool SnapshotReader::checkRef(uint64_t id, ObjKind kind, const char* where) {
  if (id >= data_.objects.size()) {
    return fail(fmt::format("{} refers to object {}, but there are only {} objects", where, id,
                            data_.objects.size()));
  }
  if (data_.objects[id].kind != kind) {
    return fail(fmt::format("{} refers to object {}, a {}, where a {} is required", where, id,
                            objKindName(data_.objects[id].kind), objKindName(kind)));
  }
  return true;
}

bool SnapshotReader::checkValue(const SValue& v, const char* where) {
  if (!invalidValue(v)) return true;
  if (v.kind == SValueKind::Hole) {
    return fail(fmt::format("{} holds a deleted-entry marker", where));
  }
  return fail(fmt::format("{} refers to object {}, but there are only {} objects", where,
                          v.as.index, data_.objects.size()));
}

// One object's checks. Reporting (kReport), a failure records its message,
// under the path the caller has set; otherwise it only returns false, and
// reads nothing but the data, so that two threads may check at once. Open
// upvalues and map capacities are added to *totals.
template <bool kReport>
bool SnapshotReader::checkObject(std::size_t id, ObjectTotals* totals) {
  auto wrong = [&](const SValue& v, const char* where) {
    if constexpr (kReport) return !checkValue(v, where);
    return invalidValue(v);
  };
  const SObject& o = data_.objects[id];
  std::span<const SValue> values = data_.valuesOf(o);
  if (o.kind != ObjKind::Map) {  // a map's are checked below, with the key rules
    // All values at once, without a branch each; checkValue then says
    // which one is wrong.
    bool any = false;
    for (const SValue& v : values) any |= invalidValue(v);
    if (any) {
      for (const SValue& v : values) {
        if (wrong(v, "the object")) return false;
      }
    }
  }
  switch (o.kind) {
    case ObjKind::Map:
      totals->mapCapacities += o.number;
      for (std::size_t e = 0; e < values.size(); e += 2) {
        const SValue& key = values[e];
        if (key.kind == SValueKind::Hole) continue;
        if (wrong(key, "a map key") || wrong(values[e + 1], "a map value")) return false;
        bool hashable =
            key.kind == SValueKind::None || key.kind == SValueKind::Bool ||
            key.kind == SValueKind::Int || key.kind == SValueKind::Float ||
            (key.kind == SValueKind::Ref && data_.objects[key.as.index].kind == ObjKind::String);
        if (!hashable) {
          if constexpr (kReport) {
            return fail(fmt::format("map entry {} has a key that cannot be a map key", e / 2));
          }
          return false;
        }
      }
      break;
    case ObjKind::Closure:
      for (uint32_t u : data_.upvaluesOf(o)) {
        if constexpr (kReport) {
          if (!checkRef(u, ObjKind::Upvalue, "the closure")) return false;
        } else if (u >= data_.objects.size() || data_.objects[u].kind != ObjKind::Upvalue) {
          return false;
        }
      }
      break;
    case ObjKind::Upvalue:
      if (o.open) {
        ++totals->openUpvalues;
        if (o.number >= data_.stack.size()) {
          if constexpr (kReport) {
            return fail(fmt::format("open upvalue slot {} is above the stack top ({})", o.number,
                                    data_.stack.size()));
          }
          return false;
        }
      }
      break;
    default:
      break;
  }
  return true;
}

bool SnapshotReader::checkReferences() {
  PathGuard state(*this, snapshot_key::kState.name());
  if (data_.frames.empty()) {
    PathGuard guard(*this, snapshot_key::kFrames.name());
    return fail("a snapshot needs at least one frame");
  }
  for (std::size_t i = 0; i < data_.stack.size(); ++i) {
    PathGuard guard(*this, snapshot_key::kStack.name());
    PathGuard index(*this, i);
    if (!checkValue(data_.stack[i], "the slot")) return false;
  }
  for (std::size_t i = 0; i < data_.globals.size(); ++i) {
    PathGuard guard(*this, snapshot_key::kGlobals.name());
    PathGuard index(*this, i);
    if (!checkValue(data_.globals[i].value, "the global")) return false;
  }
  for (std::size_t i = 0; i < data_.frames.size(); ++i) {
    PathGuard guard(*this, snapshot_key::kFrames.name());
    PathGuard index(*this, i);
    if (data_.frames[i].closure >= 0 &&
        !checkRef(static_cast<uint64_t>(data_.frames[i].closure), ObjKind::Closure, "the frame")) {
      return false;
    }
  }
  uint32_t lastFrame = 0;
  for (std::size_t i = 0; i < data_.handlers.size(); ++i) {
    PathGuard guard(*this, snapshot_key::kHandlers.name());
    PathGuard index(*this, i);
    const SHandler& h = data_.handlers[i];
    if (h.frame >= data_.frames.size()) {
      return fail(fmt::format("frame {} does not exist ({} frames)", h.frame, data_.frames.size()));
    }
    if (h.frame < lastFrame) return fail("handlers must be ordered by frame");
    if (h.stackSize > data_.stack.size()) return fail("stack_size is above the stack top");
    lastFrame = h.frame;
  }
  // A quick pass over the objects, split between two threads when there
  // are many, finds whether all is well, as it nearly always is; only then
  // is the first wrong object found again, with its message.
  std::size_t count = data_.objects.size();
  ObjectTotals halves[2];
  bool valid[2] = {true, true};
  overObjectHalves(count, [&](std::size_t from, std::size_t to, int half) {
    // Counted in locals, stored once: the two halves' results share a cache
    // line, which writes at every object would pass back and forth.
    ObjectTotals totals;
    bool ok = true;
    for (std::size_t id = from; id < to && ok; ++id) ok = checkObject<false>(id, &totals);
    halves[half] = totals;
    valid[half] = ok;
  });
  std::size_t openCount = halves[0].openUpvalues + halves[1].openUpvalues;
  data_.mapCapacities = halves[0].mapCapacities + halves[1].mapCapacities;
  if (!valid[0] || !valid[1]) {
    PathGuard objects(*this, snapshot_key::kObjects.name());
    PathGuard objectIndex(*this, std::size_t{0});
    ObjectTotals totals;
    for (std::size_t id = 0; id < count; ++id) {
      // One guard for all objects, its index moved along: a guard each cost
      // two path changes per object.
      path_.back().index = id;
      if (!checkObject<true>(id, &totals)) return false;
    }
    openCount = totals.openUpvalues;
    data_.mapCapacities = totals.mapCapacities;
  }
  // The open upvalues must be exactly the list the VM keeps, highest slot
  // first: an open upvalue missing from it would never be closed.
  PathGuard guard(*this, snapshot_key::kOpenUpvalues.name());
  if (data_.openUpvalues.size() != openCount) {
    return fail(fmt::format("lists {} upvalues, but {} objects are open upvalues",
                            data_.openUpvalues.size(), openCount));
  }
  for (std::size_t i = 0; i < data_.openUpvalues.size(); ++i) {
    PathGuard index(*this, i);
    uint32_t id = data_.openUpvalues[i];
    if (!checkRef(id, ObjKind::Upvalue, "the entry")) return false;
    const SObject& u = data_.objects[id];
    if (!u.open) return fail(fmt::format("object {} is a closed upvalue", id));
    if (i > 0 && data_.objects[data_.openUpvalues[i - 1]].number <= u.number) {
      return fail("open upvalues must be listed once each, by strictly decreasing slot");
    }
  }
  return true;
}

}  // namespace shapevm
