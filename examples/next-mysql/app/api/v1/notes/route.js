import { services } from '../../../../lib/services';
import { HttpError, handle, json, readJson, parseText } from '../../../../lib/http';

export const dynamic = 'force-dynamic';

function db() {
  const { db } = services();
  if (!db.isMigrated()) throw new HttpError(503, 'database not ready');
  return db;
}

// GET /api/v1/notes: newest first, at most 50.
export const GET = handle(async () => json(await db().listNotes()));

// POST /api/v1/notes {"text"}: 201 {id, text, created_at}.
export const POST = handle(async (req) => {
  const store = db();
  return json(await store.createNote(parseText(await readJson(req))), 201);
});
