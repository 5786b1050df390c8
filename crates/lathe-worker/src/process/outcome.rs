//! How a process ended: [`ProcessOutcome`] and its closed [`ProcessEnd`].

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use rustix::process::Signal;
use serde::{Serialize, Serializer};

use super::capture::Capture;

/// Everything [`run`](fn@super::run) learnt about one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessOutcome {
    /// How it ended.
    pub end: ProcessEnd,
    /// From the spawn to the exit of the child (serialized as `wall_seconds`).
    #[serde(rename = "wall_seconds", serialize_with = "seconds")]
    pub wall: Duration,
    /// The end of its standard output.
    pub stdout: Capture,
    /// The end of its standard error.
    pub stderr: Capture,
}

/// How the process ended: exactly one of these. Serialized with a `kind` tag
/// (`exited`, `signaled`, `timed_out`, `memory_limit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProcessEnd {
    /// It exited on its own with this code.
    Exited {
        /// The exit code (0 to 255).
        code: i32,
    },
    /// A signal we did not send ended it (its own `abort()`, a segfault, someone else's kill).
    Signaled {
        /// The signal number.
        signal: i32,
        /// Its name, e.g. `SIGSEGV` ([`signal_name`]).
        name: &'static str,
    },
    /// It ran past the wall-clock limit: the group got SIGTERM, then SIGKILL after the grace if
    /// the child was still there.
    TimedOut {
        /// Time from the spawn to the SIGTERM (serialized as `after_seconds`).
        #[serde(rename = "after_seconds", serialize_with = "seconds")]
        after: Duration,
        /// Whether the child outlived the grace and needed SIGKILL.
        killed: bool,
    },
    /// Its group's resident memory exceeded the limit: the group got SIGKILL.
    MemoryLimit {
        /// The resident bytes of the group at the sample that crossed the limit.
        rss_bytes: u64,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl ProcessEnd {
    /// The end told by an exit status: a signal, or else an exit code.
    pub fn from_status(status: ExitStatus) -> Self {
        match (status.signal(), status.code()) {
            (Some(signal), _) => Self::Signaled {
                signal,
                name: signal_name(signal),
            },
            (None, Some(code)) => Self::Exited { code },
            // `wait` reports only exits and deaths by signal (never stops: no WUNTRACED), so
            // this is unreachable in practice; -1 is not a code a process can exit with.
            (None, None) => Self::Exited { code: -1 },
        }
    }
}

/// The name of a Linux signal number (`11` → `"SIGSEGV"`), or `"unknown"` (real-time
/// signals, numbers that are no signal).
pub fn signal_name(signal: i32) -> &'static str {
    const NAMES: &[(Signal, &str)] = &[
        (Signal::HUP, "SIGHUP"),
        (Signal::INT, "SIGINT"),
        (Signal::QUIT, "SIGQUIT"),
        (Signal::ILL, "SIGILL"),
        (Signal::TRAP, "SIGTRAP"),
        (Signal::ABORT, "SIGABRT"),
        (Signal::BUS, "SIGBUS"),
        (Signal::FPE, "SIGFPE"),
        (Signal::KILL, "SIGKILL"),
        (Signal::USR1, "SIGUSR1"),
        (Signal::SEGV, "SIGSEGV"),
        (Signal::USR2, "SIGUSR2"),
        (Signal::PIPE, "SIGPIPE"),
        (Signal::ALARM, "SIGALRM"),
        (Signal::TERM, "SIGTERM"),
        (Signal::CHILD, "SIGCHLD"),
        (Signal::CONT, "SIGCONT"),
        (Signal::STOP, "SIGSTOP"),
        (Signal::TSTP, "SIGTSTP"),
        (Signal::TTIN, "SIGTTIN"),
        (Signal::TTOU, "SIGTTOU"),
        (Signal::URG, "SIGURG"),
        (Signal::XCPU, "SIGXCPU"),
        (Signal::XFSZ, "SIGXFSZ"),
        (Signal::VTALARM, "SIGVTALRM"),
        (Signal::PROF, "SIGPROF"),
        (Signal::WINCH, "SIGWINCH"),
        (Signal::IO, "SIGIO"),
        (Signal::SYS, "SIGSYS"),
    ];
    NAMES
        .iter()
        .find(|(known, _)| known.as_raw() == signal)
        .map_or("unknown", |(_, name)| name)
}

fn seconds<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_signals_are_named() {
        for (signal, name) in [
            (1, "SIGHUP"),
            (2, "SIGINT"),
            (4, "SIGILL"),
            (6, "SIGABRT"),
            (8, "SIGFPE"),
            (9, "SIGKILL"),
            (11, "SIGSEGV"),
            (13, "SIGPIPE"),
            (15, "SIGTERM"),
        ] {
            assert_eq!(signal_name(signal), name, "signal {signal}");
        }
        assert_eq!(signal_name(Signal::BUS.as_raw()), "SIGBUS");
        assert_eq!(signal_name(Signal::XCPU.as_raw()), "SIGXCPU");
        assert_eq!(signal_name(Signal::XFSZ.as_raw()), "SIGXFSZ");
        assert_eq!(signal_name(0), "unknown");
        assert_eq!(signal_name(40), "unknown");
    }

    #[test]
    fn ends_serialize_with_a_kind_and_seconds() {
        let end = ProcessEnd::TimedOut {
            after: Duration::from_millis(1500),
            killed: true,
        };
        assert_eq!(
            serde_json::to_string(&end).unwrap(),
            r#"{"kind":"timed_out","after_seconds":1.5,"killed":true}"#
        );
        let end = ProcessEnd::Signaled {
            signal: 6,
            name: "SIGABRT",
        };
        assert_eq!(
            serde_json::to_string(&end).unwrap(),
            r#"{"kind":"signaled","signal":6,"name":"SIGABRT"}"#
        );
    }
}
