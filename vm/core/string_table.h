// The interned strings: one String per distinct text, for the program's
// names and string constants, which are compared by address. They live
// outside the collected heap (malloc'd, marked for good, never swept) and are
// freed with the table (strings.cpp).
#pragma once

#include <string_view>
#include <unordered_map>

#include "core/object.h"

namespace shapevm {

class StringTable {
 public:
  StringTable() = default;
  ~StringTable();
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;

  // The interned string with these bytes, made on first use.
  String* intern(std::string_view bytes);

 private:
  std::unordered_map<std::string_view, String*> strings_;
};

}  // namespace shapevm
