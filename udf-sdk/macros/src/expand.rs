//! The expansion of `#[scalar]`, `#[aggregate]` and `#[table]` on
//! `proc_macro2` token streams.
//!
//! Generated code names everything through `::guocedb_udf::__private`, so a
//! function crate needs `guocedb-udf` as a dependency under that name and
//! nothing else (no `alloc`, no `std` paths). Argument conversion never
//! unwraps: a malformed batch, a wrong argument count or a value that does
//! not fit becomes an error result.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{
    FnArg, GenericArgument, GenericParam, Ident, ImplItem, ImplItemFn, ItemFn, ItemImpl, LitStr, PathArguments,
    ReturnType, Signature, Type, TypeParamBound,
};

/// `name = "…"` and, for tables, `columns = "…"`.
#[derive(Default)]
struct Options {
    name: Option<LitStr>,
    columns: Option<LitStr>,
}

fn parse_options(attr: TokenStream, allow_columns: bool) -> syn::Result<Options> {
    let mut o = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            o.name = Some(meta.value()?.parse()?);
            Ok(())
        } else if allow_columns && meta.path.is_ident("columns") {
            o.columns = Some(meta.value()?.parse()?);
            Ok(())
        } else if allow_columns {
            Err(meta.error("unknown option: expected `columns = \"…\"` or `name = \"…\"`"))
        } else {
            Err(meta.error("unknown option: expected `name = \"…\"`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(o)
}

/// The SQL name: `name = "…"` if given, else `default`; checked to be a
/// plain identifier that cannot collide with the ABI's own exports.
fn sql_name(given: Option<&LitStr>, default: String, span: Span) -> syn::Result<LitStr> {
    let (name, span) = match given {
        Some(l) => (l.value(), l.span()),
        None => (default, span),
    };
    let ok_chars = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !ok_chars {
        return Err(syn::Error::new(
            span,
            format!("`{name}` is not a valid SQL function name (letters, digits, `_`, `$`)"),
        ));
    }
    if name.contains("__") {
        return Err(syn::Error::new(
            span,
            format!("`{name}` contains `__`, which the ABI reserves for `NAME__args` and friends"),
        ));
    }
    if name.starts_with("guocedb_") || name == "memory" {
        return Err(syn::Error::new(span, format!("`{name}` is reserved by the ABI")));
    }
    Ok(LitStr::new(&name, span))
}

/// `Median` → `median`, `GeoMean` → `geo_mean`, `HTTPCount` → `http_count`.
pub(crate) fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) => p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()),
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Parse and normalise a column list: `"part string, idx integer"` →
/// `"part STRING, idx INT"` (the names and types `ABI.md` allows).
pub(crate) fn parse_columns(s: &str) -> Result<(String, usize), String> {
    let mut out = Vec::new();
    for col in s.split(',') {
        let mut parts = col.split_whitespace();
        let (Some(name), Some(ty), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("column `{}` should be `name TYPE`", col.trim()));
        };
        let ident_ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident_ok {
            return Err(format!("`{name}` is not a valid column name"));
        }
        let ty = match ty.to_ascii_uppercase().as_str() {
            "INT" | "INTEGER" => "INT",
            "REAL" | "DOUBLE" => "REAL",
            "STRING" => "STRING",
            "BYTES" => "BYTES",
            "DECIMAL" => "DECIMAL",
            "TEMPORAL" => "TEMPORAL",
            "ANY" => "ANY",
            _ => {
                return Err(format!(
                    "unknown column type `{ty}`: expected INT, REAL, STRING, BYTES, DECIMAL, TEMPORAL or ANY"
                ))
            }
        };
        out.push(format!("{name} {ty}"));
    }
    let n = out.len();
    Ok((out.join(", "), n))
}

/// Replaces every lifetime in a type with `'_`, so parameter types can be
/// named inside generated code (`&'a str` → `&'_ str`).
struct EraseLifetimes;

impl VisitMut for EraseLifetimes {
    fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
        *l = syn::Lifetime::new("'_", l.span());
    }
}

