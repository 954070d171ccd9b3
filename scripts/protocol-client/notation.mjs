// The body notation of docs/PROTOCOL.md section 8, encoded to MessagePack by hand (the notation writes encodings
// a MessagePack library will not produce on purpose: a uint 64 type, raw bytes, repeated map keys).
//   nil true false | 12 -3 (shortest int) | 1.5 NaN Infinity -Infinity (float 64) | "json string" |
//   bin(N) (N zero bytes) | raw(HEX) | [a, b] | {k: v}; several values may follow one another.
export function encodeNotation(text) {
  let at = 0;
  const out = [];
  const space = () => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  const expect = (c) => {
    if (text[at] !== c) throw new Error(`expected '${c}' at ${at} of ${text}`);
    at++;
  };
  const separator = (close) => {
    space();
    if (text[at] === ",") at++;
    else if (text[at] !== close) throw new Error(`expected ',' or '${close}' at ${at} of ${text}`);
  };
  function value() {
    space();
    const c = text[at];
    if (c === "[") {
      at++;
      const items = [];
      for (space(); text[at] !== "]"; space()) {
        items.push(value());
        separator("]");
      }
      at++;
      return Buffer.concat([header(items.length, 0x90, 16, 0xdc, 0xdd), ...items]);
    }
    if (c === "{") {
      at++;
      const entries = [];
      for (space(); text[at] !== "}"; space()) {
        entries.push(value());
        space();
        expect(":");
        entries.push(value());
        separator("}");
      }
      at++;
      return Buffer.concat([header(entries.length / 2, 0x80, 16, 0xde, 0xdf), ...entries]);
    }
    if (c === '"') {
      let end = at + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const bytes = Buffer.from(JSON.parse(text.slice(at, end + 1)), "utf8");
      at = end + 1;
      return Buffer.concat([stringHeader(bytes.length), bytes]);
    }
    const word = /^[A-Za-z0-9+.\-]+/.exec(text.slice(at))[0];
    at += word.length;
    if (word === "nil") return Buffer.from([0xc0]);
    if (word === "true") return Buffer.from([0xc3]);
    if (word === "false") return Buffer.from([0xc2]);
    if (word === "bin" || word === "raw") {
      expect("(");
      const close = text.indexOf(")", at);
      const inside = text.slice(at, close);
      at = close + 1;
      if (word === "raw") return Buffer.from(inside.replace(/\s/g, ""), "hex");
      const length = Number(inside);
      return Buffer.concat([binHeader(length), Buffer.alloc(length)]);
    }
    if (word === "NaN" || word.endsWith("Infinity") || /[.eE]/.test(word)) {
      const bytes = Buffer.alloc(9);
      bytes[0] = 0xcb;
      bytes.writeDoubleBE(Number(word), 1);
      return bytes;
    }
    return integer(BigInt(word));
  }
  for (space(); at < text.length; space()) out.push(value());
  return Buffer.concat(out);
}

function header(count, fix, fixLimit, code16, code32) {
  if (count < fixLimit) return Buffer.from([fix | count]);
  if (count <= 0xffff) return Buffer.from([code16, count >> 8, count & 0xff]);
  const bytes = Buffer.alloc(5);
  bytes[0] = code32;
  bytes.writeUInt32BE(count, 1);
  return bytes;
}

function stringHeader(length) {
  if (length < 32) return Buffer.from([0xa0 | length]);
  if (length <= 0xff) return Buffer.from([0xd9, length]);
  return length <= 0xffff ? sized(0xda, 2, length) : sized(0xdb, 4, length);
}

function binHeader(length) {
  if (length <= 0xff) return Buffer.from([0xc4, length]);
  return length <= 0xffff ? sized(0xc5, 2, length) : sized(0xc6, 4, length);
}

function sized(code, width, value) {
  const bytes = Buffer.alloc(1 + width);
  bytes[0] = code;
  if (width === 2) bytes.writeUInt16BE(value, 1);
  else bytes.writeUInt32BE(value, 1);
  return bytes;
}

function integer(value) {
  if (value >= 0n) {
    if (value < 128n) return Buffer.from([Number(value)]);
    if (value <= 0xffn) return Buffer.from([0xcc, Number(value)]);
    if (value <= 0xffffn) return sized(0xcd, 2, Number(value));
    if (value <= 0xffffffffn) return sized(0xce, 4, Number(value));
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xcf;
    bytes.writeBigUInt64BE(value, 1);
    return bytes;
  }
  if (value >= -32n) return Buffer.from([Number(value) & 0xff]);
  const bytes = Buffer.alloc(9);
  if (value >= -128n) return Buffer.from([0xd0, Number(value) & 0xff]);
  if (value >= -32768n) {
    bytes[0] = 0xd1;
    bytes.writeInt16BE(Number(value), 1);
    return bytes.subarray(0, 3);
  }
  if (value >= -2147483648n) {
    bytes[0] = 0xd2;
    bytes.writeInt32BE(Number(value), 1);
    return bytes.subarray(0, 5);
  }
  bytes[0] = 0xd3;
  bytes.writeBigInt64BE(value, 1);
  return bytes;
}
