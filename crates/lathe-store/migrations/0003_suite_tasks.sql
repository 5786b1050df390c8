-- A run may hold several tasks (`lathe suite run`): every attempt and every stage record
-- belongs to one task of its run, each task ends on its own, and an evaluation records the
-- device slot that judged it. A run of one problem keeps its one task, `main`.

-- Attempts: their task. A key is unique within its task, the order (`seq`) within the run.
ALTER TABLE attempts ADD COLUMN task_id TEXT NOT NULL DEFAULT 'main' CHECK (task_id <> '');
-- The device slot (a GPU's index, or a logical slot on the CPU interpreter) that judged the
-- attempt, and when the judging began: with `finished_at`, the time the slot was held.
ALTER TABLE attempts ADD COLUMN judged_on TEXT;
ALTER TABLE attempts ADD COLUMN judge_started_at TEXT;
DROP INDEX attempts_by_key;
CREATE UNIQUE INDEX attempts_by_key ON attempts (run_id, task_id, key);
CREATE INDEX attempts_by_task ON attempts (run_id, task_id, seq);

-- Stages: one record per stage of each task. SQLite cannot change a primary key, so the
-- table is rebuilt; the records of existing runs become their `main` task's.
CREATE TABLE stages_by_task (
    run_id         TEXT NOT NULL REFERENCES runs (id),
    task_id        TEXT NOT NULL DEFAULT 'main' CHECK (task_id <> ''),
    stage          TEXT NOT NULL CHECK (stage <> ''),
    position       INTEGER NOT NULL CHECK (position >= 1),
    status         TEXT NOT NULL CHECK (status IN ('ran', 'skipped', 'not_reached')),
    reason         TEXT,
    metrics_block  TEXT,
    best_before_ms REAL,
    best_after_ms  REAL,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (run_id, task_id, stage),
    UNIQUE (run_id, task_id, position),
    CHECK (status <> 'skipped' OR reason IS NOT NULL)
) STRICT;
INSERT INTO stages_by_task (run_id, task_id, stage, position, status, reason, metrics_block,
                            best_before_ms, best_after_ms, recorded_at)
    SELECT run_id, 'main', stage, position, status, reason, metrics_block, best_before_ms,
           best_after_ms, recorded_at
    FROM stages;
DROP TABLE stages;
ALTER TABLE stages_by_task RENAME TO stages;

-- Tasks: how each ended, as a run does. NULL until the task first starts.
ALTER TABLE tasks ADD COLUMN status TEXT
    CHECK (status IS NULL OR status IN ('running', 'finished', 'stopped', 'failed'));
ALTER TABLE tasks ADD COLUMN status_detail TEXT;
ALTER TABLE tasks ADD COLUMN finished_at TEXT;
-- The task of a run of one problem has ended as its run did.
UPDATE tasks SET
    status = (SELECT r.status FROM runs r WHERE r.id = tasks.run_id),
    status_detail = (SELECT r.status_detail FROM runs r WHERE r.id = tasks.run_id),
    finished_at = (SELECT r.finished_at FROM runs r WHERE r.id = tasks.run_id);
