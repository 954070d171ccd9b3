// A coordinator written from docs/PROTOCOL.md alone, in another language, with an off-the-shelf MessagePack
// library (@msgpack/msgpack) and node:crypto. It listens (a Unix socket, or TCP on 127.0.0.1 with --tcp), starts
// processfarm-worker, handshakes (Challenge, the Hello's HMAC proof checked, Welcome with its own proof), sends a
// `lut` job and two `echo` jobs, checks every reply, runs every conformance case of PROTOCOL.md section 8 (read from
// the document) after checking the document's worked handshake example, and shuts the worker down. Exit code 0
// means the document is enough.
//
// --wrong-welcome plays a coordinator that does not hold the secret: it answers the Hello with a Welcome whose
// proof is wrong and pipelines a `file` job behind it; the worker must exit with code 4, answer nothing and write
// no file.
//
//   node client.mjs /path/to/processfarm-worker [--tcp] [--dump] [--conformance /path/to/PROTOCOL.md] [--wrong-welcome]
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { encode, decode } from "@msgpack/msgpack";
import { encodeNotation } from "./notation.mjs";

const [workerPath, ...flags] = process.argv.slice(2);
const dump = flags.includes("--dump");
const tcp = flags.includes("--tcp");
const wrongWelcome = flags.includes("--wrong-welcome");
const conformanceAt = flags.indexOf("--conformance");
const conformance = conformanceAt >= 0 ? flags[conformanceAt + 1] : null;
if (!workerPath || (conformanceAt >= 0 && !conformance)) {
  console.error("usage: node client.mjs /path/to/processfarm-worker [--tcp] [--dump] [--conformance /path/to/PROTOCOL.md] [--wrong-welcome]");
  process.exit(2);
}

// PROTOCOL.md "Launching a worker": a private directory (for the Unix socket and the conformance files), the
// secret on stdin.
const directory = mkdtempSync(join(tmpdir(), "pf-client-"));
chmodSync(directory, 0o700);
const socketPath = join(directory, "farm.sock");
const secret = randomBytes(32);

// PROTOCOL.md "Framing": a 4-byte big-endian length, then one MessagePack array.
function frame(message) {
  return framed(encode(message));
}

function framed(body) {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, Buffer.from(body)]);
}

function hex(buffer) {
  return [...buffer].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

// Collects incoming bytes and hands out whole frames; null once the peer has closed and no frame is left.
function frameReader(socket) {
  let pending = Buffer.alloc(0);
  let closed = false;
  const waiting = [];
  const frames = [];
  const settle = () => {
    while (waiting.length && frames.length) waiting.shift()(frames.shift());
    while (closed && waiting.length) waiting.shift()(null);
  };
  socket.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const length = pending.readUInt32BE(0);
      const raw = pending.subarray(0, 4 + length);
      frames.push(raw);
      pending = pending.subarray(4 + length);
    }
    settle();
  });
  socket.on("close", () => {
    closed = true;
    settle();
  });
  socket.on("error", () => {}); // a reset ends the stream like a close; "close" follows
  return () => new Promise((resolve) => (frames.length ? resolve(frames.shift()) : closed ? resolve(null) : waiting.push(resolve)));
}

function fail(message) {
  console.error("FAIL: " + message);
  process.exitCode = 1;
  throw new Error(message);
}

// The LUT of PROTOCOL.md "lut": y = trunc(clamp(255 * (x/255 * 2^ev)^(1/gamma), 0, 255)).
function lut(ev, gamma) {
  const table = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    const y = 255 * Math.pow((x / 255) * Math.pow(2, ev), 1 / gamma);
    table[x] = Math.trunc(Math.min(255, Math.max(0, y)));
  }
  return table;
}

// PROTOCOL.md "Handshake", the proofs: HMAC-SHA256 keyed with the 32 raw bytes of the secret, over the label, the
// challenge, the worker's nonce and (Hello only) worker_id and pid as 32-bit big-endian integers.
function helloProof(key, challenge, nonce, workerId, pid) {
  const ids = Buffer.alloc(8);
  ids.writeUInt32BE(workerId, 0);
  ids.writeInt32BE(pid, 4);
  return createHmac("sha256", key).update("processfarm hello 3").update(challenge).update(nonce).update(ids).digest();
}

