//! The manual's examples, run: every shell block in the README, `docs/` and the CLI's README
//! that targets the local stack (`127.0.0.1:3000` or `:3001`, as `make local` serves it) is run
//! with bash against the real stack, and a JSON block right after one is the answer it must
//! give; every other JSON block must at least be JSON. A renamed field, flag or route breaks
//! the build, not the reader.

// The Markdown pages and their fenced blocks.
mod blocks;

// Running them.
mod run;
