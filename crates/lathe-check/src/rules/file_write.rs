//! `file-write` [18]: the candidate writes files or changes the process around it: harness
//! files, cached baselines, compiled-kernel caches, the environment the harness reads.
//! A candidate supplies source only and needs none of it. Refused: `open` for writing (or with
//! a mode computed at run time), `os` calls that write, delete, rename or run commands,
//! `shutil` and `subprocess`, `pathlib` writers, `torch.save`/`numpy.save`, and changes to
//! `os.environ`. Reading a file passes.
//!
//! Blind spots: writes from C++ (`fopen` in a `load_inline` source) and `load_inline`'s own
//! `build_directory`; the worker's scratch directory and file-size limit bound them.

use lathe_core::Rule;
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::finding_sink::FindingSink;

const WHY: &str = "candidates may not write files or change the process environment";

/// Functions that open a file with a mode argument in second place.
const OPENERS: [&str; 5] = [
    "open",
    "builtins.open",
    "io.open",
    "codecs.open",
    "os.fdopen",
];

/// `os` functions that write, delete, rename, run commands or change the environment.
#[rustfmt::skip]
const OS_WRITERS: [&str; 23] = [
    "remove", "unlink", "rename", "renames", "replace", "rmdir", "removedirs", "mkdir", "makedirs",
    "truncate", "ftruncate", "write", "chmod", "chown", "lchown", "link", "symlink", "utime",
    "mkfifo", "mknod", "system", "popen", "putenv",
];

/// Whole modules a candidate has no use for.
const MODULES: [&str; 3] = ["shutil.", "subprocess.", "pty."];

/// Other functions that write files.
const SAVERS: [&str; 5] = [
    "torch.save",
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "numpy.savetxt",
];

/// Methods that write or delete whatever object they are called on (`pathlib.Path` and kin).
const PATH_WRITERS: [&str; 9] = [
    "write_text",
    "write_bytes",
    "unlink",
    "touch",
    "rmdir",
    "symlink_to",
    "hardlink_to",
    "tofile",
    "mkdir",
];

/// Methods of `os.environ` that change it.
const ENVIRON_WRITERS: [&str; 7] = [
    "update",
    "setdefault",
    "pop",
    "popitem",
    "clear",
    "__setitem__",
    "__delitem__",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for call in &cx.index.calls {
        if let Some(why) = writes(cx, call) {
            out.report(
                Rule::FileWrite,
                call.range(),
                &cx.map.call_snippet(call),
                why,
            );
        }
    }
    for mutation in &cx.mutations {
        if mutation.chain.starts_with("os.environ") {
            out.report(Rule::FileWrite, mutation.range, &mutation.construct, WHY);
        }
    }
}

/// Why `call` writes, or `None` if it does not.
fn writes(cx: &Context<'_>, call: &ExprCall) -> Option<&'static str> {
    let callee = cx.callee(call);
    if let Some(callee) = callee.as_deref() {
        if OPENERS.contains(&callee) {
            return opens_for_writing(call);
        }
        if callee == "os.open" {
            let read_only = call
                .arguments
                .find_argument_value("flags", 1)
                .and_then(|flags| cx.bindings.resolve(flags))
                .is_some_and(|flags| flags == "os.O_RDONLY");
            return (!read_only).then_some(WHY);
        }
        if let Some(name) = callee.strip_prefix("os.") {
            let writer = OS_WRITERS.contains(&name)
                || ["exec", "spawn", "posix_spawn", "unsetenv"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix));
            if writer {
                return Some(WHY);
            }
            if let Some(method) = name.strip_prefix("environ.") {
                return ENVIRON_WRITERS.contains(&method).then_some(WHY);
            }
        }
        if MODULES.iter().any(|module| callee.starts_with(module)) || SAVERS.contains(&callee) {
            return Some(WHY);
        }
    }
    // Methods on values rather than modules: `Path(p).write_text(...)`.
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return None;
    };
    if cx.bindings.resolve_bound(&attribute.value).is_some() {
        return None;
    }
    let method = attribute.attr.as_str();
    if PATH_WRITERS.contains(&method) {
        return Some(WHY);
    }
    if is_path(cx, &attribute.value) {
        return match method {
            "rename" | "replace" | "chmod" => Some(WHY),
            "open" => opens_for_writing(call),
            _ => None,
        };
    }
    None
}

/// `Path(...)`, `pathlib.Path(...)`, or `Path(...) / "name"`.
fn is_path(cx: &Context<'_>, expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => cx.callee(call).is_some_and(|callee| {
            matches!(
                callee.as_str(),
                "Path" | "pathlib.Path" | "pathlib.PosixPath" | "pathlib.PurePath"
            )
        }),
        Expr::BinOp(binop) => is_path(cx, &binop.left),
        _ => false,
    }
}

/// An `open`-like call whose mode writes, or is computed at run time.
fn opens_for_writing(call: &ExprCall) -> Option<&'static str> {
    // `Path.open(mode)` takes the mode first; `open(file, mode)` second.
    let position =
        usize::from(!matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "open"));
    match call.arguments.find_argument_value("mode", position)? {
        Expr::StringLiteral(mode) => mode
            .value
            .to_str()
            .contains(['w', 'a', 'x', '+'])
            .then_some(WHY),
        _ => Some("opens a file with a mode computed at run time; candidates may not write files"),
    }
}
