// Values and heap objects of a snapshot, read by the general reader: the
// typed readers of single fields, tagged values, and each object of the
// "objects" array (docs/snapshot-format.md, "Objects"), whatever its member
// order or spacing. A file as the writer lays it out has its heap decoded by
// canonical_objects.cpp instead; this is what reads any other text, and the
// stack's values in every file. One translation unit, so the per-value calls
// of an object's loop stay local.
#include <cstring>

#include "bytecode/builtin_names.h"
#include "core/config.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot_keys.h"
#include "snapshot/snapshot_reader_internal.h"

namespace shapevm {

namespace {

// Keys of heap-object entries; an entry's kind is given by exactly one of the
// discriminator keys (string, array, map, record, closure, upvalue, file).
enum ObjectKey : uint32_t {
  kKeyString = 1 << 0,
  kKeyArray = 1 << 1,
  kKeyMap = 1 << 2,
  kKeyCapacity = 1 << 3,
  kKeyRecord = 1 << 4,
  kKeyFields = 1 << 5,
  kKeyClosure = 1 << 6,
  kKeyId = 1 << 7,
  kKeyHash = 1 << 8,
  kKeyCaptures = 1 << 9,
  kKeyUpvalues = 1 << 10,
  kKeyUpvalue = 1 << 11,
  kKeySlot = 1 << 12,
  kKeyValue = 1 << 13,
  kKeyFile = 1 << 14,
  kKeyMode = 1 << 15,
  kKeyOpen = 1 << 16,
  kKeyOffset = 1 << 17,
  kKeyAbsolute = 1 << 18,
  kKeyLength = 1 << 19,
  kKeyHead = 1 << 20,
  kKeyTail = 1 << 21,
};

// What version 3 adds to an open file: where it is and what it held.
constexpr uint32_t kFileIdentityKeys = kKeyAbsolute | kKeyLength | kKeyHead | kKeyTail;

struct ObjectShape {
  ObjKind kind;
  uint32_t discriminator;
  uint32_t required;
  uint32_t allowed;
};

constexpr ObjectShape kObjectShapes[] = {
    {ObjKind::String, kKeyString, kKeyString, kKeyString},
    {ObjKind::Array, kKeyArray, kKeyArray, kKeyArray},
    {ObjKind::Map, kKeyMap, kKeyMap | kKeyCapacity, kKeyMap | kKeyCapacity},
    {ObjKind::Record, kKeyRecord, kKeyRecord | kKeyFields, kKeyRecord | kKeyFields},
    {ObjKind::Closure, kKeyClosure, kKeyClosure | kKeyCaptures | kKeyUpvalues,
     kKeyClosure | kKeyId | kKeyHash | kKeyCaptures | kKeyUpvalues},
    {ObjKind::Upvalue, kKeyUpvalue, kKeyUpvalue, kKeyUpvalue | kKeySlot | kKeyValue},
    {ObjKind::File, kKeyFile, kKeyFile | kKeyMode | kKeyOpen,
     kKeyFile | kKeyMode | kKeyOpen | kKeyOffset | kFileIdentityKeys},
};

constexpr uint32_t kDiscriminators =
    kKeyString | kKeyArray | kKeyMap | kKeyRecord | kKeyClosure | kKeyUpvalue | kKeyFile;

}  // namespace

bool SnapshotReader::readUint(od::value v, uint64_t max, uint64_t* out) {
  uint64_t n;
  if (auto code = v.get_uint64().get(n)) return failJson(code, "a non-negative integer");
  if (n > max) return fail(fmt::format("{} is too large (at most {})", n, max));
  *out = n;
  return true;
}

bool SnapshotReader::readUint32(od::value v, uint64_t max, uint32_t* out) {
  uint64_t n;
  if (!readUint(v, max, &n)) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

bool SnapshotReader::readBool(od::value v, bool* out) {
  if (auto code = v.get_bool().get(*out)) return failJson(code, "true or false");
  return true;
}

bool SnapshotReader::readString(od::value v, std::string_view* out) {
  if (auto code = v.get_string().get(*out)) return failJson(code, "a string");
  return true;
}

// The text is stored in the arena; *out views it there.
bool SnapshotReader::readText(od::value v, std::string_view* out) {
  od::json_type type;
  if (auto code = v.type().get(type)) return failJson(code, "a string");
  if (type == od::json_type::string) {
    std::string_view text;
    if (!readString(v, &text)) return false;
    *out = data_.text.store(text);
    return true;
  }
  if (type != od::json_type::object) return fail("expected a string or {\"bytes\": HEX}");
  bool seen = false;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    if (key != snapshot_key::kBytes.name() || seen)
      return fail("expected a string or {\"bytes\": HEX}");
    seen = true;
    std::string_view hex;
    if (!readString(field, &hex)) return false;
    if (!decodeHex(hex, &hexBytes_)) return fail("\"bytes\" must be an even number of hex digits");
    *out = data_.text.store(hexBytes_);
    return true;
  });
  if (ok && !seen) return fail("expected a string or {\"bytes\": HEX}");
  return ok;
}

