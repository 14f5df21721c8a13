// Loads the prelude (see prelude.h) from its assembly, once per process.
#include "interp/prelude.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "asm/assembler.h"

namespace shapevm {

namespace {

constexpr std::string_view kPreludeAssembly =
#include "interp/prelude_sasm.inc"
    ;

std::vector<PreludeMethod> loadPrelude() {
  Result<Program> assembled = assemble(kPreludeAssembly, "prelude.sasm");
  if (!assembled) {
    // Only a broken build gets here; the unit tests load the prelude.
    std::fprintf(stderr, "shapevm: internal error: the prelude does not assemble: %s\n",
                 assembled.error().message.c_str());
    std::abort();
  }
  std::vector<PreludeMethod> methods;
  for (Function& f : assembled->functions) {
    // array_NAME and map_NAME are methods; anything else (the script's own
    // top level) is not part of the prelude.
    std::size_t cut = f.name.find('_');
    if (cut == std::string::npos) continue;
    std::string receiver = f.name.substr(0, cut), rest = f.name.substr(cut + 1);
    std::string method = rest.substr(0, rest.find('_'));
    if (receiver != "array" && receiver != "map") continue;
    MethodId id = findMethod(method);
    if (id == MethodId::Unknown || f.arity == 0 || f.arity > 3) {
      std::fprintf(stderr, "shapevm: internal error: prelude function %s is not a method\n",
                   f.name.c_str());
      std::abort();
    }
    f.name = fmt::format("${}.{}", receiver, rest);
    methods.push_back(PreludeMethod{std::move(f), receiver == "map", id});
  }
  return methods;
}

}  // namespace

const std::vector<PreludeMethod>& preludeMethods() {
  static const std::vector<PreludeMethod> methods = loadPrelude();
  return methods;
}

}  // namespace shapevm