fn erased(ty: &Type) -> Type {
    let mut t = ty.clone();
    EraseLifetimes.visit_type_mut(&mut t);
    t
}

fn reject_impl_trait(ty: &Type, what: &str) -> syn::Result<()> {
    if let Type::ImplTrait(_) = ty {
        return Err(syn::Error::new(ty.span(), format!("{what} cannot be `impl Trait`: name a concrete type")));
    }
    Ok(())
}

/// Check a free function can be exported; its parameter types.
fn check_fn(sig: &Signature, what: &str) -> syn::Result<Vec<Type>> {
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(a.span(), format!("{what} cannot be async")));
    }
    if let Some(u) = &sig.unsafety {
        return Err(syn::Error::new(u.span(), format!("{what} cannot be unsafe")));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new(v.span(), format!("{what} cannot be variadic")));
    }
    for p in &sig.generics.params {
        if !matches!(p, GenericParam::Lifetime(_)) {
            return Err(syn::Error::new(
                p.span(),
                format!("{what} cannot be generic: SQL calls it with concrete types"),
            ));
        }
    }
    params(sig.inputs.iter(), what)
}

fn params<'a>(inputs: impl Iterator<Item = &'a FnArg>, what: &str) -> syn::Result<Vec<Type>> {
    inputs
        .map(|arg| match arg {
            FnArg::Receiver(r) => Err(syn::Error::new(r.span(), format!("{what} cannot take `self`"))),
            FnArg::Typed(pt) => {
                reject_impl_trait(&pt.ty, "a parameter")?;
                Ok(erased(&pt.ty))
            }
        })
        .collect()
}

/// The statements that bind `__guocedb_a0…` from the row: destructure the
/// row, convert each value to its parameter's declared type, then to the
/// Rust type. `on_null` is what to do when a non-`Option` parameter gets
/// NULL.
fn bind_args(sql: &LitStr, tys: &[Type], on_null: TokenStream) -> (TokenStream, Vec<Ident>) {
    let n = tys.len();
    let vals: Vec<Ident> = (0..n).map(|i| format_ident!("__guocedb_v{}", i)).collect();
    let conv: Vec<Ident> = (0..n).map(|i| format_ident!("__guocedb_c{}", i)).collect();
    let args: Vec<Ident> = (0..n).map(|i| format_ident!("__guocedb_a{}", i)).collect();
    let pos = 1..=n;
    let code = quote! {
        let [#(#vals),*] = __guocedb_row else {
            return ::core::result::Result::Err(::guocedb_udf::__private::arity_error(#sql, #n, __guocedb_row.len()));
        };
        #(
            let #conv = ::guocedb_udf::__private::to_type(
                #vals,
                <#tys as ::guocedb_udf::__private::FromValue<'_>>::TYPE,
            );
            let #args: #tys = match ::guocedb_udf::__private::arg::<#tys>(#sql, #pos, &*#conv) {
                ::core::result::Result::Ok(__guocedb_x) => __guocedb_x,
                ::core::result::Result::Err(::core::option::Option::None) => { #on_null }
                ::core::result::Result::Err(::core::option::Option::Some(__guocedb_e)) => {
                    return ::core::result::Result::Err(__guocedb_e);
                }
            };
        )*
    };
    (code, args)
}

