//! Everything the rules read about one parsed candidate, resolved once before any rule runs:
//! what names mean, which kernels exist, where they are launched, who calls whom.

use lathe_core::Backend;
use ruff_python_ast::{ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::call_graph::CallGraph;
use crate::import_site::ImportSite;
use crate::kernels::Kernels;
use crate::launches::Launches;
use crate::module_index::ModuleIndex;
use crate::mutation::Mutation;
use crate::source_map::SourceMap;

#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) backend: Backend,
    pub(crate) map: &'a SourceMap<'a>,
    pub(crate) index: ModuleIndex<'a>,
    pub(crate) bindings: Bindings,
    pub(crate) kernels: Kernels,
    pub(crate) launches: Launches,
    pub(crate) graph: CallGraph<'a>,
    pub(crate) mutations: Vec<Mutation>,
    /// Static imports and `__import__`/`importlib.import_module` calls.
    pub(crate) imports: Vec<ImportSite>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(body: &'a [Stmt], map: &'a SourceMap<'a>, backend: Backend) -> Self {
        let index = ModuleIndex::build(body);
        let bindings = Bindings::collect(body);
        let kernels = Kernels::find(&index, &bindings, backend);
        let launches = Launches::find(&index, &bindings, &kernels, backend);
        let graph = CallGraph::build(&index, &bindings, &kernels);
        let mutations = Mutation::collect(&index, &bindings, map);
        let mut imports = index.imports.clone();
        imports.extend(
            index
                .calls
                .iter()
                .filter_map(|call| ImportSite::from_call(call, &bindings)),
        );
        Self {
            backend,
            map,
            index,
            bindings,
            kernels,
            launches,
            graph,
            mutations,
            imports,
        }
    }

    /// The resolved callee of a call: `torch.cuda.Stream` for `T.cuda.Stream(...)`.
    pub(crate) fn callee(&self, call: &ExprCall) -> Option<String> {
        self.bindings.resolve(&call.func)
    }

    /// Where the candidate's model class is, for findings about what the module lacks.
    pub(crate) fn model_range(&self) -> TextRange {
        self.index
            .classes
            .iter()
            .find(|class| class.name.as_str() == "ModelNew")
            .map_or_else(TextRange::default, |class| class.range())
    }
}
