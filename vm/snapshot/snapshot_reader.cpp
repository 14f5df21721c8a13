// Reading a snapshot file (see snapshot_reader.h and
// docs/snapshot-format.md): the file read into one padded buffer, the header
// line and checksum, the document and its "state" object, whose members are
// read by the other snapshot_reader_*.cpp files, and the choice between the
// canonical heap scanner and the general reader.
//
// Speed (about 10 bytes of JSON per value, so per-value costs dominate): the
// file is read once, straight into simdjson's padded buffer; objects are flat
// records whose values, names and text go into shared pools and an arena
// (snapshot_data.h) instead of a few small allocations each; a heap as the
// writer lays it out is decoded by canonical_objects.cpp and never seen by
// simdjson (SnapshotReader::read).
#include "snapshot/snapshot_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "core/config.h"
#include "core/huge_blocks.h"
#include "core/huge_vector.h"
#include "snapshot/body_digest.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot_keys.h"
#include "snapshot/snapshot_reader_internal.h"

namespace shapevm {

std::string SnapshotReader::pathText() const {
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

void SnapshotReader::recordError(std::string_view message) {
  if (error_) return;
  std::string where = pathText();
  error_ = Diagnostic::inFile(
      data_.file, where.empty() ? std::string(message) : fmt::format("at {}: {}", where, message));
}

void SnapshotReader::recordJsonError(simdjson::error_code code, std::string_view expected) {
  if (code == simdjson::INCORRECT_TYPE || code == simdjson::NUMBER_OUT_OF_RANGE) {
    recordError(fmt::format("expected {}", expected));
  } else {
    recordError(fmt::format("expected {} ({})", expected, simdjson::error_message(code)));
  }
}

bool SnapshotReader::header(std::string_view text, std::size_t* bodyAt) {
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
  // Hashed as the file was read, when it was read from a file.
  uint64_t actual = digest_ != nullptr && digest_->complete && digest_->bodyAt == *bodyAt
                        ? digest_->hash
                        : XXH3_64bits(text.data() + *bodyAt, text.size() - *bodyAt);
  if (actual != expected) {
    return fail(fmt::format(
        "checksum mismatch: the header says {:016x} but the content hashes to {:016x} (the file "
        "is truncated, corrupt or was edited)",
        expected, actual));
  }
  data_.version = static_cast<uint32_t>(version);
  return true;
}

bool SnapshotReader::readState(od::value v) {
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
        if (status != snapshot_key::kSuspendedStatus.text() &&
            status != snapshot_key::kCheckpointStatus.text()) {
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
          if (field.raw_json_token().data() == heapSlot_) {
            if (heapReading_ == HeapReading::Defer) {
              data_.deferredHeap = DeferredHeap{*heap_, nullptr, functionNameIds_};
              return true;
            }
            if (readCanonicalObjects(heap_->begin, heap_->end, data_, functionNameIds_,
                                     chooseHeapSplit(heap_->begin, heap_->end)) == heap_->end) {
              return true;
            }
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

// Reading the heap, nearly all of a large file, takes the fast path
// (canonical_objects.h) when the file is as the writer made it, and then
// simdjson has no use for the heap's text: so it is cut out, and simdjson
// parses the rest with "[]" in its place: indexing the whole file (stage 1)
// and faulting in simdjson's index for it was a large part of a resume
// (docs/design.md, "What each snapshot optimisation bought"). Any
// failure on the way, the fast path's refusal or a real error, starts over
// with the whole file, which gives the file its verdict and message.
Result<SnapshotData> SnapshotReader::read(simdjson::padded_string_view text,
                                          const BodyDigest* digest, HeapReading heapReading) {
  digest_ = digest;
  std::size_t bodyAt = 0;
  if (!header(text, &bodyAt)) return *error_;
  std::string_view body = std::string_view(text).substr(bodyAt);
  if (std::optional<HeapText> heap = locateCanonicalObjects(body)) {
    SnapshotReader cut(data_.file);
    cut.data_.version = data_.version;
    cut.digest_ = digest;
    cut.heapReading_ = heapReading;
    if (cut.readWithoutHeap(text, *heap)) return std::move(cut.data_);
  }
  textEnd_ = text.data() + text.size();
  if (!readDocument(text)) return *error_;
  return std::move(data_);
}

bool SnapshotReader::readWithoutHeap(std::string_view text, HeapText heap) {
  // The cut-out text is seen by no JSON parser: check it is UTF-8 here,
  // unless the whole body was found to be while the file was read.
  bool bodyIsUtf8 = digest_ != nullptr && digest_->complete && digest_->utf8;
  if (!bodyIsUtf8 &&
      !simdjson::validate_utf8(heap.begin, static_cast<std::size_t>(heap.end - heap.begin))) {
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

bool SnapshotReader::readDocument(simdjson::padded_string_view text) {
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
  return data_.deferredHeap || checkReferences();
}

Result<SnapshotData> parseSnapshot(std::string_view text, const std::string& fileName) {
  simdjson::padded_string padded(text);
  return SnapshotReader(fileName).read(padded);
}

namespace {

// Memory for a whole snapshot file: a huge block when large (huge_blocks.h),
// 2 MiB aligned, on transparent huge pages where the host makes them worth it,
// so that reading the file into it costs a page fault per 2 MiB instead of
// per 4 KiB (docs/design.md, "What each snapshot optimisation bought"). Not a
// HugeVector, which would write every byte before the file does. Shared, so
// that a deferred heap (HeapReading::Defer) can keep it, and hand its pages
// to the heap as it is decoded.
std::shared_ptr<huge_blocks::ReleasableBuffer> newTextBuffer(std::size_t bytes) {
  try {
    auto buffer = std::make_shared<huge_blocks::ReleasableBuffer>(bytes);
    if (buffer->data() != nullptr) return buffer;
  } catch (const std::bad_alloc&) {
  }
  return nullptr;
}

}  // namespace

Result<SnapshotData> readSnapshotFile(const std::string& path, HeapReading heap) {
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
  std::shared_ptr<huge_blocks::ReleasableBuffer> buffer =
      newTextBuffer(size + simdjson::SIMDJSON_PADDING);
  if (buffer == nullptr) {
    ::close(fd);
    return Diagnostic::inFile(path, "the snapshot is too large to read into memory");
  }
  char* text = buffer->data();
  BodyDigest digest;
  std::optional<std::size_t> bytes = readDigesting(fd, text, size, &digest);
  if (!bytes) {
    Diagnostic error = failure("cannot read the snapshot");
    ::close(fd);
    return error;
  }
  ::close(fd);
  std::size_t got = *bytes;
  if (got == 0) return Diagnostic::inFile(path, "the snapshot file is empty");
  std::memset(text + got, 0, simdjson::SIMDJSON_PADDING);
  Result<SnapshotData> data = SnapshotReader(path).read(
      simdjson::padded_string_view(text, got, got + simdjson::SIMDJSON_PADDING), &digest, heap);
  if (data && data->deferredHeap) data->deferredHeap->buffer = std::move(buffer);
  return data;
}

}  // namespace shapevm
