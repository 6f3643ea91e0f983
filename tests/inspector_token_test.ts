// The inspector bound beyond loopback (issue 14, item 11): every request needs the token the URL
// carries, compared in constant time; the page keeps it in a cookie for its event stream; the Host
// check stays (IP addresses and this machine's name only). On loopback nothing changes.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { daemonMachine } from "../src/actors/daemon_machine.ts";
import { maintenanceMachine } from "../src/actors/maintenance_machine.ts";
import { startInspector } from "../src/viz/inspector_server.ts";
import { test } from "./_harness.ts";
import { startManual } from "./_sdk_fixtures.ts";

const machines = { daemon: daemonMachine, maintenance: maintenanceMachine };

/** A raw HTTP/1.1 GET (fetch cannot set Host); resolves with the status line and the headers. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      const lines = Object.entries({ Connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      socket.write(`GET ${path} HTTP/1.1\r\n${lines}\r\n`);
    });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\r\n\r\n")) socket.destroy(); // the head is enough (an event stream never ends)
    });
    socket.on("close", () => {
      const head = text.split("\r\n\r\n")[0];
      resolve({ status: Number(head.split(" ")[1]), head });
    });
    socket.on("error", reject);
  });
}

test("inspector on 0.0.0.0: the URL carries a token; without it, or with a wrong one, 401", async () => {
  const { sdk } = await startManual();
  const inspector = await startInspector({ port: 0, hostname: "0.0.0.0", getSnapshot: () => sdk.snapshot(), machines });
  try {
    const url = new URL(inspector.url);
    const token = url.searchParams.get("token")!;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    const port = Number(url.port);
    const host = { Host: `127.0.0.1:${port}` };
    assert.equal((await rawGet(port, "/", host)).status, 401);
    assert.equal((await rawGet(port, "/snapshot.json", host)).status, 401);
    assert.equal((await rawGet(port, "/events", host)).status, 401);
    assert.equal((await rawGet(port, `/?token=${token.slice(0, -1)}`, host)).status, 401); // one character short
    assert.equal((await rawGet(port, `/?token=${token}x`, host)).status, 401);
    const wrongLast = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    assert.equal((await rawGet(port, `/?token=${wrongLast}`, host)).status, 401);
    const page = await rawGet(port, `/?token=${token}`, host);
    assert.equal(page.status, 200);
    assert.match(page.head, new RegExp(`set-cookie: meshos_inspector_token=${token}; HttpOnly; SameSite=Strict; Path=/`, "i"));
    // The page's event stream and the JSON carry the token in the cookie.
    const cookie = { ...host, Cookie: `other=1; meshos_inspector_token=${token}` };
    assert.equal((await rawGet(port, "/events", cookie)).status, 200);
    assert.equal((await rawGet(port, "/snapshot.json", cookie)).status, 200);
    assert.equal((await rawGet(port, "/snapshot.json", { ...host, Cookie: "meshos_inspector_token=nope" })).status, 401);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("inspector on 0.0.0.0: the Host check stays — a foreign name is refused even with the token", async () => {
  const { sdk } = await startManual();
  const inspector = await startInspector({ port: 0, hostname: "0.0.0.0", getSnapshot: () => sdk.snapshot(), machines });
  try {
    const url = new URL(inspector.url);
    const port = Number(url.port);
    const path = `/?token=${url.searchParams.get("token")}`;
    assert.equal((await rawGet(port, path, { Host: "attacker.example" })).status, 421);
    assert.equal((await rawGet(port, path, { Host: `attacker.example:${port}` })).status, 421);
    assert.equal((await rawGet(port, path, { Host: `10.1.2.3:${port + 1}` })).status, 421); // another port
    assert.equal((await rawGet(port, path, { Host: `10.1.2.3:${port}` })).status, 200); // an address of this machine
    assert.equal((await rawGet(port, path, { Host: `[::1]:${port}` })).status, 200);
  } finally {
    await inspector.close();
    await sdk.shutdown();
  }
});

test("inspector on loopback: no token in the URL and none asked for", async () => {
  const { sdk } = await startManual();
  const inspector = await sdk.inspect();
  try {
    assert.match(inspector.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = Number(new URL(inspector.url).port);
    assert.equal((await rawGet(port, "/", { Host: `127.0.0.1:${port}` })).status, 200);
  } finally {
    await sdk.shutdown();
  }
});
