//! The bare function name inside a kernel name as ncu shows it.
//!
//! The candidate declares its kernels by function name (`post_process_kernel`), while ncu shows
//! Triton kernels bare, `extern "C"` kernels bare, and C++ kernels demangled with a return type,
//! namespaces, template arguments and parameters. Comparing whole strings would miss templated
//! kernels and comparing substrings would take `my_post_process_kernel` for `post_process_kernel`;
//! cutting the demangled name down to its function name makes an exact comparison possible.

/// `void ns::my_kernel<128>(const float *, int)` → `my_kernel`.
///
/// Strips the trailing parameter list, then the trailing template arguments, then the return type
/// (everything up to the last top-level space), then namespaces (everything up to the last
/// top-level `::`). "Top-level" respects nesting of `()`, `<>` and `[]`, so `(anonymous
/// namespace)` and lambdas inside template arguments stay whole. Text that does not nest properly
/// comes back trimmed and otherwise untouched.
pub fn function_name(kernel_name: &str) -> &str {
    let name = kernel_name.trim();
    let Some(top) = scan(name) else {
        return name;
    };
    let mut end = name.len();
    let mut groups = top.groups.iter().rev().peekable();
    for opener in ['(', '<'] {
        if let Some(group) = groups.next_if(|g| g.end == end && g.opener == opener) {
            end = name[..group.start].trim_end().len();
        }
    }
    let start = top
        .spaces
        .iter()
        .rev()
        .find(|&&at| at < end && !name[..at].ends_with("operator"))
        .map_or(0, |at| at + 1);
    let start = top
        .colons
        .iter()
        .rev()
        .find(|&&at| at >= start && at + 2 <= end)
        .map_or(start, |at| at + 2);
    match name[start..end].trim() {
        "" => name,
        function => function,
    }
}

/// A bracketed group at nesting depth zero: `start` is its opener, `end` one past its closer.
struct Group {
    opener: char,
    start: usize,
    end: usize,
}

/// Positions at nesting depth zero.
struct TopLevel {
    groups: Vec<Group>,
    spaces: Vec<usize>,
    /// The first byte of each `::`.
    colons: Vec<usize>,
}

/// The top-level structure of `name`, or `None` when its brackets do not nest.
fn scan(name: &str) -> Option<TopLevel> {
    let mut top = TopLevel {
        groups: Vec::new(),
        spaces: Vec::new(),
        colons: Vec::new(),
    };
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut chars = name.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == 'o' && operator_at(name, at) {
            // `operator()`, `operator<`, `operator->`: the symbol is a name, not a bracket.
            let symbol = operator_symbol_len(&name[at + "operator".len()..]);
            let skip_to = at + "operator".len() + symbol;
            while chars.next_if(|&(next, _)| next < skip_to).is_some() {}
            continue;
        }
        match c {
            '(' | '<' | '[' => open.push((c, at)),
            ')' | '>' | ']' => {
                let (opener, start) = open.pop()?;
                if closer_of(opener) != c {
                    return None;
                }
                if open.is_empty() {
                    top.groups.push(Group {
                        opener,
                        start,
                        end: at + 1,
                    });
                }
            }
            ' ' if open.is_empty() => top.spaces.push(at),
            ':' if open.is_empty() && name[at..].starts_with("::") => {
                top.colons.push(at);
                chars.next();
            }
            _ => {}
        }
    }
    open.is_empty().then_some(top)
}

fn closer_of(opener: char) -> char {
    match opener {
        '(' => ')',
        '<' => '>',
        _ => ']',
    }
}

/// Whether the keyword `operator` starts at `at` (not `my_operator` nor `operators`).
fn operator_at(name: &str, at: usize) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    name[at..].starts_with("operator")
        && !name[..at].chars().next_back().is_some_and(is_ident)
        && !name[at + "operator".len()..]
            .chars()
            .next()
            .is_some_and(is_ident)
}

