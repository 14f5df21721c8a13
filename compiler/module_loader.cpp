// Loading the files of a program (see module_loader.h).
#include "compiler/module_loader.h"

#include <algorithm>
#include <unordered_map>

namespace shapevm {

namespace {

SourcePos posOf(const Token& t) { return {t.line, t.column}; }

bool isWord(const Token& t, std::string_view word) {
  return t.kind == TokenKind::Identifier && t.text == word;
}

// `a::b` or `a.b`: the segments of a module path.
bool parseModulePath(const std::vector<Token>& tokens, std::size_t& at, DiagnosticSink& sink,
                     ImportDecl& out) {
  out.pathPos = posOf(tokens[at]);
  while (true) {
    const Token& segment = tokens[at];
    if (segment.kind != TokenKind::Identifier || (!out.path.empty() && segment.newlineBefore)) {
      sink.error(segment.line, segment.column,
                 "expected a module name, found " + describeToken(segment));
      return false;
    }
    out.path.emplace_back(segment.text);
    ++at;
    TokenKind next = tokens[at].kind;
    if ((next != TokenKind::ColonColon && next != TokenKind::Dot) || tokens[at].newlineBefore) {
      return true;
    }
    ++at;
  }
}

// `as NAME`, if it comes next (on the same line when `sameLine`), sets
// `alias`. False after reporting a missing name.
bool parseAlias(const std::vector<Token>& tokens, std::size_t& at, DiagnosticSink& sink,
                bool sameLine, std::string& alias) {
  if (!isWord(tokens[at], "as") || (sameLine && tokens[at].newlineBefore)) return true;
  ++at;
  if (tokens[at].kind != TokenKind::Identifier) {
    sink.error(tokens[at].line, tokens[at].column,
               "expected a name after 'as', found " + describeToken(tokens[at]));
    return false;
  }
  alias = std::string(tokens[at].text);
  ++at;
  return true;
}

// `{ a, b as c }` after `from PATH use`.
bool parseImportNames(const std::vector<Token>& tokens, std::size_t& at, DiagnosticSink& sink,
                      ImportDecl& out) {
  if (tokens[at].kind != TokenKind::LBrace) {
    sink.error(tokens[at].line, tokens[at].column,
               "expected '{' and the names to import, found " + describeToken(tokens[at]));
    return false;
  }
  ++at;
  while (tokens[at].kind != TokenKind::RBrace) {
    const Token& name = tokens[at];
    if (name.kind != TokenKind::Identifier) {
      sink.error(name.line, name.column, "expected a name to import, found " + describeToken(name));
      return false;
    }
    ImportName imported{std::string(name.text), std::string(name.text), posOf(name)};
    ++at;
    if (!parseAlias(tokens, at, sink, false, imported.alias)) return false;
    out.names.push_back(std::move(imported));
    if (tokens[at].kind != TokenKind::Comma) break;
    ++at;
  }
  if (tokens[at].kind != TokenKind::RBrace) {
    sink.error(tokens[at].line, tokens[at].column,
               "expected ',' or '}' in the import list, found " + describeToken(tokens[at]));
    return false;
  }
  ++at;
  if (out.names.empty()) {
    sink.error(out.pos.line, out.pos.column, "the import list is empty");
    return false;
  }
  return true;
}

// Index of the first token of each top-level statement that is an import.
std::vector<std::size_t> topLevelImports(const std::vector<Token>& tokens) {
  std::vector<std::size_t> imports;
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    bool statementStart = i == 0 || t.newlineBefore || tokens[i - 1].kind == TokenKind::Semicolon;
    if (depth == 0 && statementStart && startsImport(tokens, i)) imports.push_back(i);
    switch (t.kind) {
      case TokenKind::LParen:
      case TokenKind::LBracket:
      case TokenKind::LBrace:
        ++depth;
        break;
      case TokenKind::RParen:
      case TokenKind::RBracket:
      case TokenKind::RBrace:
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return imports;
}

uint32_t lineCountOf(std::string_view text) {
  uint32_t lines = 1;
  for (char c : text) lines += c == '\n';
  return lines;
}

class Loader {
 public:
  Loader(const std::string& mainPath, const ModuleReader& read, DiagnosticSink& sink)
      : read_(read), sink_(sink) {
    std::size_t slash = mainPath.rfind('/');
    directory_ = slash == std::string::npos ? "" : mainPath.substr(0, slash + 1);
  }

  ProgramSources run(std::string_view mainSource, const std::string& mainPath) {
    load(mainSource, mainPath, {});
    return std::move(out_);
  }

 private:
  enum class State { Loading, Loaded };

  // Lexes the file, loads its imports and appends it to the program; returns
  // its index in run order.
  uint32_t load(std::string_view text, const std::string& path,
                const std::vector<std::string>& module) {
    uint32_t firstLine = nextLine_;
    uint32_t lineCount = lineCountOf(text);
    nextLine_ += lineCount;
    if (firstLine > 1) sink_.addFile(text, path, firstLine);
    std::vector<Token> tokens = lexSource(text, sink_, firstLine);
    state_[path] = State::Loading;
    stack_.push_back(path);

    SourceFileInfo info;
    info.path = path;
    info.module = joined(module, "::");
    info.firstLine = firstLine;
    info.lineCount = lineCount;
    for (std::size_t at : topLevelImports(tokens)) {
      ImportDecl decl;
      if (!parseImport(tokens, at, sink_, decl)) continue;
      std::vector<std::string> target(module.begin(),
                                      module.empty() ? module.end() : module.end() - 1);
      target.insert(target.end(), decl.path.begin(), decl.path.end());
      decl.file = loadImport(decl, target);
      info.imports.push_back(std::move(decl));
    }

    stack_.pop_back();
    state_[path] = State::Loaded;
    uint32_t index = static_cast<uint32_t>(out_.files.size());
    indexOf_[path] = index;
    out_.files.push_back(std::move(info));
    out_.texts.push_back(text);
    out_.tokens.push_back(std::move(tokens));
    return index;
  }

  uint32_t loadImport(const ImportDecl& decl, const std::vector<std::string>& module) {
    std::string path = directory_ + joined(module, "/") + ".shape";
    std::string name = joined(decl.path, "::");
    auto known = state_.find(path);
    if (known != state_.end()) {
      if (known->second == State::Loaded) return indexOf_.at(path);
      std::string cycle;
      for (auto at = std::find(stack_.begin(), stack_.end(), path); at != stack_.end(); ++at) {
        cycle += *at + " -> ";
      }
      sink_.error(decl.pathPos.line, decl.pathPos.column, "import cycle: " + cycle + path);
      return 0;
    }
    if (stack_.size() > kMaxNesting) {
      sink_.error(
          decl.pathPos.line, decl.pathPos.column,
          "imports nested too deeply (more than " + std::to_string(kMaxNesting) + " modules)");
      return 0;
    }
    Result<std::string> source = read_(path);
    if (!source) {
      sink_.error(decl.pathPos.line, decl.pathPos.column,
                  "module '" + name + "' not found: cannot read '" + path + "' (" +
                      source.error().message + ")");
      return 0;
    }
    out_.owned.push_back(std::make_unique<std::string>(std::move(source.value())));
    return load(*out_.owned.back(), path, module);
  }

  static std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : separator) + part;
    return text;
  }

