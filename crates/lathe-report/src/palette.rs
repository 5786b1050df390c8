//! The plot's colours: stages by their order in the run, outcomes by kind. Fixed, so that the
//! same stage has the same colour in every report of a category.

/// Distinct hues that stay apart for colour-blind readers and on white; a run with more
/// stages than this reuses them in order.
const STAGES: [&str; 8] = [
    "#2f6db5", "#e07b28", "#2e9e6a", "#c7417b", "#7d5bbf", "#a8841c", "#1c9fb8", "#6e6e6e",
];

/// The colour of the `index`-th stage of the run (the seed is the 0th when there is one).
pub(crate) fn stage(index: usize) -> &'static str {
    STAGES[index % STAGES.len()]
}

/// The colour of an attempt that was not correct, by its outcome's label
/// ([`Outcome::label`](crate::attempt_outcome::Outcome::label)).
pub(crate) fn outcome(label: &str) -> &'static str {
    match label {
        "wrong" => "#d1312b",
        "compile_error" => "#ee8a12",
        "runtime_error" => "#9b3fb5",
        "timeout" => "#8a5a3c",
        "crash" => "#1f1f1f",
        "rejected" => "#e0408c",
        "call failed" => "#5c6670",
        "no code" => "#9aa3ab",
        // Not judged, no reply, and a correct kernel that was not timed.
        _ => "#b9c0c6",
    }
}
