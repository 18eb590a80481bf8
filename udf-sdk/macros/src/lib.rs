//! The attributes of `guocedb-udf`, which re-exports them: `#[scalar]`,
//! `#[aggregate]` and `#[table(columns = "…")]`. Each keeps the item it is
//! put on unchanged and adds the exports `ABI.md` asks for, plus hidden
//! host-callable glue (`__guocedb_call_NAME`) so the glue can be tested
//! without Wasm. The expansion itself lives in the `expand` module, written against
//! `proc_macro2` so it is unit-testable.

use proc_macro::TokenStream;

mod expand;

/// A scalar function: `#[guocedb_udf::scalar] fn add(a: i64, b: i64) -> i64`.
///
/// Exports `add(ptr, len) -> i64` (one result per argument row),
/// `add__args` and `add__returns`. A NULL for a parameter that is not an
/// `Option` makes that row's result NULL; `Result<T, E: Display>` returns
/// fail the statement on `Err`. `#[scalar(name = "sql_name")]` exports
/// under another name.
#[proc_macro_attribute]
pub fn scalar(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::scalar(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// An aggregate function, on the `impl` block of an accumulator type that
/// implements `Default`: `fn add(&mut self, …)`, optionally
/// `fn merge(&mut self, other: Self)`, and `fn finish(self) -> T`.
///
/// Exports `NAME__init`, `NAME__add`, `NAME__merge`, `NAME__finish` and
/// `NAME__args`, where NAME is the type's name in snake_case (`Median` →
/// `median`) or `#[aggregate(name = "…")]`. Rows with a NULL for a
/// non-`Option` parameter of `add` are skipped, as SQL aggregates do.
#[proc_macro_attribute]
pub fn aggregate(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::aggregate(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// A table function: `#[guocedb_udf::table(columns = "part STRING, idx INT")]`
/// on a function returning rows (`Vec<(String, i64)>`, any iterator of
/// tuples, or a `Result` of one).
///
/// Exports `NAME`, `NAME__columns` and `NAME__args`. A NULL for a
/// non-`Option` parameter gives an empty table.
#[proc_macro_attribute]
pub fn table(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::table(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
