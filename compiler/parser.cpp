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
#include "compiler/parser.h"

#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "compiler/lexer.h"

namespace shapevm {

namespace {

constexpr int kPrecOr = 1, kPrecAnd = 2, kPrecCompare = 3, kPrecRange = 4;

int binaryPrecedence(TokenKind kind) {
  switch (kind) {
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
      return kPrecRange;
    case TokenKind::Plus:
    case TokenKind::Minus:
      return 5;
    case TokenKind::Star:
    case TokenKind::Slash:
    case TokenKind::Percent:
      return 6;
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
    default:
      return BinaryOp::Ge;
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
  Parser(std::vector<Token> tokens, DiagnosticSink& sink)
      : tokens_(std::move(tokens)), sink_(sink) {}

  ParsedProgram run() {
    collectTypeNames();
    functionStack_.push_back(FunctionContext{"<main>", 0});
    while (!check(TokenKind::EndOfFile)) {
      if (check(TokenKind::RBrace)) {
        errorAtCurrent("unexpected '}' (no block is open)");
        advance();
        continue;
      }
      if (!parseStatement(program_.statements, true)) synchronize();
    }
    program_.end = posOf(peek());
    return std::move(program_);
  }

 private:
  struct FunctionContext {
    std::string qualifiedName;
    uint32_t lambdaCount;
  };

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
    if (pos_ + 1 < tokens_.size()) ++pos_;
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
      if (tokens_[i].kind != TokenKind::KwType || tokens_[i + 1].kind != TokenKind::Identifier) {
        continue;
      }
      std::string name(tokens_[i + 1].text);
      if (typeIndex_.count(name)) continue;
      typeIndex_[name] = static_cast<uint32_t>(program_.types.size());
      program_.types.push_back(TypeInfo{name, posOf(tokens_[i + 1]), {}});
      typeDefined_.push_back(false);
    }
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
      case TokenKind::KwLet:
      case TokenKind::KwVar:
      case TokenKind::KwConst:
        return parseVarDecl(out) && endStatement();
      case TokenKind::KwFunction:
      case TokenKind::KwFn:
        if (peek(1).kind == TokenKind::Identifier) return parseFunctionDecl(out, topLevel);
        break;
      case TokenKind::KwType:
        if (peek(1).kind == TokenKind::Identifier) return parseTypeDecl(topLevel);
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
    out.push_back(std::make_unique<ExprStmt>(pos, std::move(expr)));
    return endStatement();
  }

