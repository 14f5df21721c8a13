// The canonical-text fast path for the snapshot heap (see canonical_objects.h).
// Every function returns false as soon as the text is not exactly what the
// writer (snapshot_writer.cpp) would have produced, or breaks a rule that
// the general reader (snapshot_reader_values.cpp) checks; the caller then falls back to the general
// reader.
#include "snapshot/canonical_objects.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bytecode/builtin_names.h"
#include "core/config.h"
#include "core/huge_pages.h"
#include "core/run_beside.h"
#include "snapshot/json_text.h"
#include "snapshot/repeated_names.h"
#include "snapshot/snapshot_keys.h"

namespace shapevm {

namespace key = snapshot_key;

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The pools are reserved for the most objects the text can hold and filled
// front to back. Their pages are mapped ahead of the writes, 256 KiB at a
// time, in one call each instead of a page fault every 4 KiB
// (populateForWriting); never past what is reserved, which may never be used.
template <typename Pool>
class MappedAhead {
 public:
  explicit MappedAhead(Pool& pool) : pool_(pool) {}
  void keepAhead() {
    const char* data = reinterpret_cast<const char*>(pool_.data());
    if (data != data_) {  // grown elsewhere (or first seen)
      data_ = data;
      mapped_ = pool_.size() * sizeof(typename Pool::value_type);
    }
    std::size_t used = pool_.size() * sizeof(typename Pool::value_type);
    std::size_t reserved = pool_.capacity() * sizeof(typename Pool::value_type);
    if (used + kAhead / 2 < mapped_ || mapped_ >= reserved) return;
    std::size_t bytes = std::min(kAhead, reserved - mapped_);
    populateForWriting(const_cast<char*>(data) + mapped_, bytes);
    mapped_ += bytes;
  }

 private:
  static constexpr std::size_t kAhead = std::size_t{256} << 10;
  Pool& pool_;
  const char* data_ = nullptr;
  std::size_t mapped_ = 0;
};

// Where a scanner hands its objects a batch at a time (ObjectBatchSink, for
// one piece).
using BatchSink = std::function<bool(const SnapshotData& batch, const char* readTo)>;

class Scanner {
 public:
  // With a `sink`, objects go to it a batch at a time.
  Scanner(const char* begin, const char* end, SnapshotData& data, FunctionNameIds& functionNameIds,
          const BatchSink* sink = nullptr)
      : p_(begin), end_(end), data_(data), functionNameIds_(functionNameIds), sink_(sink) {}

  // Consumes the array's opening: `[\n  ` (true) or `[]` (false, *empty set).
  bool open(bool* empty) {
    *empty = literal("[]");
    return *empty || literal("[\n  ");
  }
  // Decodes the objects from here, one a line, to `stop` (the start of a
  // line, just past a `,\n  `) or, if `stop` is nullptr, to the array's ']'.
  // Returns just past what it decoded, or nullptr.
  const char* objectLines(const char* stop);
  const char* position() const { return p_; }
  // The objects decoded, those handed to the sink included.
  std::size_t objectCount() const { return sunk_ + data_.objects.size(); }

