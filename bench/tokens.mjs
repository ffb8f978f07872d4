// bench/tokens.mjs DIR: the real prompt tokens of each record on the
// standard input, as "custom_id<TAB>tokens" lines, counted with the
// o200k_base tokenizer of gpt-4o and gpt-4o-mini from the npm package
// gpt-tokenizer installed under DIR (bench/estimate.sh installs it).
//
// The framing is OpenAI's, as its cookbook "How to count tokens with
// tiktoken" gives it for gpt-4o-mini: 3 tokens for each message and the
// tokens of each of its string fields (the role too), 1 more for a name,
// and 3 that prime the reply.  Content given as an array of parts counts
// the text of its text parts.
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(join(process.argv[2], "noop.js"));
const { encode } = require("gpt-tokenizer/encoding/o200k_base");

// Special tokens' text in a prompt is text to the API, not a marker.
const tokens = (s) => encode(s, { disallowedSpecial: new Set() }).length;

function text(content) {
	if (typeof content === "string")
		return content;
	if (!Array.isArray(content))
		return "";
	return content.map((p) => typeof p === "string" ? p :
	    typeof p?.text === "string" ? p.text : "").join("");
}

function count(body) {
	let n = 3;
	for (const m of body.messages ?? []) {
		n += 3;
		for (const [k, v] of Object.entries(m)) {
			n += tokens(k === "content" ? text(v) :
			    typeof v === "string" ? v : "");
			if (k === "name")
				n += 1;
		}
	}
	return n;
}

for await (const line of createInterface({ input: process.stdin })) {
	if (line.trim() === "")
		continue;
	const r = JSON.parse(line);
	console.log(`${r.custom_id}\t${count(r)}`);
}
