/**
 * fc3201f made cookie / set-cookie headers credentials, "blanked in a thrown object". But
 * provider-failure.ts withoutCredentials blanks a header only when its value is a string, and
 * Node (http.IncomingMessage.headers, undici's getSetCookie, axios) gives `set-cookie` as an
 * array of strings. A custom adapter that throws a plain error object with the response headers
 * gets the gateway's session cookie copied into ProviderError.message and into the stored
 * message's metadata.error.
 */
import { expect, it } from "vitest";
import { createSessionManager, ProviderError } from "../../src/index.js";
import { failureText } from "../../src/providers/provider-failure.js";
import { userStorage } from "../helpers/user-storage.js";
import { ownAdapter } from "../helpers/own-adapter.js";

const SID = "f6g7h8i9j0Zq";

it("failureText blanks a set-cookie header given as an array (as Node gives it)", () => {
  const text = failureText({
    status: 401,
    response: { headers: { "set-cookie": [`sid=${SID}; HttpOnly; Path=/`] } },
  });
  expect(text).toContain("401");
  expect(text).not.toContain(SID);
});

it("a thrown object's set-cookie array does not reach the error or the stored message", async () => {
  const adapter = ownAdapter({
    sendTurn: async () => {
      throw { status: 401, response: { headers: { "set-cookie": [`sid=${SID}; HttpOnly`] } } };
    },
  });
  const manager = createSessionManager({
    storage: userStorage(),
    providers: { mine: { adapter } },
  });
  const session = await manager.createSession("u", "mine", "m");
  const error = await session.sendMessage("hi").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).not.toContain(SID);
  expect(JSON.stringify(await session.getMessages())).not.toContain(SID);
  await manager.close();
});
