import { services } from '../../../../../lib/services';
import { HttpError, handle, json, parseId } from '../../../../../lib/http';

export const dynamic = 'force-dynamic';

// GET /api/v1/notes/:id: 200 note, 404 {"error":"note not found"}, 400 for a malformed id.
export const GET = handle(async (req, { params }) => {
  const id = parseId((await params).id);
  const { db } = services();
  if (!db.isMigrated()) throw new HttpError(503, 'database not ready');
  const note = await db.getNote(id);
  if (!note) throw new HttpError(404, 'note not found');
  return json(note);
});
