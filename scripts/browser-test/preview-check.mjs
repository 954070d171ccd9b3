// Drives the `processfarm serve` page in headless Chromium like a user: waits for the first preview, moves the
// exposure slider, switches to shm, drags the gamma slider fast, opens a file that is not an image. Prints one JSON
// object with what it saw at each step; the xunit test (ServeTests) makes the assertions.
// Usage: node preview-check.mjs URL [SCREENSHOT.png]    (CHROMIUM overrides /usr/bin/chromium)
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node preview-check.mjs URL [SCREENSHOT.png]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const timeout = 60_000;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(timeout);
  const consoleErrors = [];
  page.on("console", message => message.type() === "error" && consoleErrors.push(message.text()));
  page.on("pageerror", error => consoleErrors.push(String(error)));

  // What the user sees: the status bar, the detail line, the shown preview (its bytes hashed) and the counters.
  const look = () => page.evaluate(async () => {
    const img = document.querySelector("#preview");
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let hash = 2166136261;
    for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
    return {
      status: document.querySelector("#status").textContent,
      detail: document.querySelector("#detail").textContent,
      mode: document.querySelector("#detail").dataset.mode,
      query: img.dataset.query,
      width: img.naturalWidth,
      height: img.naturalHeight,
      bytes: bytes.length,
      hash,
      counters: document.querySelector("#counters").textContent,
      dropped: Number(document.querySelector("#counters").dataset.dropped),
      error: document.querySelector("#error").textContent,
    };
  });
  const settled = () => page.waitForFunction(() => document.querySelector("#counters").dataset.idle === "true");

  await page.goto(url);
  await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("Processed in"));
  await settled();
  const first = await look();

  await page.locator("#ev").fill("-0.8");
  await page.waitForFunction(() => (document.querySelector("#preview").dataset.query || "").includes("ev=-0.8"));
  await settled();
  const afterSlider = await look();

  await page.selectOption("#mode", "shm");
  await page.waitForFunction(() => document.querySelector("#detail").dataset.mode === "shm");
  await settled();
  const afterMode = await look();

  // A fast drag with the mouse, left to right across the gamma slider: many positions while previews are in flight.
  // The newest must win and the others be dropped, not queued.
  const box = await page.locator("#gamma").boundingBox();
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 40; i++) {
    await page.mouse.move(box.x + 2 + ((box.width - 4) * i) / 40, box.y + box.height / 2);
  }
  await page.mouse.up();
  const gammaAfterDrag = await page.locator("#gamma").inputValue();
  await page.waitForFunction(g => (document.querySelector("#preview").dataset.query || "").includes("gamma=" + g), gammaAfterDrag);
  await settled();
  const afterDrag = { ...(await look()), gammaAfterDrag };
  if (screenshot) await page.screenshot({ path: screenshot }); // a warm pool after a drag: the typical view

  await page.setInputFiles("#upload", { name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("not a picture") });
  await page.waitForFunction(() => document.querySelector("#error").textContent.length > 0);
  const afterBadUpload = await look();

  console.log(JSON.stringify({ first, afterSlider, afterMode, afterDrag, afterBadUpload, consoleErrors }));
} finally {
  await browser.close();
}