/// The length of the operator symbol at the start of `rest` (longest match, so that
/// `operator-><int>` is `->` followed by template arguments), with the space ncu puts before it
/// (`operator ()`); 0 for `operator new` and the like.
fn operator_symbol_len(rest: &str) -> usize {
    if let Some(symbol) = rest.strip_prefix(' ') {
        let len = operator_symbol_len(symbol);
        return if len == 0 { 0 } else { len + 1 };
    }
    const SYMBOLS: &[&str] = &[
        "->*", "<<=", ">>=", "<=>", "()", "[]", "->", "<<", ">>", "<=", ">=", "==", "!=", "&&",
        "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<", ">", "=", "!", "+",
        "-", "*", "/", "%", "&", "|", "^", "~", ",",
    ];
    SYMBOLS
        .iter()
        .find(|symbol| rest.starts_with(**symbol))
        .map_or(0, |symbol| symbol.len())
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn triton_and_extern_c_kernels_are_bare() {
        assert_eq!(function_name("post_process_kernel"), "post_process_kernel");
        assert_eq!(function_name("my_kernel"), "my_kernel");
        assert_eq!(function_name("  my_kernel \n"), "my_kernel");
    }

    #[test]
    fn demangled_cxx_kernels() {
        let cases = [
            ("my_kernel(float const*, float*, int)", "my_kernel"),
            (
                "void my_kernel<128>(const float *, float *, int)",
                "my_kernel",
            ),
            (
                "void at::native::(anonymous namespace)::foo<float>(int, T1 *)",
                "foo",
            ),
            (
                "void cudnn::nchwToNhwcKernel<float, float, float, 0, 1, 0>\
                 (cudnn::nchw2nhwc_params_t<T3>, const T1 *, T2 *)",
                "nchwToNhwcKernel",
            ),
            (
                "sm90_xmma_dgrad_implicit_gemm_indexed_f32f32_tf32f32_f32_nhwckrsc_nhwc_\
                 tilesize256x64x32_warpgroupsize1x1x1_g1_strided_execute_kernel__5x_cudnn",
                "sm90_xmma_dgrad_implicit_gemm_indexed_f32f32_tf32f32_f32_nhwckrsc_nhwc_\
                 tilesize256x64x32_warpgroupsize1x1x1_g1_strided_execute_kernel__5x_cudnn",
            ),
            (
                "void at::elementwise_kernel<128, 2, void at::gpu_kernel_impl_nocast<\
                 at::CUDAFunctor_add<float>>(at::TensorIteratorBase &, const T1 &)::\
                 [lambda(int) (instance 1)]>(int, T3)",
                "elementwise_kernel",
            ),
            (
                "void at::reduce_kernel<512, 1, at::ReduceOp<float, at::func_wrapper_t<float, \
                 at::sum_functor<float, float, float>::operator ()(at::TensorIterator &)::\
                 [lambda(float, float) (instance 1)]>, unsigned int, float, 4, 4>>(T3)",
                "reduce_kernel",
            ),
            (
                "void at::vectorized_elementwise_kernel<4, at::CUDAFunctor_add<float>, \
                 std::array<char *, 3>>(int, T2, T3)",
                "vectorized_elementwise_kernel",
            ),
            ("unsigned int ns::count_kernel(int)", "count_kernel"),
            ("ns::Outer<int>::inner_kernel(int)", "inner_kernel"),
        ];
        for (kernel, function) in cases {
            assert_eq!(function_name(kernel), function, "{kernel}");
        }
    }

    #[test]
    fn operators_are_names_not_brackets() {
        assert_eq!(function_name("void Functor::operator()(int)"), "operator()");
        // ncu writes a space after `operator`.
        assert_eq!(
            function_name("void Functor::operator ()(int)"),
            "operator ()"
        );
        assert_eq!(function_name("bool ns::operator<(A, B)"), "operator<");
        assert_eq!(function_name("void ns::operator-><int>(int)"), "operator->");
        assert_eq!(
            function_name("void* operator new(unsigned long)"),
            "operator new"
        );
        assert_eq!(function_name("my_operator(int)"), "my_operator");
    }

    #[test]
    fn odd_input_comes_back_trimmed() {
        for odd in [
            "",
            "  ",
            "void f(int",
            "f<int(x)>",
            "g)",
            "void ns::f>(int)",
            "((((",
            "::",
            "()",
            "<>",
            "a::",
            " ::b",
            "operator",
            "(anonymous namespace)::",
        ] {
            let got = function_name(odd);
            assert!(odd.contains(got), "{odd:?} gave {got:?}");
        }
        assert_eq!(function_name(" void f(int "), "void f(int");
        assert_eq!(function_name("::"), "::");
    }
}
