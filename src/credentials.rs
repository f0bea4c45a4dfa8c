//! Credentials that change: [`CredentialProvider`] and the [`Credentials`] it answers.
//!
//! The pool asks the provider at every new connection (and, with
//! `credential_refresh_interval`, at a checkout once that long has passed); when the answer
//! differs from the one before, the pool's credentials generation moves on and every live
//! connection that authenticated with an older one sends `AUTH` again before its next use
//! (see `src/pool.rs`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::error::{CredentialsError, CredentialsKind, Result};

/// A user name and password for `AUTH` (or `HELLO 3 AUTH`).
///
/// `Debug` shows the user name and `***` for the password; there is no `Display`.
///
/// ```
/// let c = strictredis::Credentials { username: Some("app".into()), password: "s3cr3t".into() };
/// assert!(!format!("{c:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Credentials {
    /// The ACL user; `None` is the `default` user (`AUTH <password>`).
    pub username: Option<String>,
    /// The password (or token).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// Where a client gets its credentials from, when they change over time (a secrets
/// manager, a token that expires): set it with `credential_provider(..)` on any builder.
///
/// It is asked for every new connection, during the handshake, and again at
/// `credential_refresh_interval` when one is set. An `Err` fails the connect with
/// [`Error::Credentials`](crate::Error::Credentials), which is never retried by the pool;
/// after a failure the provider is not asked again for a short while (100 ms, doubling up
/// to 10 s): connects in between fail at once with the same kind of error.
///
/// The provider is called from the thread that needs the connection: keep it quick, or
/// cache inside it.
///
/// ```
/// use strictredis::{CredentialProvider, Credentials};
/// struct Vault;
/// impl CredentialProvider for Vault {
///     fn credentials(&self) -> strictredis::Result<Credentials> {
///         Ok(Credentials { username: Some("app".into()), password: "token".into() })
///     }
/// }
/// let builder = strictredis::StrictRedis::builder().credential_provider(Vault);
/// ```
pub trait CredentialProvider: Send + Sync + 'static {
    /// The credentials to authenticate with now.
    fn credentials(&self) -> Result<Credentials>;
}

impl<F> CredentialProvider for F
where
    F: Fn() -> Result<Credentials> + Send + Sync + 'static,
{
    fn credentials(&self) -> Result<Credentials> {
        self()
    }
}

/// Asks `provider`, turning its error into [`Error::Credentials`](crate::Error::Credentials).
pub(crate) fn ask(provider: &dyn CredentialProvider) -> Result<Credentials> {
    provider.credentials().map_err(|e| {
        let message = format!("the credential provider failed: {e}");
        CredentialsError::new(CredentialsKind::Failed, message)
            .caused_by(e)
            .into()
    })
}

/// The first pause after a provider failure; doubled for each further failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest pause between two asks after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// One pool's view of a provider: the last answer, its generation (moved on each time the
/// answer changes) and the back-off after failures.
pub(crate) struct Rotation {
    provider: Arc<dyn CredentialProvider>,
    refresh: Option<Duration>,
    /// Mirrors `state.generation`, for the checkout's lock-free comparison.
    generation: AtomicU64,
    state: Mutex<RotationState>,
}

#[derive(Default)]
struct RotationState {
    current: Option<Credentials>,
    generation: u64,
    asked_at: Option<Instant>,
    /// Asks started, and the ticket of the newest answer applied: an answer that started
    /// before one already applied is older and is not applied.
    tickets: u64,
    applied: u64,
    failures: u32,
    retry_at: Option<Instant>,
    refreshing: bool,
}

impl Rotation {
    pub(crate) fn new(provider: Arc<dyn CredentialProvider>, refresh: Option<Duration>) -> Self {
        Rotation {
            provider,
            refresh: refresh.filter(|d| !d.is_zero()),
            generation: AtomicU64::new(0),
            state: Mutex::new(RotationState::default()),
        }
    }

    /// The generation of the newest answer (an atomic load).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The newest answer and its generation, if the provider has answered.
    pub(crate) fn current(&self) -> Option<(Credentials, u64)> {
        let st = self.state.lock();
        st.current.clone().map(|c| (c, st.generation))
    }

