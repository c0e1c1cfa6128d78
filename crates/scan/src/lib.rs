//! bedrock-connect's hot byte loops, in a crate of their own so they are built for speed while
//! the rest is built for size: SWAR scans (`swar`), the strict JSON lexer (`jsonlex`), and the
//! parse of a mapped response that builds only what its paths reach (`pick`). No I/O.

pub mod jsonlex;
pub mod pick;
pub mod swar;
