//! The child's process group: signalling every member, listing them, summing their memory.
//!
//! The child leads its own group (`process_group(0)`), so the group id is the child's pid and
//! every descendant that did not leave the group on purpose is a member. Members are found by
//! scanning `/proc/*/stat` for the group id: there is no cheaper way to list a group on Linux.

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

/// How often [`ProcessGroup::wait_until_empty`] looks again.
const POLL: Duration = Duration::from_millis(10);

#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcessGroup {
    id: Pid,
}

/// One process of the group, as `/proc/<pid>/stat` showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) pid: i32,
    /// The state letter: `R`, `S`, `D`, `Z` (zombie), ...
    pub(crate) state: char,
}

impl Member {
    /// Whether the process still runs code or holds memory (a zombie holds neither).
    pub(crate) fn is_alive(self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

impl ProcessGroup {
    /// The group led by the process `leader` (spawned with `process_group(0)`).
    pub(crate) fn led_by(leader: Pid) -> Self {
        Self { id: leader }
    }

    /// Sends `signal` to every member of the group.
    ///
    /// Callers must only do so while the leader is unreaped (running or a zombie): a zombie
    /// still holds its pid, so the group id cannot have been reused by someone else's group.
    pub(crate) fn signal(self, signal: Signal) {
        // The errors are ESRCH (no member is left: nothing to do) and EPERM (a member changed
        // its credentials: nothing more we can do from here). Neither should fail the run.
        let _ = kill_process_group(self.id, signal);
    }

    /// The processes of the group now, zombies included.
    pub(crate) fn members(self) -> Vec<Member> {
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        let id = self.id.as_raw_pid();
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
            .filter_map(|pid| {
                // The process may be gone between the listing and the read: skip it.
                let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                let (state, group) = parse_stat(&stat)?;
                (group == id).then_some(Member { pid, state })
            })
            .collect()
    }

    /// Resident memory (`VmRSS`) of the group's living members, summed, in bytes.
    pub(crate) fn resident_bytes(self) -> u64 {
        self.members()
            .into_iter()
            .filter(|member| member.is_alive())
            .filter_map(|member| fs::read_to_string(format!("/proc/{}/status", member.pid)).ok())
            .filter_map(|status| parse_vm_rss(&status))
            .sum()
    }

    /// Waits until no member of the group is alive (zombies do not count), or until `deadline`.
    /// Says whether the group emptied.
    pub(crate) fn wait_until_empty(self, deadline: Instant) -> bool {
        loop {
            if !self.members().into_iter().any(Member::is_alive) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            thread::sleep(POLL.min(deadline - now));
        }
    }
}

/// The state letter and the process group id from the text of `/proc/<pid>/stat`:
/// `pid (comm) state ppid pgrp ...`. The command name may hold spaces and parentheses, so the
/// fields are counted from its last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let _parent = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}

/// `VmRSS` in bytes from the text of `/proc/<pid>/status` (the kernel writes it in kB).
/// Kernel threads and zombies have no such line.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let stat = "4242 (evil) name (x) S) R 1 4240 4240 0 -1 4194560 ...";
        assert_eq!(parse_stat(stat), Some(('R', 4240)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn vm_rss_is_read_in_bytes() {
        let status = "Name:\tpython3\nVmPeak:\t  20000 kB\nVmRSS:\t   1536 kB\nThreads:\t1\n";
        assert_eq!(parse_vm_rss(status), Some(1536 * 1024));
        assert_eq!(parse_vm_rss("Name:\tkthreadd\n"), None);
    }

    #[test]
    fn our_own_group_has_us_as_a_living_member() {
        let ours = rustix::process::getpgrp();
        let me = std::process::id() as i32;
        let members = ProcessGroup::led_by(ours).members();
        assert!(members.iter().any(|m| m.pid == me && m.is_alive()));
    }
}
