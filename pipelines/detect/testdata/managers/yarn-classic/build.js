// The build step: it needs a dev dependency, as a TypeScript compile would.
const fs = require("node:fs");
const isNumber = require("is-number");
fs.mkdirSync("dist", { recursive: true });
fs.writeFileSync("dist/built.txt", `built with is-number: ${isNumber(42)}\n`);