 private:
  // Consumes `text` if it comes next. Inlined: `text` is nearly always a
  // constant, whose comparison then compiles to a few loads, not a memcmp call.
  [[gnu::always_inline]] bool literal(std::string_view text) {
    if (static_cast<std::size_t>(end_ - p_) < text.size() ||
        std::memcmp(p_, text.data(), text.size()) != 0) {
      return false;
    }
    p_ += text.size();
    return true;
  }
  [[gnu::always_inline]] bool next(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // Consumes `", "` (returns true) or nothing if `close` comes next (false);
  // *ok turns false on anything else.
  [[gnu::always_inline]] bool more(char close, bool* ok) {
    if (literal(", ")) return true;
    *ok = p_ != end_ && *p_ == close;
    return false;
  }

  // Inlined: called for nearly every value or key, and short in the usual
  // case (a string without escapes).
  [[gnu::always_inline]] inline bool unsignedInt(uint64_t max, uint64_t* out);
  [[gnu::always_inline]] inline bool string(std::string_view* out);
  [[gnu::noinline]] bool escapedString(const char* start, std::string_view* out);
  bool text(std::string_view* out);
  bool number(SValue* out);
  // Inlined into each caller: nearly half the values of a heap are
  // references, decoded here without a call; the rest are otherValue's.
  [[gnu::always_inline]] bool value(SValue* out) {
    if (!literal(key::kRef.opening())) return otherValue(out);
    uint64_t id;
    if (!unsignedInt(UINT32_MAX, &id)) return false;
    out->kind = SValueKind::Ref;
    out->as.index = static_cast<uint32_t>(id);
    return next('}');
  }
  bool otherValue(SValue* out);
  bool tagged(SValue* out);
  bool values(char close);
  bool object(SObject* object);
  bool array(SObject* object);
  bool map(SObject* object);
  bool record(SObject* object);
  bool closure(SObject* object);
  bool upvalueIds(SClosure& c);
  bool upvalue(SObject* object);
  bool file(SObject* object);
  // Hands the objects decoded since the last batch to the sink and empties
  // the pools they used (the names stay: later objects share them).
  bool flush();
  const char* streamedObjectLines(const char* stop);
  // A name stored once: `previous`, if it has the same bytes, else a new copy.
  std::string_view sharedName(std::string_view name, std::string_view previous) {
    return name == previous ? previous : data_.text.store(name);
  }
  void keepNames(SObject* object, std::size_t first, std::size_t* shared, std::size_t* sharedCount);

  const char* p_;
  const char* end_;
  SnapshotData& data_;
  FunctionNameIds& functionNameIds_;
  const BatchSink* sink_;
  std::size_t sunk_ = 0;  // objects handed to the sink
  std::string scratch_;   // unescaped strings, decoded {"bytes": HEX}
  // The previous record, whose type name and field names most records share.
  std::string_view recordType_;
  std::size_t recordNames_ = 0;
  std::size_t recordNameCount_ = 0;
  // The previous closure's function and captures, which the closures of one
  // function share: its hash is decoded once for them all.
  std::string_view closureName_;
  std::string closureHashText_;
  FunctionHash closureHash_;
  std::size_t closureNames_ = 0;
  std::size_t closureNameCount_ = 0;
  RepeatedNames repeatedFields_;
  // The text of the record before, around its values: from its type name to
  // its first value, between values, and after the last. A record with the
  // same text there has its type and keys, so only its values are decoded.
  // Copies (views into recordGapText_): the text read may be released
  // (ObjectBatchSink).
  std::vector<std::string_view> recordGaps_;
  std::string recordGapText_;
  std::vector<const char*> valueEdges_;  // where each value began and ended
  bool recordBuiltin_ = false;
  // The text of the closure before, from its function's name to its list of
  // upvalues: a closure with the same text has its function and captures.
  std::string closurePrefix_;
  FunctionRef closureFunction_;
};

// Gives `object` the names added since `first`, or the range `*shared` (of
// `*sharedCount` names) in their place if it holds the same ones; otherwise
// the new names become `*shared`. The records of one type and the closures
// of one function list the same names: keeping them once spares the pool
// most of its writes. (Objects may share a range: snapshot_data.h.)
void Scanner::keepNames(SObject* object, std::size_t first, std::size_t* shared,
                        std::size_t* sharedCount) {
  std::size_t count = data_.names.size() - first;
  object->nameCount = count;
  // Names taken by sharedName are the very views of the range before, so
  // most compare by address and size, without reading their bytes.
  auto same = [](std::string_view a, std::string_view b) {
    return (a.data() == b.data() && a.size() == b.size()) || a == b;
  };
  if (count == *sharedCount &&
      std::equal(data_.names.begin() + static_cast<std::ptrdiff_t>(first), data_.names.end(),
                 data_.names.begin() + static_cast<std::ptrdiff_t>(*shared), same)) {
    data_.names.resize(first);
    object->firstName = *shared;
    return;
  }
  object->firstName = first;
  *shared = first;
  *sharedCount = count;
}

// A JSON integer without sign or leading zeros, at most `max` (19 digits
// always fit in 64 unsigned bits). Its first 8 digits are read as one 64-bit
// word when the text has that much left: nearly every integer in a heap (ids,
// counts) has at most 8, and a digit at a time cost ten instructions each.
bool Scanner::unsignedInt(uint64_t max, uint64_t* out) {
  const char* start = p_;
  uint64_t n = 0;
  if (std::endian::native == std::endian::little && end_ - p_ >= 8) {
    uint64_t word;
    std::memcpy(&word, p_, 8);
    uint64_t digits = word ^ 0x3030303030303030;  // '0'..'9' become 0..9
    // The top bit of each byte that is not a digit (no carry crosses bytes).
    uint64_t others =
        (((digits & 0x7f7f7f7f7f7f7f7f) + 0x7676767676767676) | digits) & 0x8080808080808080;
    int count = others == 0 ? 8 : std::countr_zero(others) / 8;
    if (count == 0) return false;
    // The digits moved to the top, the bytes after them shifted out: the
    // number with leading zeros, combined pairwise (2, 4, then 8 digits).
    digits <<= 8 * (8 - count);
    digits = (digits * 10 + (digits >> 8)) & 0x00ff00ff00ff00ff;
    digits = (digits * 100 + (digits >> 16)) & 0x0000ffff0000ffff;
    n = (digits * 10000 + (digits >> 32)) & 0xffffffff;
    p_ += count;
    if (count < 8) {
      if ((count > 1 && *start == '0') || n > max) return false;
      *out = n;
      return true;
    }
  }
  while (p_ != end_ && isDigit(*p_) && p_ - start < 20) {
    n = n * 10 + static_cast<uint64_t>(*p_++ - '0');
  }
  std::ptrdiff_t digits = p_ - start;
  if (digits == 0 || digits > 19 || (digits > 1 && *start == '0') || n > max) return false;
  *out = n;
  return true;
}

// A JSON string, unescaped. Only the escapes the writer emits are decoded
// (\" \\ \/ \b \f \n \r \t and \u00XX below 0x80); simdjson has already
// checked the file is valid UTF-8.
bool Scanner::string(std::string_view* out) {
  if (!next('"')) return false;
  const char* start = p_;
  // Eight bytes at a time to the first '"', '\\' or control character.
  while (std::endian::native == std::endian::little && end_ - p_ >= 8) {
    uint64_t word;
    std::memcpy(&word, p_, 8);
    uint64_t stops = zeroBytes(word ^ 0x2222222222222222) | zeroBytes(word ^ 0x5c5c5c5c5c5c5c5c) |
                     bytesBelow(word, 0x20);
    if (stops != 0) {
      p_ += std::countr_zero(stops) / 8;
      break;
    }
    p_ += 8;
  }
  while (p_ != end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
  if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
  if (*p_ == '"') {
    *out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }
  return escapedString(start, out);
}

// The rest of a string from its first escape on, unescaped into scratch_.
bool Scanner::escapedString(const char* start, std::string_view* out) {
  scratch_.assign(start, p_);
  while (true) {
    if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
    char c = *p_++;
    if (c == '"') break;
    if (c != '\\') {
      scratch_ += c;
      continue;
    }
    if (p_ == end_) return false;
    char e = *p_++;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        scratch_ += e;
        break;
      case 'b':
        scratch_ += '\b';
        break;
      case 'f':
        scratch_ += '\f';
        break;
      case 'n':
        scratch_ += '\n';
        break;
      case 'r':
        scratch_ += '\r';
        break;
      case 't':
        scratch_ += '\t';
        break;
      case 'u': {
        // \u00XX with XX below 80: one ASCII byte (lowercase hex, as written).
        std::string byte;
        if (end_ - p_ < 4 || p_[0] != '0' || p_[1] != '0' ||
            !decodeHex(std::string_view(p_ + 2, 2), &byte) ||
            static_cast<unsigned char>(byte[0]) >= 0x80) {
          return false;
        }
        scratch_ += byte[0];
        p_ += 4;
        break;
      }
      default:
        return false;
    }
  }
  *out = scratch_;
  return true;
}

// Text (json_text.h): a string or {"bytes": HEX}, stored in the arena.
bool Scanner::text(std::string_view* out) {
  std::string_view bytes;
  if (literal(key::kBytes.opening())) {
    std::string_view hex;
    if (!string(&hex) || !next('}')) return false;
    std::string decoded;
    if (!decodeHex(hex, &decoded)) return false;
    *out = data_.text.store(decoded);
    return true;
  }
  if (!string(&bytes)) return false;
  *out = data_.text.store(bytes);
  return true;
}

// An int (within int64) or a float in JSON number syntax, which
// std::from_chars reads correctly rounded, as simdjson does. A float such as
// the writer's 2.5 or 10.25, without exponent and with at most 15 digits, is
// the quotient of two doubles that hold their integers exactly, and IEEE
// division rounds that correctly too (Clinger's fast path), for a fraction
// of from_chars' cost.
bool Scanner::number(SValue* out) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* start = p_;
  bool negative = next('-');
  uint64_t magnitude;
  if (!unsignedInt(UINT64_MAX, &magnitude)) return false;
  bool isFloat = false;
  if (next('.')) {
    isFloat = true;
    const char* fraction = p_;
    uint64_t digits = magnitude;
    while (p_ != end_ && isDigit(*p_)) {
      digits = digits * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    if (p_ == fraction) return false;
    std::ptrdiff_t length = p_ - start - (negative ? 1 : 0) - 1;  // the digits, without the '.'
    if (length <= 15 && (p_ == end_ || (*p_ != 'e' && *p_ != 'E'))) {
      double quotient = static_cast<double>(digits) / kPowersOfTen[p_ - fraction];
      out->kind = SValueKind::Float;
      out->as.f = negative ? -quotient : quotient;
      return true;
    }
  }
  if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
    isFloat = true;
    ++p_;
    if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    const char* exponent = p_;
    while (p_ != end_ && isDigit(*p_)) ++p_;
    if (p_ == exponent) return false;
  }
  if (isFloat) {
    auto [ptr, error] = std::from_chars(start, p_, out->as.f);
    if (error != std::errc() || ptr != p_) return false;
    out->kind = SValueKind::Float;
    return true;
  }
  // "-0" is left to the general reader, as is anything beyond int64.
  uint64_t limit = negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX);
  if (magnitude > limit || (negative && magnitude == 0)) return false;
  out->kind = SValueKind::Int;
  out->as.i = static_cast<int64_t>(negative ? 0 - magnitude : magnitude);
  return true;
}

