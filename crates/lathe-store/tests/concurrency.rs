//! Several handles on one file, as several lathe processes would hold: readers see every
//! committed attempt while a writer goes on, and writers queue behind each other within the
//! busy timeout instead of failing with "database is locked".

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use common::{reply, seed, start_run};
use lathe_store::Store;

const WRITES: usize = 150;

#[test]
fn a_reader_sees_committed_attempts_while_writers_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    let setup = Store::open(&path).unwrap();
    let (first, second) = (start_run(&setup), start_run(&setup));
    drop(setup);
    let writing = AtomicBool::new(true);

    std::thread::scope(|scope| {
        let write = |run| {
            let path = &path;
            move || {
                let store = Store::open(path).unwrap();
                for n in 0..WRITES {
                    let id = store
                        .begin_attempt(&run, &seed(&format!("seed/s{n}")))
                        .unwrap();
                    store
                        .record_reply(id, &reply(&format!("reply {n}")))
                        .unwrap();
                }
            }
        };
        let writers = [
            scope.spawn(write(first.clone())),
            scope.spawn(write(second)),
        ];
        let reader = scope.spawn(|| {
            let store = Store::open(&path).unwrap();
            let mut seen = 0;
            let mut reads = 0;
            while writing.load(Ordering::Acquire) || seen < WRITES {
                let attempts = store.attempts(&first).unwrap();
                assert!(attempts.len() >= seen, "attempts went missing");
                seen = attempts.len();
                // Every attempt but the newest has its reply committed: each was begun only
                // after the one before had its reply.
                for attempt in attempts.iter().rev().skip(1) {
                    let expected = reply(&format!("reply {}", attempt.seq - 1));
                    assert_eq!(
                        attempt.call.as_ref(),
                        Some(&expected),
                        "seq {}",
                        attempt.seq
                    );
                }
                reads += 1;
            }
            reads
        });
        for writer in writers {
            writer.join().unwrap();
        }
        writing.store(false, Ordering::Release);
        let reads = reader.join().unwrap();
        assert!(reads > 1, "the reader never read during the writes");
    });

    let store = Store::open(&path).unwrap();
    let attempts = store.attempts(&first).unwrap();
    let seqs: Vec<u32> = attempts.iter().map(|a| a.seq).collect();
    assert_eq!(seqs, (1..=WRITES as u32).collect::<Vec<_>>());
    assert!(attempts.iter().all(|a| a.call.is_some()));
}