  bool parseVarDecl(StmtList& out) {
    const Token& keyword = advance();
    VarKind kind = keyword.kind == TokenKind::KwLet   ? VarKind::Let
                   : keyword.kind == TokenKind::KwVar ? VarKind::Var
                                                      : VarKind::Const;
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
        if (!expect(TokenKind::Greater, "'>' to close the type arguments")) return false;
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
        return true;
      }
    }
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
    if (!expect(TokenKind::LBrace, "'{' after the type name")) return false;
    NewlineMode mode(*this, false);
    std::vector<std::string> fields;
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
      if (!match(TokenKind::Comma) && !check(TokenKind::RBrace) && !peek().newlineBefore) {
        errorAtCurrent("expected ',' or '}' after the field, found " + describeToken(peek()));
        return false;
      }
    }
    advance();
    if (!duplicate) {
      program_.types[index].fields = std::move(fields);
      typeDefined_[index] = true;
    }
    return !duplicate;
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
    auto stmt = std::make_unique<IfStmt>(posOf(advance()));
    while (true) {
      IfBranch branch;
      branch.condition = parseCondition();
      if (!branch.condition || !parseBlock(branch.body)) return false;
      stmt->branches.push_back(std::move(branch));
      if (!match(TokenKind::KwElse)) break;
      if (match(TokenKind::KwIf)) continue;
      stmt->hasElse = true;
      if (!parseBlock(stmt->elseBody)) return false;
      break;
    }
    out.push_back(std::move(stmt));
    return true;
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
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a loop variable after 'for', found " + describeToken(peek()));
      return false;
    }
    const Token& name = advance();
    if (!expect(TokenKind::KwIn, "'in' after the loop variable")) return false;
    ExprPtr iterable = parseExpr();  // may be a map literal: `for k in {a: 1} { }`
    if (!iterable) return false;
    if (iterable->kind == ExprKind::Range) {
      auto stmt = std::make_unique<ForRangeStmt>(pos);
      auto* range = static_cast<RangeExpr*>(iterable.get());
      stmt->name = std::string(name.text);
      stmt->namePos = posOf(name);
      stmt->low = std::move(range->low);
      stmt->high = std::move(range->high);
      if (!parseBlock(stmt->body)) return false;
      out.push_back(std::move(stmt));
      return true;
    }
    auto stmt = std::make_unique<ForEachStmt>(pos);
    stmt->name = std::string(name.text);
    stmt->namePos = posOf(name);
    stmt->iterable = std::move(iterable);
    if (!parseBlock(stmt->body)) return false;
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

  FunctionNode* newFunction(SourcePos pos, const std::string& name, bool topLevel) {
    auto node = std::make_unique<FunctionNode>();
    node->name = name;
    node->pos = pos;
    node->topLevel = topLevel;
    FunctionContext& outer = functionStack_.back();
    std::string qualified;
    if (topLevel) {
      qualified = name;
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
  bool parseFunctionRest(FunctionNode* fn) {
    if (!expect(TokenKind::LParen, "'(' to start the parameter list")) return false;
    {
      NewlineMode mode(*this, false);
      while (!check(TokenKind::RParen)) {
        if (!parseParam(fn)) return false;
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' after the parameters")) return false;
    }
    if (match(TokenKind::Arrow) && !parseType()) return false;
    functionStack_.push_back(FunctionContext{fn->qualifiedName, 0});
    bool ok = parseBlock(fn->body);
    functionStack_.pop_back();
    return ok;
  }

  bool parseParam(FunctionNode* fn) {
    match(TokenKind::Amp);
    if (!check(TokenKind::Identifier)) {
      errorAtCurrent("expected a parameter name, found " + describeToken(peek()));
      return false;
    }
    const Token& name = advance();
    fn->params.push_back(Param{std::string(name.text), posOf(name), {}});
    return !match(TokenKind::Colon) || parseType();
  }

  bool parseFunctionDecl(StmtList& out, bool topLevel) {
    SourcePos pos = posOf(advance());
    const Token& name = advance();
    FunctionNode* fn = newFunction(posOf(name), std::string(name.text), topLevel);
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
      while (!check(TokenKind::Pipe)) {
        if (!parseParam(fn)) return nullptr;
        if (!match(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::Pipe, "'|' after the lambda's parameters")) return nullptr;
    }
    if (match(TokenKind::Arrow) && !parseType()) return nullptr;
    functionStack_.push_back(FunctionContext{fn->qualifiedName, 0});
    bool ok;
    if (check(TokenKind::LBrace)) {
      ok = parseBlock(fn->body);
    } else {
      fn->expressionBody = parseExpr();
      ok = fn->expressionBody != nullptr;
    }
    functionStack_.pop_back();
    if (!ok) return nullptr;
    return std::make_unique<FunctionExpr>(pos, fn);
  }

  // ------------------------------------------------------------ expressions

  ExprPtr parseExpr() {
    DepthGuard guard(*this);
    if (guard.tooDeep()) return nullptr;
    return parseBinary(kPrecOr);
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
      if (prec == 0 || prec < minPrec || newlineStops()) break;
      advance();
      ExprPtr rhs = parseBinary(prec + 1);
      if (!rhs) return nullptr;
      uint32_t h = std::max(lhs->height, rhs->height);
      SourcePos pos = posOf(op);
      if (prec == kPrecOr || prec == kPrecAnd) {
        lhs = std::make_unique<LogicalExpr>(pos, prec == kPrecAnd, std::move(lhs), std::move(rhs));
      } else if (prec == kPrecRange) {
        lhs = std::make_unique<RangeExpr>(pos, std::move(lhs), std::move(rhs));
      } else {
        lhs =
            std::make_unique<BinaryExpr>(pos, binaryOpFor(op.kind), std::move(lhs), std::move(rhs));
      }
      lhs = checkHeight(std::move(lhs), h);
      if (!lhs) return nullptr;
    }
    return lhs;
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

  ExprPtr parseUnary() {
    if (!check(TokenKind::Minus)) return parsePostfix();
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

  ExprPtr parsePostfix() {
    ExprPtr expr = parsePrimary();
    while (expr) {
      const Token& t = peek();
      SourcePos pos = posOf(t);
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
      case TokenKind::Identifier: {
        advance();
        std::string name(t.text);
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
      case TokenKind::LBrace:
        return parseMap();
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

  std::vector<Token> tokens_;
  DiagnosticSink& sink_;
  std::size_t pos_ = 0;
  uint32_t depth_ = 0;
  bool newlinesEnd_ = true;
  ParsedProgram program_;
  std::unordered_map<std::string, uint32_t> typeIndex_;
  std::vector<bool> typeDefined_;
  std::vector<FunctionContext> functionStack_;
  std::unordered_set<std::string> usedNames_;
};

}  // namespace

ParsedProgram parseSource(std::string_view source, DiagnosticSink& sink) {
  return Parser(lexSource(source, sink), sink).run();
}

}  // namespace shapevm
