// The out-of-line parts of snapshot_data.h: object kind names for messages,
// and the text arena every decoder of a snapshot stores into.
#include "snapshot/snapshot_data.h"

#include <cstring>

#include "core/huge_blocks.h"

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

TextArena::Chunk::Chunk(std::size_t size)
    : bytes_(HugeBlockAllocator<char>().allocate(size)), size_(size) {}

TextArena::Chunk::~Chunk() {
  if (bytes_ != nullptr) HugeBlockAllocator<char>().deallocate(bytes_, size_);
}

std::string_view TextArena::store(std::string_view bytes) {
  // The first chunk takes 64 KiB, the next ones 4 MiB on huge pages: a large
  // heap's strings cost a page fault per 2 MiB, not per 4 KiB, and a small
  // one's take no huge page. A long string gets a chunk of its own, leaving
  // the current chunk's tail in use.
  constexpr std::size_t kFirstChunk = std::size_t{64} << 10;
  if (bytes.empty()) return {};
  if (bytes.size() > kFirstChunk / 4) {
    chunks_.emplace_back(bytes.size());
    std::memcpy(chunks_.back().bytes(), bytes.data(), bytes.size());
    return {chunks_.back().bytes(), bytes.size()};
  }
  if (bytes.size() > left_) {
    std::size_t size = free_ == nullptr ? kFirstChunk : huge_blocks::kMinBytes;
    chunks_.emplace_back(size);
    free_ = chunks_.back().bytes();
    left_ = size;
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
