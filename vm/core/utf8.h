// UTF-8 validation, for program names (bytecode/utf8_names.h) and for the
// strings the snapshot writer encodes (snapshot/json_text.h). Scalar with an
// ASCII fast path, so that the programs that only run and write snapshots
// need no JSON library (docs/design.md, "Memory").
#pragma once

#include <string_view>

namespace shapevm {

// True if `bytes` is well-formed UTF-8: no overlong forms, surrogates or code
// points past U+10FFFF.
bool isValidUtf8(std::string_view bytes);

}  // namespace shapevm
