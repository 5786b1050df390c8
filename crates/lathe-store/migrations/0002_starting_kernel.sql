-- The starting kernel's own evaluation, per task: the loop's first best when it is correct,
-- and the kernel to repair when it is not. Kept so that a resumed run compares its candidates
-- with the same numbers the killed one did, instead of timing the starting kernel again.
ALTER TABLE tasks ADD COLUMN start_verdict_json TEXT
    CHECK (start_verdict_json IS NULL OR json_valid(start_verdict_json));
ALTER TABLE tasks ADD COLUMN start_eval_seconds REAL;
ALTER TABLE tasks ADD COLUMN start_interpreter_ms REAL;
