// Loaded with `node --require ./offline.js`: every outgoing connection fails, so a step that
// passes under it used no network (no $ref, schema or meta-schema fetched from a URL).
"use strict";
const net = require("node:net");
const dns = require("node:dns");

function refuse() {
  throw new Error("offline.js: this step may not use the network");
}

net.Socket.prototype.connect = refuse;
net.connect = net.createConnection = refuse;
dns.lookup = dns.resolve = refuse;
globalThis.fetch = refuse;
