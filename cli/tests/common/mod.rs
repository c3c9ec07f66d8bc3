//! Helpers of the command's tests.

pub mod tls;
