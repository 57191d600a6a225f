//! What an SDK client needs to reach a local stand-in from inside a test or the bench: its
//! endpoint, the region and dummy credentials (the SDK signs; the emulators do not check). The
//! same values go to functions through [`crate::RunningAgentCore::function_env`].

use aws_config::{ConfigLoader, Region};
use aws_credential_types::Credentials;

/// The region of every local run.
pub const LOCAL_REGION: &str = "us-east-1";
/// The dummy access key id of every local run.
pub const LOCAL_ACCESS_KEY_ID: &str = "AKIDLOCAL";
/// The dummy secret key of every local run.
pub const LOCAL_SECRET_ACCESS_KEY: &str = "local-secret";

/// `loader` (say, the bridge's own SDK defaults) pointed at `endpoint` with the local region
/// and dummy credentials.
pub fn local_sdk(loader: ConfigLoader, endpoint: &str) -> ConfigLoader {
    loader
        .endpoint_url(endpoint)
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(Credentials::new(
            LOCAL_ACCESS_KEY_ID,
            LOCAL_SECRET_ACCESS_KEY,
            None,
            None,
            "local",
        ))
}
