//! Contract tests: the generated client against servers nobody here wrote. Stoplight Prism
//! checks every request against the spec (`prism.rs`); Portkey's open-source gateway carries
//! requests to an upstream on loopback and back (`gateway.rs`). Both are npm packages pinned
//! in `contract/`, installed by `npm ci` on first use.

mod full_spec;
mod gateway;
mod prism;
mod servers;
