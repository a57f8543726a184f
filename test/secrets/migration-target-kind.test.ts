/**
 * Which migration targets are opened as Postgres, which as a SQLite file, and which are refused
 * as URLs of another kind, without being quoted (they may hold a password).
 */
import { expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { targetKind } from "../../src/migration/target.js";

it("opens pg's URLs as Postgres", () => {
  for (const url of [
    "postgres://app:pw@db/app",
    "postgresql://db/app?sslmode=require",
    "socket:/var/run/postgresql?db=app",
  ]) {
    expect(targetKind(url), url).toBe("postgres");
  }
});

it("takes paths as SQLite files, Windows drives and odd names included", () => {
  for (const path of [
    "sessions.db",
    "/srv/data/sessions.db",
    "C:\\data\\sessions.db",
    "C:/data/sessions.db",
    "./file:x.db?mode=ro",
    "backup:2024.db",
  ]) {
    expect(targetKind(path), path).toBe("sqlite");
  }
});

it("refuses any other URL without quoting it", () => {
  for (const url of [
    "postgresql+psycopg2://app:Secr3tPw@db/app",
    "sqlite:///Secr3tPw.db",
    "file:Secr3tPw.db?mode=ro",
    "mysql://app:Secr3tPw@db/app",
    "postgres://app:Secr3tPw@db:port/app",
  ]) {
    let error: unknown;
    try {
      targetKind(url);
    } catch (e) {
      error = e;
    }
    expect(error, url).toBeInstanceOf(ValidationError);
    expect((error as Error).message).not.toContain("Secr3tPw");
  }
});
