// The run's surroundings in a snapshot, as the general reader reads them:
// the program ("program"), the random generator's state ("rng"), the globals
// and, from version 3, the host ("host": working directory, where the
// snapshot was written, and what stdout was), whose file fingerprints open
// files share (docs/snapshot-format.md).
#include "snapshot/base64.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot_keys.h"
#include "snapshot/snapshot_reader_internal.h"

namespace shapevm {

bool SnapshotReader::readFingerprint(od::value v, FileFingerprint* out) {
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

bool SnapshotReader::readHost(od::value v) {
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

bool SnapshotReader::readProgram(od::value v) {
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

bool SnapshotReader::readRng(od::value v) {
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

bool SnapshotReader::readGlobal(od::value v) {
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

}  // namespace shapevm