bool Scanner::otherValue(SValue* out) {
  if (p_ == end_) return false;
  switch (*p_) {
    case 'n':
      out->kind = SValueKind::None;
      return literal("null");
    case 't':
      out->kind = SValueKind::Bool;
      out->as.b = true;
      return literal("true");
    case 'f':
      out->kind = SValueKind::Bool;
      out->as.b = false;
      return literal("false");
    case '{':
      return tagged(out);
    default:
      return number(out);
  }
}

// A tagged value other than a reference (value() reads those).
bool Scanner::tagged(SValue* out) {
  if (literal(key::kFn.opening())) {
    std::string_view name;
    if (!string(&name)) return false;
    auto it = functionNameIds_.find(name);
    if (it == functionNameIds_.end()) {
      std::string_view stored = data_.text.store(name);
      it =
          functionNameIds_.emplace(stored, static_cast<uint32_t>(data_.functionNames.size())).first;
      data_.functionNames.push_back(stored);
    }
    out->kind = SValueKind::Function;
    out->as.index = it->second;
  } else if (literal(key::kNative.opening())) {
    std::string_view name;
    if (!string(&name)) return false;
    int builtin = findBuiltin(name);
    if (builtin < 0) return false;
    out->kind = SValueKind::Native;
    out->as.index = static_cast<uint32_t>(builtin);
  } else if (literal(key::kFloat.opening())) {
    std::string_view hex;
    uint64_t bits;
    if (!string(&hex) || !parseHex64(hex, &bits)) return false;
    out->kind = SValueKind::Float;
    std::memcpy(&out->as.f, &bits, sizeof bits);
  } else {
    return false;
  }
  return next('}');
}

