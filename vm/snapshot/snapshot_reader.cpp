// Parsing and structural validation of snapshot files (see snapshot_reader.h
// and docs/snapshot-format.md), with simdjson On-Demand.
//
// The reader is schema-driven: it walks the fixed shape of the format, so the
// C++ stack depth is bounded by the format, never by the file (a hostile file
// nested a million arrays deep is rejected by simdjson's depth limit or by the
// first field of the wrong type). Every container is filled element by
// element as the file supplies them, so a count in the file cannot make the
// reader allocate more than the file's own size justifies.
//
// Speed (about 10 bytes of JSON per value, so per-value costs dominate): the
// file is read once, straight into simdjson's padded buffer; objects are flat
// records whose values, names and text go into shared pools and an arena
// (snapshot_data.h) instead of a few small allocations each; a heap as the
// writer lays it out is decoded by canonical_objects.cpp and never seen by
// simdjson (Reader::read).
#include "snapshot/snapshot_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

#include "bytecode/builtin_names.h"
#include "core/config.h"
#include "core/huge_pages.h"
#include "snapshot/base64.h"
#include "snapshot/canonical_objects.h"
#include "snapshot/json_text.h"
#include "snapshot/repeated_names.h"
#include "snapshot/snapshot_keys.h"

namespace shapevm {

const char* objKindName(ObjKind kind) {
  switch (kind) {
    case ObjKind::String:
      return "string";
    case ObjKind::Array:
      return "array";
    case ObjKind::Map:
      return "map";
    case ObjKind::Record:
      return "record";
    case ObjKind::Closure:
      return "closure";
    case ObjKind::Upvalue:
      return "upvalue";
    case ObjKind::File:
      return "file";
  }
  return "?";
}

std::string_view TextArena::store(std::string_view bytes) {
  // Chunks of 1 MiB amortise the allocation over many short strings; a long
  // string gets a chunk of its own, leaving the current chunk's tail in use.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  if (bytes.empty()) return {};
  if (bytes.size() > kChunk / 4) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
    std::memcpy(chunks_.back().get(), bytes.data(), bytes.size());
    return {chunks_.back().get(), bytes.size()};
  }
  if (bytes.size() > left_) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(kChunk));
    free_ = chunks_.back().get();
    left_ = kChunk;
  }
  std::memcpy(free_, bytes.data(), bytes.size());
  std::string_view stored(free_, bytes.size());
  free_ += bytes.size();
  left_ -= bytes.size();
  return stored;
}

void TextArena::absorb(TextArena&& other) {
  for (auto& chunk : other.chunks_) chunks_.push_back(std::move(chunk));
  other.chunks_.clear();
  other.free_ = nullptr;
  other.left_ = 0;
}

namespace {

namespace od = simdjson::ondemand;

bool isAbsolutePath(std::string_view path) { return !path.empty() && path.front() == '/'; }

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

class Reader {
 public:
  explicit Reader(const std::string& fileName) { data_.file = fileName; }

  Result<SnapshotData> read(simdjson::padded_string_view text);

 private:
  bool readDocument(simdjson::padded_string_view text);
  bool readWithoutHeap(std::string_view text, HeapText heap);

  // ---- error reporting ----
  struct PathPart {
    std::string_view key;  // unless isIndex
    std::size_t index;
    bool isIndex;
  };
  class PathGuard {
   public:
    PathGuard(Reader& reader, std::string_view key) : reader_(reader) {
      reader_.path_.push_back({key, 0, false});
    }
    PathGuard(Reader& reader, std::size_t index) : reader_(reader) {
      reader_.path_.push_back({{}, index, true});
    }
    ~PathGuard() { reader_.path_.pop_back(); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

   private:
    Reader& reader_;
  };

  std::string pathText() const;
  bool fail(std::string_view message);
  bool failJson(simdjson::error_code code, std::string_view expected);
  bool fieldKey(od::field& field, std::string_view* key);

