-- Baselines measured by `lathe suite baselines`: a problem's eager and torch.compile timings on
-- one machine. The key is the worker's torch.compile cache key, which covers everything that
-- could change the figure (the problem's source and overrides, the GPU, the torch, Triton and
-- CUDA versions, the timing protocol): measuring again under the same key replaces the row.
CREATE TABLE baselines (
    compile_key TEXT PRIMARY KEY,
    problem_path TEXT NOT NULL,
    overrides_json TEXT NOT NULL CHECK (json_valid(overrides_json)),
    gpu TEXT NOT NULL,
    torch_version TEXT NOT NULL,
    triton_version TEXT NOT NULL,
    cuda_version TEXT,
    eager_median_ms REAL,
    eager_iqr_ms REAL,
    compile_median_ms REAL,
    compile_iqr_ms REAL,
    compile_seconds REAL,
    compile_error TEXT,
    measured_at_ms INTEGER NOT NULL
);
CREATE INDEX baselines_by_problem ON baselines (problem_path, measured_at_ms);