fn arg_types_expr(tys: &[Type]) -> TokenStream {
    quote! {
        [#(<#tys as ::guocedb_udf::__private::FromValue<'_>>::TYPE),*]
    }
}

/// `#[scalar]`.
pub(crate) fn scalar(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse_options(attr, false)?;
    let f: ItemFn = syn::parse2(item)?;
    let tys = check_fn(&f.sig, "a scalar function")?;
    let ret = match &f.sig.output {
        ReturnType::Default => {
            return Err(syn::Error::new(f.sig.span(), "a scalar function must return a value (e.g. `-> i64`)"))
        }
        ReturnType::Type(_, t) => {
            reject_impl_trait(t, "a scalar function's return type")?;
            erased(t)
        }
    };
    let ident = &f.sig.ident;
    let sql = sql_name(opts.name.as_ref(), ident.to_string(), ident.span())?;
    let sql_args = LitStr::new(&format!("{}__args", sql.value()), sql.span());
    let sql_returns = LitStr::new(&format!("{}__returns", sql.value()), sql.span());
    let call_fn = format_ident!("__guocedb_call_{}", ident);
    let args_fn = format_ident!("__guocedb_args_{}", ident);
    let returns_fn = format_ident!("__guocedb_returns_{}", ident);
    let n = tys.len();
    let (bind, args) =
        bind_args(&sql, &tys, quote! { return ::core::result::Result::Ok(::guocedb_udf::__private::Value::Null); });
    let arg_types = arg_types_expr(&tys);
    Ok(quote! {
        #f

        /// Host-callable glue of the scalar function (generated): an encoded
        /// argument batch in, an encoded result out.
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        pub fn #call_fn(input: &[u8]) -> ::guocedb_udf::__private::StdVec<u8> {
            ::guocedb_udf::__private::run_scalar(#sql, #n, input, |__guocedb_row: &[::guocedb_udf::__private::Value]| {
                #bind
                ::guocedb_udf::__private::IntoResult::into_result(#ident(#(#args),*))
            })
        }

        /// The declared argument types (generated), e.g. `"INT,INT"`.
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        pub fn #args_fn() -> ::guocedb_udf::__private::StdString {
            ::guocedb_udf::__private::type_list(&#arg_types)
        }

        /// The declared result type (generated), e.g. `"INT"`.
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        pub fn #returns_fn() -> &'static str {
            <#ret as ::guocedb_udf::__private::IntoResult>::TYPE.name()
        }

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[unsafe(export_name = #sql)]
            extern "C" fn __guocedb_export(ptr: i32, len: i32) -> i64 {
                ::guocedb_udf::__private::guest::call_with_input(ptr, len, #call_fn)
            }
            #[unsafe(export_name = #sql_args)]
            extern "C" fn __guocedb_export_args() -> i64 {
                ::guocedb_udf::__private::guest::text(&#args_fn())
            }
            #[unsafe(export_name = #sql_returns)]
            extern "C" fn __guocedb_export_returns() -> i64 {
                ::guocedb_udf::__private::guest::static_text(#returns_fn())
            }
        };
    })
}

/// The tuple a table function's rows are, when the return type spells it:
/// `Vec<(A, B)>`, `impl Iterator<Item = (A, B)>`, either inside `Result<…>`.
fn row_tuple(ty: &Type) -> Option<&syn::TypeTuple> {
    match ty {
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            let PathArguments::AngleBracketed(a) = &seg.arguments else { return None };
            let first = a.args.iter().find_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })?;
            if seg.ident == "Result" {
                row_tuple(first)
            } else if seg.ident == "Vec" {
                match first {
                    Type::Tuple(t) => Some(t),
                    _ => None,
                }
            } else {
                None
            }
        }
        Type::ImplTrait(it) => it.bounds.iter().find_map(|b| {
            let TypeParamBound::Trait(tb) = b else { return None };
            let seg = tb.path.segments.last()?;
            let PathArguments::AngleBracketed(a) = &seg.arguments else { return None };
            a.args.iter().find_map(|g| match g {
                GenericArgument::AssocType(at) if at.ident == "Item" => match &at.ty {
                    Type::Tuple(t) => Some(t),
                    _ => None,
                },
                _ => None,
            })
        }),
        Type::Paren(p) => row_tuple(&p.elem),
        _ => None,
    }
}

fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result"))
}

