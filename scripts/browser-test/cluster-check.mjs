// Drives the `processfarm serve --mode cluster` page in headless Chromium: waits for the first preview in cluster
// mode, then for the node table to show this server's workers and their jobs. Prints one JSON object with what it
// saw; the xunit test (ClusterServeTests) makes the assertions.
// Usage: node cluster-check.mjs URL    (CHROMIUM overrides /usr/bin/chromium)
import { chromium } from "playwright-core";

const [url] = process.argv.slice(2);
if (!url) {
  console.error("usage: node cluster-check.mjs URL");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  const consoleErrors = [];
  page.on("console", message => message.type() === "error" && consoleErrors.push(message.text()));
  page.on("pageerror", error => consoleErrors.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector("#detail").dataset.mode === "cluster");
  // The table is polled every 2 s: wait until a poll after the preview shows jobs.
  await page.waitForFunction(() => [...document.querySelectorAll("#nodes-body tr")].some(r => Number(r.cells[2].textContent) > 0));
  const seen = await page.evaluate(() => ({
    visible: !document.querySelector("#nodes").hidden,
    detail: document.querySelector("#detail").textContent,
    rows: [...document.querySelectorAll("#nodes-body tr")].map(r => ({ gone: r.dataset.gone, cells: [...r.cells].map(c => c.textContent), title: r.title })),
  }));
  console.log(JSON.stringify({ ...seen, consoleErrors }));
} finally {
  await browser.close();
}
