//! Process control (being written).