    /// Asks the provider (for a new connection), unless it failed a moment ago; a changed
    /// answer moves the generation on.
    pub(crate) fn fetch(&self) -> Result<(Credentials, u64)> {
        let ticket = {
            let mut st = self.state.lock();
            if let Some(at) = st.retry_at {
                if Instant::now() < at {
                    let message = format!(
                        "the credential provider failed {} time(s) in a row; not asked again \
                         for {:?}",
                        st.failures,
                        at.saturating_duration_since(Instant::now())
                    );
                    return Err(CredentialsError::new(CredentialsKind::BackingOff, message).into());
                }
            }
            st.tickets += 1;
            st.tickets
        };
        let answer = ask(self.provider.as_ref());
        let mut st = self.state.lock();
        let now = Instant::now();
        match answer {
            Ok(c) => {
                st.failures = 0;
                st.retry_at = None;
                st.asked_at = Some(now);
                if ticket > st.applied {
                    st.applied = ticket;
                    if st.current.as_ref() != Some(&c) {
                        if st.current.is_some() {
                            st.generation += 1;
                            log::info!(
                                "the credential provider's answer changed (generation {}): \
                                 open connections authenticate again before their next use",
                                st.generation
                            );
                            self.generation.store(st.generation, Ordering::Release);
                        }
                        st.current = Some(c.clone());
                    }
                }
                // An answer older than one applied meanwhile gives way to the newer one.
                let newest = st.current.clone().unwrap_or(c);
                Ok((newest, st.generation))
            }
            Err(e) => {
                st.failures = st.failures.saturating_add(1);
                let pause = FIRST_BACKOFF
                    .saturating_mul(1u32 << (st.failures - 1).min(16))
                    .min(MAX_BACKOFF);
                st.retry_at = crate::time::deadline(now, pause);
                st.asked_at = Some(now);
                Err(e)
            }
        }
    }

    /// With a refresh interval: asks the provider again when the interval has passed since
    /// it was last asked (one thread at a time; the others go on with the answer they
    /// have). A failure is logged; the last answer stays in force.
    pub(crate) fn refresh_if_due(&self) {
        let Some(every) = self.refresh else { return };
        {
            let mut st = self.state.lock();
            let due = st.asked_at.is_none_or(|at| at.elapsed() >= every);
            if !due || st.refreshing {
                return;
            }
            st.refreshing = true;
        }
        /// Clears `refreshing` however the ask ends (a provider that panics included).
        struct Done<'a>(&'a Mutex<RotationState>);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.lock().refreshing = false;
            }
        }
        let _done = Done(&self.state);
        if let Err(e) = self.fetch() {
            log::warn!("refreshing credentials: {e} (the last answer stays in force)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::atomic::AtomicUsize;

    /// A provider answering the password in `now` (an `Err` when it is empty), counting asks.
    struct Fake {
        now: Mutex<String>,
        asked: AtomicUsize,
    }

    impl CredentialProvider for Arc<Fake> {
        fn credentials(&self) -> Result<Credentials> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            let pw = self.now.lock().clone();
            if pw.is_empty() {
                return Err(Error::Config("no password".into()));
            }
            Ok(Credentials {
                username: None,
                password: pw,
            })
        }
    }

    fn fake(pw: &str) -> (Arc<Fake>, Rotation) {
        let f = Arc::new(Fake {
            now: Mutex::new(pw.into()),
            asked: AtomicUsize::new(0),
        });
        let r = Rotation::new(Arc::new(f.clone()), None);
        (f, r)
    }

    #[test]
    fn the_generation_moves_only_when_the_answer_changes() {
        let (f, r) = fake("a");
        assert_eq!(r.fetch().unwrap().1, 0);
        assert_eq!(r.fetch().unwrap().1, 0);
        assert_eq!(r.generation(), 0);
        *f.now.lock() = "b".into();
        let (c, g) = r.fetch().unwrap();
        assert_eq!((c.password.as_str(), g), ("b", 1));
        assert_eq!(r.generation(), 1);
        assert_eq!(r.current().unwrap().0.password, "b");
    }

    #[test]
    fn failures_back_off_without_asking() {
        let (f, r) = fake("");
        let e = r.fetch().unwrap_err();
        assert!(matches!(&e, Error::Credentials(c) if !c.is_backing_off()
            && c.provider_error().is_some()));
        let e = r.fetch().unwrap_err();
        assert!(
            matches!(&e, Error::Credentials(c) if c.is_backing_off()),
            "{e}"
        );
        assert_eq!(f.asked.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn no_refresh_without_an_interval_nor_before_it_passed() {
        let (f, r) = fake("a");
        r.fetch().unwrap();
        r.refresh_if_due();
        assert_eq!(f.asked.load(Ordering::SeqCst), 1);
        let r = Rotation::new(Arc::new(f.clone()), Some(Duration::from_secs(3600)));
        r.refresh_if_due(); // never asked yet: due
        r.refresh_if_due(); // asked just now: not due
        assert_eq!(f.asked.load(Ordering::SeqCst), 2);
    }
}
