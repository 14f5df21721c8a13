// Builds method dispatchers (see method_dispatch.h) as syntax trees:
//
//   fn <method m/1>(self, arg1) {
//       match self {
//           Point {} => Point::m(self, arg1),               // record types: is_record
//           _ if type(self) == "string" => string::m(self, arg1),
//           _ => self.m(arg1)                                // the value's own method
//       }
//   }
#include "compiler/method_dispatch.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace shapevm {

namespace {

std::vector<ExprPtr> forwardedArguments(SourcePos pos, const std::vector<Param>& params,
                                        bool withSelf) {
  std::vector<ExprPtr> args;
  for (std::size_t i = withSelf ? 0 : 1; i < params.size(); ++i) {
    args.push_back(std::make_unique<NameExpr>(pos, params[i].name));
  }
  return args;
}

ExprPtr callOf(SourcePos pos, const std::string& function, const std::vector<Param>& params) {
  auto call = std::make_unique<CallExpr>(pos, std::make_unique<NameExpr>(pos, function),
                                         forwardedArguments(pos, params, true));
  call->height = 2;
  return call;
}

// `type(self) == "t1" or type(self) == "t2" ...`
ExprPtr valueTypeTest(SourcePos pos, const std::vector<std::string>& valueTypes) {
  ExprPtr test;
  for (const std::string& valueType : valueTypes) {
    std::vector<ExprPtr> args;
    args.push_back(std::make_unique<NameExpr>(pos, "self"));
    auto typeOf =
        std::make_unique<CallExpr>(pos, std::make_unique<NameExpr>(pos, "type"), std::move(args));
    typeOf->height = 2;
    ExprPtr equal = std::make_unique<BinaryExpr>(pos, BinaryOp::Eq, std::move(typeOf),
                                                 std::make_unique<StringExpr>(pos, valueType));
    equal->height = 3;
    if (!test) {
      test = std::move(equal);
      continue;
    }
    uint32_t height = test->height + 1;
    test = std::make_unique<LogicalExpr>(pos, false, std::move(test), std::move(equal));
    test->height = height;
  }
  return test;
}

}  // namespace

std::string methodDispatcherName(const std::string& method, std::size_t argumentCount) {
  return "<method " + method + "/" + std::to_string(argumentCount) + ">";
}

void addMethodDispatcher(ParsedProgram& program, const std::string& method,
                         std::size_t argumentCount,
                         const std::vector<MethodImplementation>& implementations) {
  SourcePos pos = implementations.front().pos;
  auto node = std::make_unique<FunctionNode>();
  node->name = methodDispatcherName(method, argumentCount);
  node->qualifiedName = node->name;
  node->pos = pos;
  node->topLevel = true;
  node->params.push_back(Param{"self", pos, {}, false, nullptr});
  for (std::size_t i = 1; i <= argumentCount; ++i) {
    node->params.push_back(Param{"arg" + std::to_string(i), pos, {}, false, nullptr});
  }

  auto match = std::make_unique<MatchExpr>(pos, std::make_unique<NameExpr>(pos, "self"));
  uint32_t height = 1;
  for (const MethodImplementation& implementation : implementations) {
    for (uint32_t type : implementation.types) {
      MatchArm arm;
      arm.pattern = std::make_unique<Pattern>(PatternKind::Object, pos);
      arm.pattern->type = static_cast<int32_t>(type);
      arm.body = callOf(pos, implementation.function, node->params);
      match->arms.push_back(std::move(arm));
    }
    if (!implementation.valueTypes.empty()) {
      MatchArm arm;
      arm.pattern = std::make_unique<Pattern>(PatternKind::Wildcard, pos);
      arm.guard = valueTypeTest(pos, implementation.valueTypes);
      height = std::max(height, arm.guard->height);
      arm.body = callOf(pos, implementation.function, node->params);
      match->arms.push_back(std::move(arm));
    }
  }
  MatchArm fallback;
  fallback.pattern = std::make_unique<Pattern>(PatternKind::Wildcard, pos);
  auto own = std::make_unique<MethodCallExpr>(pos, std::make_unique<NameExpr>(pos, "self"), method,
                                              forwardedArguments(pos, node->params, false));
  own->ownMethodOnly = true;
  own->height = 2;
  fallback.body = std::move(own);
  match->arms.push_back(std::move(fallback));
  match->height = height + 2;

  node->body.statements.push_back(std::make_unique<ExprStmt>(pos, std::move(match)));
  node->body.end = pos;
  FunctionNode* function = node.get();
  program.functions.push_back(std::move(node));
  program.statements.push_back(std::make_unique<FunctionStmt>(pos, function));
  program.hasMethodDispatchers = true;
}

void addRangeMaker(ParsedProgram& program, SourcePos pos) {
  auto node = std::make_unique<FunctionNode>();
  node->name = kRangeMakerName;
  node->qualifiedName = node->name;
  node->pos = pos;
  node->topLevel = true;
  node->params.push_back(Param{"low", pos, {}, false, nullptr});
  node->params.push_back(Param{"high", pos, {}, false, nullptr});
  auto name = [&](const char* n) { return std::make_unique<NameExpr>(pos, n); };
  StmtList& body = node->body.statements;
  // let items = []; var i = low
  body.push_back(std::make_unique<VarDeclStmt>(
      pos, VarKind::Let, "items", std::make_unique<ArrayExpr>(pos, std::vector<ExprPtr>{})));
  body.push_back(std::make_unique<VarDeclStmt>(pos, VarKind::Var, "i", name("low")));
  // while i < high { items.push(i); i += 1 }
  auto test = std::make_unique<BinaryExpr>(pos, BinaryOp::Lt, name("i"), name("high"));
  test->height = 2;
  auto loop = std::make_unique<WhileStmt>(pos, std::move(test));
  std::vector<ExprPtr> pushed;
  pushed.push_back(name("i"));
  auto push = std::make_unique<MethodCallExpr>(pos, name("items"), "push", std::move(pushed));
  push->ownMethodOnly = true;
  push->height = 2;
  auto pushStmt = std::make_unique<ExprStmt>(pos, std::move(push));
  pushStmt->terminated = true;
  loop->body.statements.push_back(std::move(pushStmt));
  loop->body.statements.push_back(std::make_unique<AssignStmt>(pos, name("i"), true, BinaryOp::Add,
                                                               std::make_unique<IntExpr>(pos, 1)));
  loop->body.end = pos;
  body.push_back(std::move(loop));
  body.push_back(std::make_unique<ExprStmt>(pos, name("items")));  // the result
  node->body.end = pos;
  FunctionNode* function = node.get();
  program.functions.push_back(std::move(node));
  program.statements.push_back(std::make_unique<FunctionStmt>(pos, function));
}

}  // namespace shapevm
