// The call frames and exception handlers of a snapshot ("frames" and
// "handlers", docs/snapshot-format.md), as the general reader reads them:
// each member once, with its type and range. How they refer to each other
// and to the stack is checked once everything is read
// (snapshot_reader_references.cpp).
#include "core/config.h"
#include "snapshot/snapshot_keys.h"
#include "snapshot/snapshot_reader_internal.h"

namespace shapevm {

bool SnapshotReader::readFrame(od::value v, SFrame* frame) {
  uint32_t seen = 0;
  constexpr uint32_t kFunction = 1, kId = 2, kHash = 4, kIp = 8, kBase = 16, kClosure = 32,
                     kLine = 64;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    uint32_t bit = key == snapshot_key::kFunction.name()  ? kFunction
                   : key == snapshot_key::kId.name()      ? kId
                   : key == snapshot_key::kHash.name()    ? kHash
                   : key == snapshot_key::kIp.name()      ? kIp
                   : key == snapshot_key::kBase.name()    ? kBase
                   : key == snapshot_key::kClosure.name() ? kClosure
                   : key == snapshot_key::kLine.name()    ? kLine
                                                          : 0;
    if (bit == 0 || (seen & bit))
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    seen |= bit;
    PathGuard guard(*this, bit == kFunction  ? snapshot_key::kFunction.name()
                           : bit == kId      ? snapshot_key::kId.name()
                           : bit == kHash    ? snapshot_key::kHash.name()
                           : bit == kIp      ? snapshot_key::kIp.name()
                           : bit == kBase    ? snapshot_key::kBase.name()
                           : bit == kClosure ? snapshot_key::kClosure.name()
                                             : snapshot_key::kLine.name());
    switch (bit) {
      case kFunction: {
        std::string_view name;
        if (!readString(field, &name)) return false;
        frame->function.name = data_.text.store(name);
        return true;
      }
      case kId:
        frame->function.hasId = true;
        return readUint32(field, UINT32_MAX, &frame->function.id);
      case kHash:
        frame->function.hasHash = true;
        return readHash(field, &frame->function.hash);
      case kIp:
        return readUint32(field, kMaxOperandA, &frame->ip);
      case kBase:
        return readUint32(field, kMaxStackSlots, &frame->base);
      case kClosure: {
        bool isNull = false;
        if (!field.is_null().get(isNull) && isNull) return true;
        uint32_t id;
        if (!readUint32(field, UINT32_MAX, &id)) return fail("expected null or an object id");
        frame->closure = id;
        return true;
      }
      default:
        return readUint32(field, UINT32_MAX, &frame->line);
    }
  });
  if (ok && (seen & (kFunction | kIp | kBase | kClosure)) != (kFunction | kIp | kBase | kClosure)) {
    return fail("a frame needs \"function\", \"ip\", \"base\" and \"closure\"");
  }
  return ok;
}

bool SnapshotReader::readHandler(od::value v, SHandler* handler) {
  uint32_t seen = 0;
  constexpr uint32_t kFrame = 1, kStackSize = 2, kHash = 4, kCatch = 8;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    uint32_t bit = key == snapshot_key::kFrame.name()       ? kFrame
                   : key == snapshot_key::kStackSize.name() ? kStackSize
                   : key == snapshot_key::kHash.name()      ? kHash
                   : key == snapshot_key::kCatch.name()     ? kCatch
                                                            : 0;
    if (bit == 0 || (seen & bit))
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    seen |= bit;
    switch (bit) {
      case kFrame: {
        PathGuard guard(*this, snapshot_key::kFrame.name());
        return readUint32(field, kMaxFrames, &handler->frame);
      }
      case kStackSize: {
        PathGuard guard(*this, snapshot_key::kStackSize.name());
        return readUint32(field, kMaxStackSlots, &handler->stackSize);
      }
      case kHash: {
        PathGuard guard(*this, snapshot_key::kHash.name());
        handler->hasHash = true;
        return readHash(field, &handler->hash);
      }
      default: {
        PathGuard guard(*this, snapshot_key::kCatch.name());
        return readUint32(field, kMaxOperandA, &handler->catchOffset);
      }
    }
  });
  if (ok && (seen & (kFrame | kStackSize | kCatch)) != (kFrame | kStackSize | kCatch)) {
    return fail("a handler needs \"frame\", \"stack_size\" and \"catch\"");
  }
  return ok;
}

}  // namespace shapevm
