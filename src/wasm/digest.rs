//! The runtime's asynchronous SHA-256 (WebCrypto's `crypto.subtle.digest`), performed when the
//! core asks for it (`Step::HashPayload`); `None` when there is none or it fails.

use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `crypto.subtle.digest('SHA-256', data)`'s bytes; `None` where the runtime has no
/// `crypto.subtle` (a browser's insecure context) or it throws or rejects: the core then hashes.
pub async fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let pending = start(data).ok()?;
    let buffer = JsFuture::from(pending).await.ok()?;
    buffer.dyn_ref::<ArrayBuffer>().map(|b| Uint8Array::new(b).to_vec())
}

fn start(data: &[u8]) -> Result<Promise, JsValue> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let subtle = Reflect::get(&crypto, &"subtle".into())?;
    let digest: Function = Reflect::get(&subtle, &"digest".into())?.dyn_into()?;
    // SAFETY: the view is used only by this synchronous call, during which nothing allocates in
    // (or grows) wasm memory, and `digest` copies the bytes before it returns its promise
    // (WebCrypto: "get a copy of the bytes held by the data parameter"): no JS-side copy of a
    // 64 KiB body (≈ 70 µs in Chromium, a fresh ArrayBuffer each time).
    let view = unsafe { Uint8Array::view(data) };
    let pending = digest.call2(&subtle, &"SHA-256".into(), &view)?;
    Ok(Promise::resolve(&pending))
}
