// The JavaScript SDK (@aws-sdk/client-mturk v3) against a real `openturk serve`: its
// paginator must stop (on the empty page that ends every MTurk listing), every non-empty page
// carries a NextToken, TurkErrorCodes are spelled as MTurk spells them, and an expired HIT
// reports the slots never taken. Run by scripts/js-tests with OPENTURK_BIN set.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  CreateHITCommand,
  GetHITCommand,
  ListHITsCommand,
  MTurkClient,
  UpdateExpirationForHITCommand,
  paginateListHITs,
} from "@aws-sdk/client-mturk";

const QUESTION =
  '<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">' +
  "<HTMLContent><![CDATA[<!DOCTYPE html><html><body><p>Hi</p></body></html>]]></HTMLContent>" +
  "<FrameHeight>450</FrameHeight></HTMLQuestion>";

/** Starts the server on a free port; resolves to its endpoint once it listens. */
function startServer(dir) {
  const proc = spawn(process.env.OPENTURK_BIN, ["--data-dir", dir, "serve", "--listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "inherit"],
    // A server of its own: SQLite in `dir`, whatever OPENTURK_* the caller has set.
    cwd: dir,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OPENTURK_"))),
  });
  const ready = new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`openturk serve did not start:\n${out}`)), 60_000);
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/Requester API: (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m && out.includes("Database:")) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`openturk serve exited with ${code}:\n${out}`)));
  });
  return { proc, ready };
}

function credentials(dir) {
  const text = readFileSync(join(dir, "credentials"), "utf8");
  const get = (k) => text.match(new RegExp(`^${k}\\s*=\\s*(\\S+)`, "m"))[1];
  return { accessKeyId: get("aws_access_key_id"), secretAccessKey: get("aws_secret_access_key") };
}

const dir = mkdtempSync(join(tmpdir(), "openturk-js-"));
const { proc, ready } = startServer(dir);
try {
  const endpoint = await ready;
  const client = new MTurkClient({ endpoint, region: "us-east-1", credentials: credentials(dir) });
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const { HIT } = await client.send(
      new CreateHITCommand({
        Title: `js ${i}`,
        Description: "JavaScript SDK check",
        Reward: "0.50",
        AssignmentDurationInSeconds: 600,
        LifetimeInSeconds: 3600,
        MaxAssignments: 2,
        Question: QUESTION,
      }),
    );
    ids.push(HIT.HITId);
  }

  // The paginator stops, on the empty page after the last HIT.
  const sizes = [];
  const seen = [];
  for await (const page of paginateListHITs({ client, pageSize: 2 }, {})) {
    sizes.push(page.NumResults);
    seen.push(...page.HITs.map((h) => h.HITId));
    assert.ok(sizes.length < 10, `the paginator does not stop: ${sizes}`);
  }
  assert.deepEqual(sizes, [2, 2, 1, 0]);
  assert.deepEqual(seen, ids);
  const whole = await client.send(new ListHITsCommand({}));
  assert.equal(whole.NumResults, 5);
  assert.ok(whole.NextToken, "a page holding every HIT still has a NextToken");

  // MTurk's spelling: HITDoesNotExist.
  await assert.rejects(client.send(new GetHITCommand({ HITId: "3NOSUCHHIT00000000000000000000" })), (e) => {
    assert.equal(e.name, "RequestError");
    assert.equal(e.TurkErrorCode, "AWS.MechanicalTurk.HITDoesNotExist");
    return true;
  });

  // An expired HIT nobody worked: Reviewable, its slots still counted as available.
  await client.send(new UpdateExpirationForHITCommand({ HITId: ids[0], ExpireAt: new Date(0) }));
  const { HIT } = await client.send(new GetHITCommand({ HITId: ids[0] }));
  assert.equal(HIT.HITStatus, "Reviewable");
  assert.equal(HIT.NumberOfAssignmentsAvailable, 2);

  console.log("js-tests: @aws-sdk/client-mturk: all checks passed");
} finally {
  proc.kill();
  rmSync(dir, { recursive: true, force: true });
}
