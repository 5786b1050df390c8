//! `torch-compute` [13]: PyTorch compute ops doing the work in `forward` (or in the candidate
//! functions and methods it calls): `torch.matmul` and kin, `torch.nn.functional.*`, `@`,
//! tensor methods such as `.softmax()`, and calls of compute submodules (`self.conv(x)` after
//! `self.conv = nn.Conv2d(...)`, `self.layers[0](x)` of a `ModuleList` of them). A warning under the default policy, where PyTorch may do
//! part of the work; refused under `strict`.
//!
//! Allocation, views and metadata (`torch.empty`, `view`, `reshape`, `contiguous`, `.stride()`,
//! `.to(device)`) are not compute and pass.
//! Blind spots: compute reached through objects the checks cannot follow (`for layer in
//! self.layers: x = layer(x)`, `getattr(torch, name)`); `library-compute` sees them at run time.

use std::collections::HashSet;

use lathe_core::Rule;
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::finding_sink::FindingSink;

/// `torch.<name>` functions that compute (linear algebra, convolution, normalization,
/// activations, reductions, element-wise math).
#[rustfmt::skip]
const TORCH_FUNCTIONS: [&str; 76] = [
    "matmul", "mm", "bmm", "addmm", "addmv", "addr", "addbmm", "baddbmm", "mv", "dot", "vdot",
    "inner", "outer", "ger", "einsum", "tensordot", "chain_matmul", "kron", "cdist", "conv1d",
    "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "convolution",
    "conv_tbc", "softmax", "log_softmax", "layer_norm", "group_norm", "batch_norm", "instance_norm",
    "rms_norm", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool1d", "relu", "relu_", "sigmoid", "tanh", "exp", "log", "sqrt", "rsqrt", "erf",
    "clamp", "clip", "where", "maximum", "minimum", "add", "sub", "mul", "div", "pow", "sum",
    "mean", "prod", "cumsum", "cumprod", "logsumexp", "amax", "amin", "max", "min", "std", "var",
    "norm", "topk", "sort", "argmax", "argmin",
];

/// Namespaces whose every function computes.
const TORCH_NAMESPACES: [&str; 5] = [
    "torch.nn.functional.",
    "torch.linalg.",
    "torch.fft.",
    "torch.special.",
    "torch._C._nn.",
];

/// Tensor methods that compute; their receivers' types are unknown, so the list keeps to
/// names that few other objects have (`log` is left out for loggers' sake).
#[rustfmt::skip]
const TENSOR_METHODS: [&str; 29] = [
    "matmul", "mm", "bmm", "addmm", "baddbmm", "mv", "softmax", "log_softmax", "relu", "relu_",
    "sigmoid", "sigmoid_", "tanh", "tanh_", "exp", "exp_", "sqrt", "rsqrt", "sum", "mean",
    "prod", "cumsum", "logsumexp", "amax", "amin", "norm", "clamp", "clamp_", "var",
];

/// `torch.nn` classes that compute, besides the families matched by prefix below.
#[rustfmt::skip]
const NN_MODULES: [&str; 30] = [
    "Linear", "Bilinear", "LazyLinear", "LayerNorm", "GroupNorm", "RMSNorm", "SyncBatchNorm",
    "LocalResponseNorm", "Embedding", "EmbeddingBag", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
    "GRUCell", "MultiheadAttention", "Softmax", "LogSoftmax", "ReLU", "GELU", "SiLU", "Sigmoid",
    "Tanh", "Mish", "Hardtanh", "LeakyReLU", "ELU", "Softplus", "Upsample",
];

/// Prefixes of `torch.nn` class families that compute.
#[rustfmt::skip]
const NN_MODULE_PREFIXES: [&str; 9] = [
    "Conv", "LazyConv", "BatchNorm", "InstanceNorm", "MaxPool", "AvgPool", "AdaptiveAvgPool",
    "AdaptiveMaxPool", "Transformer",
];

/// Containers that compute when they hold a computing module.
const NN_CONTAINERS: [&str; 3] = ["Sequential", "ModuleList", "ModuleDict"];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    let scope = forward_scope(cx);
    let in_scope = |range: TextRange| {
        scope
            .iter()
            .any(|&(function, _)| function.contains_range(range))
            && !cx.kernels.contains(range)
    };
    let function_at = |range: TextRange| {
        scope
            .iter()
            .filter(|(function, _)| function.contains_range(range))
            .min_by_key(|(function, _)| function.len())
            .map_or("forward", |(_, name)| name.as_str())
            .to_owned()
    };
    let submodules = compute_submodules(cx);

    for call in &cx.index.calls {
        if in_scope(call.range()) && computes(cx, call, &submodules) {
            let why = format!(
                "PyTorch does this work in `{}`, not the candidate's kernels",
                function_at(call.range())
            );
            out.report(
                Rule::TorchCompute,
                call.range(),
                &cx.map.call_snippet(call),
                &why,
            );
        }
    }
    for &matmul in &cx.index.matmuls {
        if in_scope(matmul) {
            let why = format!(
                "PyTorch does this matrix product in `{}`, not the candidate's kernels",
                function_at(matmul)
            );
            out.report(Rule::TorchCompute, matmul, &cx.map.snippet(matmul), &why);
        }
    }
}

