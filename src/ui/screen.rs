//! (lands with the run loop)
