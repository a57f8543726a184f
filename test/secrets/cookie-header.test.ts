import { expect, it } from "vitest";
import { registerClientSecrets } from "../../src/providers/client-options.js";
import { failureText } from "../../src/providers/provider-failure.js";
import { redact } from "../../src/internal/redact.js";

// A gateway that authenticates by cookie: its session value is as much a credential as a key.
const SESSION = "gw_session=Qm9vZ2llV29vZ2llNDI0Mg";

it("a Cookie default header is registered, so an error quoting it is scrubbed", () => {
  registerClientSecrets({ defaultHeaders: { Cookie: SESSION } });
  expect(redact(`401 from gateway (sent Cookie: ${SESSION})`)).not.toContain("Qm9vZ2ll");
});

it("a thrown request's cookie and set-cookie headers are blanked by name", () => {
  const text = failureText({
    status: 401,
    request: { headers: { cookie: "sid=a1b2c3d4e5" } },
    response: { headers: { "set-cookie": "sid=f6g7h8i9j0; HttpOnly" } },
  });
  expect(text).not.toContain("a1b2c3d4e5");
  expect(text).not.toContain("f6g7h8i9j0");
  expect(text).toContain("401");
});