// Values up to `close`, appended to the values pool.
bool Scanner::values(char close) {
  if (next(close)) return true;
  bool ok = true;
  do {
    if (!value(&data_.values.emplace_back())) return false;
  } while (more(close, &ok));
  return ok && next(close);
}

bool Scanner::array(SObject* object) {
  object->kind = ObjKind::Array;
  return next('[') && values(']') && next('}');
}

bool Scanner::map(SObject* object) {
  object->kind = ObjKind::Map;
  // The largest entry array the heap ever allocates (map.cpp's mapAppend).
  if (!unsignedInt(uint64_t{1} << 30, &object->number) || !literal(key::kMap.following()) ||
      !next('['))
    return false;
  if (!next(']')) {
    bool ok = true;
    do {
      if (literal("[]")) {  // a deleted entry keeps its position
        data_.values.push_back(SValue{SValueKind::Hole, {}});
        data_.values.push_back(SValue{});
        continue;
      }
      if (!next('[') || !value(&data_.values.emplace_back()) || !literal(", ") ||
          !value(&data_.values.emplace_back()) || !next(']')) {
        return false;
      }
    } while (more(']', &ok));
    if (!ok || !next(']')) return false;
  }
  std::size_t entries = (data_.values.size() - object->firstValue) / 2;
  uint64_t capacity = object->number;
  if (capacity < entries || (capacity != 0 && capacity < kMinMapCapacity) ||
      (capacity & (capacity - 1)) != 0) {
    return false;
  }
  return next('}');
}

bool Scanner::record(SObject* object) {
  object->kind = ObjKind::Record;
  const char* start = p_;
  if (!recordGaps_.empty() && literal(recordGaps_.front())) {
    // Most records are of the type of the record before, and have its keys.
    // If the values turn out to be the only difference, the record is
    // decoded; if not, it is read again below. (A value the text refuses
    // here is refused there too: it starts at the same place.)
    std::size_t firstValue = data_.values.size();
    for (std::size_t gap = 1;;) {
      if (!value(&data_.values.emplace_back())) return false;
      if (!literal(recordGaps_[gap])) break;
      if (++gap == recordGaps_.size()) {
        object->builtinType = recordBuiltin_;
        object->text = recordType_;
        object->firstName = recordNames_;
        object->nameCount = recordNameCount_;
        return true;
      }
    }
    p_ = start;
    data_.values.resize(firstValue);
  }
  std::string_view name;
  if (!string(&name)) return false;
  object->builtinType = name == key::kErrorTypeName.text();
  recordType_ = sharedName(object->builtinType ? "Error" : name, recordType_);
  object->text = recordType_;
  if (!literal(key::kFields.following()) || !next('{')) return false;
  std::size_t first = data_.names.size();
  valueEdges_.clear();
  // While the keys are those of the record before, in its order, they are
  // distinct as its keys were: no need to look for a repeated one.
  bool asBefore = true;
  if (!next('}')) {
    bool ok = true;
    do {
      std::string_view key;
      if (!string(&key) || !literal(": ")) return false;
      std::size_t i = data_.names.size() - first;
      std::string_view before =
          i < recordNameCount_ ? data_.names[recordNames_ + i] : std::string_view();
      bool same = key == before;
      asBefore = asBefore && i < recordNameCount_ && same;
      if (!asBefore) {
        std::span<const std::string_view> earlier(data_.names.begin() + first, data_.names.end());
        if (repeatedFields_.contains(earlier, key)) return false;
      }
      data_.names.push_back(same ? before : data_.text.store(key));
      valueEdges_.push_back(p_);
      if (!value(&data_.values.emplace_back())) return false;
      valueEdges_.push_back(p_);
    } while (more('}', &ok));
    if (!ok || !next('}')) return false;
  }
  keepNames(object, first, &recordNames_, &recordNameCount_);
  if (!next('}')) return false;
  recordGaps_.clear();
  recordBuiltin_ = object->builtinType;
  if (!valueEdges_.empty()) {
    const char* from = start;
    for (std::size_t i = 0; i < valueEdges_.size(); i += 2) {
      recordGaps_.emplace_back(from, static_cast<std::size_t>(valueEdges_[i] - from));
      from = valueEdges_[i + 1];
    }
    recordGaps_.emplace_back(from, static_cast<std::size_t>(p_ - from));
    recordGapText_.clear();
    for (std::string_view gap : recordGaps_) recordGapText_ += gap;
    std::size_t at = 0;
    for (std::string_view& gap : recordGaps_) {
      gap = std::string_view(recordGapText_).substr(at, gap.size());
      at += gap.size();
    }
  }
  return true;
}

