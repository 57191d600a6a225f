//! Unit tests on small synthetic crates written to a temporary folder, plus the check of this
//! crate and of the real workspace.

mod fixture;
mod real;
mod roots;
mod rules;