/// `#[table(columns = "…")]`.
pub(crate) fn table(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse_options(attr, true)?;
    let f: ItemFn = syn::parse2(item)?;
    let tys = check_fn(&f.sig, "a table function")?;
    let Some(cols_lit) = &opts.columns else {
        return Err(syn::Error::new(
            Span::call_site(),
            "a table function needs its columns: #[table(columns = \"name STRING, n INT\")]",
        ));
    };
    let (columns, ncols) = parse_columns(&cols_lit.value()).map_err(|e| syn::Error::new(cols_lit.span(), e))?;
    let ret = match &f.sig.output {
        ReturnType::Default => {
            return Err(syn::Error::new(
                f.sig.span(),
                "a table function must return its rows (e.g. `-> Vec<(String, i64)>`)",
            ))
        }
        ReturnType::Type(_, t) => t.as_ref(),
    };
    if let Some(t) = row_tuple(ret) {
        if t.elems.len() != ncols {
            return Err(syn::Error::new(
                t.span(),
                format!("rows have {} values but `columns` declares {ncols}", t.elems.len()),
            ));
        }
    }
    let ident = &f.sig.ident;
    let sql = sql_name(opts.name.as_ref(), ident.to_string(), ident.span())?;
    let sql_args = LitStr::new(&format!("{}__args", sql.value()), sql.span());
    let sql_columns = LitStr::new(&format!("{}__columns", sql.value()), sql.span());
    let columns = LitStr::new(&columns, cols_lit.span());
    let call_fn = format_ident!("__guocedb_call_{}", ident);
    let args_fn = format_ident!("__guocedb_args_{}", ident);
    let columns_fn = format_ident!("__guocedb_columns_{}", ident);
    let n = tys.len();
    let (bind, args) = bind_args(&sql, &tys, quote! { return ::core::result::Result::Ok(()); });
    let arg_types = arg_types_expr(&tys);
    let write = if is_result(ret) {
        quote! {
            match #ident(#(#args),*) {
                ::core::result::Result::Ok(__guocedb_rows) => __guocedb_w.extend(__guocedb_rows),
                ::core::result::Result::Err(__guocedb_e) => {
                    ::core::result::Result::Err(::guocedb_udf::__private::display(__guocedb_e))
                }
            }
        }
    } else {
        quote! { __guocedb_w.extend(#ident(#(#args),*)) }
    };
    Ok(quote! {
        #f

        /// Host-callable glue of the table function (generated): an encoded
        /// argument row in, an encoded table out.
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        pub fn #call_fn(input: &[u8]) -> ::guocedb_udf::__private::StdVec<u8> {
            ::guocedb_udf::__private::run_table(
                #sql,
                #n,
                #ncols,
                input,
                |__guocedb_row: &[::guocedb_udf::__private::Value],
                 __guocedb_w: &mut ::guocedb_udf::__private::TableWriter| {
                    #bind
                    #write
                },
            )
        }

        /// The declared argument types (generated).
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        pub fn #args_fn() -> ::guocedb_udf::__private::StdString {
            ::guocedb_udf::__private::type_list(&#arg_types)
        }

        /// The result columns (generated), e.g. `"part STRING, idx INT"`.
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case)]
        pub fn #columns_fn() -> &'static str {
            #columns
        }

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[unsafe(export_name = #sql)]
            extern "C" fn __guocedb_export(ptr: i32, len: i32) -> i64 {
                ::guocedb_udf::__private::guest::call_with_input(ptr, len, #call_fn)
            }
            #[unsafe(export_name = #sql_args)]
            extern "C" fn __guocedb_export_args() -> i64 {
                ::guocedb_udf::__private::guest::text(&#args_fn())
            }
            #[unsafe(export_name = #sql_columns)]
            extern "C" fn __guocedb_export_columns() -> i64 {
                ::guocedb_udf::__private::guest::static_text(#columns_fn())
            }
        };
    })
}

/// How `finish` takes its receiver.
enum Finish {
    Value,
    Ref,
    Mut,
}

fn method<'a>(imp: &'a ItemImpl, name: &str) -> Option<&'a ImplItemFn> {
    imp.items.iter().find_map(|it| match it {
        ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

/// The receiver of a method, or an error naming what it must be.
fn receiver<'a>(f: &'a ImplItemFn, must: &str) -> syn::Result<&'a syn::Receiver> {
    match f.sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.colon_token.is_none() => Ok(r),
        _ => Err(syn::Error::new(f.sig.span(), format!("`{}` must take `{must}`", f.sig.ident))),
    }
}

