//! `Json<T>` (feature `json`): any serde value as a JSON-encoded argument, and a reply read
//! back as JSON.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::args::ToArg;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::value::Value;

/// A value stored as JSON (feature `json`): as an argument it is serialized with
/// `serde_json`, as a reply type the reply (a bulk or simple string) is parsed into `T`.
///
/// ```no_run
/// # #[cfg(feature = "json")] {
/// use strictredis::{Json, StrictRedis};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct User { name: String, age: u32 }
///
/// let r = StrictRedis::from_url("redis://127.0.0.1/")?;
/// r.set("user:1", Json(User { name: "Ada".into(), age: 36 }))?;
/// let Json(user): Json<User> = r.get("user:1")?;
/// let missing: Option<Json<User>> = r.get("user:2")?;
/// # }
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// A reply that is not JSON for `T` is an [`Error::Type`] that names `T` and says where
/// the JSON went wrong; a nil reply is one too (read `Option<Json<T>>` for keys that may be
/// missing). A value serde cannot serialize (a map with non-string keys, a `Serialize`
/// impl that fails) makes its command fail with an [`Error::Type`] before anything is sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The value inside.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Json").field(&self.0).finish()
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(v: T) -> Self {
        Json(v)
    }
}

impl<T: Serialize> ToArg for Json<T> {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => f(&bytes),
            Err(e) => {
                // The command that receives the (empty) bytes takes the refusal and is
                // never sent; anything else that reads them clears it here.
                crate::args::refuse_arg(format!(
                    "{} is not serializable as JSON: {e}",
                    std::any::type_name::<T>()
                ));
                let r = f(b"");
                let _ = crate::args::take_refusal();
                r
            }
        }
    }
}

impl<T: DeserializeOwned> FromValue for Json<T> {
    fn from_value(v: Value) -> Result<Self> {
        let type_name = std::any::type_name::<T>();
        let bytes = match v {
            Value::Nil => {
                return Err(Error::Type(format!(
                    "expected JSON for {type_name}, got nil (read Option<Json<..>> for a key \
                     that may be missing)"
                )))
            }
            Value::Attribute { value, .. } => return Json::from_value(*value),
            Value::Bulk(b) => b,
            Value::Simple(s) => s.into_bytes(),
            Value::Verbatim { text, .. } => text,
            other => {
                return Err(Error::Type(format!(
                    "expected JSON for {type_name}, got {}",
                    other.kind_name()
                )))
            }
        };
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|e| Error::Type(format!("the reply is not JSON for {type_name}: {e}")))
    }
}
