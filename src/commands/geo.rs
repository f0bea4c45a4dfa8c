//! Geospatial commands.

/// The geo command table; see [the module docs](crate::commands).
macro_rules! geo_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use geo_commands;