/// `#[aggregate]` on `impl Type { fn add…; fn merge…; fn finish… }`.
pub(crate) fn aggregate(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse_options(attr, false)?;
    let imp: ItemImpl = syn::parse2(item)
        .map_err(|e| syn::Error::new(e.span(), "#[aggregate] goes on the `impl` block of the accumulator type"))?;
    if let Some((_, path, _)) = &imp.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[aggregate] goes on an inherent `impl Type { … }` block, not a trait impl",
        ));
    }
    if !imp.generics.params.is_empty() {
        return Err(syn::Error::new(imp.generics.span(), "an aggregate's accumulator type cannot be generic"));
    }
    let self_ty = &imp.self_ty;
    let type_name = match self_ty.as_ref() {
        Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(seg) if seg.arguments.is_none() => seg.ident.clone(),
            Some(seg) => return Err(syn::Error::new(seg.span(), "an aggregate's accumulator type cannot be generic")),
            None => return Err(syn::Error::new(self_ty.span(), "expected a type name")),
        },
        _ => return Err(syn::Error::new(self_ty.span(), "#[aggregate] needs a named type (`impl Median { … }`)")),
    };
    let sql = sql_name(opts.name.as_ref(), snake_case(&type_name.to_string()), type_name.span())?;

    let Some(add) = method(&imp, "add") else {
        return Err(syn::Error::new(
            imp.self_ty.span(),
            "an aggregate needs `fn add(&mut self, …)`, called once per row of arguments",
        ));
    };
    let r = receiver(add, "&mut self")?;
    if r.reference.is_none() || r.mutability.is_none() {
        return Err(syn::Error::new(r.span(), "`add` must take `&mut self`"));
    }
    if !add.sig.generics.params.is_empty() || add.sig.asyncness.is_some() || add.sig.unsafety.is_some() {
        return Err(syn::Error::new(add.sig.span(), "`add` cannot be generic, async or unsafe"));
    }
    let tys = params(add.sig.inputs.iter().skip(1), "`add`")?;

    let Some(finish) = method(&imp, "finish") else {
        return Err(syn::Error::new(imp.self_ty.span(), "an aggregate needs `fn finish(self) -> T`, its value"));
    };
    let r = receiver(finish, "self")?;
    let finish_kind = match (&r.reference, &r.mutability) {
        (None, _) => Finish::Value,
        (Some(_), None) => Finish::Ref,
        (Some(_), Some(_)) => Finish::Mut,
    };
    if finish.sig.inputs.len() != 1 {
        return Err(syn::Error::new(finish.sig.inputs.span(), "`finish` takes only `self`"));
    }
    let finish_call = match finish_kind {
        Finish::Value => quote! { <#self_ty>::finish(self) },
        Finish::Ref => quote! { <#self_ty>::finish(&self) },
        Finish::Mut => quote! { { let mut __guocedb_s = self; <#self_ty>::finish(&mut __guocedb_s) } },
    };

    let merge_body = match method(&imp, "merge") {
        Some(m) => {
            let r = receiver(m, "&mut self")?;
            if r.reference.is_none() || r.mutability.is_none() || m.sig.inputs.len() != 2 {
                return Err(syn::Error::new(m.sig.span(), "`merge` must be `fn merge(&mut self, other: Self)`"));
            }
            quote! { ::guocedb_udf::__private::IntoUnitResult::into_unit_result(<#self_ty>::merge(self, other)) }
        }
        None => quote! {
            let _ = other;
            ::core::result::Result::Err(::guocedb_udf::__private::StdString::from(
                ::core::concat!(#sql, ": merging accumulators is not supported"),
            ))
        },
    };

    let (bind, args) = bind_args(&sql, &tys, quote! { return ::core::result::Result::Ok(()); });
    let arg_types = arg_types_expr(&tys);
    let export = |suffix: &str| LitStr::new(&format!("{}__{suffix}", sql.value()), sql.span());
    let (e_init, e_add, e_merge, e_finish, e_args) =
        (export("init"), export("add"), export("merge"), export("finish"), export("args"));
    let assert_default = quote_spanned! {self_ty.span()=>
        const _: fn() = || {
            fn __guocedb_needs_default<T: ::core::default::Default>() {}
            __guocedb_needs_default::<#self_ty>();
        };
    };

    Ok(quote! {
        #imp

        #assert_default

        #[allow(clippy::all)]
        impl ::guocedb_udf::__private::AggregateGlue for #self_ty {
            const NAME: &'static str = #sql;
            fn arg_types() -> ::guocedb_udf::__private::StdVec<::guocedb_udf::__private::Type> {
                ::guocedb_udf::__private::StdVec::from(#arg_types)
            }
            fn add_row(
                &mut self,
                __guocedb_row: &[::guocedb_udf::__private::Value],
            ) -> ::core::result::Result<(), ::guocedb_udf::__private::StdString> {
                #bind
                ::guocedb_udf::__private::IntoUnitResult::into_unit_result(<#self_ty>::add(self, #(#args),*))
            }
            fn merge_from(&mut self, other: Self) -> ::core::result::Result<(), ::guocedb_udf::__private::StdString> {
                #merge_body
            }
            fn finish_value(
                self,
            ) -> ::core::result::Result<::guocedb_udf::__private::Value, ::guocedb_udf::__private::StdString> {
                ::guocedb_udf::__private::IntoResult::into_result(#finish_call)
            }
        }

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            static __GUOCEDB_SLAB: ::guocedb_udf::__private::guest::GuestCell<::guocedb_udf::__private::Slab<#self_ty>> =
                ::guocedb_udf::__private::guest::GuestCell::new(::guocedb_udf::__private::Slab::new());
            #[unsafe(export_name = #e_init)]
            extern "C" fn __guocedb_init() -> i32 {
                __GUOCEDB_SLAB.with(|s| s.init())
            }
            #[unsafe(export_name = #e_add)]
            extern "C" fn __guocedb_add(state: i32, ptr: i32, len: i32) -> i64 {
                ::guocedb_udf::__private::guest::call_with_input(ptr, len, |input| {
                    __GUOCEDB_SLAB.with(|s| s.add(state, input))
                })
            }
            #[unsafe(export_name = #e_merge)]
            extern "C" fn __guocedb_merge(state: i32, other: i32) -> i64 {
                ::guocedb_udf::__private::guest::output(__GUOCEDB_SLAB.with(|s| s.merge(state, other)))
            }
            #[unsafe(export_name = #e_finish)]
            extern "C" fn __guocedb_finish(state: i32) -> i64 {
                ::guocedb_udf::__private::guest::output(__GUOCEDB_SLAB.with(|s| s.finish(state)))
            }
            #[unsafe(export_name = #e_args)]
            extern "C" fn __guocedb_args() -> i64 {
                let types = <#self_ty as ::guocedb_udf::__private::AggregateGlue>::arg_types();
                ::guocedb_udf::__private::guest::text(&::guocedb_udf::__private::type_list(&types))
            }
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: syn::Result<TokenStream>) -> String {
        match r {
            Ok(t) => panic!("expected an error, got {t}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Median"), "median");
        assert_eq!(snake_case("GeoMean"), "geo_mean");
        assert_eq!(snake_case("HTTPCount"), "http_count");
        assert_eq!(snake_case("Sum2Squares"), "sum2_squares");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }

    #[test]
    fn columns_are_checked_and_normalised() {
        assert_eq!(parse_columns("part string,idx  integer"), Ok(("part STRING, idx INT".into(), 2)));
        assert_eq!(parse_columns("x DOUBLE"), Ok(("x REAL".into(), 1)));
        assert!(parse_columns("part").unwrap_err().contains("name TYPE"));
        assert!(parse_columns("part TEXT").unwrap_err().contains("unknown column type `TEXT`"));
        assert!(parse_columns("1x INT").unwrap_err().contains("not a valid column name"));
        assert!(parse_columns("a INT,").is_err());
    }

    #[test]
    fn scalar_expands_to_glue_and_exports() {
        let out = scalar(
            quote!(),
            quote!(
                fn add(a: i64, b: i64) -> i64 {
                    a + b
                }
            ),
        )
        .unwrap()
        .to_string();
        for needle in ["__guocedb_call_add", "export_name = \"add\"", "\"add__args\"", "\"add__returns\"", "run_scalar"]
        {
            assert!(out.contains(needle), "{needle} missing from {out}");
        }
        let out = scalar(
            quote!(name = "plus"),
            quote!(
                fn add(a: &'a str) -> i64 {
                    1
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(out.contains("export_name = \"plus\""));
        assert!(out.contains("'_ str"), "lifetimes are erased in generated code: {out}");
    }

    #[test]
    fn scalar_rejections() {
        assert!(err(scalar(
            quote!(),
            quote!(
                fn f<T>(a: T) -> i64 {
                    1
                }
            )
        ))
        .contains("cannot be generic"));
        assert!(err(scalar(
            quote!(),
            quote!(
                async fn f() -> i64 {
                    1
                }
            )
        ))
        .contains("async"));
        assert!(err(scalar(
            quote!(),
            quote!(
                fn f(a: i64) {}
            )
        ))
        .contains("must return a value"));
        assert!(err(scalar(
            quote!(),
            quote!(
                fn f(a: impl Into<i64>) -> i64 {
                    1
                }
            )
        ))
        .contains("impl Trait"));
        assert!(err(scalar(
            quote!(nme = "x"),
            quote!(
                fn f() -> i64 {
                    1
                }
            )
        ))
        .contains("unknown option"));
        assert!(err(scalar(
            quote!(name = "a__b"),
            quote!(
                fn f() -> i64 {
                    1
                }
            )
        ))
        .contains("__"));
        assert!(err(scalar(
            quote!(name = "guocedb_alloc"),
            quote!(
                fn f() -> i64 {
                    1
                }
            )
        ))
        .contains("reserved"));
        assert!(err(scalar(
            quote!(name = "a-b"),
            quote!(
                fn f() -> i64 {
                    1
                }
            )
        ))
        .contains("not a valid"));
    }

    #[test]
    fn table_checks_columns_against_rows() {
        let ok = table(
            quote!(columns = "part STRING, idx INT"),
            quote!(
                fn split(s: &str) -> Vec<(String, i64)> {
                    vec![]
                }
            ),
        );
        let out = ok.unwrap().to_string();
        assert!(out.contains("\"part STRING, idx INT\"") && out.contains("\"split__columns\""));
        let e = err(table(
            quote!(columns = "part STRING"),
            quote!(
                fn split(s: &str) -> Vec<(String, i64)> {
                    vec![]
                }
            ),
        ));
        assert!(e.contains("rows have 2 values but `columns` declares 1"), "{e}");
        let e = err(table(
            quote!(columns = "a INT"),
            quote!(
                fn t() -> Result<impl Iterator<Item = (i64, i64)>, String> {
                    Ok(None.into_iter())
                }
            ),
        ));
        assert!(e.contains("rows have 2 values"), "{e}");
        assert!(err(table(
            quote!(),
            quote!(
                fn t() -> Vec<i64> {
                    vec![]
                }
            )
        ))
        .contains("needs its columns"));
    }

    #[test]
    fn aggregate_needs_add_and_finish() {
        let out = aggregate(
            quote!(),
            quote!(impl GeoMean {
                fn add(&mut self, x: f64) {}
                fn finish(self) -> Option<f64> { None }
            }),
        )
        .unwrap()
        .to_string();
        for needle in ["\"geo_mean__init\"", "\"geo_mean__merge\"", "merging accumulators is not supported"] {
            assert!(out.contains(needle), "{needle} missing");
        }
        let e = err(aggregate(quote!(), quote!(impl M { fn finish(self) -> i64 { 0 } })));
        assert!(e.contains("fn add(&mut self"), "{e}");
        let e = err(aggregate(quote!(), quote!(impl M { fn add(&self, x: i64) {} fn finish(self) -> i64 { 0 } })));
        assert!(e.contains("&mut self"), "{e}");
        let e = err(aggregate(quote!(), quote!(impl Default for M { fn default() -> Self { M } })));
        assert!(e.contains("not a trait impl"), "{e}");
        let e = err(aggregate(
            quote!(),
            quote!(
                fn add() {}
            ),
        ));
        assert!(e.contains("`impl` block"), "{e}");
    }
}