  // ---- typed field readers; each returns false after recording an error ----
  bool header(std::string_view text, std::size_t* bodyAt);
  bool readUint(od::value v, uint64_t max, uint64_t* out);
  bool readUint32(od::value v, uint64_t max, uint32_t* out);
  bool readBool(od::value v, bool* out);
  bool readString(od::value v, std::string_view* out);
  bool readText(od::value v, std::string_view* out);
  bool readHash(od::value v, FunctionHash* out);
  bool readHex64(od::value v, uint64_t* out);
  bool readFingerprint(od::value v, FileFingerprint* out);
  bool readHost(od::value v);
  bool readValue(od::value v, SValue* out);
  bool readTaggedValue(od::object object, SValue* out);
  bool readValueArray(od::value v, std::vector<SValue>* out, std::size_t max);
  bool readNames(od::value v);
  template <typename F>
  bool forEachElement(od::value v, std::size_t max, F&& each);
  template <typename F>
  bool forEachField(od::value v, F&& each);

  bool readState(od::value v);
  bool readProgram(od::value v);
  bool readRng(od::value v);
  bool readGlobal(od::value v);
  bool readFrame(od::value v, SFrame* frame);
  bool readHandler(od::value v, SHandler* handler);
  bool readObject(od::value v, SObject* object);
  bool readMapEntries(od::value v);
  bool readRecordFields(od::value v, SObject* object);

  // ---- cross-reference checks once everything is read ----
  bool checkReferences();
  bool checkValue(const SValue& v, const char* where);
  bool checkRef(uint64_t id, ObjKind kind, const char* where);

  SnapshotData data_;
  std::vector<PathPart> path_;
  std::optional<Diagnostic> error_;
  FunctionNameIds functionNameIds_;
  const char* textEnd_ = nullptr;  // the end of the file's text
  // When the document read is the file with its heap cut out
  // (readWithoutHeap): the heap's text in the file, and where the "[]" that
  // stands for it is in the document.
  std::optional<HeapText> heap_;
  const char* heapSlot_ = nullptr;
  std::string hexBytes_;  // scratch for {"bytes": HEX}
  RepeatedNames repeatedFields_;
  NameSet globalNames_;
};

std::string Reader::pathText() const {
  std::string text;
  for (const PathPart& part : path_) {
    if (!part.isIndex) {
      if (!text.empty()) text += '.';
      text += part.key;
    } else {
      text += fmt::format("[{}]", part.index);
    }
  }
  return text;
}

bool Reader::fail(std::string_view message) {
  if (!error_) {
    std::string where = pathText();
    error_ =
        Diagnostic::inFile(data_.file, where.empty() ? std::string(message)
                                                     : fmt::format("at {}: {}", where, message));
  }
  return false;
}

bool Reader::failJson(simdjson::error_code code, std::string_view expected) {
  if (code == simdjson::INCORRECT_TYPE || code == simdjson::NUMBER_OUT_OF_RANGE) {
    return fail(fmt::format("expected {}", expected));
  }
  return fail(fmt::format("expected {} ({})", expected, simdjson::error_message(code)));
}

bool Reader::readUint(od::value v, uint64_t max, uint64_t* out) {
  uint64_t n;
  if (auto code = v.get_uint64().get(n)) return failJson(code, "a non-negative integer");
  if (n > max) return fail(fmt::format("{} is too large (at most {})", n, max));
  *out = n;
  return true;
}

bool Reader::readUint32(od::value v, uint64_t max, uint32_t* out) {
  uint64_t n;
  if (!readUint(v, max, &n)) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

bool Reader::readBool(od::value v, bool* out) {
  if (auto code = v.get_bool().get(*out)) return failJson(code, "true or false");
  return true;
}

bool Reader::readString(od::value v, std::string_view* out) {
  if (auto code = v.get_string().get(*out)) return failJson(code, "a string");
  return true;
}

// The text is stored in the arena; *out views it there.
bool Reader::readText(od::value v, std::string_view* out) {
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

bool Reader::readHash(od::value v, FunctionHash* out) {
  std::string_view text;
  if (!readString(v, &text)) return false;
  if (!FunctionHash::fromHex(text, out)) return fail("expected a hash of 32 lowercase hex digits");
  return true;
}

bool Reader::readHex64(od::value v, uint64_t* out) {
  std::string_view hex;
  if (!readString(v, &hex)) return false;
  if (!parseHex64(hex, out)) return fail("expected 16 hex digits");
  return true;
}

bool Reader::readFingerprint(od::value v, FileFingerprint* out) {
  uint32_t seen = 0;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    uint32_t bit = key == snapshot_key::kLength.name() ? 1
                   : key == snapshot_key::kHead.name() ? 2
                   : key == snapshot_key::kTail.name() ? 4
                                                       : 0;
    if (bit == 0 || (seen & bit))
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    seen |= bit;
    PathGuard guard(*this, key);
    if (bit == 1) return readUint(field, static_cast<uint64_t>(INT64_MAX), &out->length);
    return readHex64(field, bit == 2 ? &out->head : &out->tail);
  });
  if (ok && seen != 7) return fail("needs \"length\", \"head\" and \"tail\"");
  return ok;
}

bool Reader::readHost(od::value v) {
  uint32_t seen = 0;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    uint32_t bit = key == snapshot_key::kCwd.name()         ? 1
                   : key == snapshot_key::kWrittenTo.name() ? 2
                   : key == snapshot_key::kStdout.name()    ? 4
                                                            : 0;
    if (bit == 0 || (seen & bit))
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    seen |= bit;
    PathGuard guard(*this, key);
    if (bit == 4) {
      bool isNull = false;
      if (!field.is_null().get(isNull) && isNull) return true;
      return readFingerprint(field, &data_.host.stdoutFile.emplace());
    }
    std::string_view* path = bit == 1 ? &data_.host.cwd : &data_.host.writtenTo;
    if (!readText(field, path)) return false;
    if (!isAbsolutePath(*path)) return fail("expected an absolute path");
    return true;
  });
  if (ok && seen != 7) return fail("needs \"cwd\", \"written_to\" and \"stdout\"");
  data_.host.present = ok;
  return ok;
}

