// Finding a repeated name in a list being read (a record's fields, the
// globals) in time linear in the list. Short lists, the usual case, are
// scanned; past kScanLimit names the list so far is indexed by a hash set, so
// a record of 150k fields is not 10^10 comparisons. The set hashes with the
// process's seeded hashBytes, so chosen names cannot all collide.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <unordered_set>

#include "core/object.h"

namespace shapevm {

struct SeededNameHash {
  std::size_t operator()(std::string_view name) const { return hashBytes(name); }
};

using NameSet = std::unordered_set<std::string_view, SeededNameHash>;

class RepeatedNames {
 public:
  // Whether `name` is among `earlier`, the names read so far in one list (no
  // two of them equal). Successive calls for a list pass it grown by the
  // names in between; each list's first call passes it empty, which forgets
  // the list before.
  bool contains(std::span<const std::string_view> earlier, std::string_view name) {
    if (earlier.size() <= kScanLimit) {
      if (!index_.empty()) index_.clear();
      return std::find(earlier.begin(), earlier.end(), name) != earlier.end();
    }
    for (std::size_t i = index_.size(); i < earlier.size(); ++i) index_.insert(earlier[i]);
    return index_.contains(name);
  }

 private:
  static constexpr std::size_t kScanLimit = 16;
  NameSet index_;
};

}  // namespace shapevm
