// The general snapshot reader's class, shared by the files that read each
// part of the format with simdjson On-Demand (snapshot_reader*.cpp): the
// path kept for error messages, the typed readers of single fields and the
// loops over arrays and objects. It is internal to vm/snapshot/.
//
// The reader is schema-driven: it walks the fixed shape of the format, so the
// C++ stack depth is bounded by the format, never by the file (a hostile file
// nested a million arrays deep is rejected by simdjson's depth limit or by the
// first field of the wrong type). Every container is filled element by
// element as the file supplies them, so a count in the file cannot make the
// reader allocate more than the file's own size justifies.
//
// What runs once per member or element (fieldKey, forEachElement,
// forEachField) is defined here, inline, so the loops of every part compile
// without a call per member.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/diagnostic.h"
#include "snapshot/body_digest.h"
#include "snapshot/canonical_objects.h"
#include "snapshot/repeated_names.h"
#include "snapshot/snapshot_data.h"
#include "snapshot/snapshot_reader.h"

namespace shapevm {

namespace od = simdjson::ondemand;

inline bool isAbsolutePath(std::string_view path) { return !path.empty() && path.front() == '/'; }

class SnapshotReader {
 public:
  explicit SnapshotReader(const std::string& fileName) { data_.file = fileName; }

  // `digest`, if given, is the text's (body_digest.h), made as it was read.
  Result<SnapshotData> read(simdjson::padded_string_view text, const BodyDigest* digest = nullptr,
                            HeapReading heap = HeapReading::Decode);

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
    PathGuard(SnapshotReader& reader, std::string_view key) : reader_(reader) {
      reader_.path_.push_back({key, 0, false});
    }
    PathGuard(SnapshotReader& reader, std::size_t index) : reader_(reader) {
      reader_.path_.push_back({{}, index, true});
    }
    ~PathGuard() { reader_.path_.pop_back(); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

   private:
    SnapshotReader& reader_;
  };

  // Record the first error (at the current path) and return false. Inline,
  // so that every caller's compiler sees the false; the recording is not.
  bool fail(std::string_view message) {
    recordError(message);
    return false;
  }
  bool failJson(simdjson::error_code code, std::string_view expected) {
    recordJsonError(code, expected);
    return false;
  }
  std::string pathText() const;
  [[gnu::cold]] void recordError(std::string_view message);
  [[gnu::cold]] void recordJsonError(simdjson::error_code code, std::string_view expected);
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
  bool readValueArray(od::value v, HugeVector<SValue>* out, std::size_t max);
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
  // What the object checks count as they go.
  struct ObjectTotals {
    std::size_t openUpvalues = 0;
    uint64_t mapCapacities = 0;  // SnapshotData::mapCapacities
  };
  template <bool kReport>
  bool checkObject(std::size_t id, ObjectTotals* totals);
  bool checkValue(const SValue& v, const char* where);
  // What checkValue rejects: a deleted-entry marker, or a reference past the
  // last object. Without branches, so that all of an object's values can be
  // tested at once.
  bool invalidValue(const SValue& v) const {
    return (v.kind == SValueKind::Hole) |
           ((v.kind == SValueKind::Ref) & (v.as.index >= data_.objects.size()));
  }
  bool checkRef(uint64_t id, ObjKind kind, const char* where);

  SnapshotData data_;
  std::vector<PathPart> path_;
  std::optional<Diagnostic> error_;
  FunctionNameIds functionNameIds_;
  const char* textEnd_ = nullptr;  // the end of the file's text
  const BodyDigest* digest_ = nullptr;
  // When the document read is the file with its heap cut out
  // (readWithoutHeap): the heap's text in the file, and where the "[]" that
  // stands for it is in the document.
  std::optional<HeapText> heap_;
  const char* heapSlot_ = nullptr;
  HeapReading heapReading_ = HeapReading::Decode;
  std::string hexBytes_;  // scratch for {"bytes": HEX}
  RepeatedNames repeatedFields_;
  NameSet globalNames_;
};

// A member's key. Keys in this format never need escapes, so the key is taken
// as written in the file, without unescaping it into simdjson's string buffer
// (a third of a snapshot's tokens are keys); a key with an escape is unescaped.
inline bool SnapshotReader::fieldKey(od::field& field, std::string_view* key) {
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
bool SnapshotReader::forEachElement(od::value v, std::size_t max, F&& each) {
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
bool SnapshotReader::forEachField(od::value v, F&& each) {
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

}  // namespace shapevm
