//! Stage 4: the executor: runs a plan over the [`crate::store::Graph`] and
//! streams rows of [`crate::value::Value`]s.
