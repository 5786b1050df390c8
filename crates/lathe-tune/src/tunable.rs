//! The constants of a kernel's source that set how it launches, found by parsing it (ruff's
//! Python parser): block sizes, `num_warps` and `num_stages`, wherever a person writes them.
//!
//! - a module constant: `BLOCK_SIZE = 1024`, `NUM_WARPS = 4`;
//! - a launch keyword: `kernel[grid](x, BLOCK=256, num_warps=8)`;
//! - an autotune config: `triton.Config({'BLOCK_SIZE': 512}, num_warps=8, num_stages=3)`;
//! - a cap in a computed block size: `BLOCK = min(1024, triton.next_power_of_2(n))`.
//!
//! Each is an integer literal with its byte range, so a rewrite changes those bytes and nothing
//! else. A name says what a constant is: `*WARPS*` is a warp count, `*STAGES*` a pipeline depth,
//! `*BLOCK*`/`*TILE*` a block size; other names are not launch constants.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use serde::Serialize;

/// What a constant sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Block,
    NumWarps,
    NumStages,
}

impl Kind {
    /// What a name means, from how people name these things.
    pub fn of_name(name: &str) -> Option<Kind> {
        let upper = name.to_ascii_uppercase();
        if upper.contains("WARPS") {
            Some(Kind::NumWarps)
        } else if upper.contains("STAGES") {
            Some(Kind::NumStages)
        } else if upper.contains("BLOCK") || upper.contains("TILE") {
            Some(Kind::Block)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Block => "block size",
            Kind::NumWarps => "num_warps",
            Kind::NumStages => "num_stages",
        }
    }
}

/// Where in the source a constant is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "site", rename_all = "snake_case")]
pub enum Site {
    ModuleConstant,
    LaunchKeyword { kernel: String },
    AutotuneConfig { index: usize },
    ComputedCap,
}

/// One launch constant of the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tunable {
    /// How a person finds it: `BLOCK_SIZE`, `num_warps of _kernel[...]`, `configs[2].num_stages`.
    pub name: String,
    pub kind: Kind,
    #[serde(flatten)]
    pub site: Site,
    pub value: u64,
    /// 1-based line of the literal.
    pub line: usize,
    /// The literal's bytes in the source.
    #[serde(skip)]
    pub range: TextRange,
}

/// The source does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsable {
    pub message: String,
}

/// Every launch constant of `source`, in source order.
pub fn find_tunables(source: &str) -> Result<Vec<Tunable>, Unparsable> {
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| Unparsable {
        message: e.to_string(),
    })?;
    let mut finder = Finder {
        source,
        found: Vec::new(),
        depth: 0,
        config_index: 0,
    };
    for stmt in parsed.suite() {
        finder.visit_stmt(stmt);
    }
    finder.found.sort_by_key(|t| t.range.start());
    finder.found.dedup_by_key(|t| t.range);
    Ok(finder.found)
}

struct Finder<'s> {
    source: &'s str,
    found: Vec<Tunable>,
    /// Function nesting: module constants are at depth 0.
    depth: usize,
    /// `triton.Config(...)` calls seen so far.
    config_index: usize,
}

impl Finder<'_> {
    fn add(&mut self, name: String, kind: Kind, site: Site, literal: &Expr) {
        let Some(value) = int_literal(literal) else {
            return;
        };
        let range = literal.range();
        let line = self.source[..range.start().to_usize()]
            .matches('\n')
            .count()
            + 1;
        self.found.push(Tunable {
            name,
            kind,
            site,
            value,
            line,
            range,
        });
    }

    fn assignment(&mut self, target: &Expr, value: &Expr) {
        let Expr::Name(name) = target else {
            return;
        };
        let Some(kind) = Kind::of_name(&name.id) else {
            return;
        };
        if self.depth == 0 && int_literal(value).is_some() {
            self.add(name.id.to_string(), kind, Site::ModuleConstant, value);
            return;
        }
        // `BLOCK = min(1024, triton.next_power_of_2(n))`: the literal bound is the choice.
        if let Expr::Call(call) = value
            && let Expr::Name(func) = &*call.func
            && matches!(func.id.as_str(), "min" | "max")
        {
            for arg in &call.arguments.args {
                self.add(
                    format!("{} ({} bound)", name.id, func.id),
                    kind,
                    Site::ComputedCap,
                    arg,
                );
            }
        }
    }

    fn call(&mut self, call: &ast::ExprCall) {
        if is_triton_config(&call.func) {
            let index = self.config_index;
            self.config_index += 1;
            if let Some(Expr::Dict(dict)) = call.arguments.args.first() {
                for item in &dict.items {
                    if let Some(Expr::StringLiteral(key)) = &item.key {
                        let key = key.value.to_str();
                        if let Some(kind) = Kind::of_name(key) {
                            let site = Site::AutotuneConfig { index };
                            self.add(format!("configs[{index}].{key}"), kind, site, &item.value);
                        }
                    }
                }
            }
            for keyword in &call.arguments.keywords {
                if let Some(arg) = &keyword.arg
                    && let Some(kind) = Kind::of_name(arg)
                {
                    let site = Site::AutotuneConfig { index };
                    self.add(
                        format!("configs[{index}].{arg}"),
                        kind,
                        site,
                        &keyword.value,
                    );
                }
            }
            return;
        }
        // `kernel[grid](..., BLOCK=256, num_warps=8)`: a Triton launch.
        if let Expr::Subscript(subscript) = &*call.func {
            let kernel = self.source[subscript.value.range()].to_owned();
            for keyword in &call.arguments.keywords {
                if let Some(arg) = &keyword.arg
                    && let Some(kind) = Kind::of_name(arg)
                {
                    let site = Site::LaunchKeyword {
                        kernel: kernel.clone(),
                    };
                    self.add(
                        format!("{arg} of {kernel}[...]"),
                        kind,
                        site,
                        &keyword.value,
                    );
                }
            }
        }
    }
}

impl<'a> Visitor<'a> for Finder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.assignment(target, &assign.value);
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.assignment(&assign.target, value);
                }
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.depth += 1;
                walk_stmt(self, stmt);
                self.depth -= 1;
                return;
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            self.call(call);
        }
        walk_expr(self, expr);
    }
}

/// `triton.Config` or a bare `Config`.
fn is_triton_config(func: &Expr) -> bool {
    match func {
        Expr::Attribute(attribute) => attribute.attr.as_str() == "Config",
        Expr::Name(name) => name.id.as_str() == "Config",
        _ => false,
    }
}

/// A positive integer written as a literal (`1024`, not `2 ** 10` or `BLOCK`).
fn int_literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_u64().filter(|&v| v > 0),
            _ => None,
        },
        _ => None,
    }
}
