//! One GPU of the catalog: the facts the optimization prompt states about the target.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ComputeCapability;

/// A catalog entry. The fields after `driver_names` are the prompt's bullets, in their order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpuSpec {
    /// The short name: what `GPU Name:` shows and what `lathe gpus` lists.
    pub name: String,
    pub architecture: String,
    /// Other names people use for it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The names the driver reports (nvidia-smi, `torch.cuda.get_device_name()`).
    #[serde(default)]
    pub driver_names: Vec<String>,
    pub compute_capability: ComputeCapability,
    pub sm_count: u32,
    pub memory_bandwidth_gb_s: u32,
    pub tf32_tensor_tflops: TensorRate,
    pub bf16_tensor_tflops: TensorRate,
    pub fp16_tensor_tflops: TensorRate,
    pub max_registers_per_thread: u32,
    pub max_threads_per_block: u32,
    pub max_threads_per_sm: u32,
    pub warp_size: u32,
    pub max_warps_per_sm: u32,
    pub shared_memory_per_sm_kb: u32,
    pub max_shared_memory_per_block_kb: u32,
    pub l2_cache_mb: u32,
}

impl GpuSpec {
    /// The `• label: value` lines of the prompt's GPU block, in order.
    pub fn bullets(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Compute Capability", self.compute_capability.to_string()),
            ("Number of SMs", self.sm_count.to_string()),
            (
                "Memory Bandwidth",
                format!("{} GB/s", self.memory_bandwidth_gb_s),
            ),
            (
                "TF32 Tensor Core TFLOPS",
                self.tf32_tensor_tflops.to_string(),
            ),
            (
                "BFLOAT16 Tensor Core TFLOPS",
                self.bf16_tensor_tflops.to_string(),
            ),
            (
                "FP16 Tensor Core TFLOPS",
                self.fp16_tensor_tflops.to_string(),
            ),
            (
                "Maximum number of registers per thread",
                self.max_registers_per_thread.to_string(),
            ),
            (
                "Maximum threads per block",
                self.max_threads_per_block.to_string(),
            ),
            (
                "Maximum threads per SM",
                self.max_threads_per_sm.to_string(),
            ),
            ("Warp size", self.warp_size.to_string()),
            (
                "Maximum concurrent warps per SM",
                self.max_warps_per_sm.to_string(),
            ),
            (
                "Shared memory capacity per SM",
                format!("{} KB", self.shared_memory_per_sm_kb),
            ),
            (
                "Maximum shared memory per thread block",
                format!("{} KB", self.max_shared_memory_per_block_kb),
            ),
            (
                "L2 cache (global, all SM shared)",
                format!("{} MB", self.l2_cache_mb),
            ),
        ]
    }

    /// Every name this GPU answers to: its name, aliases and driver names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.driver_names.iter().map(String::as_str))
    }

    /// Facts that contradict each other: the signature of a typo in hand-written data.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push("`name` is empty".to_owned());
        }
        if self.architecture.trim().is_empty() {
            problems.push("`architecture` is empty".to_owned());
        }
        let counts = [
            ("sm_count", self.sm_count),
            ("memory_bandwidth_gb_s", self.memory_bandwidth_gb_s),
            ("max_registers_per_thread", self.max_registers_per_thread),
            ("max_threads_per_block", self.max_threads_per_block),
            ("warp_size", self.warp_size),
            ("l2_cache_mb", self.l2_cache_mb),
        ];
        for (field, value) in counts {
            if value == 0 {
                problems.push(format!("`{field}` is 0"));
            }
        }
        if self.warp_size != 0 && self.max_warps_per_sm * self.warp_size != self.max_threads_per_sm
        {
            problems.push(format!(
                "max_warps_per_sm ({}) × warp_size ({}) is not max_threads_per_sm ({})",
                self.max_warps_per_sm, self.warp_size, self.max_threads_per_sm
            ));
        }
        if self.max_threads_per_block > self.max_threads_per_sm {
            problems.push("max_threads_per_block exceeds max_threads_per_sm".to_owned());
        }
        if self.max_shared_memory_per_block_kb > self.shared_memory_per_sm_kb {
            problems
                .push("max_shared_memory_per_block_kb exceeds shared_memory_per_sm_kb".to_owned());
        }
        let rates = [
            ("tf32_tensor_tflops", self.tf32_tensor_tflops),
            ("bf16_tensor_tflops", self.bf16_tensor_tflops),
            ("fp16_tensor_tflops", self.fp16_tensor_tflops),
        ];
        for (field, rate) in rates {
            if let TensorRate::Dense(tflops) = rate
                && !(tflops.is_finite() && tflops > 0.0)
            {
                problems.push(format!(
                    "`{field}` must be a positive number or \"unsupported\""
                ));
            }
        }
        problems
    }
}

/// Dense tensor-core throughput in TFLOPS, or the format does not exist on the GPU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TensorRate {
    Dense(f64),
    Unsupported,
}

impl fmt::Display for TensorRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorRate::Dense(tflops) => write!(f, "{tflops} with dense"),
            TensorRate::Unsupported => f.write_str("not supported"),
        }
    }
}

const UNSUPPORTED: &str = "unsupported";

impl<'de> Deserialize<'de> for TensorRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(tflops) => Ok(TensorRate::Dense(tflops)),
            Raw::Text(text) if text == UNSUPPORTED => Ok(TensorRate::Unsupported),
            Raw::Text(text) => Err(serde::de::Error::custom(format!(
                "`{text}` is not a rate: write dense TFLOPS as a number, or \"{UNSUPPORTED}\""
            ))),
        }
    }
}

impl Serialize for TensorRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TensorRate::Dense(tflops) => serializer.serialize_f64(*tflops),
            TensorRate::Unsupported => serializer.serialize_str(UNSUPPORTED),
        }
    }
}

impl Serialize for ComputeCapability {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_as_the_prompt_shows_them() {
        assert_eq!(TensorRate::Dense(82.6).to_string(), "82.6 with dense");
        assert_eq!(TensorRate::Dense(60.0).to_string(), "60 with dense");
        assert_eq!(TensorRate::Dense(362.05).to_string(), "362.05 with dense");
        assert_eq!(TensorRate::Unsupported.to_string(), "not supported");
    }
}