// A member's key. Keys in this format never need escapes, so the key is taken
// as written in the file, without unescaping it into simdjson's string buffer
// (a third of a snapshot's tokens are keys); a key with an escape is unescaped.
bool Reader::fieldKey(od::field& field, std::string_view* key) {
  // Stage 1 has checked every string is closed, so the scan stops in the string.
  const char* begin = field.key().raw();
  const char* end = begin;
  while (*end != '"' && *end != '\\') ++end;
  if (*end == '"') {
    *key = std::string_view(begin, static_cast<std::size_t>(end - begin));
    return true;
  }
  if (auto code = field.unescaped_key().get(*key)) return failJson(code, "a key");
  return true;
}

template <typename F>
bool Reader::forEachElement(od::value v, std::size_t max, F&& each) {
  od::array array;
  if (auto code = v.get_array().get(array)) return failJson(code, "an array");
  std::size_t index = 0;
  for (auto element : array) {
    od::value item;
    if (auto code = std::move(element).get(item)) return failJson(code, "an array element");
    if (index >= max) return fail(fmt::format("too many elements (at most {})", max));
    PathGuard guard(*this, index);
    if (!each(index, item)) return false;
    ++index;
  }
  return true;
}

template <typename F>
bool Reader::forEachField(od::value v, F&& each) {
  od::object object;
  if (auto code = v.get_object().get(object)) return failJson(code, "an object");
  for (auto entry : object) {
    od::field field;
    if (auto code = std::move(entry).get(field)) return failJson(code, "an object member");
    std::string_view key;
    if (!fieldKey(field, &key)) return false;
    if (!each(key, field.value())) return false;
  }
  return true;
}

