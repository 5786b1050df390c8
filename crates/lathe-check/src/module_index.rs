//! One walk over the module that files away every node a rule may look at: calls, attribute
//! accesses, imports, assignment targets, strings, functions, `try` and `with` statements and
//! `@`.
//!
//! Rules then read plain lists instead of each re-implementing the walk, and every construct
//! is seen once, wherever it is nested (class bodies, nested functions, lambdas, decorators).

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::function_info::FunctionInfo;
use crate::import_site::ImportSite;
use crate::string_piece::{StringPiece, string_text};

#[derive(Debug, Default)]
pub(crate) struct ModuleIndex<'a> {
    pub(crate) calls: Vec<&'a ast::ExprCall>,
    pub(crate) attributes: Vec<&'a ast::ExprAttribute>,
    pub(crate) imports: Vec<ImportSite>,
    /// Every expression assigned to, augmented-assigned or deleted, tuples unpacked.
    pub(crate) targets: Vec<Target<'a>>,
    /// `targets = value` statements (plain and annotated), for following values through names.
    pub(crate) assignments: Vec<Assignment<'a>>,
    pub(crate) strings: Vec<StringPiece>,
    pub(crate) functions: Vec<FunctionInfo<'a>>,
    pub(crate) classes: Vec<&'a ast::StmtClassDef>,
    pub(crate) tries: Vec<&'a ast::StmtTry>,
    pub(crate) withs: Vec<&'a ast::StmtWith>,
    pub(crate) returns: Vec<&'a ast::StmtReturn>,
    /// `a @ b` and `a @= b`.
    pub(crate) matmuls: Vec<TextRange>,
}

/// An expression written to: `torch.x = ...`, `os.environ[k] += ...`, `del sys.modules[k]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) expr: &'a Expr,
    /// The whole statement, for locating and quoting it.
    pub(crate) statement: TextRange,
    /// `del target` rather than an assignment.
    pub(crate) deleted: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Assignment<'a> {
    pub(crate) targets: Vec<&'a Expr>,
    pub(crate) value: &'a Expr,
}

impl<'a> ModuleIndex<'a> {
    pub(crate) fn build(body: &'a [Stmt]) -> Self {
        let mut builder = Builder {
            index: ModuleIndex::default(),
            scopes: Vec::new(),
        };
        builder.visit_body(body);
        builder.index
    }
}

struct Builder<'a> {
    index: ModuleIndex<'a>,
    /// Enclosing definitions, innermost last: `Some(class name)` or `None` for a function.
    scopes: Vec<Option<&'a str>>,
}

impl<'a> Builder<'a> {
    fn add_targets(&mut self, target: &'a Expr, statement: TextRange, deleted: bool) {
        match target {
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.add_targets(elt, statement, deleted);
                }
            }
            Expr::Starred(starred) => self.add_targets(&starred.value, statement, deleted),
            _ => self.index.targets.push(Target {
                expr: target,
                statement,
                deleted,
            }),
        }
    }

    /// Walks the parts of a string expression that are not themselves string text (the
    /// values interpolated or joined in), so that calls inside them are still seen.
    fn walk_string_leaves(&mut self, expr: &'a Expr) {
        match expr {
            Expr::StringLiteral(_) => {}
            Expr::FString(_) => walk_expr(self, expr),
            Expr::BinOp(binop) if binop.op == Operator::Add && string_text(expr).is_some() => {
                self.walk_string_leaves(&binop.left);
                self.walk_string_leaves(&binop.right);
            }
            other => self.visit_expr(other),
        }
    }
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                let class = self.scopes.last().copied().flatten();
                self.index.functions.push(FunctionInfo { def, class });
                self.scopes.push(None);
                walk_stmt(self, stmt);
                self.scopes.pop();
                return;
            }
            Stmt::ClassDef(class) => {
                self.index.classes.push(class);
                self.scopes.push(Some(class.name.as_str()));
                walk_stmt(self, stmt);
                self.scopes.pop();
                return;
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => {
                self.index.imports.extend(ImportSite::from_statement(stmt));
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.add_targets(target, assign.range, false);
                }
                self.index.assignments.push(Assignment {
                    targets: assign.targets.iter().collect(),
                    value: &assign.value,
                });
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.add_targets(&assign.target, assign.range, false);
                    self.index.assignments.push(Assignment {
                        targets: vec![&assign.target],
                        value,
                    });
                }
            }
            Stmt::AugAssign(assign) => {
                self.add_targets(&assign.target, assign.range, false);
                if assign.op == Operator::MatMult {
                    self.index.matmuls.push(assign.range);
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.add_targets(target, delete.range, true);
                }
            }
            Stmt::Try(try_stmt) => self.index.tries.push(try_stmt),
            Stmt::With(with) => self.index.withs.push(with),
            Stmt::Return(ret) => self.index.returns.push(ret),
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) => self.index.calls.push(call),
            Expr::Attribute(attribute) => self.index.attributes.push(attribute),
            Expr::BinOp(binop) if binop.op == Operator::MatMult => {
                self.index.matmuls.push(binop.range);
            }
            _ => {}
        }
        if matches!(
            expr,
            Expr::StringLiteral(_) | Expr::FString(_) | Expr::BinOp(_)
        ) && let Some(text) = string_text(expr)
        {
            self.index.strings.push(StringPiece {
                text,
                range: expr.range(),
            });
            self.walk_string_leaves(expr);
            return;
        }
        walk_expr(self, expr);
    }
}
