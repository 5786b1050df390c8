//! Where a suite's candidates are judged: on this machine, or on a Ray cluster's GPU nodes
//! (docs/design/ray.md).

use clap::Args;

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// Where candidates are judged: `local` (this machine's GPUs, or interpreter jobs) or `ray`
    /// (a Ray cluster's GPU nodes, one GPU per evaluation; needs --ray-address)
    #[arg(long, value_name = "EXECUTOR", default_value = "local", value_parser = ["local", "ray"])]
    pub executor: String,
    /// The Ray cluster under --executor ray: its head's `HOST:PORT` where lathe runs on a node
    /// of it, `ray://HOST:10001` (Ray Client, needs ray[client]) from elsewhere, or `auto`
    #[arg(
        long,
        value_name = "ADDR",
        env = "RAY_ADDRESS",
        required_if_eq("executor", "ray")
    )]
    pub ray_address: Option<String>,
    /// Times an evaluation is sent to another GPU when its node is lost under it
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub ray_retries: u32,
    /// Use at most N of the cluster's GPUs (default: all of them)
    #[arg(long, value_name = "N")]
    pub ray_gpus: Option<usize>,
}
