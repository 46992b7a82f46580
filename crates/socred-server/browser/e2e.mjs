// End-to-end tests of the web UI in headless Chromium.
//
// node e2e.mjs BASE_URL ARTIFACTS_DIR FIXTURE_JSON
//
// The Rust test (tests/browser.rs) starts a real server on a fresh store,
// writes the fixture (accounts, subjects) and runs this script; every step
// asserts, every page passes an accessibility smoke check (and, in the tour
// of every page in both languages, an axe-core audit), and screenshots are
// saved as artifacts. Exit status 0 means every check passed.

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import assert from "node:assert/strict";

const [base, artifacts, fixtureJson] = process.argv.slice(2);
const fixture = JSON.parse(fixtureJson);
mkdirSync(artifacts, { recursive: true });

const executablePath = process.env.SOCRED_CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let shots = 0;
async function shot(page, name) {
  shots += 1;
  await page.screenshot({ path: `${artifacts}/${String(shots).padStart(2, "0")}-${name}.png`, fullPage: true });
}

// Accessibility smoke check, in the rendered page: language, one h1, labelled
// controls, named images, and text contrast of at least 4.5:1 (WCAG AA).
async function accessible(page, name) {
  const problems = await page.evaluate(() => {
    const out = [];
    if (!document.documentElement.lang) out.push("no lang on <html>");
    const h1 = document.querySelectorAll("h1").length;
    if (h1 !== 1) out.push(`${h1} <h1> elements`);
    for (const control of document.querySelectorAll("input, select, textarea")) {
      if (control.type === "hidden") continue;
      const labelled = control.getAttribute("aria-label") || (control.id && document.querySelector(`label[for="${control.id}"]`));
      if (!labelled) out.push(`unlabelled ${control.tagName.toLowerCase()} ${control.name}`);
    }
    for (const image of document.querySelectorAll("img, svg[role=img]")) {
      const named = image.getAttribute("alt") || image.getAttribute("aria-label") || image.getAttribute("aria-labelledby");
      if (!named) out.push(`unnamed image ${image.outerHTML.slice(0, 40)}`);
    }
    const luminance = (rgb) => {
      const [r, g, b] = rgb.map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parse = (color) => (color.match(/[\d.]+/g) || []).slice(0, 4).map(Number);
    const background = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const seen = new Set();
    for (const element of document.querySelectorAll("body *")) {
      const text = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!text || element.closest("svg")) continue;
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const fg = luminance(parse(style.color).slice(0, 3));
      const bg = luminance(background(element));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const key = `${style.color}/${background(element)}`;
      if (ratio < 4.5 && !seen.has(key)) {
        seen.add(key);
        out.push(`contrast ${ratio.toFixed(2)} for <${element.tagName.toLowerCase()}> "${element.textContent.trim().slice(0, 30)}"`);
      }
    }
    return out;
  });
  assert.deepEqual(problems, [], `accessibility problems on ${name}`);
  // Readable on a phone: nothing wider than the viewport.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${name} scrolls sideways on a phone by ${overflow}px`);
}

async function signIn(context, username, password) {
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await accessible(page, "login");
  // By field name: the form is in the context's language.
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form[action="/login"] button[type="submit"]').click();
  await page.waitForLoadState();
  return page;
}

const phone = { viewport: { width: 390, height: 844 } };