bool Reader::readValue(od::value v, SValue* out) {
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

bool Reader::readTaggedValue(od::object object, SValue* out) {
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

bool Reader::readValueArray(od::value v, std::vector<SValue>* out, std::size_t max) {
  return forEachElement(v, max, [&](std::size_t, od::value item) {
    out->emplace_back();
    return readValue(item, &out->back());
  });
}

// Appends an array of strings to the names pool.
bool Reader::readNames(od::value v) {
  return forEachElement(v, SIZE_MAX, [&](std::size_t, od::value item) {
    std::string_view text;
    if (!readString(item, &text)) return false;
    data_.names.push_back(data_.text.store(text));
    return true;
  });
}

bool Reader::header(std::string_view text, std::size_t* bodyAt) {
  std::string prefix = fmt::format("{}\"{}\"{}", snapshot_key::kFormat.opening(),
                                   kSnapshotFormatName, snapshot_key::kVersion.following());
  if (text.substr(0, prefix.size()) != prefix) {
    return fail("not a shapevm snapshot (the first line must start with " + prefix + ")");
  }
  std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos || newline > 256) {
    return fail("not a shapevm snapshot (malformed header line)");
  }
  std::string_view line = text.substr(prefix.size(), newline - prefix.size());
  std::size_t digits = 0;
  uint64_t version = 0;
  while (digits < line.size() && digits < 9 && line[digits] >= '0' && line[digits] <= '9') {
    version = version * 10 + static_cast<uint64_t>(line[digits] - '0');
    ++digits;
  }
  if (digits == 0) return fail("not a shapevm snapshot (malformed header line)");
  if (version < kOldestSnapshotVersion || version > kSnapshotVersion) {
    return fail(
        fmt::format("unsupported snapshot version {} (this shapevm reads versions {} to {})",
                    version, kOldestSnapshotVersion, kSnapshotVersion));
  }
  line.remove_prefix(digits);
  // `, "checksum": "`, 16 hex digits, `",`
  constexpr std::string_view kChecksumMember = snapshot_key::kChecksum.following();
  constexpr std::size_t kDigitsAt = kChecksumMember.size() + 1;
  uint64_t expected;
  if (line.size() != kDigitsAt + 18 || !line.starts_with(kChecksumMember) ||
      line[kChecksumMember.size()] != '"' || !parseHex64(line.substr(kDigitsAt, 16), &expected) ||
      line.substr(kDigitsAt + 16) != "\",") {
    return fail("not a shapevm snapshot (malformed header line)");
  }
  *bodyAt = newline + 1;
  uint64_t actual = XXH3_64bits(text.data() + *bodyAt, text.size() - *bodyAt);
  if (actual != expected) {
    return fail(fmt::format(
        "checksum mismatch: the header says {:016x} but the content hashes to {:016x} (the file "
        "is truncated, corrupt or was edited)",
        expected, actual));
  }
  data_.version = static_cast<uint32_t>(version);
  return true;
}

bool Reader::readProgram(od::value v) {
  bool hasHash = false, hasPath = false, hasCode = false;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    if (key == snapshot_key::kHash.name() && !hasHash) {
      PathGuard guard(*this, snapshot_key::kHash.name());
      hasHash = true;
      return readHash(field, &data_.programHash);
    }
    if (key == snapshot_key::kPath.name() && !hasPath) {
      PathGuard guard(*this, snapshot_key::kPath.name());
      hasPath = true;
      std::string_view path;
      if (!readText(field, &path)) return false;
      data_.programPath = path;
      return true;
    }
    if (key == snapshot_key::kCode.name() && !hasCode && data_.version >= 2) {
      PathGuard guard(*this, snapshot_key::kCode.name());
      hasCode = true;
      std::string_view code;
      if (!readString(field, &code)) return false;
      if (!decodeBase64(code, &data_.programCode) || data_.programCode.empty()) {
        return fail("expected the program's .sbc bytes in base64");
      }
      return true;
    }
    return fail(fmt::format("unexpected or repeated member \"{}\"", key));
  });
  if (ok && (!hasHash || !hasPath)) return fail("needs \"hash\" and \"path\"");
  if (ok && data_.version >= 2 && !hasCode) return fail("needs \"code\"");
  return ok;
}

