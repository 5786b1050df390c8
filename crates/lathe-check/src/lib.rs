//! Static checks on candidate sources (being written).
