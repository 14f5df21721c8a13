// The out-of-line parts of snapshot_data.h: object kind names for messages,
// and the text arena every decoder of a snapshot stores into.
#include "snapshot/snapshot_data.h"

#include <cstring>

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

}  // namespace shapevm