function welcomeProof(key, challenge, nonce) {
  return createHmac("sha256", key).update("processfarm welcome 3").update(challenge).update(nonce).digest();
}

// PROTOCOL.md section 1: the worker connects to the Unix socket, or once to 127.0.0.1:PORT over TCP. A TCP
// listener is open to anybody who reaches it; the Hello's proof is what tells the worker from a stranger.
const server = createServer();
let endpoint;
if (tcp) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = ["--connect", `tcp://127.0.0.1:${server.address().port}`];
} else {
  await new Promise((resolve) => server.listen(socketPath, resolve));
  endpoint = ["--pipe", socketPath];
}
// --parent: the worker dies with this process, even if a failed check below ends it abruptly.
const worker = spawn(workerPath, [...endpoint, "--id", "0", "--parent", String(process.pid)], { stdio: ["pipe", "inherit", "inherit"] });
const exited = new Promise((resolve) => worker.on("exit", (code, signal) => resolve(code ?? signal)));
worker.stdin.end(secret.toString("hex") + "\n");

const timeout = setTimeout(() => fail("timed out"), 20000);
const socket = await new Promise((resolve) => server.once("connection", resolve));
if (tcp) socket.setNoDelay(true);
const next = frameReader(socket);
const expectFrame = async () => (await next()) ?? fail("the worker closed the connection");

try {
  if (conformance) checkVector(conformance);

  // Handshake (protocol 3): Challenge [10, challenge] -> Hello [1, 3, worker_id, pid, proof, kernel, nonce]
  // -> Welcome [2, 3, proof]; each proof an HMAC-SHA256 under the secret, which never crosses the socket.
  const challenge = randomBytes(32);
  socket.write(frame([10, challenge]));
  const helloFrame = await next();
  if (helloFrame === null) fail("the worker closed the connection instead of sending Hello");
  const hello = decode(helloFrame.subarray(4));
  if (!Array.isArray(hello) || hello.length < 7) fail("Hello is not an array of 7: " + JSON.stringify(hello));
  if (hello[0] !== 1 || hello[1] !== 3 || hello[2] !== 0 || hello[3] !== worker.pid) fail("unexpected Hello " + JSON.stringify(hello.slice(0, 4)));
  const workerNonce = Buffer.from(hello[6]);
  if (workerNonce.length !== 32) fail(`the Hello's nonce has ${workerNonce.length} bytes, not 32`);
  if (Buffer.compare(Buffer.from(hello[4]), helloProof(secret, challenge, workerNonce, hello[2], hello[3])) !== 0) fail("Hello does not prove the secret over the challenge");
  console.log(`handshake: worker 0, pid ${hello[3]}, kernel ${hello[5]}, over ${tcp ? "TCP" : "a Unix socket"}`);

  if (wrongWelcome) {
    await refusedWelcome(challenge, workerNonce);
  } else {
    socket.write(frame([2, 3, welcomeProof(secret, challenge, workerNonce)]));
    await serve();
  }
  console.log("protocol client: all checks passed");
} finally {
  clearTimeout(timeout);
  socket.destroy();
  server.close();
  worker.kill();
  rmSync(directory, { recursive: true, force: true });
}

// A Welcome whose proof is computed with another secret, and a file job right behind it: the worker must take
// neither (PROTOCOL.md "Handshake", step 4).
async function refusedWelcome(challenge, workerNonce) {
  writeFileSync(join(directory, "in.png"), png(6, 4));
  const output = join(directory, "out.png");
  const forged = welcomeProof(randomBytes(32), challenge, workerNonce);
  socket.write(Buffer.concat([
    frame([2, 3, forged]),
    frame([3, 1, "file", { ev: 1, gamma: 1, input_path: join(directory, "in.png"), output_path: output }, null]),
  ]));
  const answer = await next();
  if (answer !== null) fail("the worker answered after a Welcome with a wrong proof: " + JSON.stringify(decode(answer.subarray(4))));
  const code = await exited;
  if (code !== 4) fail(`the worker exited with ${code} after a Welcome with a wrong proof, not 4 (handshake refused)`);
  if (existsSync(output)) fail("the worker ran the job sent behind a Welcome with a wrong proof");
  console.log("wrong welcome: the worker refused it, exited with 4, answered nothing and wrote no file");
}

