//! napi-rs's build step: links the addon the way Node loads it (Node-API resolved at load).

fn main() {
    napi_build::setup();
}