bool Scanner::closure(SObject* object) {
  object->kind = ObjKind::Closure;
  object->closure = static_cast<uint32_t>(data_.closures.size());
  SClosure& c = data_.closures.emplace_back();
  const char* start = p_;
  if (!closurePrefix_.empty() && literal(closurePrefix_)) {
    // The function and captures of the closure before, byte for byte.
    c.function = closureFunction_;
    object->firstName = closureNames_;
    object->nameCount = closureNameCount_;
    return upvalueIds(c) && c.upvalueCount == closureNameCount_ && next('}');
  }
  std::string_view name, hash;
  uint64_t id;
  std::size_t first = data_.names.size();
  if (!string(&name) || !literal(key::kId.following()) || !unsignedInt(UINT32_MAX, &id) ||
      !literal(key::kHash.following()) || !string(&hash)) {
    return false;
  }
  if (hash == closureHashText_) {
    c.function.hash = closureHash_;
  } else {
    if (!FunctionHash::fromHex(hash, &c.function.hash)) return false;
    closureHashText_ = hash;
    closureHash_ = c.function.hash;
  }
  if (!literal(key::kCaptures.following()) || !next('[')) return false;
  closureName_ = sharedName(name, closureName_);
  c.function.name = closureName_;
  c.function.hasId = true;
  c.function.id = static_cast<uint32_t>(id);
  c.function.hasHash = true;
  if (!next(']')) {
    bool ok = true;
    do {
      std::string_view capture;
      if (!string(&capture)) return false;
      std::size_t i = data_.names.size() - first;
      std::string_view before =
          i < closureNameCount_ ? data_.names[closureNames_ + i] : std::string_view();
      data_.names.push_back(sharedName(capture, before));
    } while (more(']', &ok));
    if (!ok || !next(']')) return false;
  }
  if (!literal(key::kUpvalues.following()) || !next('[')) return false;
  std::string_view prefix(start, static_cast<std::size_t>(p_ - start));
  if (!upvalueIds(c) || data_.names.size() - first != c.upvalueCount) return false;
  keepNames(object, first, &closureNames_, &closureNameCount_);
  if (!next('}')) return false;
  closurePrefix_.assign(prefix);
  closureFunction_ = c.function;
  return true;
}

// A closure's upvalue ids, after its `"upvalues": [`.
bool Scanner::upvalueIds(SClosure& c) {
  c.firstUpvalue = data_.upvalueIds.size();
  if (!next(']')) {
    bool ok = true;
    do {
      uint64_t upvalue;
      if (!unsignedInt(UINT32_MAX, &upvalue)) return false;
      data_.upvalueIds.push_back(static_cast<uint32_t>(upvalue));
    } while (more(']', &ok));
    if (!ok || !next(']')) return false;
  }
  c.upvalueCount = data_.upvalueIds.size() - c.firstUpvalue;
  return true;
}

bool Scanner::upvalue(SObject* object) {
  object->kind = ObjKind::Upvalue;
  if (literal(key::kOpenUpvalue.quoted())) {
    object->open = true;
    return literal(key::kSlot.following()) && unsignedInt(kMaxStackSlots, &object->number) &&
           next('}');
  }
  return literal(key::kClosedUpvalue.quoted()) && literal(key::kValue.following()) &&
         value(&data_.values.emplace_back()) && next('}');
}

bool Scanner::file(SObject* object) {
  object->kind = ObjKind::File;
  if (!text(&object->text) || !literal(key::kMode.following()) || !next('"') || p_ == end_)
    return false;
  char mode = *p_++;
  object->mode = mode == 'r' ? FileMode::Read : mode == 'w' ? FileMode::Write : FileMode::Append;
  if ((mode != 'r' && mode != 'w' && mode != 'a') || !next('"')) return false;
  if (!literal(key::kOpen.following())) return false;
  if (literal("false}")) return true;
  object->open = true;
  if (!literal("true") || !literal(key::kOffset.following()) ||
      !unsignedInt(static_cast<uint64_t>(INT64_MAX), &object->number)) {
    return false;
  }
  if (data_.version < 3) return next('}');
  SOpenFile identity;
  identity.object = static_cast<uint32_t>(objectCount() - 1);
  std::string_view head, tail;
  if (!literal(key::kAbsolute.following()) || !text(&identity.absolutePath) ||
      identity.absolutePath.empty() || identity.absolutePath.front() != '/' ||
      !literal(key::kLength.following()) ||
      !unsignedInt(static_cast<uint64_t>(INT64_MAX), &identity.fingerprint.length) ||
      !literal(key::kHead.following()) || !string(&head) ||
      !parseHex64(head, &identity.fingerprint.head) || !literal(key::kTail.following()) ||
      !string(&tail) || !parseHex64(tail, &identity.fingerprint.tail)) {
    return false;
  }
  data_.host.files.push_back(identity);
  return next('}');
}

