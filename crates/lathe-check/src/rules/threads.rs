//! `threads` [2]: a background thread or process finishes the work after the timer stops, so
//! the timed call returns early with an output that is filled in later. Candidates have no
//! use for concurrency on the host: the modules are refused on import, and the constructors
//! on call (for names that arrive some other way).
//!
//! CUDA sources are read too, for `std::thread`, `std::async` and `pthread_create`.
//!
//! Blind spot: threads started by libraries the candidate calls; the worker's thread count
//! before and after the call catches those.

use lathe_core::Rule;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::cuda_source::occurrences;
use crate::finding_sink::FindingSink;

const WHY: &str = "work could finish after the timer stops";

/// Modules whose only purpose is running code concurrently.
const MODULES: [&str; 6] = [
    "threading",
    "_thread",
    "concurrent.futures",
    "multiprocessing",
    "asyncio",
    "torch.multiprocessing",
];

/// Constructors of threads, pools and processes, by their last name.
const CONSTRUCTORS: [&str; 6] = [
    "Thread",
    "Timer",
    "ThreadPoolExecutor",
    "ProcessPoolExecutor",
    "Process",
    "Pool",
];

/// C++ that starts a thread, in CUDA sources.
const CPP_THREADS: [&str; 4] = [
    "std::thread",
    "std::jthread",
    "std::async",
    "pthread_create",
];

/// Calls that start a process directly.
const PROCESS_CALLS: [&str; 3] = ["os.fork", "os.forkpty", "os.register_at_fork"];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for site in &cx.imports {
        if site.find_any(&MODULES).is_some() {
            out.report(Rule::Threads, site.range, &cx.map.snippet(site.range), WHY);
        }
    }
    for call in &cx.index.calls {
        let Some(callee) = cx.callee(call) else {
            continue;
        };
        let (module, name) = callee.rsplit_once('.').unwrap_or(("", &callee));
        let from_thread_module = MODULES
            .iter()
            .any(|m| module == *m || module.starts_with(&format!("{m}.")));
        // A bare `Thread(...)` the imports do not explain (`from threading import *`).
        let bare = module.is_empty() && name != "Pool" && name != "Timer";
        let constructor = CONSTRUCTORS.contains(&name) && (from_thread_module || bare);
        if constructor || PROCESS_CALLS.contains(&callee.as_str()) {
            out.report(Rule::Threads, call.range(), &cx.map.call_snippet(call), WHY);
        }
    }
    for piece in &cx.index.strings {
        let raw = cx.map.text(piece.range);
        for api in CPP_THREADS {
            for at in occurrences(piece, raw, api) {
                out.report(
                    Rule::Threads,
                    at,
                    api,
                    &format!("a CUDA source starts a thread; {WHY}"),
                );
            }
        }
    }
}
