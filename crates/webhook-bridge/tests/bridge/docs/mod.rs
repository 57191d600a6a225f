//! The manual against the code: `docs/configuration.md` lists exactly the variables the
//! configuration reads, with the defaults and ranges the code applies, and `docs/errors.md`
//! lists exactly the (code, status) pairs the bridge and API Gateway can answer with. A renamed
//! variable or code, a changed default or range, fails here rather than misleads a reader.

// Markdown tables read from the docs.
mod table;

// The configuration reference.
mod configuration;
// The error reference.
mod errors;
