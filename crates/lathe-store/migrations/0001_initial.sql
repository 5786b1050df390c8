-- The first schema: runs, their tasks, their attempts and their stage records, as
-- docs/design/engine.md describes them.
--
-- Tables are STRICT, so a value of the wrong type is an error rather than silently stored.
-- Every closed set (a status, a verdict kind, a category) is a CHECK: adding a value is a
-- migration, which raises user_version, so an older lathe refuses the database instead of
-- misreading it. Times are UTC RFC 3339 text with milliseconds (`2026-11-21T16:07:33.123Z`):
-- readable in the sqlite3 shell, and ordered as text.

CREATE TABLE runs (
    id               TEXT PRIMARY KEY NOT NULL
                     CHECK (id GLOB 'r[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    created_at       TEXT NOT NULL,
    problem_path     TEXT NOT NULL,
    problem_sha256   TEXT NOT NULL
                     CHECK (length(problem_sha256) = 64 AND problem_sha256 NOT GLOB '*[^0-9a-f]*'),
    category         TEXT NOT NULL CHECK (category IN ('single', 'fusion', 'network')),
    backend          TEXT NOT NULL CHECK (backend IN ('triton', 'cuda')),
    gpu              TEXT NOT NULL,
    llm_spec         TEXT NOT NULL,
    settings_json    TEXT NOT NULL CHECK (json_valid(settings_json)),
    out_dir          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'failed')),
    -- The budget that stopped the run, or the failure's message.
    status_detail    TEXT,
    finished_at      TEXT,
    fingerprint_json TEXT CHECK (fingerprint_json IS NULL OR json_valid(fingerprint_json)),
    CHECK ((status IN ('stopped', 'failed')) = (status_detail IS NOT NULL)),
    CHECK (status <> 'stopped' OR status_detail IN ('calls', 'tokens', 'cost', 'wall_time')),
    CHECK ((status = 'running') = (finished_at IS NULL))
) STRICT;

-- `lathe runs` lists newest first.
CREATE INDEX runs_by_created_at ON runs (created_at);

CREATE TABLE tasks (
    run_id                 TEXT NOT NULL REFERENCES runs (id),
    task_id                TEXT NOT NULL CHECK (task_id <> ''),
    -- The order the run was given its tasks in.
    position               INTEGER NOT NULL CHECK (position >= 1),
    problem_path           TEXT NOT NULL,
    starting_kernel_path   TEXT,
    starting_kernel_sha256 TEXT,
    PRIMARY KEY (run_id, task_id),
    UNIQUE (run_id, position),
    CHECK ((starting_kernel_path IS NULL) = (starting_kernel_sha256 IS NULL))
) STRICT;

-- One model call and what came of it. The row is written in steps, each its own commit:
-- begun (the prompt), the model call (`called_at` set: reply or llm_error), the extraction
-- (code or extract_error), the evaluation (verdict). The CHECKs keep the steps in order, so a
-- row can never hold an evaluation without the call it evaluates.
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    run_id           TEXT NOT NULL REFERENCES runs (id),
    seq              INTEGER NOT NULL CHECK (seq >= 1),
    key              TEXT NOT NULL CHECK (key <> ''),
    stage            TEXT NOT NULL CHECK (stage <> ''),
    round            INTEGER NOT NULL CHECK (round >= 0),
    sample           INTEGER NOT NULL CHECK (sample >= 0),
    parent_id        INTEGER REFERENCES attempts (id),
    prompt           TEXT NOT NULL,
    prompt_sha256    TEXT NOT NULL CHECK (length(prompt_sha256) = 64),
    started_at       TEXT NOT NULL,

    -- The model call, committed as soon as it returns. `called_at` marks the commit.
    called_at        TEXT,
    reply            TEXT,
    reasoning        TEXT,
    input_tokens     INTEGER CHECK (input_tokens >= 0),
    output_tokens    INTEGER CHECK (output_tokens >= 0),
    reasoning_tokens INTEGER CHECK (reasoning_tokens >= 0),
    cost_usd         REAL,
    llm_seconds      REAL,
    llm_error        TEXT,

    -- What was made of the reply.
    code             TEXT,
    extract_error    TEXT,
    findings_json    TEXT CHECK (findings_json IS NULL OR json_valid(findings_json)),

    -- The evaluation, committed as one.
    verdict_kind     TEXT CHECK (verdict_kind IN
                         ('correct', 'wrong', 'compile_error', 'runtime_error', 'timeout',
                          'crash', 'rejected')),
    verdict_json     TEXT CHECK (verdict_json IS NULL OR json_valid(verdict_json)),
    eval_seconds     REAL,
    candidate_ms     REAL,
    eager_ms         REAL,
    compile_ms       REAL,
    -- CPU interpreter time, not GPU performance (engine.md, "Timing on the CPU interpreter").
    interpreter_ms   REAL,
    spread_pct       REAL,

    kept             INTEGER NOT NULL DEFAULT 0 CHECK (kept IN (0, 1)),
    -- When the attempt's last outcome (verdict, llm_error or extract_error) was recorded.
    finished_at      TEXT,

    CHECK ((called_at IS NULL) = (llm_seconds IS NULL)),
    CHECK (called_at IS NOT NULL OR (reply IS NULL AND llm_error IS NULL)),
    CHECK (called_at IS NULL OR reply IS NOT NULL OR llm_error IS NOT NULL),
    CHECK (code IS NULL OR extract_error IS NULL),
    CHECK ((code IS NULL AND extract_error IS NULL) OR (called_at IS NOT NULL AND llm_error IS NULL)),
    CHECK (findings_json IS NULL OR code IS NOT NULL),
    CHECK ((verdict_kind IS NULL) = (verdict_json IS NULL)),
    CHECK ((verdict_kind IS NULL) = (eval_seconds IS NULL)),
    CHECK (verdict_kind IS NULL OR code IS NOT NULL),
    CHECK (kept = 0 OR verdict_kind = 'correct')
) STRICT;

CREATE UNIQUE INDEX attempts_by_seq ON attempts (run_id, seq);
CREATE UNIQUE INDEX attempts_by_key ON attempts (run_id, key);

-- One row per stage of the run: whether it ran, and the best before and after it.
CREATE TABLE stages (
    run_id         TEXT NOT NULL REFERENCES runs (id),
    stage          TEXT NOT NULL CHECK (stage <> ''),
    -- The order the stages were first recorded in: the loop's order.
    position       INTEGER NOT NULL CHECK (position >= 1),
    status         TEXT NOT NULL CHECK (status IN ('ran', 'skipped', 'not_reached')),
    reason         TEXT,
    metrics_block  TEXT,
    best_before_ms REAL,
    best_after_ms  REAL,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (run_id, stage),
    UNIQUE (run_id, position),
    CHECK (status <> 'skipped' OR reason IS NOT NULL)
) STRICT;
