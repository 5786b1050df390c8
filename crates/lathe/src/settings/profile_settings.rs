//! The resolved `[profile]` settings: where ncu is and how a capture is bounded.

use std::path::PathBuf;
use std::time::Duration;

use lathe_profile::{ClockControl, ProfileConfig};
use lathe_worker::protocol::WarmupConfig;

use super::layer::{ClockControlSetting, Layer};
use super::source::{self, Sourced};
use super::{EvalSettings, defaulted, first};

#[derive(Debug, Clone)]
pub struct ProfileSettings {
    pub ncu: Option<Sourced<String>>,
    pub timeout_seconds: Sourced<f64>,
    pub launch_count: Sourced<u32>,
    pub clock_control: Sourced<ClockControlSetting>,
}

impl ProfileSettings {
    pub(super) fn resolve(layers: &[Layer]) -> ProfileSettings {
        ProfileSettings {
            ncu: first(layers, &source::NCU, |l| l.profile.ncu.as_ref()),
            timeout_seconds: defaulted(layers, &source::PROFILE_TIMEOUT, |l| {
                l.profile.timeout_seconds.as_ref()
            }),
            launch_count: defaulted(layers, &source::LAUNCH_COUNT, |l| {
                l.profile.launch_count.as_ref()
            }),
            clock_control: defaulted(layers, &source::CLOCK_CONTROL, |l| {
                l.profile.clock_control.as_ref()
            }),
        }
    }

    /// How profiles are taken: the worker as `[eval]` runs it, bounded by these settings.
    pub fn config(&self, eval: &EvalSettings) -> ProfileConfig {
        let mut worker = eval.worker_config();
        worker.wall_limit = Duration::from_secs_f64(self.timeout_seconds.value.max(1.0));
        ProfileConfig {
            worker,
            ncu: self.ncu.as_ref().map(|n| PathBuf::from(&n.value)),
            launch_count: self.launch_count.value.max(1),
            clock_control: match self.clock_control.value {
                ClockControlSetting::Base => ClockControl::Base,
                ClockControlSetting::None => ClockControl::None,
            },
            warmup: WarmupConfig::default(),
            seed: 42,
            device: eval.device.value,
        }
    }
}

impl std::fmt::Display for ClockControlSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClockControlSetting::Base => "base",
            ClockControlSetting::None => "none",
        })
    }
}