bool Reader::readRng(od::value v) {
  std::size_t count = 0;
  bool ok = forEachElement(v, 4, [&](std::size_t index, od::value item) {
    std::string_view hex;
    if (!readString(item, &hex)) return false;
    if (!parseHex64(hex, &data_.rng[index])) return fail("expected 16 hex digits");
    ++count;
    return true;
  });
  if (ok && count != 4) return fail("needs exactly 4 words");
  // xoshiro256** never leaves the all-zero state: every draw would be 0 and
  // random_int() would search forever for a value in range.
  if (ok && (data_.rng[0] | data_.rng[1] | data_.rng[2] | data_.rng[3]) == 0) {
    return fail("the generator state is all zero, which the generator never leaves");
  }
  return ok;
}

bool Reader::readGlobal(od::value v) {
  SGlobal global;
  bool hasName = false, hasValue = false;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    if (key == snapshot_key::kName.name() && !hasName) {
      hasName = true;
      PathGuard guard(*this, snapshot_key::kName.name());
      std::string_view name;
      if (!readString(field, &name)) return false;
      global.name = data_.text.store(name);
      return true;
    }
    if (key == snapshot_key::kValue.name() && !hasValue) {
      hasValue = true;
      PathGuard guard(*this, snapshot_key::kValue.name());
      return readValue(field, &global.value);
    }
    return fail(fmt::format("unexpected or repeated member \"{}\"", key));
  });
  if (!ok) return false;
  if (!hasName || !hasValue) return fail("a global needs \"name\" and \"value\"");
  if (!globalNames_.insert(global.name).second) {
    return fail(fmt::format("global \"{}\" appears twice", global.name));
  }
  data_.globals.push_back(std::move(global));
  return true;
}

