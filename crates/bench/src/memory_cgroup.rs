//! A memory cgroup per measured function instance, limited as a Lambda function's memory size is,
//! so "the bridge serves inside 128 MB" is a run that would fail if it did not: the kernel
//! reclaims and then kills a process that goes over, and the cgroup counts both.
//!
//! cgroup v1's memory controller (`/sys/fs/cgroup/memory`) or v2's unified hierarchy, whichever
//! this machine lets root write; the report names the one used.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Which hierarchy a cgroup lives in: the files differ.
#[derive(Debug, Clone, Copy)]
enum Version {
    V1,
    V2,
}

/// One cgroup with a memory limit; removed when dropped (once its processes have gone).
pub struct MemoryCgroup {
    dir: PathBuf,
    version: Version,
}

impl MemoryCgroup {
    /// A new cgroup named `name` limited to `limit_bytes`, or why this machine cannot make one.
    pub fn create(name: &str, limit_bytes: u64) -> anyhow::Result<MemoryCgroup> {
        let candidates = [
            (Path::new("/sys/fs/cgroup/memory"), Version::V1),
            (Path::new("/sys/fs/cgroup/unified"), Version::V2),
            (Path::new("/sys/fs/cgroup"), Version::V2),
        ];
        let mut tried = Vec::new();
        for (root, version) in candidates {
            match Self::create_in(root, version, name, limit_bytes) {
                Ok(cgroup) => return Ok(cgroup),
                Err(e) => tried.push(format!("{}: {e:#}", root.display())),
            }
        }
        anyhow::bail!("no writable memory cgroup ({})", tried.join("; "))
    }

    fn create_in(
        root: &Path,
        version: Version,
        name: &str,
        limit_bytes: u64,
    ) -> anyhow::Result<MemoryCgroup> {
        let limit_file = match version {
            Version::V1 => "memory.limit_in_bytes",
            Version::V2 => "memory.max",
        };
        if matches!(version, Version::V2) {
            let controllers = std::fs::read_to_string(root.join("cgroup.controllers"))?;
            anyhow::ensure!(
                controllers.split_whitespace().any(|c| c == "memory"),
                "no memory controller"
            );
        }
        let dir = root.join(name);
        std::fs::create_dir(&dir).with_context(|| format!("create {}", dir.display()))?;
        let cgroup = MemoryCgroup { dir, version };
        std::fs::write(cgroup.dir.join(limit_file), limit_bytes.to_string())
            .with_context(|| format!("write {limit_file}"))?;
        Ok(cgroup)
    }

    /// The file a process writes its pid into to join (see [`MemoryCgroup::wrap`]).
    pub fn procs_file(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// `program` started inside the cgroup: a shell joins it and then becomes the program, so the
    /// program's first allocation is already counted.
    pub fn wrap(&self, program: &Path) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c")
            .arg(r#"echo $$ > "$0" && exec "$1""#)
            .arg(self.procs_file())
            .arg(program);
        cmd
    }

    /// The most memory the cgroup's processes have used together, in bytes.
    pub fn peak_bytes(&self) -> anyhow::Result<u64> {
        let file = match self.version {
            Version::V1 => "memory.max_usage_in_bytes",
            Version::V2 => "memory.peak",
        };
        let text = std::fs::read_to_string(self.dir.join(file)).with_context(|| file)?;
        Ok(text.trim().parse()?)
    }

    /// How many times the kernel killed a process of the cgroup for going over the limit.
    pub fn oom_kills(&self) -> anyhow::Result<u64> {
        let file = match self.version {
            Version::V1 => "memory.oom_control",
            Version::V2 => "memory.events",
        };
        let text = std::fs::read_to_string(self.dir.join(file)).with_context(|| file)?;
        Ok(text
            .lines()
            .find_map(|line| line.strip_prefix("oom_kill "))
            .map_or(Ok(0), |n| n.trim().parse())?)
    }

    /// The hierarchy and limit file used, for the report.
    pub fn describe(&self) -> &'static str {
        match self.version {
            Version::V1 => "cgroup v1 memory controller (memory.limit_in_bytes)",
            Version::V2 => "cgroup v2 (memory.max)",
        }
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        // Fails while a process is still inside; the kernel keeps an empty cgroup harmlessly.
        let _ = std::fs::remove_dir(&self.dir);
    }
}
