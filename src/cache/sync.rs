//! The store's lock and its state word behind one facade, so that the model tests
//! (`cargo test --lib cache::model`) run the very same store code under `shuttle`:
//! `parking_lot::RwLock` and std's atomic in every normal build, `shuttle`'s under
//! `cfg(test)`. The API is `parking_lot`'s (`read()` / `write()` return the guard).

pub(crate) use imp::{AtomicU64, RwLock};
pub(crate) use std::sync::atomic::Ordering;

#[cfg(not(test))]
mod imp {
    pub(crate) use parking_lot::RwLock;
    pub(crate) use std::sync::atomic::AtomicU64;
}

#[cfg(test)]
mod imp {
    pub(crate) use shuttle::sync::atomic::AtomicU64;

    /// `shuttle::sync::RwLock` with `parking_lot`'s guards-without-`Result`.
    #[derive(Default)]
    pub(crate) struct RwLock<T>(shuttle::sync::RwLock<T>);

    impl<T> RwLock<T> {
        pub(crate) fn new(t: T) -> RwLock<T> {
            RwLock(shuttle::sync::RwLock::new(t))
        }

        pub(crate) fn read(&self) -> shuttle::sync::RwLockReadGuard<'_, T> {
            self.0.read().unwrap_or_else(|p| p.into_inner())
        }

        pub(crate) fn write(&self) -> shuttle::sync::RwLockWriteGuard<'_, T> {
            self.0.write().unwrap_or_else(|p| p.into_inner())
        }
    }
}