  const ModuleReader& read_;
  DiagnosticSink& sink_;
  std::string directory_;  // of the main file, with its trailing '/'; empty for the current one
  uint32_t nextLine_ = 1;
  std::unordered_map<std::string, State> state_;  // by path
  std::unordered_map<std::string, uint32_t> indexOf_;
  std::vector<std::string> stack_;  // paths of the files being loaded, outermost first
  ProgramSources out_;
};

}  // namespace

bool startsImport(const std::vector<Token>& tokens, std::size_t at) {
  if (at + 1 >= tokens.size()) return false;
  const Token& next = tokens[at + 1];
  return (isWord(tokens[at], "use") || isWord(tokens[at], "from")) &&
         next.kind == TokenKind::Identifier && !next.newlineBefore;
}

bool parseImport(const std::vector<Token>& tokens, std::size_t& at, DiagnosticSink& sink,
                 ImportDecl& out) {
  const Token& keyword = tokens[at];
  out.pos = posOf(keyword);
  ++at;
  if (!parseModulePath(tokens, at, sink, out)) return false;
  if (keyword.text == "from") {
    out.named = true;
    if (!isWord(tokens[at], "use")) {
      sink.error(tokens[at].line, tokens[at].column,
                 "expected 'use' after the module name, found " + describeToken(tokens[at]));
      return false;
    }
    ++at;
    if (!parseImportNames(tokens, at, sink, out)) return false;
  } else {
    out.alias = out.path.back();
    if (!parseAlias(tokens, at, sink, true, out.alias)) return false;
  }
  const Token& end = tokens[at];
  if (end.kind == TokenKind::Semicolon) {
    ++at;
  } else if (end.kind != TokenKind::EndOfFile && !end.newlineBefore) {
    sink.error(end.line, end.column, "expected the end of the import, found " + describeToken(end));
    return false;
  }
  return true;
}

ProgramSources loadProgramSources(std::string_view mainSource, const std::string& mainPath,
                                  const ModuleReader& read, DiagnosticSink& sink) {
  return Loader(mainPath, read, sink).run(mainSource, mainPath);
}

}  // namespace shapevm
