import { chronicle } from "./client.js";

// The server re-computes the chain over a range…
const report = await chronicle.integrity.verify({ from_seq: 1, to_seq: 10_000 });
console.log(report.valid, report.first_invalid_seq, report.head_hash);

// …or the SDK checks what it received, with WebCrypto (browsers too): a page, a list
// iteration or an export stream.
const page = await chronicle.events.list({ limit: 100 });
console.log(await chronicle.integrity.verifyChain(page));
console.log(await chronicle.integrity.verifyChain(chronicle.events.list({ order: "asc" })));
