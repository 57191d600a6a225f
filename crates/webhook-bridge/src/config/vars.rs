//! Reading variables: trimmed, empty meaning unset, numbers within a range, flags, lists; every
//! problem names its variable.

use thiserror::Error;

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it, without its value when the value may be a secret.
    pub problem: String,
}

impl ConfigError {
    /// A problem with `variable`.
    pub fn new(variable: &'static str, problem: impl Into<String>) -> ConfigError {
        ConfigError {
            variable,
            problem: problem.into(),
        }
    }
}

/// The environment as the loaders see it: a lookup, so tests need not touch the process's own.
pub(crate) struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Vars<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Vars<'a> {
        Vars { lookup }
    }

    /// The trimmed value; blank counts as unset.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A whole number in `min..=max`, or `default` when unset.
    pub(crate) fn number(
        &self,
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ConfigError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        raw.parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                ConfigError::new(
                    name,
                    format!("must be a whole number from {min} to {max}, got {raw:?}"),
                )
            })
    }

    /// `true` or `false`, or `default` when unset.
    pub(crate) fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(ConfigError::new(
                name,
                format!("must be true or false, got {other:?}"),
            )),
        }
    }

    /// A comma-separated list, items trimmed, blanks dropped; `None` when unset.
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// Runs `read` over variables given as pairs: the tests' environment.
#[cfg(test)]
pub(crate) fn read_pairs<T>(pairs: &[(&str, &str)], read: impl FnOnce(&Vars<'_>) -> T) -> T {
    let map: std::collections::HashMap<&str, &str> = pairs.iter().copied().collect();
    let lookup = |k: &str| map.get(k).map(|v| (*v).to_owned());
    read(&Vars::new(&lookup))
}
