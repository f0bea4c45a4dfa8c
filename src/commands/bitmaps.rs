//! Bitmap commands.

/// The bitmap command table; see [the module docs](crate::commands).
macro_rules! bitmap_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use bitmap_commands;