bool Reader::readFrame(od::value v, SFrame* frame) {
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

bool Reader::readHandler(od::value v, SHandler* handler) {
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

bool Reader::readMapEntries(od::value v) {
  std::vector<SValue>& values = data_.values;
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

bool Reader::readRecordFields(od::value v, SObject* object) {
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

bool Reader::readObject(od::value v, SObject* object) {
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
        // The largest entry array the heap ever allocates (heap.cpp's mapSet).
        return readUint(field, uint64_t{1} << 30, &object->number);
      case kKeyRecord: {
        std::string_view name;
        if (!readString(field, &name)) return false;
        object->builtinType = name == "$Error";
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
        if (upvalueState != "open" && upvalueState != "closed") {
          return fail("expected \"open\" or \"closed\"");
        }
        object->open = upvalueState == "open";
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
      if (object->number < entries || (object->number != 0 && object->number < 8) ||
          (object->number & (object->number - 1)) != 0) {
        return fail(
            fmt::format("map capacity {} must be 0 or a power of two >= 8 and >= its {} entries",
                        object->number, entries));
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

bool Reader::readState(od::value v) {
  enum : uint32_t {
    kStatus = 1 << 0,
    kReason = 1 << 1,
    kProgram = 1 << 2,
    kSteps = 1 << 3,
    kRng = 1 << 4,
    kArgs = 1 << 5,
    kStdin = 1 << 6,
    kGlobals = 1 << 7,
    kFrames = 1 << 8,
    kHandlers = 1 << 9,
    kOpen = 1 << 10,
    kStack = 1 << 11,
    kObjects = 1 << 12,
    kHost = 1 << 13,
    kAll = (1 << 14) - 1,
  };
  struct KeyName {
    std::string_view name;
    uint32_t bit;
  };
  static constexpr KeyName kKeys[] = {
      {snapshot_key::kStatus.name(), kStatus},     {snapshot_key::kReason.name(), kReason},
      {snapshot_key::kProgram.name(), kProgram},   {snapshot_key::kTotalSteps.name(), kSteps},
      {snapshot_key::kRng.name(), kRng},           {snapshot_key::kArgs.name(), kArgs},
      {snapshot_key::kStdin.name(), kStdin},       {snapshot_key::kHost.name(), kHost},
      {snapshot_key::kGlobals.name(), kGlobals},   {snapshot_key::kFrames.name(), kFrames},
      {snapshot_key::kHandlers.name(), kHandlers}, {snapshot_key::kOpenUpvalues.name(), kOpen},
      {snapshot_key::kStack.name(), kStack},       {snapshot_key::kObjects.name(), kObjects},
  };
  uint32_t seen = 0;
  bool ok = forEachField(v, [&](std::string_view key, od::value field) {
    const KeyName* found = nullptr;
    for (const KeyName& k : kKeys) {
      if (key == k.name) found = &k;
    }
    if (found == nullptr || (seen & found->bit)) {
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    }
    seen |= found->bit;
    PathGuard guard(*this, found->name);
    switch (found->bit) {
      case kStatus: {
        std::string_view status;
        if (!readString(field, &status)) return false;
        if (status != "suspended" && status != "checkpoint") {
          return fail("expected \"suspended\" or \"checkpoint\"");
        }
        data_.status = status;
        return true;
      }
      case kReason: {
        std::string_view reason;
        if (!readString(field, &reason)) return false;
        data_.reason = reason;
        return true;
      }
      case kProgram:
        return readProgram(field);
      case kSteps:
        return readUint(field, UINT64_MAX, &data_.totalSteps);
      case kRng:
        return readRng(field);
      case kArgs:
        return forEachElement(field, SIZE_MAX, [&](std::size_t, od::value item) {
          std::string_view arg;
          if (!readText(item, &arg)) return false;
          data_.args.emplace_back(arg);
          return true;
        });
      case kStdin: {
        std::string_view pending;
        if (!readText(field, &pending)) return false;
        data_.stdinBuffer = pending;
        return true;
      }
      case kHost:
        if (data_.version < 3) return fail("\"host\" is new in version 3");
        return readHost(field);
      case kGlobals:
        return forEachElement(field, SIZE_MAX,
                              [&](std::size_t, od::value item) { return readGlobal(item); });
      case kFrames:
        return forEachElement(field, kMaxFrames, [&](std::size_t, od::value item) {
          data_.frames.emplace_back();
          return readFrame(item, &data_.frames.back());
        });
      case kHandlers:
        return forEachElement(field, kMaxHandlers, [&](std::size_t, od::value item) {
          data_.handlers.emplace_back();
          return readHandler(item, &data_.handlers.back());
        });
      case kOpen:
        return forEachElement(field, kMaxStackSlots, [&](std::size_t, od::value item) {
          uint32_t id;
          if (!readUint32(item, UINT32_MAX, &id)) return false;
          data_.openUpvalues.push_back(id);
          return true;
        });
      case kStack:
        return readValueArray(field, &data_.stack, kMaxStackSlots);
      default:
        if (heap_) {
          // Only the fast path reads a heap cut out of the document.
          if (field.raw_json_token().data() == heapSlot_ &&
              readCanonicalObjects(heap_->begin, heap_->end, data_, functionNameIds_,
                                   chooseHeapSplit(heap_->begin, heap_->end)) == heap_->end) {
            return true;
          }
          return fail("the heap is not where the writer puts it");  // never shown
        }
        const char* heap = field.raw_json_token().data();
        if (readCanonicalObjects(heap, textEnd_, data_, functionNameIds_,
                                 chooseHeapSplit(heap, textEnd_))) {
          return true;  // On-Demand skips the array when it moves to the next member
        }
        return forEachElement(field, UINT32_MAX, [&](std::size_t, od::value item) {
          data_.objects.emplace_back();
          return readObject(item, &data_.objects.back());
        });
    }
  });
  if (!ok) return false;
  if (data_.version < 3) seen |= kHost;
  if (seen != kAll) {
    for (const KeyName& k : kKeys) {
      if (!(seen & k.bit)) return fail(fmt::format("missing member \"{}\"", k.name));
    }
  }
  return true;
}

bool Reader::checkRef(uint64_t id, ObjKind kind, const char* where) {
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

bool Reader::checkValue(const SValue& v, const char* where) {
  if (v.kind == SValueKind::Hole)
    return fail(fmt::format("{} holds a deleted-entry marker", where));
  if (v.kind == SValueKind::Ref && v.as.index >= data_.objects.size()) {
    return fail(fmt::format("{} refers to object {}, but there are only {} objects", where,
                            v.as.index, data_.objects.size()));
  }
  return true;
}

bool Reader::checkReferences() {
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
  std::size_t openCount = 0;
  {
    PathGuard objects(*this, snapshot_key::kObjects.name());
    PathGuard objectIndex(*this, std::size_t{0});
    for (std::size_t id = 0; id < data_.objects.size(); ++id) {
      // One guard for all objects, its index moved along: a guard each cost
      // two path changes per object.
      path_.back().index = id;
      const SObject& o = data_.objects[id];
      std::span<const SValue> values = data_.valuesOf(o);
      for (const SValue& v : values) {
        if (o.kind == ObjKind::Map) continue;  // checked below, with the key rules
        if (!checkValue(v, "the object")) return false;
      }
      switch (o.kind) {
        case ObjKind::Map:
          for (std::size_t e = 0; e < values.size(); e += 2) {
            const SValue& key = values[e];
            if (key.kind == SValueKind::Hole) continue;
            if (!checkValue(key, "a map key") || !checkValue(values[e + 1], "a map value")) {
              return false;
            }
            bool hashable = key.kind == SValueKind::None || key.kind == SValueKind::Bool ||
                            key.kind == SValueKind::Int || key.kind == SValueKind::Float ||
                            (key.kind == SValueKind::Ref &&
                             data_.objects[key.as.index].kind == ObjKind::String);
            if (!hashable)
              return fail(fmt::format("map entry {} has a key that cannot be a map key", e / 2));
          }
          break;
        case ObjKind::Closure:
          for (uint32_t u : data_.upvaluesOf(o)) {
            if (!checkRef(u, ObjKind::Upvalue, "the closure")) return false;
          }
          break;
        case ObjKind::Upvalue:
          if (o.open) {
            ++openCount;
            if (o.number >= data_.stack.size()) {
              return fail(fmt::format("open upvalue slot {} is above the stack top ({})", o.number,
                                      data_.stack.size()));
            }
          }
          break;
        default:
          break;
      }
    }
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

// Reading the heap, nearly all of a large file, takes the fast path
// (canonical_objects.h) when the file is as the writer made it, and then
// simdjson has no use for the heap's text: so it is cut out, and simdjson
// parses the rest with "[]" in its place: indexing the whole file (stage 1)
// and faulting in simdjson's index for it was a large part of a resume
// (docs/design.md, "What each snapshot optimisation bought"). Any
// failure on the way, the fast path's refusal or a real error, starts over
// with the whole file, which gives the file its verdict and message.
Result<SnapshotData> Reader::read(simdjson::padded_string_view text) {
  std::size_t bodyAt = 0;
  if (!header(text, &bodyAt)) return *error_;
  std::string_view body = std::string_view(text).substr(bodyAt);
  if (std::optional<HeapText> heap = locateCanonicalObjects(body)) {
    Reader cut(data_.file);
    cut.data_.version = data_.version;
    if (cut.readWithoutHeap(text, *heap)) return std::move(cut.data_);
  }
  textEnd_ = text.data() + text.size();
  if (!readDocument(text)) return *error_;
  return std::move(data_);
}

bool Reader::readWithoutHeap(std::string_view text, HeapText heap) {
  // The cut-out text is seen by no JSON parser: check it is UTF-8 here.
  if (!simdjson::validate_utf8(heap.begin, static_cast<std::size_t>(heap.end - heap.begin))) {
    return false;
  }
  std::size_t before = static_cast<std::size_t>(heap.begin - text.data());
  std::size_t after = static_cast<std::size_t>(text.data() + text.size() - heap.end);
  simdjson::padded_string padded(before + 2 + after);
  std::memcpy(padded.data(), text.data(), before);
  std::memcpy(padded.data() + before, "[]", 2);
  std::memcpy(padded.data() + before + 2, heap.end, after);
  heap_ = heap;
  heapSlot_ = padded.data() + before;
  textEnd_ = padded.data() + padded.size();
  return readDocument(padded);
}

bool Reader::readDocument(simdjson::padded_string_view text) {
  od::parser parser;
  od::document document;
  if (auto code = parser.iterate(text).get(document)) {
    return fail(fmt::format("not valid JSON ({})", simdjson::error_message(code)));
  }
  od::object root;
  if (auto code = document.get_object().get(root)) return failJson(code, "a JSON object");
  uint32_t seen = 0;
  for (auto entry : root) {
    od::field field;
    std::string_view key;
    if (auto code = std::move(entry).get(field)) return failJson(code, "an object member");
    if (auto code = field.unescaped_key().get(key)) return failJson(code, "a key");
    // format, version and checksum were checked byte for byte in the header.
    uint32_t bit = key == snapshot_key::kFormat.name()     ? 1
                   : key == snapshot_key::kVersion.name()  ? 2
                   : key == snapshot_key::kChecksum.name() ? 4
                   : key == snapshot_key::kState.name()    ? 8
                                                           : 0;
    if (bit == 0 || (seen & bit)) {
      return fail(fmt::format("unexpected or repeated member \"{}\"", key));
    }
    seen |= bit;
    if (bit == 8) {
      PathGuard guard(*this, snapshot_key::kState.name());
      if (!readState(field.value())) return false;
    }
  }
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    return fail("unexpected content after the snapshot object");
  }
  if (!(seen & 8)) return fail("missing member \"state\"");
  return checkReferences();
}

}  // namespace

Result<SnapshotData> parseSnapshot(std::string_view text, const std::string& fileName) {
  simdjson::padded_string padded(text);
  return Reader(fileName).read(padded);
}

namespace {

// Memory for a whole snapshot file, mapped for the purpose rather than taken
// from malloc, so that it can ask for transparent huge pages: a page fault
// per 2 MiB of the file instead of per 4 KiB (docs/design.md, "What each
// snapshot optimisation bought").
class TextBuffer {
 public:
  explicit TextBuffer(std::size_t bytes) : bytes_(bytes) {
    void* memory =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    data_ = static_cast<char*>(memory);
    adviseHugePages(memory, bytes);
  }
  ~TextBuffer() {
    if (data_ != nullptr) ::munmap(data_, bytes_);
  }
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;
  char* data() { return data_; }

 private:
  char* data_ = nullptr;
  std::size_t bytes_;
};

}  // namespace

Result<SnapshotData> readSnapshotFile(const std::string& path) {
  // One copy: the file goes straight into the padded buffer simdjson parses.
  auto failure = [&](std::string_view what) {
    return Diagnostic::inFile(path, fmt::format("{}: {}", what, std::strerror(errno)));
  };
  int fd;
  do {  // non-blocking, so a FIFO nobody writes to is rejected below, not waited on
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return failure("cannot open the snapshot");
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    Diagnostic error = failure("cannot read the snapshot");
    ::close(fd);
    return error;
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Diagnostic::inFile(path, "the snapshot is not a regular file");
  }
  auto size = static_cast<std::size_t>(info.st_size);
  TextBuffer text(size + simdjson::SIMDJSON_PADDING);
  if (text.data() == nullptr) {
    ::close(fd);
    return Diagnostic::inFile(path, "the snapshot is too large to read into memory");
  }
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, text.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Diagnostic error = failure("cannot read the snapshot");
      ::close(fd);
      return error;
    }
    if (n == 0) break;  // the file shrank meanwhile: the checksum will tell
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got == 0) return Diagnostic::inFile(path, "the snapshot file is empty");
  std::memset(text.data() + got, 0, simdjson::SIMDJSON_PADDING);
  return Reader(path).read(
      simdjson::padded_string_view(text.data(), got, got + simdjson::SIMDJSON_PADDING));
}

}  // namespace shapevm