// 1. A subject signs in, sees their score, files a dispute.
{
  const context = await browser.newContext(phone);
  const page = await signIn(context, fixture.subject.username, fixture.password);
  assert.equal(new URL(page.url()).pathname, "/me");
  await accessible(page, "portal");
  const score = await page.getByTestId("score").textContent();
  const tier = await page.getByTestId("tier").textContent();
  assert.equal(score.trim(), String(fixture.subject.score), "the portal shows the score");
  assert.equal(tier.trim(), fixture.subject.tier, "the portal shows the tier");
  assert.ok(await page.locator("svg.chart").isVisible(), "the score chart is drawn");
  await shot(page, "citizen-portal");
  await page.getByLabel("Record", { exact: true }).selectOption(fixture.subject.disputed_record);
  await page.getByLabel("Your grounds", { exact: true }).fill("I was abroad on that date; see my passport stamps.");
  await page.getByRole("button", { name: "File the dispute" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /Dispute .* filed/);
  assert.ok((await page.locator("table").nth(1).textContent()).includes("disputed"), "the record is marked disputed");
  await accessible(page, "portal after dispute");
  await shot(page, "citizen-dispute-filed");
  await context.close();
  console.log("ok: subject signs in, sees the score, files a dispute");
}

// 1c. The subject reads their commercial score and its reasons, and lets a provider see it.
{
  const context = await browser.newContext(phone);
  const page = await signIn(context, fixture.subject.username, fixture.password);
  await page.goto(`${base}/me/score`);
  await accessible(page, "commercial score");
  assert.match(await page.locator("p.score").textContent(), /Your commercial score: \d{3}/);
  await page.getByLabel("Partner account").fill(fixture.provider.username);
  await page.getByRole("button", { name: "Give consent" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /Consent given to airline/);
  await accessible(page, "commercial score after consent");
  await shot(page, "citizen-commercial-score");
  await context.close();
  console.log("ok: subject reads the commercial score and gives a provider consent");
}

// 1b. A listed subject sees where they stand first, and prints their written
// notice: on one A4 page, without the site's menus, in either language.
for (const locale of ["en-GB", "zh-CN"]) {
  const context = await browser.newContext({ ...phone, locale });
  const page = await signIn(context, fixture.listed.username, fixture.password);
  assert.equal(new URL(page.url()).pathname, "/me");
  await page.getByTestId("status").waitFor();
  const box = await page.getByTestId("status").boundingBox();
  assert.ok(box && box.y < 844, "where the subject stands is on the first screen");
  await accessible(page, `listed portal ${locale}`);
  await shot(page, `listed-portal-${locale}`);
  await page.locator('a[href^="/me/notices/"]').first().click();
  await page.waitForLoadState();
  await page.getByTestId("notice-document").waitFor();
  await accessible(page, `written notice ${locale}`);
  await shot(page, `written-notice-${locale}`);
  await page.emulateMedia({ media: "print" });
  assert.ok(!(await page.locator("header").isVisible()), "the site's menus are not printed");
  const pdf = await page.pdf({ format: "A4" });
  writeFileSync(`${artifacts}/written-notice-${locale}.pdf`, pdf);
  const counts = [...pdf.toString("latin1").matchAll(/\/Type\s*\/Pages[\s\S]{0,200}?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(counts, [1], `the ${locale} notice prints on one A4 page`);
  await context.close();
  console.log(`ok: a listed subject sees where they stand and prints the notice on one page (${locale})`);
}

// 2. An officer records a behaviour and sees the subject's tier change.
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, fixture.officer.username, fixture.password);
  assert.equal(new URL(page.url()).pathname, "/officer");
  await accessible(page, "officer console");
  await page.getByLabel("Name or identifier").fill(fixture.officer.subject_name);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: fixture.officer.subject_name }).click();
  await page.waitForLoadState();
  await accessible(page, "officer subject view");
  const before = (await page.getByTestId("tier").textContent()).trim();
  assert.equal(before, fixture.officer.tier_before);
  await shot(page, "officer-subject-before");
  await page.goto(`${base}/officer`);
  await page.getByLabel("Subject identifier").first().fill(fixture.officer.subject_id);
  await page.getByLabel("Behaviour").selectOption(fixture.officer.behaviour);
  await page.getByLabel("Case number (optional)").fill("(2026) tax inspection 114");
  await page.getByLabel("Evidence reference").fill("inspection report 2026-114");
  await page.getByRole("button", { name: "Record", exact: true }).click();
  await page.waitForLoadState();
  // A deduction this large is shown back to confirm before it is stored.
  await page.getByTestId("confirm-record").waitFor();
  await accessible(page, "officer confirms a large deduction");
  await shot(page, "officer-confirm");
  await page.getByRole("button", { name: "Record it" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /Recorded/);
  const after = (await page.getByTestId("tier").textContent()).trim();
  assert.equal(after, fixture.officer.tier_after, `the tier changes from ${before} to ${fixture.officer.tier_after}`);
  await accessible(page, "officer subject view after record");
  await shot(page, "officer-subject-after");
  await context.close();
  console.log(`ok: officer records a behaviour, tier ${before} -> ${after}`);
}

// 3. Anyone searches the public list.
{
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(`${base}/lists`);
  await accessible(page, "public lists");
  await page.getByLabel("Name or identifier").fill(fixture.public.search);
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForLoadState();
  const table = await page.locator("table").textContent();
  assert.ok(table.includes(fixture.public.name), "the listed subject is found");
  assert.ok(table.includes(fixture.public.masked_id), "with the masked identifier");
  assert.ok(!table.includes(fixture.public.full_id), "never the full identifier");
  await shot(page, "public-list-search");
  await page.getByLabel("Name or identifier").fill("Nobody By This Name");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForLoadState();
  assert.ok((await page.locator("main").textContent()).includes("No published entries match"));
  await page.goto(`${base}/rulebook`);
  await accessible(page, "rulebook");
  await shot(page, "rulebook");
  await context.close();
  console.log("ok: the public list search finds the listed subject");
}

// 4. A provider checks a subject: the decision and its reason codes, nothing more.
{
  const context = await browser.newContext(phone);
  const page = await signIn(context, fixture.provider.username, fixture.password);
  assert.equal(new URL(page.url()).pathname, "/provider");
  await accessible(page, "provider check");
  for (const [service, expected] of fixture.provider.expect) {
    await page.getByLabel("Subject identifier").fill(fixture.provider.subject_id);
    await page.getByLabel("Service").selectOption(service);
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await page.waitForLoadState();
    assert.equal((await page.getByTestId("decision").textContent()).trim(), expected, `${service} is ${expected}`);
    const main = await page.locator("main").textContent();
    assert.ok(!/score|tier/i.test(main.replace(/never the score or the file/i, "")), "the provider never sees a score or tier");
    await accessible(page, `provider decision ${service}`);
    await shot(page, `provider-${service}`);
  }
  await context.close();
  console.log("ok: a provider checks a subject and sees only the decision");
}

// 5. A subject reports a breach of trust with a photo; a reviewer verifies it.
{
  const context = await browser.newContext(phone);
  const page = await signIn(context, fixture.subject.username, fixture.password);
  await page.goto(`${base}/me/reports`);
  await accessible(page, "report form");
  await page.getByLabel("Identifier of the person or organisation").fill(fixture.report.subject_id);
  await page.getByLabel("What they did").selectOption(fixture.report.behaviour);
  await page.getByLabel("When (YYYY-MM-DD)").fill(fixture.report.on);
  await page.getByLabel("What you saw").fill("Crossed Renmin Road against the red light at 8:10.");
  await page.getByLabel(/Evidence/).setInputFiles({ name: "crossing.png", mimeType: "image/png", buffer: Buffer.from("\x89PNG\r\n\x1a\nphoto", "latin1") });
  await page.getByRole("button", { name: "File the report" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /filed: submitted/);
  assert.equal((await page.getByTestId("report-state").first().textContent()).trim(), "submitted");
  await accessible(page, "report filed");
  await shot(page, "report-filed");
  await context.close();
}
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await signIn(context, fixture.reviewer.username, fixture.password);
  await page.goto(`${base}/reviewer/reports`);
  await accessible(page, "report queue");
  const card = page.getByTestId("report").first();
  assert.ok((await card.textContent()).includes("image/png"), "the evidence is listed");
  assert.equal((await card.getByTestId("malicious-share").textContent()).trim(), "0%", "the reporter's malicious share is shown");
  await card.getByRole("button", { name: "Take into review" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /under review by you/);
  await page.getByTestId("report").first().getByLabel("Decision").selectOption("verified");
  await page.getByTestId("report").first().getByLabel("Reasons").fill("Traffic camera footage confirms it.");
  await page.getByTestId("report").first().getByRole("button", { name: "Decide" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".flash.ok").textContent(), /verified/);
  await accessible(page, "report queue after decision");
  await shot(page, "report-verified");
  await page.goto(`${base}/reviewer/metrics`);
  await accessible(page, "reviewer metrics");
  assert.ok((await page.locator("main").textContent()).includes("verified"), "the metrics count the verified report");
  await shot(page, "reviewer-metrics");
  await context.close();
  console.log("ok: a subject files a report with evidence, a reviewer verifies it");
}

// 6. A partner sees its receipts.
{
  const context = await browser.newContext(phone);
  const page = await signIn(context, fixture.partner.username, fixture.password);
  assert.equal(new URL(page.url()).pathname, "/partner");
  await accessible(page, "partner receipts");
  const receipt = await page.getByTestId("receipt").first().textContent();
  assert.ok(receipt.includes(fixture.partner.batch) && receipt.includes("1 accepted") && receipt.includes("1 rejected"), receipt);
  assert.ok(receipt.includes("outside partner bikes"), "the refused line is explained");
  await shot(page, "partner-receipts");
  await context.close();
  console.log("ok: a partner sees its receipts");
}

// 7. Every page of every role, in both languages: the page is in the
// language asked for, and axe-core finds no serious or critical violation
// of WCAG 2.1 A/AA on it.
const axeSource = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
async function audited(page, name) {
  // The site's CSP allows no scripts: axe is injected with the context's
  // bypassCSP, as an auditor's extension would be.
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const found = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return found.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  const blocking = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result) if (!blocking.includes(v)) console.log(`note: axe-core ${v.impact} ${v.id} on ${name}: ${v.nodes.join(", ")}`);
  assert.deepEqual(blocking, [], `axe-core: serious or critical violations on ${name}`);
  return result.length;
}
const tour = [
  [null, ["/", "/login", "/lists", "/rulebook", "/api/v1/docs"]],
  [fixture.subject.username, ["/me", "/me/score", "/me/reports"]],
  [fixture.listed.username, ["/me", "notice"]],
  [fixture.officer.username, ["/officer", `/officer/subjects/${fixture.officer.subject_id}`]],
  [fixture.reviewer.username, ["/reviewer", "/reviewer/reports", "/reviewer/metrics", "/reviewer/annual", "/policy"]],
  [fixture.provider.username, ["/provider"]],
  [fixture.partner.username, ["/partner"]],
];
const han = /[\u4e00-\u9fff]/;
let pages = 0;
let minor = 0;
for (const locale of ["en-GB", "zh-CN"]) {
  const lang = locale === "zh-CN" ? "zh-CN" : "en";
  for (const [username, paths] of tour) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, bypassCSP: true });
    const page = username ? await signIn(context, username, fixture.password) : await context.newPage();
    for (let path of paths) {
      if (path === "notice") {
        await page.goto(`${base}/me`);
        path = await page.locator('a[href^="/me/notices/"]').first().getAttribute("href");
      }
      const response = await page.goto(`${base}${path}`);
      assert.equal(response.status(), 200, `${path} as ${username ?? "anyone"} (${locale})`);
      const name = `${path} as ${username ?? "anyone"} (${locale})`;
      assert.equal(await page.getAttribute("html", "lang"), lang, `<html lang> on ${name}`);
      // Chinese text on a Chinese page; an English page's heading has none
      // (the fixture's names are in Latin letters).
      if (lang === "zh-CN") {
        const words = (await page.locator("h1").textContent()) + (await page.locator("main label, main h2, main th, main button, main > p").allTextContents()).join("");
        assert.ok(han.test(words), `${name} is in Chinese: ${words.slice(0, 80)}`);
      }
      else assert.ok(!han.test(await page.locator("h1").textContent()), `${name} is in English`);
      // A partner's receipt explains a refused line in the reader's language.
      if (path === "/partner") {
        const receipt = await page.getByTestId("receipt").first().textContent();
        assert.ok(receipt.includes(lang === "zh-CN" ? "不在合作方 bikes 的协议范围内" : "outside partner bikes"), receipt);
      }
      await accessible(page, name);
      minor += await audited(page, name);
      const slug = path.replace(/^\//, "").replace(/[^a-z0-9]+/gi, "-") || "home";
      await shot(page, `tour-${locale}-${username ?? "public"}-${slug}`);
      // The first screen of a listed subject's portal: the README's screenshots.
      if (username === fixture.listed.username && path === "/me") await page.screenshot({ path: `${artifacts}/portal-${lang}.png` });
      pages += 1;
    }
    await context.close();
  }
}
console.log(`ok: ${pages} pages in two languages, each in its language, none with a serious or critical axe-core violation (${minor} moderate or minor)`);

await browser.close();
console.log(`all browser checks passed; ${shots} screenshots in ${artifacts}`);