bool SnapshotReader::readHash(od::value v, FunctionHash* out) {
  std::string_view text;
  if (!readString(v, &text)) return false;
  if (!FunctionHash::fromHex(text, out)) return fail("expected a hash of 32 lowercase hex digits");
  return true;
}

bool SnapshotReader::readHex64(od::value v, uint64_t* out) {
  std::string_view hex;
  if (!readString(v, &hex)) return false;
  if (!parseHex64(hex, out)) return fail("expected 16 hex digits");
  return true;
}

bool SnapshotReader::readValue(od::value v, SValue* out) {
  od::json_type type;
  if (auto code = v.type().get(type)) return failJson(code, "a value");
  switch (type) {
    case od::json_type::null: {
      bool isNull = false;
      if (v.is_null().get(isNull) || !isNull) return fail("expected a value");
      out->kind = SValueKind::None;
      return true;
    }
    case od::json_type::boolean:
      out->kind = SValueKind::Bool;
      return readBool(v, &out->as.b);
    case od::json_type::number: {
      std::string_view token = v.raw_json_token();
      od::number number;
      if (auto code = v.get_number().get(number)) return failJson(code, "a number");
      switch (number.get_number_type()) {
        case od::number_type::signed_integer:
          out->kind = SValueKind::Int;
          out->as.i = number.get_int64();
          return true;
        case od::number_type::floating_point_number: {
          // An integer token too big for int64 also parses as a double; only
          // a token with a fraction or exponent is a float.
          if (token.find_first_of(".eE") == std::string_view::npos) {
            return fail("integer does not fit in 64 signed bits");
          }
          out->kind = SValueKind::Float;
          out->as.f = number.get_double();
          return true;
        }
        default:
          return fail("integer does not fit in 64 signed bits");
      }
    }
    case od::json_type::object: {
      od::object object;
      if (auto code = v.get_object().get(object)) return failJson(code, "a value");
      return readTaggedValue(object, out);
    }
    default:
      return fail(
          "expected a value (null, true, false, a number or {\"ref\"|\"fn\"|\"native\"|\"float\": "
          "...})");
  }
}

bool SnapshotReader::readTaggedValue(od::object object, SValue* out) {
  bool seen = false;
  for (auto entry : object) {
    od::field field;
    if (auto code = std::move(entry).get(field)) return failJson(code, "an object member");
    std::string_view key;
    if (!fieldKey(field, &key)) return false;
    if (seen) return fail("a tagged value has exactly one member");
    seen = true;
    od::value v = field.value();
    if (key == snapshot_key::kRef.name()) {
      out->kind = SValueKind::Ref;
      if (!readUint32(v, UINT32_MAX, &out->as.index)) return false;
    } else if (key == snapshot_key::kFn.name()) {
      std::string_view name;
      if (!readString(v, &name)) return false;
      auto it = functionNameIds_.find(name);
      if (it == functionNameIds_.end()) {
        std::string_view stored = data_.text.store(name);
        it = functionNameIds_.emplace(stored, static_cast<uint32_t>(data_.functionNames.size()))
                 .first;
        data_.functionNames.push_back(stored);
      }
      out->kind = SValueKind::Function;
      out->as.index = it->second;
    } else if (key == snapshot_key::kNative.name()) {
      std::string_view name;
      if (!readString(v, &name)) return false;
      int builtin = findBuiltin(name);
      if (builtin < 0) return fail(fmt::format("unknown built-in function \"{}\"", name));
      out->kind = SValueKind::Native;
      out->as.index = static_cast<uint32_t>(builtin);
    } else if (key == snapshot_key::kFloat.name()) {
      std::string_view hex;
      uint64_t bits;
      if (!readString(v, &hex)) return false;
      if (!parseHex64(hex, &bits))
        return fail("\"float\" must be 16 hex digits (the IEEE-754 bits)");
      out->kind = SValueKind::Float;
      std::memcpy(&out->as.f, &bits, sizeof bits);
    } else {
      return fail(fmt::format("unknown value tag \"{}\"", key));
    }
  }
  if (!seen) return fail("a tagged value has exactly one member");
  return true;
}

bool SnapshotReader::readValueArray(od::value v, HugeVector<SValue>* out, std::size_t max) {
  return forEachElement(v, max, [&](std::size_t, od::value item) {
    out->emplace_back();
    return readValue(item, &out->back());
  });
}

// Appends an array of strings to the names pool.
bool SnapshotReader::readNames(od::value v) {
  return forEachElement(v, SIZE_MAX, [&](std::size_t, od::value item) {
    std::string_view text;
    if (!readString(item, &text)) return false;
    data_.names.push_back(data_.text.store(text));
    return true;
  });
}