async function serve() {
  // A lut job: a 4x2 RGB tile, ev 1, gamma 1 (exact in any IEEE implementation).
  const tile = Uint8Array.from({ length: 24 }, (_, i) => i * 10);
  const job = frame([3, 1, "lut", { ev: 1.0, gamma: 1.0, width: 4, rows: 2, channels: 3 }, tile]);
  socket.write(job);
  const replyFrame = await expectFrame();
  const reply = decode(replyFrame.subarray(4));
  if (dump) console.log("job frame:   " + hex(job) + "\nreply frame: " + hex(replyFrame));
  if (reply[0] !== 4 || reply[1] !== 1) fail("expected Result for job 1, got " + JSON.stringify(reply));
  const table = lut(1.0, 1.0);
  const expected = tile.map((x) => table[x]);
  if (Buffer.compare(Buffer.from(reply[2]), Buffer.from(expected)) !== 0) fail("lut result differs: " + hex(reply[2]));
  if (typeof reply[3].kernel_us !== "number" || typeof reply[3].total_us !== "number") fail("Result lacks timings");
  console.log(`lut: ${tile.length} bytes transformed correctly, kernel ${reply[3].kernel_us} us`);

  // echo with bytes, and echo with a structured payload (complex numbers as [re, im] pairs).
  const bytes = randomBytes(100000);
  socket.write(frame([3, 2, "echo", {}, bytes]));
  const echoBytes = decode((await expectFrame()).subarray(4));
  if (echoBytes[1] !== 2 || Buffer.compare(Buffer.from(echoBytes[2]), bytes) !== 0) fail("echo of bytes differs");
  const complex = Array.from({ length: 1000 }, (_, i) => [i + 0.5, -i - 0.25]);
  socket.write(frame([3, 3, "echo", {}, complex]));
  const echoComplex = decode((await expectFrame()).subarray(4));
  if (echoComplex[1] !== 3 || JSON.stringify(echoComplex[2]) !== JSON.stringify(complex)) fail("echo of complex numbers differs");
  console.log("echo: 100000 bytes and 1000 complex numbers came back unchanged");

  // A bad job gets an Error [5, id, code, message] and the worker serves on.
  socket.write(frame([3, 4, "lut", { ev: 0, gamma: 0, width: 1, rows: 1, channels: 1 }, Uint8Array.of(1)]));
  const error = decode((await expectFrame()).subarray(4));
  if (error[0] !== 5 || error[1] !== 4 || error[2] !== 5) fail("expected Error InvalidArgument for job 4, got " + JSON.stringify(error));
  console.log(`error: job 4 refused with code ${error[2]}: ${error[3]}`);

  if (conformance) {
    const cases = await runConformance(conformance, socket, expectFrame);
    console.log(`conformance: ${cases} cases of ${conformance} answered as documented`);
  }

  // Shutdown [6]: the worker exits with 0.
  socket.write(frame([6]));
  const code = await exited;
  if (code !== 0) fail("worker exited with " + code);
  console.log("shutdown: worker exited with 0");
}

