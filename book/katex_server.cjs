// Renders TeX to HTML with KaTeX at build time, so pages need no math JavaScript.
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": true|false};
// one JSON answer per line on stdout, {"html": "..."} or {"error": "..."}.
const readline = require("readline");
const katex = require("katex");

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let answer;
  try {
    const { tex, display } = JSON.parse(line);
    answer = { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" }) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