bool SnapshotReader::readMapEntries(od::value v) {
  HugeVector<SValue>& values = data_.values;
  return forEachElement(v, SIZE_MAX, [&](std::size_t, od::value item) {
    std::size_t count = 0;
    bool ok = forEachElement(item, 2, [&](std::size_t, od::value part) {
      values.emplace_back();
      ++count;
      return readValue(part, &values.back());
    });
    if (!ok) return false;
    if (count == 0) {  // a deleted entry keeps its position
      values.push_back(SValue{SValueKind::Hole, {}});
      values.push_back(SValue{});
      return true;
    }
    if (count != 2) return fail("a map entry is [key, value], or [] for a deleted entry");
    return true;
  });
}

bool SnapshotReader::readRecordFields(od::value v, SObject* object) {
  return forEachField(v, [&](std::string_view key, od::value field) {
    std::span<const std::string_view> earlier(data_.names.begin() + object->firstName,
                                              data_.names.end());
    if (repeatedFields_.contains(earlier, key)) {
      return fail(fmt::format("field \"{}\" appears twice", key));
    }
    data_.names.push_back(data_.text.store(key));
    data_.values.emplace_back();
    PathGuard guard(*this, data_.names.back());
    return readValue(field, &data_.values.back());
  });
}

bool SnapshotReader::readObject(od::value v, SObject* object) {
  uint32_t seen = 0;
  SOpenFile identity;
  std::string_view upvalueState;
  object->firstValue = data_.values.size();
  object->firstName = data_.names.size();
  // The closure members, made on the first member only a closure has.
  bool hasClosure = false;
  auto closure = [&]() -> SClosure& {
    if (!hasClosure) {
      hasClosure = true;
      object->closure = static_cast<uint32_t>(data_.closures.size());
      data_.closures.emplace_back();
    }
    return data_.closures[object->closure];
  };
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    struct KeyName {
      std::string_view name;
      uint32_t bit;
    };
    static constexpr KeyName kKeys[] = {
        {snapshot_key::kString.name(), kKeyString},
        {snapshot_key::kArray.name(), kKeyArray},
        {snapshot_key::kMap.name(), kKeyMap},
        {snapshot_key::kCapacity.name(), kKeyCapacity},
        {snapshot_key::kRecord.name(), kKeyRecord},
        {snapshot_key::kFields.name(), kKeyFields},
        {snapshot_key::kClosure.name(), kKeyClosure},
        {snapshot_key::kId.name(), kKeyId},
        {snapshot_key::kHash.name(), kKeyHash},
        {snapshot_key::kCaptures.name(), kKeyCaptures},
        {snapshot_key::kUpvalues.name(), kKeyUpvalues},
        {snapshot_key::kUpvalue.name(), kKeyUpvalue},
        {snapshot_key::kSlot.name(), kKeySlot},
        {snapshot_key::kValue.name(), kKeyValue},
        {snapshot_key::kFile.name(), kKeyFile},
        {snapshot_key::kMode.name(), kKeyMode},
        {snapshot_key::kOpen.name(), kKeyOpen},
        {snapshot_key::kOffset.name(), kKeyOffset},
        {snapshot_key::kAbsolute.name(), kKeyAbsolute},
        {snapshot_key::kLength.name(), kKeyLength},
        {snapshot_key::kHead.name(), kKeyHead},
        {snapshot_key::kTail.name(), kKeyTail},
    };
    const KeyName* found = nullptr;
    for (const KeyName& k : kKeys) {
      if (k.name == key) found = &k;
    }
    if (found == nullptr || (seen & found->bit)) {
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    }
    seen |= found->bit;
    PathGuard guard(*this, found->name);
    switch (found->bit) {
      case kKeyString:
        return readText(field, &object->text);
      case kKeyArray:
        return readValueArray(field, &data_.values, SIZE_MAX);
      case kKeyMap:
        return readMapEntries(field);
      case kKeyCapacity:
        // The largest entry array the heap ever allocates (map.cpp's mapAppend).
        return readUint(field, uint64_t{1} << 30, &object->number);
      case kKeyRecord: {
        std::string_view name;
        if (!readString(field, &name)) return false;
        object->builtinType = name == snapshot_key::kErrorTypeName.text();
        object->text = data_.text.store(object->builtinType ? "Error" : name);
        return true;
      }
      case kKeyFields:
        return readRecordFields(field, object);
      case kKeyClosure: {
        std::string_view name;
        if (!readString(field, &name)) return false;
        closure().function.name = data_.text.store(name);
        return true;
      }
      case kKeyId:
        closure().function.hasId = true;
        return readUint32(field, UINT32_MAX, &closure().function.id);
      case kKeyHash:
        closure().function.hasHash = true;
        return readHash(field, &closure().function.hash);
      case kKeyCaptures:
        return readNames(field);
      case kKeyUpvalues: {
        closure().firstUpvalue = data_.upvalueIds.size();
        bool read = forEachElement(field, SIZE_MAX, [&](std::size_t, od::value item) {
          uint32_t id;
          if (!readUint32(item, UINT32_MAX, &id)) return false;
          data_.upvalueIds.push_back(id);
          return true;
        });
        closure().upvalueCount = data_.upvalueIds.size() - closure().firstUpvalue;
        return read;
      }
      case kKeyUpvalue:
        if (!readString(field, &upvalueState)) return false;
        if (upvalueState != snapshot_key::kOpenUpvalue.text() &&
            upvalueState != snapshot_key::kClosedUpvalue.text()) {
          return fail("expected \"open\" or \"closed\"");
        }
        object->open = upvalueState == snapshot_key::kOpenUpvalue.text();
        return true;
      case kKeySlot:
        return readUint(field, kMaxStackSlots, &object->number);
      case kKeyValue:
        data_.values.emplace_back();
        return readValue(field, &data_.values.back());
      case kKeyFile:
        return readText(field, &object->text);
      case kKeyMode: {
        std::string_view mode;
        if (!readString(field, &mode)) return false;
        if (mode == "r") {
          object->mode = FileMode::Read;
        } else if (mode == "w") {
          object->mode = FileMode::Write;
        } else if (mode == "a") {
          object->mode = FileMode::Append;
        } else {
          return fail("expected \"r\", \"w\" or \"a\"");
        }
        return true;
      }
      case kKeyOpen:
        return readBool(field, &object->open);
      case kKeyAbsolute:
        return readText(field, &identity.absolutePath);
      case kKeyLength:
        return readUint(field, static_cast<uint64_t>(INT64_MAX), &identity.fingerprint.length);
      case kKeyHead:
        return readHex64(field, &identity.fingerprint.head);
      case kKeyTail:
        return readHex64(field, &identity.fingerprint.tail);
      default:
        return readUint(field, static_cast<uint64_t>(INT64_MAX), &object->number);
    }
  });
  if (!ok) return false;
  object->valueCount = data_.values.size() - object->firstValue;
  object->nameCount = data_.names.size() - object->firstName;
  uint32_t discriminator = seen & kDiscriminators;
  for (const ObjectShape& shape : kObjectShapes) {
    if (discriminator != shape.discriminator) continue;
    object->kind = shape.kind;
    if ((seen & shape.required) != shape.required || (seen & ~shape.allowed) != 0) {
      return fail(fmt::format("malformed {} object", objKindName(shape.kind)));
    }
    if (shape.kind == ObjKind::Upvalue) {
      uint32_t needed = object->open ? kKeySlot : kKeyValue;
      if ((seen & (kKeySlot | kKeyValue)) != needed) {
        return fail(object->open ? "an open upvalue needs \"slot\" (and no \"value\")"
                                 : "a closed upvalue needs \"value\" (and no \"slot\")");
      }
    }
    if (shape.kind == ObjKind::File) {
      uint32_t needed = !object->open        ? 0
                        : data_.version >= 3 ? kKeyOffset | kFileIdentityKeys
                                             : kKeyOffset;
      if ((seen & (kKeyOffset | kFileIdentityKeys)) != needed) {
        return fail(object->open ? data_.version >= 3
                                       ? "an open file needs \"offset\", \"absolute\", "
                                         "\"length\", \"head\" and \"tail\""
                                       : "an open file needs \"offset\""
                                 : "a closed file has only \"file\", \"mode\" and \"open\"");
      }
      if (object->open && data_.version >= 3) {
        if (!isAbsolutePath(identity.absolutePath)) {
          return fail("\"absolute\" must be an absolute path");
        }
        identity.object = static_cast<uint32_t>(object - data_.objects.data());
        data_.host.files.push_back(identity);
      }
    }
    if (shape.kind == ObjKind::Map) {
      std::size_t entries = object->valueCount / 2;
      if (object->number < entries || (object->number != 0 && object->number < kMinMapCapacity) ||
          (object->number & (object->number - 1)) != 0) {
        return fail(
            fmt::format("map capacity {} must be 0 or a power of two >= {} and >= its {} entries",
                        object->number, kMinMapCapacity, entries));
      }
    }
    if (shape.kind == ObjKind::Closure &&
        object->nameCount != data_.closureOf(*object).upvalueCount) {
      return fail("a closure needs one upvalue per capture");
    }
    return true;
  }
  return fail(
      "an object needs exactly one of \"string\", \"array\", \"map\", \"record\", \"closure\", "
      "\"upvalue\", \"file\"");
}

}  // namespace shapevm
