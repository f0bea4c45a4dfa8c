//! `#[derive(ToHash, FromHash)]` for [strictredis](https://docs.rs/strictredis): a struct
//! with named fields written as the fields of a Redis hash (`hset_multiple(key, &value)`)
//! and read back from `HGETALL` (`let v: MyStruct = r.hgetall(key)?`).
//!
//! ```ignore
//! use strictredis_derive::{FromHash, ToHash};
//!
//! #[derive(ToHash, FromHash)]
//! struct User {
//!     name: String,
//!     age: u32,
//!     #[redis(rename = "e-mail")]
//!     email: Option<String>,
//! }
//! r.hset_multiple("user:1", &user)?;
//! let user: User = r.hgetall("user:1")?;
//! ```
//!
//! - Each field's type must be an argument (`strictredis::ToArg`) for `ToHash` and a
//!   reply type (`strictredis::FromValue`) for `FromHash`; strings, numbers, bytes and
//!   `strictredis::Json<T>` (feature `json`) all are.
//! - An `Option<T>` field is written only when it is `Some`, and read as `None` when the
//!   hash has no such field; any other missing field is an `Error::Type` naming it
//!   (`User: missing field `age``), and so is a field that does not convert (`User.age:
//!   ...`). Fields of the hash that the struct does not name are ignored.
//! - `#[redis(rename = "name")]` uses another hash field name; `#[redis(skip)]` leaves a
//!   field out (it is then `Default::default()` when read).
//!
//! The generated code names `::strictredis`, which must be a dependency of the crate that
//! uses the derives.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr, Type};

/// One field of the struct, as the derives see it.
struct Field {
    ident: syn::Ident,
    ty: Type,
    name: String,
    skip: bool,
    optional: bool,
}

/// The named fields of `input`, or the compile error to report.
fn fields(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "ToHash / FromHash: generic structs are not supported",
        ));
    }
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(n) => &n.named,
            _ => {
                return Err(syn::Error::new(
                    input.ident.span(),
                    "ToHash / FromHash need a struct with named fields",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "ToHash / FromHash need a struct with named fields",
            ))
        }
    };
    named
        .iter()
        .map(|f| {
            let ident = f.ident.clone().expect("named field");
            let mut name = ident.to_string();
            let mut skip = false;
            for attr in f.attrs.iter().filter(|a| a.path().is_ident("redis")) {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        name = meta.value()?.parse::<LitStr>()?.value();
                        Ok(())
                    } else if meta.path.is_ident("skip") {
                        skip = true;
                        Ok(())
                    } else {
                        Err(meta.error("expected `rename = \"...\"` or `skip`"))
                    }
                })?;
            }
            Ok(Field {
                optional: is_option(&f.ty),
                ident,
                ty: f.ty.clone(),
                name,
                skip,
            })
        })
        .collect()
}

/// True for `Option<..>` (also written `std::option::Option<..>`).
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Option" && !s.arguments.is_empty()),
        _ => false,
    }
}

/// `#[derive(ToHash)]`: `strictredis::FieldValues` for the struct and for a reference to it,
/// one pair per field (an `Option` field only when it is `Some`).
#[proc_macro_derive(ToHash, attributes(redis))]
pub fn to_hash(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fields = match fields(&input) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error().into(),
    };
    let ty = &input.ident;
    let mut counts: Vec<Tokens> = Vec::new();
    let mut pairs: Vec<Tokens> = Vec::new();
    for f in fields.iter().filter(|f| !f.skip) {
        let (ident, name) = (&f.ident, &f.name);
        if f.optional {
            counts.push(quote! { usize::from(self.#ident.is_some()) });
            pairs.push(quote_spanned! {f.ty.span()=>
                if let ::std::option::Option::Some(v) = &self.#ident {
                    ::strictredis::ToArg::with_bytes(v, |b| f(#name.as_bytes(), b));
                }
            });
        } else {
            counts.push(quote! { 1usize });
            pairs.push(quote_spanned! {f.ty.span()=>
                ::strictredis::ToArg::with_bytes(&self.#ident, |b| f(#name.as_bytes(), b));
            });
        }
    }
    quote! {
        impl ::strictredis::FieldValues for #ty {
            fn pair_count(&self) -> usize {
                0usize #(+ #counts)*
            }
            fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
                #(#pairs)*
            }
        }

        impl ::strictredis::FieldValues for &#ty {
            fn pair_count(&self) -> usize {
                <#ty as ::strictredis::FieldValues>::pair_count(*self)
            }
            fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
                <#ty as ::strictredis::FieldValues>::for_each_pair(*self, f)
            }
        }
    }
    .into()
}

/// `#[derive(FromHash)]`: `strictredis::FromValue` for the struct, from the reply of
/// `HGETALL` (a RESP3 map or a RESP2 flat array), each field converted by its own type's
/// `FromValue`.
#[proc_macro_derive(FromHash, attributes(redis))]
pub fn from_hash(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let fields = match fields(&input) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error().into(),
    };
    let ty = &input.ident;
    let ty_name = ty.to_string();
    let inits = fields.iter().map(|f| {
        let (ident, name, fty) = (&f.ident, &f.name, &f.ty);
        if f.skip {
            return quote! { #ident: ::std::default::Default::default() };
        }
        quote_spanned! {fty.span()=>
            #ident: match fields.remove(#name.as_bytes()) {
                ::std::option::Option::Some(v) => {
                    <#fty as ::strictredis::FromValue>::from_value(v).map_err(|e| {
                        ::strictredis::Error::Type(::std::format!(
                            "{}.{}: {}", #ty_name, #name, e
                        ))
                    })?
                }
                // Nil converts for an `Option` (to `None`) and fails for anything else.
                ::std::option::Option::None => {
                    <#fty as ::strictredis::FromValue>::from_value(::strictredis::Value::Nil)
                        .map_err(|_| {
                            ::strictredis::Error::Type(::std::format!(
                                "{}: missing field `{}`", #ty_name, #name
                            ))
                        })?
                }
            }
        }
    });
    quote! {
        impl ::strictredis::FromValue for #ty {
            fn from_value(v: ::strictredis::Value) -> ::strictredis::Result<Self> {
                let mut fields: ::std::collections::HashMap<
                    ::std::vec::Vec<u8>,
                    ::strictredis::Value,
                > = ::strictredis::FromValue::from_value(v).map_err(|e| {
                    ::strictredis::Error::Type(::std::format!("{}: {}", #ty_name, e))
                })?;
                ::std::result::Result::Ok(#ty { #(#inits),* })
            }
        }
    }
    .into()
}
