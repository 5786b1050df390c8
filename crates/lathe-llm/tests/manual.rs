//! `manual:` with a real directory and a person played by a thread: the prompt file appears,
//! the reply is picked up once complete (`.done`, or a size that stopped changing), numbers
//! never collide, and a reply that never comes is an error naming its file.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use lathe_llm::manual::{ManualProvider, SETTLE};
use lathe_llm::{Event, LlmConfig, LlmError};
use support::{complete, request};

fn config(wait: Duration) -> LlmConfig {
    let mut config = LlmConfig::from_env();
    config.manual_wait = wait;
    config
}

/// Waits (up to 10 s) for the `n`-th prompt file (numbered from 1) in `dir`.
fn await_prompt(dir: &Path, n: usize) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut prompts: Vec<PathBuf> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().ends_with(".prompt.md"))
            .collect();
        prompts.sort();
        if prompts.len() >= n {
            return prompts.swap_remove(n - 1);
        }
        assert!(
            Instant::now() < deadline,
            "no prompt file {n} in {}",
            dir.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The reply file beside a prompt file.
fn reply_path(prompt: &Path) -> PathBuf {
    PathBuf::from(prompt.to_string_lossy().replace(".prompt.md", ".reply.md"))
}

/// Answers the `n`-th prompt with `reply`, then marks it done; returns the prompt's text.
fn answer(dir: PathBuf, n: usize, reply: &'static str) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let prompt = await_prompt(&dir, n);
        let text = fs::read_to_string(&prompt).unwrap();
        let reply_file = reply_path(&prompt);
        fs::write(&reply_file, reply).unwrap();
        fs::write(format!("{}.done", reply_file.display()), "").unwrap();
        text
    })
}

#[test]
fn the_person_reads_the_prompt_file_and_the_reply_file_is_returned() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("exchanges");
    let provider = ManualProvider::new(&dir, &config(Duration::from_secs(30)));
    let person = answer(
        dir.clone(),
        1,
        "<think>one row per program</think>\nthe kernel",
    );

    let mut asked = request("Write a softmax kernel.");
    asked.system = Some("You write Triton.".to_owned());
    let (reply, events) = complete(&provider, &asked);
    let reply = reply.unwrap();

    assert_eq!(
        person.join().unwrap(),
        "You write Triton.\n\nWrite a softmax kernel."
    );
    assert_eq!(reply.text, "the kernel");
    assert_eq!(reply.reasoning.as_deref(), Some("one row per program"));
    assert_eq!(reply.model, "manual");
    let hash8 = &lathe_llm::replay::prompt_hash("Write a softmax kernel.")[..8];
    let stem = dir.join(format!("001-{hash8}"));
    assert_eq!(
        events,
        [Event::AwaitingReply {
            prompt_path: format!("{}.prompt.md", stem.display()),
            reply_path: format!("{}.reply.md", stem.display()),
        }]
    );
}

#[test]
fn the_same_prompt_twice_gets_two_pairs_of_files_and_old_ones_are_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    // A stale exchange from an earlier run, already answered: it must not answer this one.
    fs::write(dir.path().join("007-00000000.prompt.md"), "old").unwrap();
    fs::write(dir.path().join("007-00000000.reply.md"), "stale").unwrap();
    fs::write(dir.path().join("007-00000000.reply.md.done"), "").unwrap();
    let provider = ManualProvider::new(dir.path(), &config(Duration::from_secs(30)));

    let person = answer(dir.path().to_owned(), 2, "first");
    let (first, first_events) = complete(&provider, &request("same"));
    person.join().unwrap();
    let person = answer(dir.path().to_owned(), 3, "second");
    let (second, second_events) = complete(&provider, &request("same"));
    person.join().unwrap();

    assert_eq!(first.unwrap().text, "first");
    assert_eq!(second.unwrap().text, "second");
    let prompt_of = |events: &[Event]| match &events[0] {
        Event::AwaitingReply { prompt_path, .. } => prompt_path.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        prompt_of(&first_events).contains("/008-"),
        "{first_events:?}"
    );
    assert!(
        prompt_of(&second_events).contains("/009-"),
        "{second_events:?}"
    );
}

#[test]
fn a_reply_without_done_is_taken_once_its_size_settles() {
    let dir = tempfile::tempdir().unwrap();
    let provider = ManualProvider::new(dir.path(), &config(Duration::from_secs(30)));
    let path = dir.path().to_owned();
    // Saved in two writes, half a second apart, and never marked done.
    let person = thread::spawn(move || {
        let reply = reply_path(&await_prompt(&path, 1));
        fs::write(&reply, "part one,").unwrap();
        thread::sleep(Duration::from_millis(500));
        fs::write(&reply, "part one, part two").unwrap();
        Instant::now()
    });
    let (reply, _) = complete(&provider, &request("go"));
    let last_write = person.join().unwrap();
    assert_eq!(reply.unwrap().text, "part one, part two");
    assert!(
        last_write.elapsed() >= SETTLE,
        "taken {:?} after the last write",
        last_write.elapsed()
    );
}

#[test]
fn no_reply_within_the_wait_is_an_error_naming_the_reply_file() {
    let dir = tempfile::tempdir().unwrap();
    let provider = ManualProvider::new(dir.path(), &config(Duration::from_millis(300)));
    let start = Instant::now();
    let (result, events) = complete(&provider, &request("anyone?"));
    let Event::AwaitingReply { reply_path, .. } = &events[0] else {
        panic!("{events:?}");
    };
    match result {
        Err(error @ LlmError::Manual { .. }) => {
            let message = error.to_string();
            assert!(message.contains(reply_path.as_str()), "{message}");
            assert!(message.contains("llm.manual_wait"), "{message}");
        }
        other => panic!("expected a Manual error, got {other:?}"),
    }
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