// PROTOCOL.md section 3, the worked handshake example: this client's own HMACs give the documented messages' proofs.
function checkVector(documentPath) {
  const text = readFileSync(documentPath, "utf8");
  const begin = text.indexOf("<!-- handshake-vector:begin -->");
  const end = text.indexOf("<!-- handshake-vector:end -->");
  if (begin < 0 || end < begin) fail(`${documentPath} has no handshake vector`);
  const vector = {};
  for (const match of text.slice(begin, end).matchAll(/^\| ([^|`]+) \| `([0-9a-f]+)` \|$/gm)) vector[match[1].trim()] = match[2];
  const bytes = (name) => {
    if (!(name in vector)) fail(`the handshake vector has no ${name}`);
    return Buffer.from(vector[name], "hex");
  };
  const [key, challenge, nonce] = [bytes("secret"), bytes("challenge"), bytes("nonce")];
  const hello = helloProof(key, challenge, nonce, Number(vector.worker_id), Number(vector.pid)).toString("hex");
  if (hello !== vector.hello_proof) fail(`the documented hello_proof is ${vector.hello_proof}, node:crypto computes ${hello}`);
  const welcome = welcomeProof(key, challenge, nonce).toString("hex");
  if (welcome !== vector.welcome_proof) fail(`the documented welcome_proof is ${vector.welcome_proof}, node:crypto computes ${welcome}`);
  for (const [message, proof] of [["Hello's message", "hello_proof"], ["Welcome's message", "welcome_proof"]]) {
    if (createHmac("sha256", key).update(bytes(message)).digest("hex") !== vector[proof]) fail(`the documented ${message} does not hash to ${proof}`);
  }
  console.log("handshake vector: both documented proofs recomputed with node:crypto");
}

// PROTOCOL.md section 8: every row's body, in order, and the reply it must get.
async function runConformance(documentPath, socket, next) {
  const text = readFileSync(documentPath, "utf8");
  const begin = text.indexOf("<!-- conformance:begin -->");
  const end = text.indexOf("<!-- conformance:end -->");
  if (begin < 0 || end < begin) fail(`${documentPath} has no conformance table`);
  const rows = text.slice(begin, end).split("\n").slice(3).filter((line) => line.startsWith("|"));
  if (rows.length < 80) fail(`only ${rows.length} conformance rows in ${documentPath}`);

  const region = join(directory, "region");
  const header = Buffer.alloc(8192);
  header.write("PFSHMREG", 0, "latin1"); // magic: 0x4745524D48534650 as a little-endian uint64
  header.writeUInt32LE(1, 8); // layout version
  header.writeUInt32LE(64, 12); // header bytes
  header.writeBigUInt64LE(8192n, 16); // total bytes
  header.writeBigUInt64LE(4096n, 24); // data offset
  header.writeBigUInt64LE(4096n, 32); // data bytes
  header.writeUInt32LE(process.pid, 40);
  writeFileSync(region, header, { mode: 0o600 });
  const zeros = join(directory, "zeros");
  writeFileSync(zeros, Buffer.alloc(8192));
  writeFileSync(join(directory, "in.png"), png(6, 4));

  for (const row of rows) {
    const cells = row.split("|").map((cell) => cell.trim());
    const [name, bodyCell, expected] = [cells[1], cells[2], cells[3]];
    const body = bodyCell
      .replace(/^`|`$/g, "")
      .replaceAll("$REGION", region)
      .replaceAll("$SIZE", "8192")
      .replaceAll("$ZEROS", zeros)
      .replaceAll("$DIR", directory);
    socket.write(framed(encodeNotation(body)));
    if (expected === "none") continue;
    const reply = decode((await next()).subarray(4), { useBigInt64: true });
    const id = reply[1] === null ? "nil" : String(reply[1]);
    const actual = reply[0] === 4 ? `Result id ${id}` : reply[0] === 5 ? `Error ${reply[2]} id ${reply[1] === null ? "nil" : id}` : `type ${reply[0]}`;
    const wanted = expected.replace(/ \(\w+\)/, "");
    if (actual !== wanted) fail(`${name}: ${bodyCell}\n  documented: ${expected}\n  worker:     ${actual}${reply[0] === 5 ? ": " + reply[3] : ""}`);
  }
  return rows.length;
}

// A small RGB PNG (PNG spec: signature, IHDR, IDAT, IEND, each chunk with its CRC-32).
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc(height * (1 + 3 * width)); // each row: filter type 0, then the pixels
  for (let i = 0; i < rows.length; i++) if (i % (1 + 3 * width) !== 0) rows[i] = (i * 37) & 0xff;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
