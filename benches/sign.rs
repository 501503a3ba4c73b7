//! Signing a typical order: build the query string and HMAC-SHA256 it.
//! Target: median at most 2 µs.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tickdesk::venue::{Credentials, Query};

fn sign_order(c: &mut Criterion) {
    let creds = Credentials::new(
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    );
    let signer = creds.signer();
    c.bench_function("sign/order_query", |b| {
        b.iter(|| {
            let mut q = Query::new();
            q.push("symbol", black_box("BTCUSDT"))
                .push("side", "BUY")
                .push("type", "LIMIT")
                .push("timeInForce", "GTC")
                .push("quantity", black_box("0.00100"))
                .push("price", black_box("30000.00"))
                .push("newClientOrderId", black_box("td-000001"))
                .push("newOrderRespType", "FULL")
                .push("recvWindow", "5000")
                .push("timestamp", black_box("1700000000000"));
            black_box(q.signed(&signer))
        })
    });
}

criterion_group!(benches, sign_order);
criterion_main!(benches);