bool Scanner::object(SObject* object) {
  object->firstValue = data_.values.size();
  object->firstName = data_.names.size();  // record() and closure() may share a range
  bool ok = false;
  // The kind's key, chosen by its first letter (`{"` comes before it).
  switch (end_ - p_ > 2 ? p_[2] : '\0') {
    case 's':
      if (literal(key::kString.opening())) {
        object->kind = ObjKind::String;
        ok = text(&object->text) && next('}');
      }
      break;
    case 'a':
      ok = literal(key::kArray.opening()) && array(object);
      break;
    case 'c':
      ok = literal(key::kCapacity.opening()) ? map(object)
                                             : literal(key::kClosure.opening()) && closure(object);
      break;
    case 'r':
      ok = literal(key::kRecord.opening()) && record(object);
      break;
    case 'u':
      ok = literal(key::kUpvalue.opening()) && upvalue(object);
      break;
    case 'f':
      ok = literal(key::kFile.opening()) && file(object);
      break;
    default:
      break;
  }
  object->valueCount = data_.values.size() - object->firstValue;
  return ok;
}

// `OBJECT,\n  OBJECT...` as the writer separates them, with the array's ']'
// after the last one unless the part ends at `stop`.
const char* Scanner::objectLines(const char* stop) {
  if (sink_ != nullptr) return streamedObjectLines(stop);
  // The shortest object line, `{"array": []}` and the `,\n  ` after it, is
  // 17 bytes, so the bytes left bound the objects to come: room for that many
  // costs only address space until written, and spares the pool its growth by
  // copying; counting the lines instead delayed both parts by a pass over the
  // text (docs/design.md, "What each snapshot optimisation bought"). Both
  // parts of a split array reserve for all the text left, the first because
  // the second is appended to it. Hints: if the address space is refused, the
  // pools grow as usual.
  constexpr std::size_t kShortestObjectLine = 17;
  std::size_t textLeft = static_cast<std::size_t>(end_ - p_);
  try {
    data_.objects.reserve(data_.objects.size() + textLeft / kShortestObjectLine + 1);
  } catch (const std::bad_alloc&) {
  }
  // A value takes about 10 bytes of text: room for one per 8 bytes.
  try {
    data_.values.reserve(data_.values.size() + textLeft / 8);
  } catch (const std::bad_alloc&) {
  }
  // A closure line, with its 32 hex digits of hash and five members, is at
  // least 100 bytes. Grown by doubling instead, on 4 KiB pages, the closures
  // of a heap with many were a third of a resume's page faults.
  constexpr std::size_t kShortestClosureLine = 100;
  try {
    data_.closures.reserve(data_.closures.size() + textLeft / kShortestClosureLine + 1);
  } catch (const std::bad_alloc&) {
  }
  MappedAhead objectsAhead(data_.objects);
  MappedAhead valuesAhead(data_.values);
  do {
    if (data_.objects.size() >= UINT32_MAX) return nullptr;
    if ((data_.objects.size() & 255) == 0) {
      objectsAhead.keepAhead();
      valuesAhead.keepAhead();
    }
    if (!object(&data_.objects.emplace_back())) return nullptr;
  } while (literal(",\n  ") && p_ != stop);
  if (stop != nullptr) return p_ == stop ? p_ : nullptr;
  return next(']') ? p_ : nullptr;
}

bool Scanner::flush() {
  if (data_.objects.empty()) return true;
  if (!(*sink_)(data_, p_)) return false;
  sunk_ += data_.objects.size();
  data_.objects.clear();
  data_.values.clear();
  data_.closures.clear();
  data_.upvalueIds.clear();
  return true;
}

// objectLines with a sink: the pools hold one batch of objects at a time, so
// they stay in the cache and cost no fresh memory.
const char* Scanner::streamedObjectLines(const char* stop) {
  constexpr std::size_t kBatch = 1024;
  data_.objects.reserve(kBatch);
  do {
    if (objectCount() >= UINT32_MAX) return nullptr;
    if (!object(&data_.objects.emplace_back())) return nullptr;
    if (data_.objects.size() == kBatch && !flush()) return nullptr;
  } while (literal(",\n  ") && p_ != stop);
  if (!flush()) return nullptr;
  if (stop != nullptr) return p_ == stop ? p_ : nullptr;
  return next(']') ? p_ : nullptr;
}

// A part of a split array (the second of two, or a piece), decoded on its
// own thread into pools of its own.
struct HeapPart {
  explicit HeapPart(uint32_t version) { data.version = version; }
  SnapshotData data;
  FunctionNameIds functionNameIds;
  const char* end = nullptr;  // just past what was decoded, or nullptr
};

