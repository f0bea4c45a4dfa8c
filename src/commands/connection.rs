//! Connection commands.

/// The connection command table; see [the module docs](crate::commands).
macro_rules! connection_commands {
    ($emit:ident) => {
        $emit! {
            /// Ask the server for `PONG`.
            ///
            /// Redis 1.0.0+.
            fn ping() -> String {
                cmd("PING")
            }

            /// The server echoes `message` back.
            ///
            /// Redis 1.0.0+.
            fn echo<T>(message: impl ToArg) -> T {
                cmd("ECHO").arg(message)
            }
        }
    };
}
pub(crate) use connection_commands;