/// The ranges (and names) of the functions `forward` runs: the `forward` methods of `ModelNew`
/// and of the module's classes it instantiates, and everything they call.
fn forward_scope(cx: &Context<'_>) -> Vec<(TextRange, String)> {
    let classes: HashSet<&str> = cx.index.classes.iter().map(|c| c.name.as_str()).collect();
    let mut used: Vec<&str> = if classes.contains("ModelNew") {
        vec!["ModelNew"]
    } else {
        classes.iter().copied().collect()
    };
    let mut i = 0;
    while let Some(&class) = used.get(i) {
        i += 1;
        for function in &cx.index.functions {
            if function.class != Some(class) {
                continue;
            }
            for call in &cx.index.calls {
                if !function.range().contains_range(call.range()) {
                    continue;
                }
                if let Expr::Name(name) = call.func.as_ref()
                    && classes.contains(name.id.as_str())
                    && !used.contains(&name.id.as_str())
                {
                    used.push(name.id.as_str());
                }
            }
        }
    }
    let roots = cx
        .graph
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name() == "forward" && f.class.is_some_and(|c| used.contains(&c)))
        .map(|(i, _)| i);
    cx.graph
        .reachable_from(roots)
        .into_iter()
        .map(|i| {
            let function = &cx.graph.functions[i];
            (function.range(), function.name().to_owned())
        })
        .collect()
}

/// Names (`self.conv`) assigned a computing `torch.nn` module anywhere in the module.
fn compute_submodules(cx: &Context<'_>) -> HashSet<String> {
    cx.index
        .assignments
        .iter()
        .filter(|assignment| is_compute_module(cx, assignment.value))
        .flat_map(|assignment| &assignment.targets)
        .filter_map(|target| cx.bindings.resolve(target))
        .collect()
}

/// `nn.Conv2d(...)`, or a container constructed with one inside.
fn is_compute_module(cx: &Context<'_>, expr: &Expr) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    let Some(class) = cx
        .bindings
        .resolve_bound(&call.func)
        .and_then(|name| name.strip_prefix("torch.nn.").map(str::to_owned))
    else {
        return false;
    };
    if NN_MODULES.contains(&class.as_str())
        || NN_MODULE_PREFIXES
            .iter()
            .any(|prefix| class.starts_with(prefix))
    {
        return true;
    }
    NN_CONTAINERS.contains(&class.as_str())
        && call
            .arguments
            .args
            .iter()
            .chain(call.arguments.keywords.iter().map(|k| &k.value))
            .any(|arg| contains_compute_module(cx, arg))
}

/// Whether a compute module is constructed anywhere inside `expr` (`[nn.Linear(...), ...]`).
fn contains_compute_module(cx: &Context<'_>, expr: &Expr) -> bool {
    match expr {
        Expr::Call(_) => is_compute_module(cx, expr),
        Expr::List(list) => list.elts.iter().any(|e| contains_compute_module(cx, e)),
        Expr::Tuple(tuple) => tuple.elts.iter().any(|e| contains_compute_module(cx, e)),
        Expr::Dict(dict) => dict.iter_values().any(|e| contains_compute_module(cx, e)),
        Expr::Starred(starred) => contains_compute_module(cx, &starred.value),
        Expr::ListComp(comprehension) => contains_compute_module(cx, &comprehension.elt),
        Expr::Generator(generator) => contains_compute_module(cx, &generator.elt),
        _ => false,
    }
}

fn computes(cx: &Context<'_>, call: &ExprCall, submodules: &HashSet<String>) -> bool {
    // A qualified function: `torch.matmul`, `F.relu`.
    if let Some(qualified) = cx.bindings.resolve_bound(&call.func) {
        return is_torch_compute(&qualified);
    }
    // `self.conv(x)`, `self.conv.forward(x)`, `self.layers[0](x)`.
    let module = match call.func.as_ref() {
        Expr::Attribute(attribute) if attribute.attr.as_str() == "forward" => &attribute.value,
        callee => callee,
    };
    let module = match module {
        Expr::Subscript(subscript) => &subscript.value,
        other => other,
    };
    if cx
        .bindings
        .resolve(module)
        .is_some_and(|called| submodules.contains(&called))
    {
        return true;
    }
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return false;
    };
    let method = attribute.attr.as_str();
    // A tensor method: `x.softmax(dim=-1)`; not on modules (`tl.exp` is Triton's).
    TENSOR_METHODS.contains(&method) && cx.bindings.resolve_bound(&attribute.value).is_none()
}

fn is_torch_compute(qualified: &str) -> bool {
    if TORCH_NAMESPACES
        .iter()
        .any(|namespace| qualified.starts_with(namespace))
    {
        return true;
    }
    if let Some(op) = qualified.strip_prefix("torch.ops.aten.") {
        let op = op.split('.').next().unwrap_or(op);
        return !op.starts_with("empty") && !op.starts_with("view") && op != "zeros";
    }
    if let Some(method) = qualified.strip_prefix("torch.Tensor.") {
        return TENSOR_METHODS.contains(&method);
    }
    qualified
        .strip_prefix("torch.")
        .is_some_and(|name| TORCH_FUNCTIONS.contains(&name))
}