// Maps the pages of the room reserved in `pool` for `count` more entries at
// once, as MappedAhead does, if it has that room.
template <typename Pool>
void populateReserved(Pool& pool, std::size_t count) {
  if (pool.capacity() - pool.size() < count) return;
  populateForWriting(pool.data() + pool.size(), count * sizeof(typename Pool::value_type));
}

// The id in `data` of each of `part`'s function names, those new to `data`
// numbered after its own in order of appearance.
std::vector<uint32_t> joinFunctionNames(SnapshotData& data, FunctionNameIds& functionNameIds,
                                        const HeapPart& part) {
  std::vector<uint32_t> functionIds;
  for (std::string_view name : part.data.functionNames) {
    auto it = functionNameIds.find(name);
    if (it == functionNameIds.end()) {
      it = functionNameIds.emplace(name, static_cast<uint32_t>(data.functionNames.size())).first;
      data.functionNames.push_back(name);
    }
    functionIds.push_back(it->second);
  }
  return functionIds;
}

// Appends `part` to `data` as if one scanner had read on: the part's indexes
// into the pools are moved past what `data` holds, and its function names
// take the ids `data` has for them (joinFunctionNames). False, with nothing
// changed, if the objects would be too many.
bool appendPart(SnapshotData& data, FunctionNameIds& functionNameIds, HeapPart& part) {
  if (part.data.objects.size() > UINT32_MAX - data.objects.size()) return false;
  std::vector<uint32_t> functionIds = joinFunctionNames(data, functionNameIds, part);
  std::size_t objects = data.objects.size(), values = data.values.size(), names = data.names.size(),
              closures = data.closures.size(), upvalueIds = data.upvalueIds.size();
  // The objects, the largest pool, are copied on a second thread; each pool
  // is touched by one thread only. They are copied a block at a time and
  // their indexes moved while the block is in cache: an object at a time,
  // the copy took half as long again.
  runBeside(
      [&] {
        populateReserved(data.objects, part.data.objects.size());
        constexpr std::size_t kBlock = 1024;
        const SObject* end = part.data.objects.data() + part.data.objects.size();
        for (const SObject* from = part.data.objects.data(); from != end;) {
          const SObject* to = from + std::min<std::ptrdiff_t>(kBlock, end - from);
          std::size_t at = data.objects.size();
          data.objects.insert(data.objects.end(), from, to);
          from = to;
          for (auto o = data.objects.begin() + static_cast<std::ptrdiff_t>(at);
               o != data.objects.end(); ++o) {
            o->firstValue += values;
            o->firstName += names;
            if (o->kind == ObjKind::Closure) o->closure += static_cast<uint32_t>(closures);
          }
        }
      },
      [&] {
        populateReserved(data.values, part.data.values.size());
        data.values.insert(data.values.end(), part.data.values.begin(), part.data.values.end());
        if (!functionIds.empty()) {
          for (std::size_t i = values; i < data.values.size(); ++i) {
            SValue& v = data.values[i];
            if (v.kind == SValueKind::Function) v.as.index = functionIds[v.as.index];
          }
        }
        data.names.insert(data.names.end(), part.data.names.begin(), part.data.names.end());
        data.upvalueIds.insert(data.upvalueIds.end(), part.data.upvalueIds.begin(),
                               part.data.upvalueIds.end());
        for (SClosure c : part.data.closures) {
          c.firstUpvalue += upvalueIds;
          data.closures.push_back(c);
        }
        for (SOpenFile file : part.data.host.files) {
          file.object += static_cast<uint32_t>(objects);
          data.host.files.push_back(file);
        }
      });
  data.text.absorb(std::move(part.data.text));
  return true;
}

// `[]`, or `[\n  OBJECT,\n  OBJECT...]`, in one part or in two at once.
const char* decodeObjects(const char* begin, const char* end, SnapshotData& data,
                          FunctionNameIds& functionNameIds, const char* split) {
  Scanner scanner(begin, end, data, functionNameIds);
  bool empty;
  if (!scanner.open(&empty)) return nullptr;
  if (empty) return scanner.position();
  if (split == nullptr || split <= scanner.position() || split >= end) {
    return scanner.objectLines(nullptr);
  }
  HeapPart second(data.version);
  const char* firstEnd = nullptr;
  runBeside(
      [&] {
        second.end = Scanner(split, end, second.data, second.functionNameIds).objectLines(nullptr);
      },
      [&] { firstEnd = scanner.objectLines(split); });
  if (firstEnd == nullptr || second.end == nullptr || !appendPart(data, functionNameIds, second)) {
    return nullptr;
  }
  return second.end;
}

}  // namespace

