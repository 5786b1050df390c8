//! The static checks against candidate sources: for every rule, sources that commit the
//! attack (the finding appears, with its severity and line) and near misses that must pass;
//! honest candidates that must come through clean; and the report's shape.

mod support;

mod candidates;
mod cuda_graph;
mod file_write;
mod introspection;
mod kernel_not_launched;
mod launch_fallback;
mod no_kernel;
mod precision_downcast;
mod precision_flags;
mod report;
mod side_stream;
mod threads;
mod timer_patch;
mod torch_compute;
