// Recursive-descent parser for Shape (see parser.h for the robustness rules).
//
// Newlines: a token knows whether a newline preceded it. While
// `newlinesEnd_` is true (statement context), a newline before a binary
// operator, '(' or '[' ends the expression; inside ( ), [ ] and map/record
// literals it is false. A '.' on the next line always continues a chain.
//
// Record literals `P { ... }` are recognised only when P names a declared
// type; types are hoisted, so their names are collected from the token list
// before parsing (`type NAME` cannot mean anything else).
//
// A program of several files (module_loader.h) is parsed as one token list,
// the files' tokens one after the other in run order, each file ending with
// its EndOfFile token; the parser never advances past an EndOfFile, so no
// statement runs into the next file. Types, enums and traits are shared by
// all files; a module's top-level functions are named `module::name`.
#include "compiler/parser.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "compiler/lexer.h"
#include "compiler/method_dispatch.h"
#include "compiler/module_loader.h"

namespace shapevm {

namespace {

constexpr int kPrecPipe = 1, kPrecCoalesce = 2, kPrecOr = 3, kPrecAnd = 4, kPrecCompare = 5,
              kPrecRange = 6;

// Loosest to tightest: `|>`, `??`, or, and, comparisons, `..`, `|`, `^`, `&`,
// shifts, `+ -`, `* / %`; `**` is parsed with the unary operators (parsePower).
int binaryPrecedence(TokenKind kind) {
  switch (kind) {
    case TokenKind::PipeGreater:
      return kPrecPipe;
    case TokenKind::QuestionQuestion:
      return kPrecCoalesce;
    case TokenKind::Pipe:
      return 7;
    case TokenKind::Caret:
      return 8;
    case TokenKind::Amp:
      return 9;
    case TokenKind::ShiftLeft:
    case TokenKind::ShiftRight:
      return 10;
    case TokenKind::KwOr:
    case TokenKind::PipePipe:
      return kPrecOr;
    case TokenKind::KwAnd:
    case TokenKind::AmpAmp:
      return kPrecAnd;
    case TokenKind::EqEq:
    case TokenKind::NotEq:
    case TokenKind::Less:
    case TokenKind::LessEq:
    case TokenKind::Greater:
    case TokenKind::GreaterEq:
      return kPrecCompare;
    case TokenKind::DotDot:
    case TokenKind::DotDotEq:
      return kPrecRange;
    case TokenKind::Plus:
    case TokenKind::Minus:
      return 11;
    case TokenKind::Star:
    case TokenKind::Slash:
    case TokenKind::Percent:
      return 12;
    default:
      return 0;
  }
}

BinaryOp binaryOpFor(TokenKind kind) {
  switch (kind) {
    case TokenKind::Plus:
    case TokenKind::PlusAssign:
      return BinaryOp::Add;
    case TokenKind::Minus:
    case TokenKind::MinusAssign:
      return BinaryOp::Sub;
    case TokenKind::Star:
    case TokenKind::StarAssign:
      return BinaryOp::Mul;
    case TokenKind::Slash:
    case TokenKind::SlashAssign:
      return BinaryOp::Div;
    case TokenKind::Percent:
    case TokenKind::PercentAssign:
      return BinaryOp::Mod;
    case TokenKind::EqEq:
      return BinaryOp::Eq;
    case TokenKind::NotEq:
      return BinaryOp::Ne;
    case TokenKind::Less:
      return BinaryOp::Lt;
    case TokenKind::LessEq:
      return BinaryOp::Le;
    case TokenKind::Greater:
      return BinaryOp::Gt;
    case TokenKind::GreaterEq:
      return BinaryOp::Ge;
    case TokenKind::Pipe:
      return BinaryOp::BitOr;
    case TokenKind::Caret:
      return BinaryOp::BitXor;
    case TokenKind::Amp:
      return BinaryOp::BitAnd;
    case TokenKind::ShiftLeft:
      return BinaryOp::ShiftLeft;
    case TokenKind::ShiftRight:
      return BinaryOp::ShiftRight;
    default:
      return BinaryOp::Pow;
  }
}

bool isAssignOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::Assign:
    case TokenKind::PlusAssign:
    case TokenKind::MinusAssign:
    case TokenKind::StarAssign:
    case TokenKind::SlashAssign:
    case TokenKind::PercentAssign:
      return true;
    default:
      return false;
  }
}

// Keywords are accepted where only a name can appear (`o.type`, `{in: 1}`).
bool isWordToken(const Token& token) {
  if (token.kind == TokenKind::Identifier) return true;
  return !token.text.empty() && token.kind >= TokenKind::KwFunction &&
         token.kind <= TokenKind::KwNot;
}

uint32_t heightOf(const ExprPtr& e) { return e ? e->height : 0; }
uint32_t heightOf(const std::vector<ExprPtr>& list) {
  uint32_t h = 0;
  for (const ExprPtr& e : list) h = std::max(h, heightOf(e));
  return h;
}

class Parser {
 public:
  Parser(ProgramSources& sources, DiagnosticSink& sink) : sink_(sink), texts_(sources.texts) {
    for (std::vector<Token>& tokens : sources.tokens) {
      fileStarts_.push_back(tokens_.size());
      tokens_.insert(tokens_.end(), std::make_move_iterator(tokens.begin()),
                     std::make_move_iterator(tokens.end()));
    }
    program_.files = std::move(sources.files);
  }

  ParsedProgram run() {
    collectTypeNames();
    collectEnums();
    for (std::size_t file = 0; file < program_.files.size(); ++file) {
      enterFile(file);
      pos_ = fileStarts_[file];
      functionStack_.assign(1, FunctionContext{program_.files[file].prefix() + "<main>", 0});
      while (!check(TokenKind::EndOfFile)) {
        if (check(TokenKind::RBrace)) {
          errorAtCurrent("unexpected '}' (no block is open)");
          advance();
          continue;
        }
        if (!parseStatement(program_.statements, true)) synchronize();
      }
    }
    program_.end = posOf(peek());
    finishMethods();
    if (rangeValues_ > 0) addRangeMaker(program_, program_.end);
    return std::move(program_);
  }

 private:
  struct FunctionContext {
    std::string qualifiedName;
    uint32_t lambdaCount;
  };

  // Makes `file` the one being parsed: its text (for f-strings), its
  // functions' prefix and the modules its `use` imports name.
  void enterFile(std::size_t file) {
    currentFile_ = file;
    source_ = texts_[file];
    moduleAliases_.clear();
    for (const ImportDecl& import : program_.files[file].imports) {
      if (!import.named) moduleAliases_[import.alias] = program_.files[import.file].module;
    }
  }

  // The file holding token `index`.
  std::size_t fileOfToken(std::size_t index) const {
    return static_cast<std::size_t>(
        std::upper_bound(fileStarts_.begin(), fileStarts_.end(), index) - fileStarts_.begin() - 1);
  }

  // Counts recursion; past kMaxNesting the parse fails with one error.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) { ++p_.depth_; }
    ~DepthGuard() { --p_.depth_; }
    bool tooDeep() const {
      if (p_.depth_ <= kMaxNesting) return false;
      p_.errorAtCurrent("nesting too deep (more than " + std::to_string(kMaxNesting) + " levels)");
      return true;
    }

