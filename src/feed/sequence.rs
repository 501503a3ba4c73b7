//! (being written) Trade-id gap and duplicate detection.
