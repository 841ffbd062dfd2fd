// node --require ./offline.js generate.js DOCUMENT OUT_DIR
// Validates an OpenRPC document as @open-rpc/schema-utils-js does, then generates a TypeScript
// client from it with @open-rpc/generator. Exits 1 with the validator's errors if it is invalid.
"use strict";
const fs = require("node:fs");
const { validateOpenRPCDocument } = require("@open-rpc/schema-utils-js");
const generate = require("@open-rpc/generator").default;

async function main([documentPath, outDir]) {
  const document = JSON.parse(fs.readFileSync(documentPath, "utf8"));
  const valid = validateOpenRPCDocument(document);
  if (valid !== true) {
    throw new Error(`invalid OpenRPC document: ${valid.message}`);
  }
  await generate({
    openrpcDocument: document,
    outDir,
    components: [{ type: "client", language: "typescript", name: "dbmanager-client" }],
  });
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