   private:
    Parser& p_;
  };

  // Marks the parse of a lambda's parameters, restoring the old mark on exit.
  class BetweenLambdaBars {
   public:
    explicit BetweenLambdaBars(Parser& p) : p_(p), saved_(p.betweenLambdaBars_) {
      p_.betweenLambdaBars_ = true;
    }
    ~BetweenLambdaBars() { p_.betweenLambdaBars_ = saved_; }

   private:
    Parser& p_;
    bool saved_;
  };

  // Sets whether newlines end expressions, restoring the old value on exit.
  class NewlineMode {
   public:
    NewlineMode(Parser& p, bool newlinesEnd) : p_(p), saved_(p.newlinesEnd_) {
      p_.newlinesEnd_ = newlinesEnd;
    }
    ~NewlineMode() { p_.newlinesEnd_ = saved_; }

   private:
    Parser& p_;
    bool saved_;
  };

  // ------------------------------------------------------------ token access

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  bool check(TokenKind kind) const { return peek().kind == kind; }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (t.kind != TokenKind::EndOfFile) ++pos_;
    return t;
  }
  bool match(TokenKind kind) {
    if (!check(kind)) return false;
    advance();
    return true;
  }
  static SourcePos posOf(const Token& t) { return {t.line, t.column}; }
  // A newline before the current token ends the expression here.
  bool newlineStops() const { return newlinesEnd_ && peek().newlineBefore; }
  // A binary operator at the start of a line continues the expression of the
  // line before, except `-`, `|` and `||`, which can also start a statement
  // (a negative number, a lambda).
  bool newlineStopsOperator() const {
    TokenKind kind = peek().kind;
    return newlineStops() &&
           (kind == TokenKind::Minus || kind == TokenKind::Pipe || kind == TokenKind::PipePipe);
  }

  void errorAt(const Token& t, const std::string& message) {
    sink_.error(t.line, t.column, message);
  }
  void errorAtCurrent(const std::string& message) { errorAt(peek(), message); }
  // Reports "expected X, found Y" unless the current token is `kind`.
  bool expect(TokenKind kind, const std::string& what) {
    if (match(kind)) return true;
    errorAtCurrent("expected " + what + ", found " + describeToken(peek()));
    return false;
  }

  // Skips to the next statement boundary (see parser.h).
  void synchronize() {
    int nesting = 0;
    bool first = true;
    while (!check(TokenKind::EndOfFile)) {
      const Token& t = peek();
      if (!first && nesting == 0 && t.newlineBefore) return;
      switch (t.kind) {
        case TokenKind::LParen:
        case TokenKind::LBracket:
        case TokenKind::LBrace:
          ++nesting;
          break;
        case TokenKind::RParen:
        case TokenKind::RBracket:
        case TokenKind::RBrace:
          if (nesting == 0 && t.kind == TokenKind::RBrace) return;
          if (nesting > 0) --nesting;
          break;
        case TokenKind::Semicolon:
          if (nesting == 0) {
            advance();
            return;
          }
          break;
        default:
          break;
      }
      advance();
      first = false;
    }
  }

  void collectTypeNames() {
    for (std::size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (tokens_[i].kind != TokenKind::KwType || tokens_[i + 1].kind != TokenKind::Identifier ||
          isTypeAliasAt(i)) {
        continue;
      }
      std::string name(tokens_[i + 1].text);
      if (typeIndex_.count(name)) continue;
      typeIndex_[name] = static_cast<uint32_t>(program_.types.size());
      program_.types.push_back(TypeInfo{name, posOf(tokens_[i + 1]), {}});
      typeDefined_.push_back(false);
    }
  }

  // Enums are hoisted like types: every `enum` declaration is parsed before
  // the program, so `E::V { .. }` and patterns know the variants wherever the
  // enum is declared. The main pass then steps over the declaration.
  void collectEnums() {
    for (std::size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (tokens_[i].kind != TokenKind::KwEnum || tokens_[i + 1].kind != TokenKind::Identifier) {
        continue;
      }
      enterFile(fileOfToken(i));
      pos_ = i;
      if (!parseEnumDecl()) synchronize();
      enumEnds_[i] = pos_;
    }
    pos_ = 0;
  }

  bool parseEnumDecl() {
    advance();  // enum
    const Token& name = advance();
    std::string enumName(name.text);
    for (const EnumInfo& existing : program_.enums) {
      if (existing.name == enumName) {
        errorAt(name, "enum '" + enumName + "' is already declared");
        return false;
      }
    }
    if (typeIndex_.count(enumName)) {
      errorAt(name, "'" + enumName + "' is already declared as a type");
      return false;
    }
    if (!parseTypeParameters() || !expect(TokenKind::LBrace, "'{' after the enum name")) {
      return false;
    }
    NewlineMode mode(*this, false);
    EnumInfo info{enumName, posOf(name), {}, {}, {}};
    while (!check(TokenKind::RBrace)) {
      if (!check(TokenKind::Identifier)) {
        errorAtCurrent("expected a variant name, found " + describeToken(peek()));
        return false;
      }
      const Token& variant = advance();
      std::string variantName(variant.text);
      for (const std::string& existing : info.variants) {
        if (existing == variantName) {
          errorAt(variant, "variant '" + variantName + "' is declared twice");
          return false;
        }
      }
      std::vector<std::string> fields;
      bool positional = true;
      if (match(TokenKind::LParen)) {
        while (!check(TokenKind::RParen)) {
          // `Circle(float)` or `Circle(r: float)`: only the count matters.
          if (check(TokenKind::Identifier) && peek(1).kind == TokenKind::Colon) {
            advance();
            advance();
          }
          if (!parseType()) return false;
          fields.push_back(std::to_string(fields.size()));
          if (!match(TokenKind::Comma)) break;
        }
        if (!expect(TokenKind::RParen, "')' after the variant's payload")) return false;
      } else if (check(TokenKind::LBrace)) {
        positional = false;
        if (!parseFieldList(fields)) return false;
      }
      // `Red = 1`: an explicit discriminant, accepted and ignored. It is an
      // integer literal, not an expression: enums are collected before any
      // function exists to hold the code of one.
      if (match(TokenKind::Assign)) {
        match(TokenKind::Minus);
        if (!expect(TokenKind::Int, "an integer after '=' in a variant")) return false;
      }
      info.variants.push_back(variantName);
      info.types.push_back(static_cast<uint32_t>(program_.types.size()));
      info.positional.push_back(positional);
      program_.types.push_back(TypeInfo{enumName + "::" + variantName, posOf(variant), fields});
      typeDefined_.push_back(true);
      if (!match(TokenKind::Comma) && !check(TokenKind::RBrace) && !peek().newlineBefore) {
        errorAtCurrent("expected ',' or '}' after the variant, found " + describeToken(peek()));
        return false;
      }
    }
    advance();
    program_.files[currentFile_].typeNames.push_back(enumName);
    program_.enums.push_back(std::move(info));
    return true;
  }

  // The record type of `enumName::variant` (or a prelude variant such as
  // `Some`), or -1.
  int32_t variantType(const std::string& qualified) {
    if (qualified == "Some" || qualified == "Ok" || qualified == "Err") {
      auto known = typeIndex_.find(qualified);
      if (known != typeIndex_.end()) return static_cast<int32_t>(known->second);
      typeIndex_[qualified] = static_cast<uint32_t>(program_.types.size());
      program_.types.push_back(TypeInfo{qualified, {0, 0}, {"0"}});
      typeDefined_.push_back(true);
      return static_cast<int32_t>(program_.types.size() - 1);
    }
    for (std::size_t i = 0; i < program_.types.size(); ++i) {
      if (program_.types[i].name == qualified && qualified.find("::") != std::string::npos) {
        return static_cast<int32_t>(i);
      }
    }
    return -1;
  }

  // ------------------------------------------------------------- statements

  // Parses one statement into `out` (a type declaration adds nothing).
  // False on a syntax error (already reported).
  bool parseStatement(StmtList& out, bool topLevel) {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return false;
    NewlineMode mode(*this, true);
    const Token& t = peek();
    SourcePos pos = posOf(t);
    switch (t.kind) {
      case TokenKind::Semicolon:
        advance();
        return true;
      case TokenKind::KwPub:
        return parsePublic(out, topLevel);
      case TokenKind::KwEnum: {
        auto end = enumEnds_.find(pos_);
        if (end == enumEnds_.end()) break;
        if (!topLevel) {
          errorAtCurrent("enum declarations are only allowed at the top level");
          return false;
        }
        pos_ = end->second;
        return true;
      }
      case TokenKind::KwLoop: {
        advance();
        auto loop = std::make_unique<WhileStmt>(pos, std::make_unique<BoolExpr>(pos, true));
        if (!parseBlock(loop->body)) return false;
        out.push_back(std::move(loop));
        return true;
      }
      case TokenKind::KwLet:
      case TokenKind::KwVar:
      case TokenKind::KwConst:
        return parseVarDecl(out) && endStatement();
      case TokenKind::KwFunction:
      case TokenKind::KwFn:
        if (peek(1).kind == TokenKind::Identifier) return parseFunctionDecl(out, topLevel);
        break;
      case TokenKind::KwType:
        if (peek(1).kind == TokenKind::Identifier) {
          if (isTypeAlias()) return parseTypeAlias(topLevel);
          return parseTypeDecl(topLevel);
        }
        break;
      case TokenKind::Identifier:
        if (startsImport(tokens_, pos_)) {
          if (!topLevel) {
            errorAtCurrent("imports are only allowed at the top level of a file");
            return false;
          }
          ImportDecl skipped;  // the module loader has read it already
          return parseImport(tokens_, pos_, sink_, skipped);
        }
        if (startsMethodBlock()) {
          if (!topLevel) {
            errorAtCurrent("'" + std::string(t.text) +
                           "' declarations are only allowed at the top level");
            return false;
          }
          return t.text == "trait" ? parseTrait() : parseImpl();
        }
        break;
      case TokenKind::KwIf:
        return parseIf(out);
      case TokenKind::KwWhile:
        return parseWhile(out);
      case TokenKind::KwFor:
        return parseFor(out);
      case TokenKind::KwTry:
        return parseTry(out);
      case TokenKind::LBrace: {
        auto block = std::make_unique<BlockStmt>(pos);
        if (!parseBlock(block->block)) return false;
        out.push_back(std::move(block));
        return true;
      }
      case TokenKind::KwBreak:
        advance();
        out.push_back(std::make_unique<BreakStmt>(pos));
        return endStatement();
      case TokenKind::KwContinue:
        advance();
        out.push_back(std::make_unique<ContinueStmt>(pos));
        return endStatement();
      case TokenKind::KwReturn: {
        advance();
        ExprPtr value;
        if (!check(TokenKind::Semicolon) && !check(TokenKind::RBrace) &&
            !check(TokenKind::EndOfFile) && !peek().newlineBefore) {
          value = parseExpr();
          if (!value) return false;
        }
        out.push_back(std::make_unique<ReturnStmt>(pos, std::move(value)));
        return endStatement();
      }
      case TokenKind::KwThrow: {
        advance();
        ExprPtr value = parseExpr();
        if (!value) return false;
        out.push_back(std::make_unique<ThrowStmt>(pos, std::move(value)));
        return endStatement();
      }
      default:
        break;
    }
    return parseExpressionStatement(out);
  }

  // `pub` before a declaration: the declaration's name is public, so other
  // files may import it (types, enums and traits are visible everywhere).
  bool parsePublic(StmtList& out, bool topLevel) {
    const Token& keyword = advance();
    if (topLevel && peek(1).kind == TokenKind::Identifier) {
      program_.files[currentFile_].publicNames.emplace_back(peek(1).text);
    }
    switch (peek().kind) {
      case TokenKind::KwFunction:
      case TokenKind::KwFn:
      case TokenKind::KwLet:
      case TokenKind::KwVar:
      case TokenKind::KwConst:
      case TokenKind::KwType:
      case TokenKind::KwEnum:
        if (!topLevel) {
          errorAt(keyword, "'pub' is only allowed on top-level declarations");
          return false;
        }
        return parseStatement(out, topLevel);
      case TokenKind::Identifier:
        if (startsMethodBlock()) return parseStatement(out, topLevel);
        [[fallthrough]];
      default:
        errorAtCurrent("expected a declaration after 'pub', found " + describeToken(peek()));
        return false;
    }
  }

  // `type Name = T` or `type Name<T> = T` (after `type`).
  bool isTypeAlias() const { return isTypeAliasAt(pos_); }
  bool isTypeAliasAt(std::size_t typeToken) const {
    auto kindAt = [&](std::size_t i) { return tokens_[std::min(i, tokens_.size() - 1)].kind; };
    std::size_t i = typeToken + 2;
    if (kindAt(i) == TokenKind::Less) {
      int depth = 0;
      for (; kindAt(i) != TokenKind::EndOfFile; ++i) {
        TokenKind k = kindAt(i);
        if (k == TokenKind::Less) ++depth;
        if (k == TokenKind::Greater) --depth;
        if (k == TokenKind::ShiftRight) depth -= 2;
        if (depth <= 0 || k == TokenKind::LBrace || k == TokenKind::Assign) break;
      }
      ++i;
    }
    return kindAt(i) == TokenKind::Assign;
  }

  // A type alias names a type for annotations only: parsed and ignored.
  bool parseTypeAlias(bool topLevel) {
    const Token& keyword = advance();
    advance();  // the name
    if (!topLevel) {
      errorAt(keyword, "type declarations are only allowed at the top level");
      return false;
    }
    if (!parseTypeParameters()) return false;
    advance();  // '='
    return parseType() && endStatement();
  }

  // `<T, U: Bound>` after a function or type name: parsed and ignored.
  bool parseTypeParameters() {
    if (!match(TokenKind::Less)) return true;
    NewlineMode mode(*this, false);
    do {
      if (!check(TokenKind::Identifier)) {
        errorAtCurrent("expected a type parameter name, found " + describeToken(peek()));
        return false;
      }
      advance();
      if (match(TokenKind::Colon)) {
        do {
          if (!parseType()) return false;
        } while (match(TokenKind::Plus));
      }
    } while (match(TokenKind::Comma));
    return expectTypeClose();
  }

  // The '>' closing type arguments; a '>>' closes two of them.
  bool expectTypeClose() {
    if (check(TokenKind::ShiftRight)) {
      Token& shift = tokens_[pos_];
      shift.kind = TokenKind::Greater;
      shift.text = shift.text.substr(1);
      ++shift.column;
      return true;
    }
    return expect(TokenKind::Greater, "'>' to close the type arguments");
  }

  // After a simple statement: ';', a newline, '}' or the end of the file.
  bool endStatement() {
    if (match(TokenKind::Semicolon)) return true;
    if (check(TokenKind::RBrace) || check(TokenKind::EndOfFile) || peek().newlineBefore) {
      return true;
    }
    errorAtCurrent("expected a newline or ';' after the statement, found " + describeToken(peek()));
    return false;
  }

  bool parseExpressionStatement(StmtList& out) {
    SourcePos pos = posOf(peek());
    ExprPtr expr = parseExpr();
    if (!expr) return false;
    if (isAssignOp(peek().kind)) {
      const Token& op = advance();
      ExprKind k = expr->kind;
      if (k != ExprKind::Name && k != ExprKind::Index && k != ExprKind::Field) {
        errorAt(op, "cannot assign to this expression (only to a variable, a[i] or o.field)");
        return false;
      }
      bool compound = op.kind != TokenKind::Assign;
      BinaryOp binop = binaryOpFor(op.kind);
      ExprPtr value = parseExpr();
      if (!value) return false;
      out.push_back(std::make_unique<AssignStmt>(posOf(op), std::move(expr), compound, binop,
                                                 std::move(value)));
      return endStatement();
    }
    auto stmt = std::make_unique<ExprStmt>(pos, std::move(expr));
    stmt->terminated = check(TokenKind::Semicolon);
    out.push_back(std::move(stmt));
    return endStatement();
  }

  bool parseVarDecl(StmtList& out) {
    const Token& keyword = advance();
    if (keyword.kind != TokenKind::KwConst) match(TokenKind::KwMut);
    VarKind kind = keyword.kind == TokenKind::KwLet   ? VarKind::Let
                   : keyword.kind == TokenKind::KwVar ? VarKind::Var
                                                      : VarKind::Const;
    if (startsDestructuring()) {
      PatternPtr pattern = parseDestructuring();
      if (!pattern || !expect(TokenKind::Assign, "'=' and a value to destructure")) return false;
      ExprPtr init = parseExpr();
      if (!init) return false;
      declareDestructured(*pattern, kind, std::move(init), out);
      return true;
    }
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a variable name after " + describeToken(keyword) + ", found " +
                     describeToken(peek()));
      return false;
    }
    const Token& name = advance();
    if (match(TokenKind::Colon) && !parseType()) return false;
    ExprPtr init;
    if (match(TokenKind::Assign)) {
      init = parseExpr();
      if (!init) return false;
    } else if (kind == VarKind::Const) {
      errorAt(name, "const '" + std::string(name.text) + "' needs a value");
      return false;
    }
    out.push_back(
        std::make_unique<VarDeclStmt>(posOf(name), kind, std::string(name.text), std::move(init)));
    return true;
  }

  // ---------------------------------------------------------- destructuring
  //
  // `let [a, b, ..rest] = e`, `let {x, y: alias} = e`, `let (a, b) = e` and
  // `for {x, y} in points`: the value goes to a hidden variable and each name
  // is declared from its element (`hidden[0]`, `hidden.x`, `hidden.skip(2)`),
  // nested patterns likewise.

  bool startsDestructuring() const {
    return check(TokenKind::LBracket) || check(TokenKind::LBrace) || check(TokenKind::LParen);
  }

  PatternPtr parseDestructuring() {
    PatternPtr pattern;
    if (check(TokenKind::LParen)) {  // `(a, b)`: Shape's tuples are arrays here
      NewlineMode mode(*this, false);
      pattern = std::make_unique<Pattern>(PatternKind::Array, posOf(advance()));
      while (!check(TokenKind::RParen)) {
        PatternPtr element = parsePattern();
        if (!element) return nullptr;
        pattern->elements.push_back(std::move(element));
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' or ',' in the pattern")) return nullptr;
    } else {
      pattern = parseSinglePattern();
    }
    if (pattern && !isDestructuringPattern(*pattern)) return nullptr;
    return pattern;
  }

  // Names, `_`, and array and object patterns of them; reports anything else.
  bool isDestructuringPattern(const Pattern& pattern) {
    switch (pattern.kind) {
      case PatternKind::Wildcard:
      case PatternKind::Binding:
        return true;
      case PatternKind::Array:
      case PatternKind::Object:
        if (pattern.type < 0) {
          for (const PatternPtr& element : pattern.elements) {
            if (!isDestructuringPattern(*element)) return false;
          }
          return true;
        }
        break;
      default:
        break;
    }
    sink_.error(pattern.pos.line, pattern.pos.column,
                "only names, '_', [..] and {..} can be destructured here (use match to test "
                "values)");
    return false;
  }

  // A variable the program cannot name: `<destructured1>`, `<context2>`, ...
  std::string hiddenName(const char* role) {
    return "<" + std::string(role) + std::to_string(++hiddenNames_) + ">";
  }

  // Declares the variables of `pattern` from `value`.
  void declareDestructured(Pattern& pattern, VarKind kind, ExprPtr value, StmtList& out) {
    SourcePos pos = pattern.pos;
    if (pattern.kind == PatternKind::Binding) {
      out.push_back(std::make_unique<VarDeclStmt>(pos, kind, pattern.name, std::move(value)));
      return;
    }
    if (pattern.kind == PatternKind::Wildcard) return;
    std::string holder = hiddenName("destructured");
    out.push_back(std::make_unique<VarDeclStmt>(pos, VarKind::Let, holder, std::move(value)));
    auto held = [&]() { return std::make_unique<NameExpr>(pos, holder); };
    for (std::size_t i = 0; i < pattern.elements.size(); ++i) {
      Pattern& element = *pattern.elements[i];
      ExprPtr part;
      if (pattern.kind == PatternKind::Array) {
        part = std::make_unique<IndexExpr>(element.pos, held(),
                                           std::make_unique<IntExpr>(element.pos, int64_t(i)));
      } else {
        part = std::make_unique<FieldExpr>(element.pos, held(), pattern.fields[i]);
      }
      part->height = 2;
      declareDestructured(element, kind, std::move(part), out);
    }
    if (pattern.restBinds) {
      std::vector<ExprPtr> args;
      args.push_back(std::make_unique<IntExpr>(pos, int64_t(pattern.elements.size())));
      auto rest = std::make_unique<MethodCallExpr>(pos, held(), "skip", std::move(args));
      rest->ownMethodOnly = true;
      rest->height = 2;
      out.push_back(std::make_unique<VarDeclStmt>(pos, kind, pattern.name, std::move(rest)));
    }
  }

  // A type annotation: parsed and ignored. Accepts names (with dots and
  // generic arguments), [T], (T, U) -> R, fn(T) -> R, &T, and suffixes [] and ?.
  bool parseType() {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return false;
    NewlineMode mode(*this, false);
    if (match(TokenKind::Amp)) return parseType();
    if (match(TokenKind::LBracket)) {
      if (!parseType() || !expect(TokenKind::RBracket, "']' in type")) return false;
    } else if (check(TokenKind::LParen) || check(TokenKind::KwFn) || check(TokenKind::KwFunction)) {
      if (!check(TokenKind::LParen)) advance();
      if (!expect(TokenKind::LParen, "'(' in function type")) return false;
      while (!check(TokenKind::RParen)) {
        if (!parseType()) return false;
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' in type")) return false;
      if (match(TokenKind::Arrow) && !parseType()) return false;
    } else if (check(TokenKind::Identifier) || check(TokenKind::KwNone)) {
      advance();
      while (check(TokenKind::Dot) && peek(1).kind == TokenKind::Identifier) {
        advance();
        advance();
      }
      if (match(TokenKind::Less)) {
        do {
          if (!parseType()) return false;
        } while (match(TokenKind::Comma));
        if (!expectTypeClose()) return false;
      }
    } else {
      errorAtCurrent("expected a type, found " + describeToken(peek()));
      return false;
    }
    while (true) {
      if (check(TokenKind::LBracket) && peek(1).kind == TokenKind::RBracket) {
        advance();
        advance();
      } else if (!match(TokenKind::Question)) {
        break;
      }
    }
    // `int | string`, except between a lambda's bars, where `|` ends them.
    if (!betweenLambdaBars_ && match(TokenKind::Pipe)) return parseType();
    return true;
  }

  bool parseTypeDecl(bool topLevel) {
    const Token& keyword = advance();
    const Token& name = advance();
    if (!topLevel) {
      errorAt(keyword, "type declarations are only allowed at the top level");
      return false;
    }
    uint32_t index = typeIndex_.at(std::string(name.text));
    bool duplicate = typeDefined_[index];
    if (duplicate) errorAt(name, "type '" + std::string(name.text) + "' is already declared");
    if (!parseTypeParameters()) return false;
    if (!check(TokenKind::LBrace)) return expect(TokenKind::LBrace, "'{' after the type name");
    std::vector<std::string> fields;
    std::vector<FieldDefault> defaults;
    if (!parseFieldList(fields, &defaults)) return false;
    if (!duplicate) {
      program_.types[index].fields = std::move(fields);
      program_.types[index].defaults = std::move(defaults);
      typeDefined_[index] = true;
      program_.files[currentFile_].typeNames.emplace_back(name.text);
    }
    return !duplicate;
  }

  // `= value` after a field of a type declaration: a constant (a number,
  // possibly negated, a string, a bool or none), kept as `field`'s default.
  bool parseFieldDefault(uint32_t field, std::vector<FieldDefault>& defaults) {
    const Token& start = peek();
    ExprPtr value = parseExpr();
    if (!value) return false;
    FieldDefault fieldDefault;
    fieldDefault.field = field;
    switch (value->kind) {
      case ExprKind::None:
        fieldDefault.kind = FieldDefault::Kind::None;
        break;
      case ExprKind::Bool:
        fieldDefault.kind = static_cast<BoolExpr&>(*value).value ? FieldDefault::Kind::True
                                                                 : FieldDefault::Kind::False;
        break;
      case ExprKind::Int: {
        const auto& literal = static_cast<IntExpr&>(*value);
        if (literal.needsNegation) {
          errorAt(start, "integer literal 9223372036854775808 does not fit in 64 bits");
          return false;
        }
        fieldDefault.kind = FieldDefault::Kind::Constant;
        fieldDefault.constant = Constant::ofInt(literal.value);
        break;
      }
      case ExprKind::Float:
        fieldDefault.kind = FieldDefault::Kind::Constant;
        fieldDefault.constant = Constant::ofFloat(static_cast<FloatExpr&>(*value).value);
        break;
      case ExprKind::String:
        fieldDefault.kind = FieldDefault::Kind::Constant;
        fieldDefault.constant = Constant::ofString(static_cast<StringExpr&>(*value).value);
        break;
      default:
        errorAt(start,
                "a field's default must be a constant: a number, a string, true, false "
                "or none");
        return false;
    }
    defaults.push_back(std::move(fieldDefault));
    return true;
  }

  // `{ a: T, b, c: U = default }`: field names in order (types are ignored)
  // and, when `defaults` is given, the fields' defaults.
  bool parseFieldList(std::vector<std::string>& fields,
                      std::vector<FieldDefault>* defaults = nullptr) {
    advance();  // '{'
    NewlineMode mode(*this, false);
    std::unordered_set<std::string_view> declared;  // a scan per field was quadratic
    while (!check(TokenKind::RBrace)) {
      if (!isWordToken(peek())) {
        errorAtCurrent("expected a field name, found " + describeToken(peek()));
        return false;
      }
      const Token& field = advance();
      std::string fieldName(field.text);
      if (!declared.insert(field.text).second) {
        errorAt(field, "field '" + fieldName + "' is declared twice");
        return false;
      }
      fields.push_back(fieldName);
      if (match(TokenKind::Colon) && !parseType()) return false;
      if (defaults != nullptr && match(TokenKind::Assign) &&
          !parseFieldDefault(static_cast<uint32_t>(fields.size() - 1), *defaults)) {
        return false;
      }
      if (!match(TokenKind::Comma) && !check(TokenKind::RBrace) && !peek().newlineBefore) {
        errorAtCurrent("expected ',' or '}' after the field, found " + describeToken(peek()));
        return false;
      }
    }
    advance();
    return true;
  }

  bool parseBlock(Block& block) {
    const Token& open = peek();
    if (!expect(TokenKind::LBrace, "'{'")) return false;
    NewlineMode mode(*this, true);
    while (!check(TokenKind::RBrace) && !check(TokenKind::EndOfFile)) {
      if (!parseStatement(block.statements, false)) synchronize();
    }
    block.end = posOf(peek());
    if (!check(TokenKind::RBrace)) {
      errorAtCurrent("expected '}' to close the block opened at line " + std::to_string(open.line));
      return false;
    }
    advance();
    return true;
  }

  bool parseIf(StmtList& out) {
    std::unique_ptr<IfStmt> stmt = parseIfChain();
    if (!stmt) return false;
    out.push_back(std::move(stmt));
    return true;
  }

  // `if c { } else if d { } else { }`; nullptr after a syntax error.
  // (The statement or expression around it holds the depth guard.)
  std::unique_ptr<IfStmt> parseIfChain() {
    NewlineMode mode(*this, true);
    auto stmt = std::make_unique<IfStmt>(posOf(advance()));
    while (true) {
      IfBranch branch;
      branch.condition = parseCondition();
      if (!branch.condition || !parseBlock(branch.body)) return nullptr;
      stmt->branches.push_back(std::move(branch));
      if (!match(TokenKind::KwElse)) break;
      if (match(TokenKind::KwIf)) continue;
      stmt->hasElse = true;
      if (!parseBlock(stmt->elseBody)) return nullptr;
      break;
    }
    return stmt;
  }

  // In expression position `{` opens a map literal when it is empty or its
  // first entry is `key:`; otherwise it opens a block whose value is its last
  // expression.
  bool startsMapLiteral() const {
    const Token& first = peek(1);
    if (first.kind == TokenKind::RBrace) return true;
    std::size_t colon = 2;
    if (first.kind == TokenKind::Minus) {
      colon = 3;
    } else if (first.kind != TokenKind::String && first.kind != TokenKind::Int &&
               first.kind != TokenKind::Float && !isWordToken(first)) {
      return false;
    }
    return peek(colon).kind == TokenKind::Colon;
  }

  ExprPtr parseBlockExpr() {
    auto expr = std::make_unique<BlockExpr>(posOf(peek()));
    if (!parseBlock(expr->block)) return nullptr;
    return expr;
  }

  ExprPtr parseCondition() {
    if (check(TokenKind::LBrace)) {
      errorAtCurrent("expected a condition before '{'");
      return nullptr;
    }
    return parseExpr();
  }

  bool parseWhile(StmtList& out) {
    SourcePos pos = posOf(advance());
    ExprPtr condition = parseCondition();
    if (!condition) return false;
    auto stmt = std::make_unique<WhileStmt>(pos, std::move(condition));
    if (!parseBlock(stmt->body)) return false;
    out.push_back(std::move(stmt));
    return true;
  }

  bool parseFor(StmtList& out) {
    SourcePos pos = posOf(advance());
    PatternPtr destructured;
    std::string variable;
    SourcePos variablePos = posOf(peek());
    if (startsDestructuring()) {
      destructured = parseDestructuring();
      if (!destructured) return false;
      variable = hiddenName("destructured");
    } else if (check(TokenKind::Identifier)) {
      variable = std::string(advance().text);
    } else {
      errorAtCurrent("expected a loop variable after 'for', found " + describeToken(peek()));
      return false;
    }
    if (!expect(TokenKind::KwIn, "'in' after the loop variable")) return false;
    ExprPtr iterable = parseExpr();  // may be a map literal: `for k in {a: 1} { }`
    if (!iterable) return false;
    if (iterable->kind == ExprKind::Range && !destructured) {
      --rangeValues_;
      auto stmt = std::make_unique<ForRangeStmt>(pos);
      auto* range = static_cast<RangeExpr*>(iterable.get());
      stmt->name = variable;
      stmt->namePos = variablePos;
      stmt->low = std::move(range->low);
      stmt->high = std::move(range->high);
      stmt->inclusive = range->inclusive;
      if (!parseBlock(stmt->body)) return false;
      out.push_back(std::move(stmt));
      return true;
    }
    auto stmt = std::make_unique<ForEachStmt>(pos);
    stmt->name = variable;
    stmt->namePos = variablePos;
    stmt->iterable = std::move(iterable);
    if (!parseBlock(stmt->body)) return false;
    if (destructured) {  // each iteration declares the pattern's names first
      StmtList names;
      declareDestructured(*destructured, VarKind::Let,
                          std::make_unique<NameExpr>(variablePos, variable), names);
      stmt->body.statements.insert(stmt->body.statements.begin(),
                                   std::make_move_iterator(names.begin()),
                                   std::make_move_iterator(names.end()));
    }
    out.push_back(std::move(stmt));
    return true;
  }

  bool parseTry(StmtList& out) {
    auto stmt = std::make_unique<TryStmt>(posOf(advance()));
    if (!parseBlock(stmt->body)) return false;
    if (!expect(TokenKind::KwCatch, "'catch' after the try block")) return false;
    bool parenthesized = match(TokenKind::LParen);
    if (check(TokenKind::Identifier)) {
      const Token& name = advance();
      stmt->hasCatchVariable = true;
      stmt->catchName = std::string(name.text);
      stmt->catchPos = posOf(name);
    } else if (parenthesized) {
      errorAtCurrent("expected the name of the caught value, found " + describeToken(peek()));
      return false;
    }
    if (parenthesized && !expect(TokenKind::RParen, "')' after the caught value's name")) {
      return false;
    }
    if (!parseBlock(stmt->handler)) return false;
    out.push_back(std::move(stmt));
    return true;
  }

  // --------------------------------------------------------------- functions

  // A module's top-level function `f` is `module::f` (`moduleMember`).
  FunctionNode* newFunction(SourcePos pos, const std::string& name, bool topLevel,
                            bool moduleMember = false) {
    auto node = std::make_unique<FunctionNode>();
    node->name = moduleMember ? program_.files[currentFile_].prefix() + name : name;
    node->pos = pos;
    node->topLevel = topLevel;
    FunctionContext& outer = functionStack_.back();
    std::string qualified;
    if (topLevel) {
      qualified = node->name;
    } else if (name.empty()) {
      qualified = outer.qualifiedName + ".<lambda" + std::to_string(++outer.lambdaCount) + ">";
    } else {
      qualified = outer.qualifiedName + "." + name;
    }
    if (!topLevel && usedNames_.count(qualified)) {
      uint32_t n = 2;
      while (usedNames_.count(qualified + "#" + std::to_string(n))) ++n;
      qualified += "#" + std::to_string(n);
    }
    usedNames_.insert(qualified);
    node->qualifiedName = qualified;
    program_.functions.push_back(std::move(node));
    return program_.functions.back().get();
  }

  // Parses parameters and the body of `fn` (after its name, if any).
  bool parseFunctionRest(FunctionNode* fn) { return parseSignature(fn) && parseFunctionBody(fn); }

  // Type parameters, parameters and the return type of `fn`.
  bool parseSignature(FunctionNode* fn) {
    if (!parseTypeParameters()) return false;
    if (!expect(TokenKind::LParen, "'(' to start the parameter list")) return false;
    {
      NewlineMode mode(*this, false);
      while (!check(TokenKind::RParen)) {
        if (!parseParam(fn)) return false;
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' after the parameters")) return false;
    }
    return !match(TokenKind::Arrow) || parseType();
  }

  bool parseFunctionBody(FunctionNode* fn) {
    functionStack_.push_back(FunctionContext{fn->qualifiedName, 0});
    bool ok = parseBlock(fn->body);
    functionStack_.pop_back();
    if (ok) addDefaultValues(fn);
    return ok;
  }

  // Starts the body with `if p == none { p = default }` for each parameter
  // with a default value; a lambda's expression body becomes the block's value.
  void addDefaultValues(FunctionNode* fn) {
    StmtList prologue;
    for (Param& param : fn->params) {
      if (!param.defaultValue) continue;
      SourcePos pos = param.defaultValue->pos;
      auto test = std::make_unique<IfStmt>(pos);
      IfBranch branch;
      branch.condition = std::make_unique<BinaryExpr>(
          pos, BinaryOp::Eq, std::make_unique<NameExpr>(param.pos, param.name),
          std::make_unique<NoneExpr>(pos));
      branch.condition->height = 2;
      branch.body.statements.push_back(
          std::make_unique<AssignStmt>(pos, std::make_unique<NameExpr>(param.pos, param.name),
                                       false, BinaryOp::Add, std::move(param.defaultValue)));
      branch.body.end = pos;
      test->branches.push_back(std::move(branch));
      prologue.push_back(std::move(test));
    }
    if (prologue.empty()) return;
    if (fn->expressionBody) {
      SourcePos pos = fn->expressionBody->pos;
      fn->body.statements.push_back(std::make_unique<ExprStmt>(pos, std::move(fn->expressionBody)));
      fn->body.end = pos;
    }
    fn->body.statements.insert(fn->body.statements.begin(),
                               std::make_move_iterator(prologue.begin()),
                               std::make_move_iterator(prologue.end()));
  }

  // Between a lambda's `| |` a default value is one operand (`|x, k = 2| ..`):
  // a `|` in it would end the parameters.
  bool parseParam(FunctionNode* fn, bool betweenBars = false) {
    bool reference = match(TokenKind::Amp);
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a parameter name, found " + describeToken(peek()));
      return false;
    }
    const Token& name = advance();
    fn->params.push_back(Param{std::string(name.text), posOf(name), {}, false, nullptr, reference});
    if (match(TokenKind::Colon) && !parseType()) return false;
    Param& param = fn->params.back();
    if (match(TokenKind::Assign)) {
      param.defaultValue = betweenBars ? parseUnary() : parseExpr();
      if (!param.defaultValue) return false;
      param.hasDefault = true;
    } else if (fn->params.size() > 1 && fn->params[fn->params.size() - 2].hasDefault) {
      errorAt(name, "parameter '" + param.name +
                        "' needs a default value: it follows one that has a default");
      return false;
    }
    return true;
  }

  bool parseFunctionDecl(StmtList& out, bool topLevel) {
    SourcePos pos = posOf(advance());
    const Token& name = advance();
    FunctionNode* fn = newFunction(posOf(name), std::string(name.text), topLevel, topLevel);
    if (!parseFunctionRest(fn)) return false;
    out.push_back(std::make_unique<FunctionStmt>(pos, fn));
    return true;
  }

  // `|a, b| expr`, `|a| { ... }`, `|| expr`.
  ExprPtr parseLambda() {
    const Token& open = advance();
    SourcePos pos = posOf(open);
    FunctionNode* fn = newFunction(pos, "", false);
    if (open.kind == TokenKind::Pipe) {
      NewlineMode mode(*this, false);
      BetweenLambdaBars bars(*this);
      while (!check(TokenKind::Pipe)) {
        if (!parseParam(fn, true)) return nullptr;
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::Pipe, "'|' after the lambda's parameters")) return nullptr;
    }
    if (match(TokenKind::Arrow) && !parseType()) return nullptr;
    functionStack_.push_back(FunctionContext{fn->qualifiedName, 0});
    bool ok;
    if (check(TokenKind::LBrace) && (!startsMapLiteral() || peek(1).kind == TokenKind::RBrace)) {
      ok = parseBlock(fn->body);  // `|x| { key: x }` returns a map; `|x| {}` does nothing
    } else {
      fn->expressionBody = parseExpr();
      ok = fn->expressionBody != nullptr;
    }
    functionStack_.pop_back();
    if (!ok) return nullptr;
    addDefaultValues(fn);
    return std::make_unique<FunctionExpr>(pos, fn);
  }

  // ------------------------------------------------- traits, impl and extend
  //
  // `impl Trait for T { method m(a) { .. } }` and `extend T { .. }` define
  // top-level functions `T::m(self, a)`; `trait Trait { .. }` declares method
  // signatures and default methods (`Trait::m`). At the end of the parse every
  // method name defined so gets a dispatcher per argument count it is called
  // with (compiler/method_dispatch.h).

  struct TraitInfo {
    bool declared = false;
    std::vector<std::string> required;
    std::vector<std::pair<std::string, std::string>> defaults;  // method, function
  };

  // An `impl Trait for T`: T receives the trait's default methods it lacks.
  struct TraitUse {
    std::string trait;
    MethodImplementation target;
    std::string targetName;
    std::unordered_set<std::string> defined;
    SourcePos pos;
  };

  bool startsMethodBlock() const {
    std::string_view word = peek().text;
    if (word != "impl" && word != "extend" && word != "trait") return false;
    TokenKind next = peek(1).kind;
    return next == TokenKind::Identifier || (word == "impl" && next == TokenKind::Less);
  }

  static bool isMethodKeyword(const Token& t) {
    return t.kind == TokenKind::KwFn || t.kind == TokenKind::KwFunction ||
           (t.kind == TokenKind::Identifier && t.text == "method");
  }

  // The receivers `name` stands for: a declared type, every variant of an
  // enum, or a built-in type (by the names `type()` gives its values).
  bool resolveMethodTarget(const Token& name, MethodImplementation& target) {
    static const std::unordered_map<std::string_view, std::vector<std::string>> builtins = {
        {"number", {"int", "float"}},
        {"Number", {"int", "float"}},
        {"int", {"int"}},
        {"Int", {"int"}},
        {"integer", {"int"}},
        {"float", {"float"}},
        {"Float", {"float"}},
        {"string", {"string"}},
        {"String", {"string"}},
        {"bool", {"bool"}},
        {"Bool", {"bool"}},
        {"boolean", {"bool"}},
        {"array", {"array"}},
        {"Array", {"array"}},
        {"Vec", {"array"}},
        {"map", {"map"}},
        {"Map", {"map"}},
        {"HashMap", {"map"}},
    };
    std::string typeName(name.text);
    if (auto builtin = builtins.find(name.text); builtin != builtins.end()) {
      target.valueTypes = builtin->second;
      return true;
    }
    if (auto type = typeIndex_.find(typeName); type != typeIndex_.end()) {
      target.types.push_back(type->second);
      return true;
    }
    for (const EnumInfo& info : program_.enums) {
      if (info.name == typeName) {
        target.types = info.types;
        return true;
      }
    }
    errorAt(name, "unknown type '" + typeName +
                      "' (methods can be added to declared types, enums and built-in types)");
    return false;
  }

  // `impl [<T>] Trait for Target [as Name] { .. }`, `impl Target { .. }` or
  // `extend Target { .. }`.
  bool parseImpl() {
    const Token& keyword = advance();
    bool isExtend = keyword.text == "extend";
    if (!isExtend && !parseTypeParameters()) return false;
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a type name, found " + describeToken(peek()));
      return false;
    }
    const Token* targetName = &peek();
    if (!parseType()) return false;
    std::string trait;
    if (!isExtend && check(TokenKind::KwFor)) {
      trait = std::string(targetName->text);
      advance();
      if (!check(TokenKind::Identifier)) {
        errorAtCurrent("expected a type name after 'for', found " + describeToken(peek()));
        return false;
      }
      targetName = &peek();
      if (!parseType()) return false;
    }
    if (check(TokenKind::Identifier) && peek().text == "as") {  // a named impl: the name is ignored
      advance();
      if (!expect(TokenKind::Identifier, "the impl's name after 'as'")) return false;
    }
    MethodImplementation target;
    target.pos = posOf(*targetName);
    if (!resolveMethodTarget(*targetName, target)) return false;
    TraitUse use{trait, target, std::string(targetName->text), {}, posOf(keyword)};
    if (!expect(TokenKind::LBrace, "'{' to start the methods")) return false;
    NewlineMode mode(*this, true);
    bool ok = true;
    while (!check(TokenKind::RBrace) && !check(TokenKind::EndOfFile)) {
      if (match(TokenKind::Semicolon) || match(TokenKind::Comma)) continue;
      if (check(TokenKind::KwType)) {  // `type Item = int`: an associated type, ignored
        if (!skipAssociatedType()) return skipRestOfBlock();
        continue;
      }
      if (!isMethodKeyword(peek())) {
        errorAtCurrent("expected 'method' or 'fn' in the " + std::string(keyword.text) +
                       " block, found " + describeToken(peek()));
        return skipRestOfBlock();
      }
      advance();
      std::string method;
      FunctionNode* fn = parseMethod(use.targetName, method);
      if (fn == &requiredMethod_) {
        errorAtCurrent("expected '{' to start the method's body, found " + describeToken(peek()));
        fn = nullptr;
      }
      if (fn == nullptr) {
        ok = false;
        continue;  // parseMethod stepped over the method
      }
      use.defined.insert(method);
      methodImplementations_[method].push_back(
          MethodImplementation{fn->qualifiedName, target.types, target.valueTypes, fn->pos});
    }
    if (!expect(TokenKind::RBrace, "'}' to close the block")) return false;
    if (!trait.empty() && ok) traitUses_.push_back(std::move(use));
    return true;  // errors inside were reported; the next statement follows the '}'
  }

  // After an error inside a trait or impl block (already reported): skips
  // past its closing '}', where the next statement starts.
  bool skipRestOfBlock() {
    int nesting = 0;
    while (!check(TokenKind::EndOfFile)) {
      TokenKind kind = advance().kind;
      if (kind == TokenKind::LBrace) ++nesting;
      if (kind == TokenKind::RBrace && nesting-- == 0) return true;
    }
    return false;
  }

  // After `method`/`fn`: the name, the signature and the body of a method of
  // `owner`, declared as the top-level function `owner::name(self, ..)`.
  // Without a body (a trait's required method) it declares nothing and
  // returns &requiredMethod_; nullptr after an error.
  FunctionNode* parseMethod(const std::string& owner, std::string& method) {
    if (!isWordToken(peek())) {
      errorAtCurrent("expected a method name, found " + describeToken(peek()));
      return nullptr;
    }
    const Token& name = advance();
    method = std::string(name.text);
    std::string functionName = owner + "::" + method;
    bool duplicate = usedNames_.count(functionName) != 0;
    if (duplicate) {
      errorAt(name, "method '" + method + "' is already defined for '" + owner + "'");
      functionName += "#" + std::to_string(program_.functions.size());  // parsed, then dropped
    }
    FunctionNode* fn = newFunction(posOf(name), functionName, true);
    fn->params.push_back(Param{"self", posOf(name), {}, false, nullptr});
    if (!parseSignature(fn)) return nullptr;
    if (match(TokenKind::Colon) && !parseType()) return nullptr;  // `m(self): T`
    if (fn->params.size() > 1 && fn->params[1].name == "self") {
      fn->params.erase(fn->params.begin());
    }
    if (!check(TokenKind::LBrace)) {  // dropped, with any lambda in its default values
      auto own =
          std::find_if(program_.functions.begin(), program_.functions.end(),
                       [&](const std::unique_ptr<FunctionNode>& f) { return f.get() == fn; });
      program_.functions.erase(own, program_.functions.end());
      usedNames_.erase(functionName);
      return &requiredMethod_;
    }
    if (!parseFunctionBody(fn) || duplicate) return nullptr;
    program_.statements.push_back(std::make_unique<FunctionStmt>(fn->pos, fn));
    return fn;
  }

  // `type Item`, `type Item: Bound` or `type Item = T` in a trait or impl.
  bool skipAssociatedType() {
    advance();
    if (!expect(TokenKind::Identifier, "the associated type's name")) return false;
    if (match(TokenKind::Colon) && !parseType()) return false;
    return !match(TokenKind::Assign) || parseType();
  }

  // `trait Name [<T>] [: Super] { m(self, a): T; method d() { .. } }`.
  bool parseTrait() {
    advance();  // trait
    const Token& name = advance();
    std::string traitName(name.text);
    TraitInfo& info = traits_[traitName];
    if (info.declared) {
      errorAt(name, "trait '" + traitName + "' is already declared");
      return false;
    }
    info.declared = true;
    program_.files[currentFile_].typeNames.push_back(traitName);
    if (!parseTypeParameters()) return false;
    if (match(TokenKind::Colon)) {
      do {
        if (!parseType()) return false;
      } while (match(TokenKind::Plus));
    }
    if (!expect(TokenKind::LBrace, "'{' to start the trait's methods")) return false;
    NewlineMode mode(*this, true);
    while (!check(TokenKind::RBrace) && !check(TokenKind::EndOfFile)) {
      if (match(TokenKind::Semicolon) || match(TokenKind::Comma)) continue;
      if (check(TokenKind::KwType)) {
        if (!skipAssociatedType()) return skipRestOfBlock();
        continue;
      }
      if (isMethodKeyword(peek()) && isWordToken(peek(1))) advance();
      std::string method;
      FunctionNode* fn = parseMethod(traitName, method);
      if (fn == nullptr) return skipRestOfBlock();
      if (fn == &requiredMethod_) {
        info.required.push_back(method);
      } else {
        info.defaults.emplace_back(method, fn->qualifiedName);
      }
    }
    return expect(TokenKind::RBrace, "'}' to close the trait");
  }

  // Gives each `impl Trait for T` the trait's default methods T does not
  // define, checks it defines the required ones, and adds the dispatchers.
  void finishMethods() {
    for (const TraitUse& use : traitUses_) {
      auto trait = traits_.find(use.trait);
      if (trait == traits_.end()) continue;  // a trait of Shape's library: nothing to add
      for (const std::string& method : trait->second.required) {
        if (!use.defined.count(method)) {
          sink_.error(use.pos.line, use.pos.column,
                      "impl of '" + use.trait + "' for '" + use.targetName + "' lacks method '" +
                          method + "'");
        }
      }
      for (const auto& [method, function] : trait->second.defaults) {
        if (use.defined.count(method)) continue;
        methodImplementations_[method].push_back(MethodImplementation{
            function, use.target.types, use.target.valueTypes, use.target.pos});
      }
    }
    for (const auto& [method, implementations] : methodImplementations_) {
      auto arities = methodCallArities_.find(method);
      if (arities == methodCallArities_.end()) continue;
      for (std::size_t count : arities->second) {
        addMethodDispatcher(program_, method, count, implementations);
      }
    }
  }

  // ------------------------------------------------------------ expressions

  ExprPtr parseExpr() {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    return parseBinary(kPrecPipe);
  }

  // A node built in a loop (operator or call chain) may not exceed the limit.
  ExprPtr checkHeight(ExprPtr e, uint32_t childHeight) {
    e->height = childHeight + 1;
    if (e->height + depth_ > kMaxNesting) {
      sink_.error(
          e->pos.line, e->pos.column,
          "expression nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
      return nullptr;
    }
    return e;
  }

  ExprPtr parseBinary(int minPrec) {
    ExprPtr lhs;
    if (minPrec <= kPrecCompare && (check(TokenKind::KwNot) || check(TokenKind::Bang))) {
      lhs = parseNot();
    } else {
      lhs = parseUnary();
    }
    if (!lhs) return nullptr;
    while (true) {
      const Token& op = peek();
      int prec = binaryPrecedence(op.kind);
      if (prec == 0 || prec < minPrec || newlineStopsOperator()) break;
      advance();
      ExprPtr rhs = parseBinary(prec + 1);
      if (!rhs) return nullptr;
      uint32_t h = std::max(lhs->height, rhs->height);
      SourcePos pos = posOf(op);
      if (prec == kPrecOr || prec == kPrecAnd) {
        lhs = std::make_unique<LogicalExpr>(pos, prec == kPrecAnd, std::move(lhs), std::move(rhs));
      } else if (prec == kPrecRange) {
        ++rangeValues_;  // until parseFor takes it as its iterable
        lhs = std::make_unique<RangeExpr>(pos, std::move(lhs), std::move(rhs),
                                          op.kind == TokenKind::DotDotEq);
      } else if (prec == kPrecCoalesce) {
        lhs = std::make_unique<CoalesceExpr>(pos, std::move(lhs), std::move(rhs));
      } else if (prec == kPrecPipe) {
        lhs = pipeInto(pos, std::move(lhs), std::move(rhs));
      } else {
        lhs =
            std::make_unique<BinaryExpr>(pos, binaryOpFor(op.kind), std::move(lhs), std::move(rhs));
      }
      lhs = checkHeight(std::move(lhs), h);
      if (!lhs) return nullptr;
    }
    return lhs;
  }

  // `x |> f` is `f(x)`; `x |> f(a)` is `f(x, a)`.
  static ExprPtr pipeInto(SourcePos pos, ExprPtr value, ExprPtr target) {
    if (target->kind == ExprKind::Call) {
      auto& call = static_cast<CallExpr&>(*target);
      call.args.insert(call.args.begin(), std::move(value));
      return target;
    }
    std::vector<ExprPtr> args;
    args.push_back(std::move(value));
    return std::make_unique<CallExpr>(pos, std::move(target), std::move(args));
  }

  // `value !! context`: an Err or none becomes Err(context + ": " + cause),
  // Ok(v) stays, Some(v) and any other value v become Ok(v). Built as
  //   { let <v> = value; let <c> = context; match <v> { Err(e) => .., Ok(_) => <v>,
  //     Some(x) => Ok(x), None => .., _ => Ok(<v>) } }
  ExprPtr withErrorContext(SourcePos pos, ExprPtr value, ExprPtr context) {
    uint32_t h = std::max(value->height, context->height);
    for (const char* prelude : {"Some", "Ok", "Err"}) variantType(prelude);
    std::string valueName = hiddenName("context"), contextName = hiddenName("context"),
                causeName = hiddenName("context");
    auto name = [&](const std::string& n) { return std::make_unique<NameExpr>(pos, n); };
    auto variant = [&](const char* which, ExprPtr payload) {
      auto made = std::make_unique<VariantExpr>(pos, which);
      made->type = variantType(which);
      made->called = true;
      made->height = payload->height + 1;
      made->args.push_back(std::move(payload));
      return made;
    };
    auto failure = [&](ExprPtr cause) {  // Err(<c> + ": " + str(cause))
      std::vector<ExprPtr> args;
      args.push_back(std::move(cause));
      auto text = std::make_unique<CallExpr>(pos, name("str"), std::move(args));
      text->height = 2;
      auto prefix = std::make_unique<BinaryExpr>(pos, BinaryOp::Add, name(contextName),
                                                 std::make_unique<StringExpr>(pos, ": "));
      prefix->height = 2;
      auto message =
          std::make_unique<BinaryExpr>(pos, BinaryOp::Add, std::move(prefix), std::move(text));
      message->height = 3;
      return variant("Err", std::move(message));
    };
    auto pattern = [&](PatternKind kind, const char* type) {
      auto made = std::make_unique<Pattern>(kind, pos);
      if (type != nullptr) {
        made->name = type;
        made->type = variantType(type);
      }
      return made;
    };
    auto binding = [&](const std::string& n) {
      auto made = std::make_unique<Pattern>(PatternKind::Binding, pos);
      made->name = n;
      return made;
    };
    auto match = std::make_unique<MatchExpr>(pos, name(valueName));
    MatchArm err{pattern(PatternKind::Variant, "Err"), nullptr, failure(name(causeName))};
    err.pattern->elements.push_back(binding(causeName));
    match->arms.push_back(std::move(err));
    match->arms.push_back(MatchArm{pattern(PatternKind::Variant, "Ok"), nullptr, name(valueName)});
    MatchArm some{pattern(PatternKind::Variant, "Some"), nullptr, variant("Ok", name(causeName))};
    some.pattern->elements.push_back(binding(causeName));
    match->arms.push_back(std::move(some));
    MatchArm missing{pattern(PatternKind::Literal, nullptr), nullptr,
                     failure(std::make_unique<NoneExpr>(pos))};
    missing.pattern->literal = std::make_unique<NoneExpr>(pos);
    match->arms.push_back(std::move(missing));
    match->arms.push_back(
        MatchArm{pattern(PatternKind::Wildcard, nullptr), nullptr, variant("Ok", name(valueName))});
    match->height = 6;
    auto block = std::make_unique<BlockExpr>(pos);
    block->block.statements.push_back(
        std::make_unique<VarDeclStmt>(pos, VarKind::Let, valueName, std::move(value)));
    block->block.statements.push_back(
        std::make_unique<VarDeclStmt>(pos, VarKind::Let, contextName, std::move(context)));
    block->block.statements.push_back(std::make_unique<ExprStmt>(pos, std::move(match)));
    block->block.end = pos;
    return checkHeight(std::move(block), h + 6);
  }

  // `not x` / `!x`: looser than comparisons, so `not a == b` is `not (a == b)`.
  ExprPtr parseNot() {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    SourcePos pos = posOf(advance());
    ExprPtr operand = parseBinary(kPrecCompare);
    if (!operand) return nullptr;
    uint32_t h = operand->height;
    return checkHeight(std::make_unique<UnaryExpr>(pos, UnaryOp::Not, std::move(operand)), h);
  }

  // `a ** b`: tighter than unary minus on its left (`-2 ** 2` is -4) and
  // right-associative (`2 ** 3 ** 2` is 2 ** 9).
  ExprPtr parsePower() {
    ExprPtr base = parsePostfix();
    if (!base || !check(TokenKind::StarStar)) return base;
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    SourcePos pos = posOf(advance());
    ExprPtr exponent = parseUnary();
    if (!exponent) return nullptr;
    uint32_t h = std::max(base->height, exponent->height);
    return checkHeight(
        std::make_unique<BinaryExpr>(pos, BinaryOp::Pow, std::move(base), std::move(exponent)), h);
  }

  ExprPtr parseUnary() {
    if (check(TokenKind::Tilde)) {
      DepthGuard guard(*this);
      if (guard.tooDeep()) return nullptr;
      SourcePos pos = posOf(advance());
      ExprPtr operand = parseUnary();
      if (!operand) return nullptr;
      uint32_t h = operand->height;
      return checkHeight(std::make_unique<UnaryExpr>(pos, UnaryOp::BitNot, std::move(operand)), h);
    }
    if (!check(TokenKind::Minus)) return parsePower();
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    SourcePos pos = posOf(advance());
    ExprPtr operand = parseUnary();
    if (!operand) return nullptr;
    // Fold negative literals, which is also how -9223372036854775808 is written.
    if (operand->kind == ExprKind::Int) {
      auto* lit = static_cast<IntExpr*>(operand.get());
      lit->value = lit->needsNegation ? std::numeric_limits<int64_t>::min() : wrapNeg(lit->value);
      lit->needsNegation = false;
      lit->pos = pos;
      return operand;
    }
    if (operand->kind == ExprKind::Float) {
      auto* lit = static_cast<FloatExpr*>(operand.get());
      lit->value = -lit->value;
      lit->pos = pos;
      return operand;
    }
    uint32_t h = operand->height;
    return checkHeight(std::make_unique<UnaryExpr>(pos, UnaryOp::Neg, std::move(operand)), h);
  }

  bool parseArgs(std::vector<ExprPtr>& args) {
    NewlineMode mode(*this, false);
    advance();  // '('
    while (!check(TokenKind::RParen)) {
      match(TokenKind::Amp);  // `f(&a)` passes a, as Shape's references do
      ExprPtr arg = parseExpr();
      if (!arg) return false;
      args.push_back(std::move(arg));
      if (!match(TokenKind::Comma)) break;
    }
    return expect(TokenKind::RParen, "')' or ',' in the argument list");
  }

  // `allowContext` is false for the right side of `!!`, which ends before a
  // `?` or another `!!`: `a !! "c"?` is `(a !! "c")?`.
  ExprPtr parsePostfix(bool allowContext = true) {
    ExprPtr expr = parsePrimary();
    while (expr) {
      const Token& t = peek();
      SourcePos pos = posOf(t);
      if (!allowContext && (t.kind == TokenKind::Question || t.kind == TokenKind::Bang)) break;
      if (t.kind == TokenKind::LParen && !newlineStops()) {
        std::vector<ExprPtr> args;
        if (!parseArgs(args)) return nullptr;
        uint32_t h = std::max(expr->height, heightOf(args));
        expr = checkHeight(std::make_unique<CallExpr>(pos, std::move(expr), std::move(args)), h);
      } else if (t.kind == TokenKind::LBracket && !newlineStops()) {
        advance();
        ExprPtr index;
        {
          NewlineMode mode(*this, false);
          index = parseExpr();
          if (!index || !expect(TokenKind::RBracket, "']' after the index")) return nullptr;
        }
        uint32_t h = std::max(expr->height, index->height);
        expr = checkHeight(std::make_unique<IndexExpr>(pos, std::move(expr), std::move(index)), h);
      } else if (t.kind == TokenKind::Identifier && t.text == "as" && !t.newlineBefore) {
        advance();  // `x as T`: a type assertion, nothing at run time
        if (!parseType()) return nullptr;
      } else if (t.kind == TokenKind::Bang && peek(1).kind == TokenKind::Bang && !t.newlineBefore) {
        advance();
        advance();
        ExprPtr context = parsePostfix(false);
        if (!context) return nullptr;
        expr = withErrorContext(pos, std::move(expr), std::move(context));
      } else if (t.kind == TokenKind::Question && !t.newlineBefore) {
        advance();
        for (const char* prelude : {"Some", "Ok", "Err"}) variantType(prelude);
        uint32_t h = expr->height;
        expr = checkHeight(std::make_unique<TryExpr>(pos, std::move(expr)), h);
      } else if (t.kind == TokenKind::Dot) {
        advance();
        if (!isWordToken(peek())) {
          errorAtCurrent("expected a field or method name after '.', found " +
                         describeToken(peek()));
          return nullptr;
        }
        const Token& name = advance();
        SourcePos namePos = posOf(name);
        if (check(TokenKind::LParen)) {
          std::vector<ExprPtr> args;
          if (!parseArgs(args)) return nullptr;
          methodCallArities_[std::string(name.text)].insert(args.size());
          uint32_t h = std::max(expr->height, heightOf(args));
          expr = checkHeight(std::make_unique<MethodCallExpr>(
                                 namePos, std::move(expr), std::string(name.text), std::move(args)),
                             h);
        } else {
          uint32_t h = expr->height;
          expr = checkHeight(
              std::make_unique<FieldExpr>(namePos, std::move(expr), std::string(name.text)), h);
        }
      } else {
        break;
      }
    }
    return expr;
  }

  ExprPtr parsePrimary() {
    const Token& t = peek();
    SourcePos pos = posOf(t);
    switch (t.kind) {
      case TokenKind::Int: {
        advance();
        auto lit = std::make_unique<IntExpr>(pos, static_cast<int64_t>(t.intValue));
        lit->needsNegation = !t.hexLiteral && t.intValue > uint64_t{INT64_MAX};
        return lit;
      }
      case TokenKind::Float:
        advance();
        return std::make_unique<FloatExpr>(pos, t.floatValue);
      case TokenKind::String:
        advance();
        return std::make_unique<StringExpr>(pos, t.stringValue);
      case TokenKind::FString:
        return parseFString();
      case TokenKind::KwTrue:
      case TokenKind::KwFalse:
        advance();
        return std::make_unique<BoolExpr>(pos, t.kind == TokenKind::KwTrue);
      case TokenKind::KwNone:
        advance();
        return std::make_unique<NoneExpr>(pos);
      case TokenKind::KwType:  // the built-in type(x)
        advance();
        return std::make_unique<NameExpr>(pos, "type");
      case TokenKind::KwIf: {
        auto stmt = parseIfChain();
        if (!stmt) return nullptr;
        return std::make_unique<IfExpr>(pos, std::move(stmt));
      }
      case TokenKind::Identifier: {
        advance();
        std::string name(t.text);
        if (name == "None") return std::make_unique<NoneExpr>(pos);
        auto module = moduleAliases_.find(name);
        if (module != moduleAliases_.end() &&
            (check(TokenKind::ColonColon) || check(TokenKind::Dot)) && isWordToken(peek(1))) {
          advance();  // `m.f` or `m::f`: the module's top-level function or variable
          return std::make_unique<NameExpr>(pos,
                                            module->second + "::" + std::string(advance().text));
        }
        if (check(TokenKind::ColonColon)) return parseQualifiedVariant(pos, name);
        if ((name == "Some" || name == "Ok" || name == "Err") && check(TokenKind::LParen)) {
          return parseVariantValue(pos, name, variantType(name));
        }
        auto type = typeIndex_.find(name);
        if (type != typeIndex_.end() && check(TokenKind::LBrace)) {
          return parseRecord(pos, type->second);
        }
        return std::make_unique<NameExpr>(pos, name);
      }
      case TokenKind::LParen: {
        NewlineMode mode(*this, false);
        advance();
        ExprPtr inner = parseExpr();
        if (!inner || !expect(TokenKind::RParen, "')'")) return nullptr;
        return inner;
      }
      case TokenKind::LBracket:
        return parseArray();
      case TokenKind::KwMatch:
        return parseMatch();
      case TokenKind::LBrace:
        if (startsMapLiteral()) return parseMap();
        return parseBlockExpr();
      case TokenKind::Pipe:
      case TokenKind::PipePipe:
        return parseLambda();
      case TokenKind::KwFn:
      case TokenKind::KwFunction:
        if (peek(1).kind == TokenKind::LParen) {
          advance();
          FunctionNode* fn = newFunction(pos, "", false);
          if (!parseFunctionRest(fn)) return nullptr;
          return std::make_unique<FunctionExpr>(pos, fn);
        }
        break;
      default:
        break;
    }
    errorAtCurrent("expected an expression, found " + describeToken(t));
    return nullptr;
  }

  // `Option::None`, `Option::Some`, `Result::Ok` and `Result::Err` name the
  // prelude's variants; `E::V` any declared enum's.
  static std::string canonicalVariant(const std::string& enumName, const std::string& variant) {
    if ((enumName == "Option" && variant == "Some") ||
        (enumName == "Result" && (variant == "Ok" || variant == "Err"))) {
      return variant;
    }
    return enumName + "::" + variant;
  }

  // After `E`: `::V`, then `(args)`, `{fields}` or nothing.
  ExprPtr parseQualifiedVariant(SourcePos pos, const std::string& enumName) {
    advance();  // '::'
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a variant name after '::', found " + describeToken(peek()));
      return nullptr;
    }
    std::string variant(advance().text);
    if (enumName == "Option" && variant == "None") return std::make_unique<NoneExpr>(pos);
    std::string qualified = canonicalVariant(enumName, variant);
    int32_t type = variantType(qualified);
    if (type < 0) {
      sink_.error(pos.line, pos.column, "unknown enum variant '" + enumName + "::" + variant + "'");
      return nullptr;
    }
    if (check(TokenKind::LBrace) && !isPositionalVariant(type)) {
      return parseRecord(pos, static_cast<uint32_t>(type));
    }
    return parseVariantValue(pos, qualified, type);
  }

  bool isPositionalVariant(int32_t type) const {
    const std::vector<std::string>& fields = program_.types[type].fields;
    return fields.empty() || fields[0] == "0";
  }

  // A variant's value with its payload in `( )`, if any.
  ExprPtr parseVariantValue(SourcePos pos, const std::string& name, int32_t type) {
    auto value = std::make_unique<VariantExpr>(pos, name);
    value->type = type;
    if (check(TokenKind::LParen) && !newlineStops()) {
      value->called = true;
      if (!parseArgs(value->args)) return nullptr;
      uint32_t h = heightOf(value->args);
      return checkHeight(std::move(value), h);
    }
    return value;
  }

  // ------------------------------------------------------------------ match

  // The `type()` of the values of the built-in type an annotation names
  // (`int`, `String`, `Vec`, ...), or empty: `number`, records and type
  // parameters match any value.
  static std::string valueTypeOf(const Token& annotation) {
    if (annotation.kind != TokenKind::Identifier) return {};
    static const std::unordered_map<std::string_view, const char*> kTypes = {
        {"int", "int"},   {"i64", "int"},       {"integer", "int"},   {"float", "float"},
        {"f64", "float"}, {"string", "string"}, {"String", "string"}, {"str", "string"},
        {"bool", "bool"}, {"boolean", "bool"},  {"array", "array"},   {"Array", "array"},
        {"Vec", "array"}, {"map", "map"},       {"HashMap", "map"}};
    auto found = kTypes.find(annotation.text);
    return found == kTypes.end() ? std::string() : found->second;
  }

  // `n: int => ..` (with any guard): only values whose type() is "int".
  ExprPtr typeGuard(const Pattern& pattern, ExprPtr guard) {
    SourcePos pos = pattern.pos;
    std::vector<ExprPtr> args;
    args.push_back(std::make_unique<NameExpr>(pos, pattern.name));
    auto typeOf =
        std::make_unique<CallExpr>(pos, std::make_unique<NameExpr>(pos, "type"), std::move(args));
    typeOf->height = 2;
    ExprPtr test = std::make_unique<BinaryExpr>(
        pos, BinaryOp::Eq, std::move(typeOf), std::make_unique<StringExpr>(pos, pattern.valueType));
    test->height = 3;
    if (!guard) return test;
    uint32_t h = std::max(test->height, guard->height);
    return checkHeight(std::make_unique<LogicalExpr>(pos, true, std::move(test), std::move(guard)),
                       h);
  }

  ExprPtr parseMatch() {
    SourcePos pos = posOf(advance());
    ExprPtr subject;
    {
      NewlineMode mode(*this, false);
      subject = parseCondition();
    }
    if (!subject) return nullptr;
    auto expr = std::make_unique<MatchExpr>(pos, std::move(subject));
    if (!expect(TokenKind::LBrace, "'{' to start the match arms")) return nullptr;
    NewlineMode mode(*this, true);
    while (!check(TokenKind::RBrace)) {
      MatchArm arm;
      arm.pattern = parsePattern();
      if (!arm.pattern) return nullptr;
      if (check(TokenKind::KwIf) || (check(TokenKind::Identifier) && peek().text == "where")) {
        advance();
        NewlineMode guardMode(*this, false);
        arm.guard = parseExpr();
        if (!arm.guard) return nullptr;
      }
      if (!arm.pattern->valueType.empty()) {
        arm.guard = typeGuard(*arm.pattern, std::move(arm.guard));
        if (!arm.guard) return nullptr;
      }
      if (!expect(TokenKind::FatArrow, "'=>' after the pattern")) return nullptr;
      arm.body = parseExpr();
      if (!arm.body) return nullptr;
      expr->arms.push_back(std::move(arm));
      if (!match(TokenKind::Comma) && !match(TokenKind::Semicolon) && !check(TokenKind::RBrace) &&
          !peek().newlineBefore) {
        errorAtCurrent("expected ',' or a new line after the match arm, found " +
                       describeToken(peek()));
        return nullptr;
      }
    }
    advance();
    return expr;
  }

  PatternPtr parsePattern() {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    PatternPtr first = parseSinglePattern();
    if (!first || !check(TokenKind::Pipe)) return first;
    auto alternatives = std::make_unique<Pattern>(PatternKind::Or, first->pos);
    alternatives->elements.push_back(std::move(first));
    while (match(TokenKind::Pipe)) {
      PatternPtr next = parseSinglePattern();
      if (!next) return nullptr;
      alternatives->elements.push_back(std::move(next));
    }
    return alternatives;
  }

  PatternPtr parseSinglePattern() {
    const Token& t = peek();
    SourcePos pos = posOf(t);
    switch (t.kind) {
      case TokenKind::Int:
      case TokenKind::Float:
      case TokenKind::String:
      case TokenKind::KwTrue:
      case TokenKind::KwFalse:
      case TokenKind::KwNone:
      case TokenKind::Minus: {
        if (t.kind == TokenKind::Minus && peek(1).kind != TokenKind::Int &&
            peek(1).kind != TokenKind::Float) {
          errorAt(peek(1), "expected a number after '-' in a pattern");
          return nullptr;
        }
        auto pattern = std::make_unique<Pattern>(PatternKind::Literal, pos);
        pattern->literal = t.kind == TokenKind::Minus ? parseUnary() : parsePrimary();
        if (!pattern->literal) return nullptr;
        return pattern;
      }
      case TokenKind::LBracket:
        return parseArrayPattern();
      case TokenKind::LBrace:
        return parseObjectPattern(pos, "", -1);
      case TokenKind::Identifier:
        break;
      default:
        errorAtCurrent("expected a pattern, found " + describeToken(t));
        return nullptr;
    }
    std::string name(advance().text);
    if (name == "_") return std::make_unique<Pattern>(PatternKind::Wildcard, pos);
    if (name == "None") {
      auto pattern = std::make_unique<Pattern>(PatternKind::Literal, pos);
      pattern->literal = std::make_unique<NoneExpr>(pos);
      return pattern;
    }
    std::string qualified = name;
    if (match(TokenKind::ColonColon)) {
      if (!check(TokenKind::Identifier)) {
        errorAtCurrent("expected a variant name after '::', found " + describeToken(peek()));
        return nullptr;
      }
      std::string variant(advance().text);
      if (name == "Option" && variant == "None") {
        auto pattern = std::make_unique<Pattern>(PatternKind::Literal, pos);
        pattern->literal = std::make_unique<NoneExpr>(pos);
        return pattern;
      }
      qualified = canonicalVariant(name, variant);
    } else if (!((name == "Some" || name == "Ok" || name == "Err") && check(TokenKind::LParen))) {
      auto type = typeIndex_.find(name);
      if (type != typeIndex_.end() && check(TokenKind::LBrace)) {
        return parseObjectPattern(pos, name, static_cast<int32_t>(type->second));
      }
      auto pattern = std::make_unique<Pattern>(PatternKind::Binding, pos);
      pattern->name = name;
      if (match(TokenKind::Colon)) {
        std::size_t start = pos_;
        std::string valueType = valueTypeOf(peek());
        if (!parseType()) return nullptr;
        bool oneType = pos_ == start + 1 || tokens_[start + 1].kind == TokenKind::Less;
        if (oneType && (check(TokenKind::FatArrow) || check(TokenKind::KwIf) ||
                        (check(TokenKind::Identifier) && peek().text == "where"))) {
          pattern->valueType = valueType;
        }
      }
      return pattern;
    }
    int32_t type = variantType(qualified);
    if (type < 0) {
      sink_.error(pos.line, pos.column, "unknown enum variant '" + qualified + "'");
      return nullptr;
    }
    if (check(TokenKind::LBrace) && !isPositionalVariant(type)) {
      return parseObjectPattern(pos, qualified, type);
    }
    auto pattern = std::make_unique<Pattern>(PatternKind::Variant, pos);
    pattern->name = qualified;
    pattern->type = type;
    if (match(TokenKind::LParen)) {
      NewlineMode mode(*this, false);
      while (!check(TokenKind::RParen)) {
        PatternPtr element = parsePattern();
        if (!element) return nullptr;
        pattern->elements.push_back(std::move(element));
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' after the variant's patterns")) return nullptr;
    }
    return pattern;
  }

  // `[p, q]`, `[p, ..rest]`, `[p, ..]`.
  PatternPtr parseArrayPattern() {
    NewlineMode mode(*this, false);
    auto pattern = std::make_unique<Pattern>(PatternKind::Array, posOf(advance()));
    while (!check(TokenKind::RBracket)) {
      if (check(TokenKind::DotDot)) {
        advance();
        pattern->hasRest = true;
        if (check(TokenKind::Identifier)) {
          pattern->restBinds = true;
          pattern->name = std::string(advance().text);
        }
        if (!check(TokenKind::RBracket)) {
          errorAtCurrent("the rest '..' must be the last element of an array pattern");
          return nullptr;
        }
        break;
      }
      PatternPtr element = parsePattern();
      if (!element) return nullptr;
      pattern->elements.push_back(std::move(element));
      if (!match(TokenKind::Comma)) break;
    }
    if (!expect(TokenKind::RBracket, "']' or ',' in the array pattern")) return nullptr;
    return pattern;
  }

  // `{x, y: p}` or `T {x, y: p}` (after T).
  PatternPtr parseObjectPattern(SourcePos pos, const std::string& typeName, int32_t type) {
    NewlineMode mode(*this, false);
    advance();  // '{'
    auto pattern = std::make_unique<Pattern>(PatternKind::Object, pos);
    pattern->name = typeName;
    pattern->type = type;
    while (!check(TokenKind::RBrace)) {
      if (!isWordToken(peek())) {
        errorAtCurrent("expected a field name, found " + describeToken(peek()));
        return nullptr;
      }
      const Token& field = advance();
      PatternPtr element;
      if (match(TokenKind::Colon)) {
        element = parsePattern();
        if (!element) return nullptr;
      } else {
        element = std::make_unique<Pattern>(PatternKind::Binding, posOf(field));
        element->name = std::string(field.text);
      }
      pattern->fields.push_back(std::string(field.text));
      pattern->elements.push_back(std::move(element));
      if (!match(TokenKind::Comma)) break;
    }
    if (!expect(TokenKind::RBrace, "'}' or ',' in the object pattern")) return nullptr;
    return pattern;
  }

  // f"a {x} b" is "a " + str(x) + " b". Each expression is lexed from its own
  // source span, padded so that its tokens keep their lines and columns.
  ExprPtr parseFString() {
    const Token& t = advance();
    SourcePos pos = posOf(t);
    ExprPtr result;
    auto append = [&](ExprPtr piece) {
      if (!result) {
        result = std::move(piece);
        return;
      }
      uint32_t h = std::max(result->height, piece->height);
      result =
          std::make_unique<BinaryExpr>(pos, BinaryOp::Add, std::move(result), std::move(piece));
      result->height = h + 1;
    };
    for (const FStringPart& part : t.parts) {
      if (!part.isExpression) {
        if (!part.text.empty() || !result) append(std::make_unique<StringExpr>(pos, part.text));
        continue;
      }
      ExprPtr inner = parseInterpolation(t.line, part);
      if (!inner) return nullptr;
      std::vector<ExprPtr> args;
      args.push_back(std::move(inner));
      uint32_t h = heightOf(args);
      auto call =
          std::make_unique<CallExpr>(pos, std::make_unique<NameExpr>(pos, "str"), std::move(args));
      call->height = h + 1;
      if (!result) append(std::make_unique<StringExpr>(pos, ""));
      append(std::move(call));
    }
    if (!result) return std::make_unique<StringExpr>(pos, "");
    uint32_t h = result->height - 1;
    return checkHeight(std::move(result), h);
  }

  ExprPtr parseInterpolation(uint32_t line, const FStringPart& part) {
    auto text = std::make_unique<std::string>(part.column - 1, ' ');
    text->append(source_.substr(part.offset, part.length));
    std::vector<Token> tokens = lexSource(*text, sink_, line);
    // Offsets of f-strings nested in this one are into `text`.
    std::string_view savedSource = std::exchange(source_, *text);
    interpolationSources_.push_back(std::move(text));
    std::swap(tokens, tokens_);
    std::size_t savedPos = pos_;
    pos_ = 0;
    ExprPtr inner;
    {
      NewlineMode mode(*this, false);
      inner = parseExpr();
      if (inner && !check(TokenKind::EndOfFile)) {
        errorAtCurrent("unexpected " + describeToken(peek()) + " in the f-string's expression");
        inner = nullptr;
      }
    }
    std::swap(tokens, tokens_);
    pos_ = savedPos;
    source_ = savedSource;
    return inner;
  }

  ExprPtr parseArray() {
    NewlineMode mode(*this, false);
    SourcePos pos = posOf(advance());
    std::vector<ExprPtr> elements;
    while (!check(TokenKind::RBracket)) {
      ExprPtr e = parseExpr();
      if (!e) return nullptr;
      elements.push_back(std::move(e));
      if (!match(TokenKind::Comma)) break;
    }
    if (!expect(TokenKind::RBracket, "']' or ',' in the array literal")) return nullptr;
    uint32_t h = heightOf(elements);
    auto array = std::make_unique<ArrayExpr>(pos, std::move(elements));
    array->height = h + 1;
    return array;
  }

  // A map key: a name (string key), a string, a number (optionally negative),
  // true, false or none.
  ExprPtr parseMapKey() {
    const Token& t = peek();
    SourcePos pos = posOf(t);
    if (t.kind == TokenKind::KwTrue || t.kind == TokenKind::KwFalse ||
        t.kind == TokenKind::KwNone) {
      return parsePrimary();
    }
    if (t.kind == TokenKind::String || isWordToken(t)) {
      advance();
      return std::make_unique<StringExpr>(
          pos, t.kind == TokenKind::String ? t.stringValue : std::string(t.text));
    }
    if (t.kind == TokenKind::Int || t.kind == TokenKind::Float || t.kind == TokenKind::Minus) {
      if (t.kind == TokenKind::Minus && peek(1).kind != TokenKind::Int &&
          peek(1).kind != TokenKind::Float) {
        errorAt(peek(1), "expected a number after '-' in a map key");
        return nullptr;
      }
      return parseUnary();
    }
    errorAtCurrent("expected a map key (a name, string or number), found " + describeToken(t));
    return nullptr;
  }

  ExprPtr parseMap() {
    NewlineMode mode(*this, false);
    auto map = std::make_unique<MapExpr>(posOf(advance()));
    while (!check(TokenKind::RBrace)) {
      ExprPtr key = parseMapKey();
      if (!key || !expect(TokenKind::Colon, "':' after the map key")) return nullptr;
      ExprPtr value = parseExpr();
      if (!value) return nullptr;
      map->height = std::max(map->height, value->height + 1);
      map->keys.push_back(std::move(key));
      map->values.push_back(std::move(value));
      if (!match(TokenKind::Comma)) break;
    }
    if (!expect(TokenKind::RBrace, "'}' or ',' in the map literal")) return nullptr;
    return map;
  }

  // `P { x: 1, y }` (a bare name is shorthand for `y: y`).
  ExprPtr parseRecord(SourcePos pos, uint32_t type) {
    NewlineMode mode(*this, false);
    advance();  // '{'
    auto record = std::make_unique<RecordExpr>(pos, type);
    while (!check(TokenKind::RBrace)) {
      if (!isWordToken(peek())) {
        errorAtCurrent("expected a field name, found " + describeToken(peek()));
        return nullptr;
      }
      const Token& name = advance();
      ExprPtr value;
      if (match(TokenKind::Colon)) {
        value = parseExpr();
        if (!value) return nullptr;
      } else {
        value = std::make_unique<NameExpr>(posOf(name), std::string(name.text));
      }
      record->height = std::max(record->height, value->height + 1);
      record->names.push_back(std::string(name.text));
      record->namePositions.push_back(posOf(name));
      record->values.push_back(std::move(value));
      if (!match(TokenKind::Comma)) break;
    }
    if (!expect(TokenKind::RBrace, "'}' or ',' in the record literal")) return nullptr;
    return record;
  }

  std::vector<Token> tokens_;  // every file's, in run order
  DiagnosticSink& sink_;
  std::vector<std::string_view> texts_;  // of each file
  std::vector<std::size_t> fileStarts_;  // index in tokens_ of each file's first token
  std::size_t currentFile_ = 0;
  std::unordered_map<std::string, std::string> moduleAliases_;  // of the current file
  std::string_view source_;  // the text token offsets refer to (an f-string's, inside one)
  std::vector<std::unique_ptr<std::string>>
      interpolationSources_;  // tokens of f-strings point here
  std::size_t pos_ = 0;
  uint32_t depth_ = 0;
  bool newlinesEnd_ = true;
  bool betweenLambdaBars_ = false;  // a `|` ends the parameters, not a union type
  ParsedProgram program_;
  std::unordered_map<std::string, uint32_t> typeIndex_;
  std::vector<bool> typeDefined_;
  std::vector<FunctionContext> functionStack_;
  std::unordered_set<std::string> usedNames_;
  std::unordered_map<std::size_t, std::size_t> enumEnds_;  // `enum` token -> token after the decl
  std::unordered_map<std::string, TraitInfo> traits_;
  std::vector<TraitUse> traitUses_;
  FunctionNode requiredMethod_;  // what parseMethod returns for a method without a body
  uint32_t hiddenNames_ = 0;     // variables made for destructuring and `!!`
  uint32_t rangeValues_ = 0;     // ranges used as values (not a `for`'s iterable)
  // Method name -> its implementations (ordered, so dispatchers come out the same every time).
  std::map<std::string, std::vector<MethodImplementation>> methodImplementations_;
  std::unordered_map<std::string, std::set<std::size_t>> methodCallArities_;
};

}  // namespace

ParsedProgram parseProgram(ProgramSources& sources, DiagnosticSink& sink) {
  return Parser(sources, sink).run();
}

}  // namespace shapevm
