import type { SessionMessage } from "../../src/types.js";

type TextRole = "system" | "user" | "assistant";
const ROLES: readonly TextRole[] = ["system", "user", "assistant"];
// Empty and blank contents are what the conversions skip or keep differently.
const CONTENTS = ["", " ", "text"] as const;

/**
 * Every transcript of up to `maxLength` system, user and assistant messages without tool calls,
 * over empty, blank and real contents (each real content distinct, so order shows).
 */
export function textTranscripts(maxLength: number): SessionMessage[][] {
  let level: SessionMessage[][] = [[]];
  const all = [...level];
  for (let length = 1; length <= maxLength; length++) {
    level = level.flatMap((prefix) =>
      ROLES.flatMap((role) =>
        CONTENTS.map((c) => [...prefix, textMessage(role, c === "text" ? `text ${length}` : c)]),
      ),
    );
    all.push(...level);
  }
  return all;
}

export function textMessage(role: SessionMessage["role"], content: string): SessionMessage {
  return { messageId: "m", sessionId: "s", role, content, timestamp: new Date(0), metadata: {} };
}