std::optional<HeapText> locateCanonicalObjects(std::string_view body) {
  // The member at the start of a line.
  constexpr std::string_view kMember = key::kObjects.member();
  std::size_t at = 0;
  while ((at = body.find(kMember, at)) != std::string_view::npos && at > 0 &&
         body[at - 1] != '\n') {
    ++at;
  }
  if (at == 0 || at == std::string_view::npos) return std::nullopt;
  std::size_t begin = at + kMember.size();
  std::size_t end = body.size();
  auto closing = [](char c) { return c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (end > begin && closing(body[end - 1])) --end;
  if (end - begin < 2 || body[begin] != '[' || body[end - 1] != ']') return std::nullopt;
  return HeapText{body.data() + begin, body.data() + end};
}

namespace {

// The start of the first object line after `from` (past its `\n  `), or
// nullptr if none starts before `end`.
const char* lineAfter(const char* from, const char* end) {
  const auto* newline = static_cast<const char*>(std::memchr(from, '\n', end - from));
  return newline != nullptr && end - newline > 3 ? newline + 3 : nullptr;
}

}  // namespace

const char* chooseHeapSplit(const char* begin, const char* end) {
  if (end - begin < kMinSplitBytes) return nullptr;
  return lineAfter(begin + (end - begin) / 2, end);
}

std::vector<const char*> choosePieceCuts(const char* begin, const char* end) {
  constexpr std::ptrdiff_t kMaxPieces = 8;
  std::vector<const char*> cuts;
  std::ptrdiff_t size = end - begin;
  if (size < kMinSplitBytes) return cuts;
  std::ptrdiff_t pieces = std::clamp<std::ptrdiff_t>(size / kMinSplitBytes, 2, kMaxPieces);
  for (std::ptrdiff_t i = 1; i < pieces; ++i) {
    const char* from = begin + size * i / pieces;
    if (!cuts.empty() && from < cuts.back()) from = cuts.back();
    const char* cut = lineAfter(from, end);
    if (cut == nullptr) break;
    cuts.push_back(cut);
  }
  return cuts;
}

const char* streamCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                                   FunctionNameIds& functionNameIds,
                                   const std::vector<const char*>& cuts,
                                   const ObjectBatchSink& sink,
                                   std::vector<StreamedPiece>* pieces) {
  bool empty;
  Scanner opening(begin, end, data, functionNameIds);
  if (!opening.open(&empty)) return nullptr;
  pieces->clear();
  if (empty) return opening.position();
  auto addPiece = [pieces](const char* text) { pieces->emplace_back().text = text; };
  addPiece(opening.position());
  for (const char* cut : cuts) {
    if (cut <= pieces->back().text || cut >= end) return nullptr;
    addPiece(cut);
  }
  std::vector<std::unique_ptr<HeapPart>> parts;
  for (std::size_t k = 0; k < pieces->size(); ++k) {
    parts.push_back(std::make_unique<HeapPart>(data.version));
  }
  // The pieces are taken in order by whichever thread is free.
  std::atomic<std::size_t> nextPiece{0};
  std::atomic<bool> failed{false};
  auto decode = [&](int thread) {
    for (std::size_t k; !failed.load(std::memory_order_relaxed) &&
                        (k = nextPiece.fetch_add(1, std::memory_order_relaxed)) < pieces->size();) {
      StreamedPiece& piece = (*pieces)[k];
      HeapPart& part = *parts[k];
      BatchSink toSink = [&, k, thread](const SnapshotData& batch, const char* readTo) {
        return !failed.load(std::memory_order_relaxed) && sink(k, thread, batch, readTo);
      };
      Scanner scanner(piece.text, end, part.data, part.functionNameIds, &toSink);
      part.end = scanner.objectLines(k + 1 < pieces->size() ? (*pieces)[k + 1].text : nullptr);
      piece.count = scanner.objectCount();
      if (part.end == nullptr) failed.store(true, std::memory_order_relaxed);
    }
  };
  runBeside([&] { decode(1); }, [&] { decode(0); });
  if (failed.load()) return nullptr;
  std::size_t firstId = 0;
  for (std::size_t k = 0; k < pieces->size(); ++k) {
    StreamedPiece& piece = (*pieces)[k];
    HeapPart& part = *parts[k];
    if (piece.count > UINT32_MAX - firstId) return nullptr;
    piece.firstId = firstId;
    piece.functionIds = joinFunctionNames(data, functionNameIds, part);
    for (SOpenFile file : part.data.host.files) {
      file.object += static_cast<uint32_t>(firstId);
      data.host.files.push_back(file);
    }
    data.text.absorb(std::move(part.data.text));
    firstId += piece.count;
  }
  return parts.back()->end;
}

const char* readCanonicalObjects(const char* begin, const char* end, SnapshotData& data,
                                 FunctionNameIds& functionNameIds, const char* split) {
  std::size_t objects = data.objects.size(), values = data.values.size(), names = data.names.size(),
              closures = data.closures.size(), upvalueIds = data.upvalueIds.size(),
              functionNames = data.functionNames.size(), files = data.host.files.size();
  if (const char* arrayEnd = decodeObjects(begin, end, data, functionNameIds, split)) {
    return arrayEnd;
  }
  // Not canonical: undo, for the general reader to start from where we did.
  // (Text already stored in the arena stays unused.)
  for (std::size_t i = functionNames; i < data.functionNames.size(); ++i) {
    functionNameIds.erase(data.functionNames[i]);
  }
  data.functionNames.resize(functionNames);
  data.objects.resize(objects);
  data.values.resize(values);
  data.names.resize(names);
  data.closures.resize(closures);
  data.upvalueIds.resize(upvalueIds);
  data.host.files.resize(files);
  return nullptr;
}

}  // namespace shapevm
