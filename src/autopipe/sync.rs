//! The few locking primitives the hand-off ([`super::core`]) uses, behind one facade so
//! that its model tests (`cargo test --lib autopipe::model`) can run the very same code
//! under the `shuttle` scheduler: `parking_lot` in every normal build, `shuttle`'s
//! std-like primitives under `cfg(test)`.
//!
//! The API is `parking_lot`'s: `lock()` returns the guard, `wait_until(&mut guard, ..)`
//! says whether it timed out.

pub(crate) use imp::{Condvar, Mutex};

#[cfg(not(test))]
mod imp {
    use std::time::Instant;

    pub(crate) use parking_lot::{Mutex, MutexGuard};

    /// `parking_lot::Condvar` with an optional deadline.
    #[derive(Default)]
    pub(crate) struct Condvar(parking_lot::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(parking_lot::Condvar::new())
        }

        pub(crate) fn wait_until<T>(&self, g: &mut MutexGuard<'_, T>, d: Option<Instant>) -> bool {
            match d {
                None => {
                    self.0.wait(g);
                    false
                }
                Some(d) => self.0.wait_until(g, d).timed_out(),
            }
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}

#[cfg(test)]
mod imp {
    use std::ops::{Deref, DerefMut};
    use std::time::Instant;

    /// `shuttle::sync::Mutex` with `parking_lot`'s `lock()`.
    #[derive(Default)]
    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    /// Its guard; `None` only inside [`Condvar::wait_until`].
    pub(crate) struct MutexGuard<'a, T> {
        m: &'a shuttle::sync::Mutex<T>,
        g: Option<shuttle::sync::MutexGuard<'a, T>>,
    }

    impl<T> Mutex<T> {
        pub(crate) fn new(t: T) -> Mutex<T> {
            Mutex(shuttle::sync::Mutex::new(t))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard {
                m: &self.0,
                g: Some(self.0.lock().unwrap_or_else(|p| p.into_inner())),
            }
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.g.as_ref().expect("guard held")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.g.as_mut().expect("guard held")
        }
    }

    /// `shuttle::sync::Condvar`. Shuttle has no time: a wait with a deadline that has
    /// passed times out at once (after letting the other threads run), one with a deadline
    /// still ahead waits for a notification.
    #[derive(Default)]
    pub(crate) struct Condvar(shuttle::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(shuttle::sync::Condvar::new())
        }

        pub(crate) fn wait_until<T>(&self, g: &mut MutexGuard<'_, T>, d: Option<Instant>) -> bool {
            if d.is_some_and(|d| d <= Instant::now()) {
                drop(g.g.take());
                shuttle::thread::yield_now();
                g.g = Some(g.m.lock().unwrap_or_else(|p| p.into_inner()));
                return true;
            }
            let inner = g.g.take().expect("guard held");
            g.g = Some(self.0.wait(inner).unwrap_or_else(|p| p.into_inner()));
            false
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
